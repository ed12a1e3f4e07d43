//! One observation of one app: its render and its status on its cluster,
//! turned into the snapshot row the front ends show.

use crate::engine::api::{AppSnapshot, ResourceSummary};
use crate::engine::cluster::{ClusterClient, LiveObjects};
use crate::engine::diff::{CompareOptions, SyncStatus};
use crate::engine::health::HealthStatus;
use crate::engine::model::Application;
use crate::engine::render::RenderedSource;
use crate::engine::status::app_status;
use crate::engine::sync::place_in_destination;

/// A row for an app whose status cannot be known (render failed, no such
/// cluster, cluster unreachable), saying why.
pub fn unknown_app(app: &Application, cluster: Option<String>, condition: String) -> AppSnapshot {
    AppSnapshot {
        name: app.name().to_string(),
        project: app.project().to_string(),
        application_set: None,
        cluster,
        namespace: app.spec.destination.namespace.clone(),
        sync: SyncStatus::Unknown,
        health: HealthStatus::Unknown,
        revision: None,
        automated: app.is_automated(),
        conditions: vec![condition],
        resources: Vec::new(),
        operation: None,
        automation: None,
        paused: Vec::new(),
    }
}

/// Compares the rendered app with what its cluster holds (only the app's
/// objects are listed, by label).
pub async fn observe_app(
    app: &Application,
    rendered: &[RenderedSource],
    cluster: &ClusterClient,
) -> AppSnapshot {
    let options =
        CompareOptions::for_application(app).with_scope(std::sync::Arc::new(cluster.clone()));
    let desired: Vec<_> = rendered
        .iter()
        .flat_map(|source| source.manifests.iter().cloned())
        .collect();
    let placed = place_in_destination(&desired, &options);
    let wanted: Vec<_> = placed
        .iter()
        .map(|manifest| (manifest.api_version().to_string(), manifest.key()))
        .collect();
    let live = match LiveObjects::list_for_app(cluster, app.name(), &wanted).await {
        Ok(live) => live,
        Err(error) => return unknown_app(app, Some(cluster.name().to_string()), error.to_string()),
    };
    let status = app_status(&placed, &live, &options);
    let mut conditions: Vec<String> = status.diff.errors.iter().map(ToString::to_string).collect();
    conditions.extend(
        live.unreadable
            .iter()
            .map(|kind| format!("cannot read {kind}")),
    );
    AppSnapshot {
        name: app.name().to_string(),
        project: app.project().to_string(),
        application_set: None,
        cluster: Some(cluster.name().to_string()),
        namespace: app.spec.destination.namespace.clone(),
        sync: status.diff.status,
        health: status.health,
        revision: rendered.first().map(|source| source.commit.to_string()),
        automated: app.is_automated(),
        conditions,
        resources: status
            .tree
            .iter()
            .map(|node| ResourceSummary {
                key: node.key.clone(),
                sync: node
                    .sync
                    .unwrap_or(crate::engine::diff::ResourceSyncStatus::Synced),
                health: node.health.as_ref().map(|health| health.status),
            })
            .collect(),
        operation: None,
        automation: None,
        paused: Vec::new(),
    }
}
