//! [`AppStatus`]: sync status, health and resource tree of one app.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

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
/// `placed` is the render already placed in the destination
/// ([`place_in_destination`]), which callers need for their own lookups too.
pub fn app_status(placed: &[Manifest], live: &LiveObjects, options: &CompareOptions) -> AppStatus {
    let by_key: HashMap<ObjectKey, &Value> = placed
        .iter()
        .map(|manifest| (manifest.key(), &manifest.object))
        .collect();
    let app_live = live.for_app(&options.app_name, by_key.keys());
    let diff = compare_app(placed, &app_live, options);
    let health = app_health(
        diff.resources.iter().map(|resource| {
            ManagedResource::new(by_key.get(&resource.key).copied(), live.get(&resource.key))
        }),
        Some(AppIdentity {
            namespace: "",
            name: &options.app_name,
        }),
    );
    let tree = resource_tree(&diff, &by_key, live);
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
    let placed = place_in_destination(desired, &options);
    Ok((app_status(&placed, &live, &options), live))
}
