//! The resource tree: each managed resource with the objects it owns
//! (ownerReferences), recursively, each with its own health — what an
//! operator drills into to find the one crashing Pod.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use crate::engine::cluster::LiveObjects;
use crate::engine::diff::{AppDiff, ResourceSyncStatus};
use crate::engine::health::{Health, ManagedResource, resource_health};
use crate::engine::manifest::ObjectKey;

/// Deep enough for Deployment → ReplicaSet → Pod and CronJob → Job → Pod,
/// and a guard against ownership cycles in a corrupt cluster.
const MAX_DEPTH: usize = 4;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceNode {
    pub key: ObjectKey,
    /// The comparison's verdict; `None` for owned children (not in Git).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<ResourceSyncStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<Health>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<ResourceNode>,
}

/// The tree of an app's compared resources, in the comparison's order;
/// `desired` holds the rendered objects by identity.
pub fn resource_tree(
    diff: &AppDiff,
    desired: &HashMap<ObjectKey, &Value>,
    live: &LiveObjects,
) -> Vec<ResourceNode> {
    diff.resources
        .iter()
        .map(|resource| {
            let live_object = live.get(&resource.key);
            let desired_object = desired.get(&resource.key).copied();
            let health = resource_health(&ManagedResource::new(desired_object, live_object));
            ResourceNode {
                key: resource.key.clone(),
                sync: Some(resource.status),
                health,
                children: live_object
                    .and_then(|object| object["metadata"]["uid"].as_str())
                    .map(|uid| children_of(uid, live, 1))
                    .unwrap_or_default(),
            }
        })
        .collect()
}

fn children_of(uid: &str, live: &LiveObjects, depth: usize) -> Vec<ResourceNode> {
    if depth > MAX_DEPTH {
        return Vec::new();
    }
    let mut children: Vec<ResourceNode> = live
        .children(uid)
        .map(|child| ResourceNode {
            key: child.key.clone(),
            sync: None,
            health: child.health.clone(),
            children: child
                .uid
                .as_deref()
                .map(|uid| children_of(uid, live, depth + 1))
                .unwrap_or_default(),
        })
        .collect();
    children.sort_by(|a, b| a.key.cmp(&b.key));
    children
}
