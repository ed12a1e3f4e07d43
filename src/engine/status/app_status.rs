//! [`AppStatus`]: sync status, health and resource tree of one app.

use std::sync::Arc;

use serde::Serialize;

use super::resource_tree::{ResourceNode, resource_tree};
use crate::engine::cluster::{ClusterClient, ClusterError, LiveObjects};
use crate::engine::diff::{AppDiff, CompareOptions, ResourceScope, compare_app};
use crate::engine::health::{AppIdentity, HealthStatus, ManagedResource, app_health};
use crate::engine::manifest::{Manifest, ObjectKey};
use crate::engine::sync::place_in_destination;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStatus {
    pub diff: AppDiff,
    pub health: HealthStatus,
    pub tree: Vec<ResourceNode>,
}

/// Compares a rendered app with a live picture and assesses its health.
pub fn app_status(desired: &[Manifest], live: &LiveObjects, options: &CompareOptions) -> AppStatus {
    let desired = place_in_destination(desired, options);
    let wanted: Vec<ObjectKey> = desired.iter().map(Manifest::key).collect();
    let app_live = live.for_app(&options.app_name, wanted.iter());
    let diff = compare_app(&desired, &app_live, options);
    let health = app_health(
        diff.resources.iter().map(|resource| {
            ManagedResource::new(
                desired
                    .iter()
                    .find(|manifest| manifest.key() == resource.key)
                    .map(|manifest| &manifest.object),
                live.get(&resource.key),
            )
        }),
        Some(AppIdentity {
            namespace: "",
            name: &options.app_name,
        }),
    );
    let tree = resource_tree(&diff, &desired, live);
    AppStatus { diff, health, tree }
}

/// Lists the cluster (see [`LiveObjects::list`]) and computes the status,
/// with the cluster's discovery answering scope questions.
pub async fn observe_app(
    cluster: &ClusterClient,
    desired: &[Manifest],
    options: &CompareOptions,
) -> Result<(AppStatus, LiveObjects), ClusterError> {
    let live = LiveObjects::list(cluster).await?;
    let scope: Arc<dyn ResourceScope> = Arc::new(cluster.clone());
    let options = options.clone().with_scope(scope);
    Ok((app_status(desired, &live, &options), live))
}
