//! Kubernetes and Argo CD conventions, spelled once: the annotations users
//! write (hooks, waves, sync and compare options), fleetdeck's own marks
//! (tracking annotation, app label, field manager), how lists of built-in
//! kinds merge, resource quantities, resource scopes and the in-cluster
//! destination.
//!
//! Plain data and pure functions with no dependency on any other engine
//! layer but [`crate::engine::manifest`], so diff, sync, health, cluster,
//! render and the simulator can all use them without depending on each
//! other.

pub mod annotations;
pub mod hooks;
pub mod in_cluster;
pub mod merge_keys;
pub mod quantity;
pub mod scope;
pub mod sync_phase;
pub mod tracking;
pub mod waves;

/// An object carrying only these annotations, for the tests of the
/// modules that read them.
#[cfg(test)]
fn annotated(pairs: &[(&str, &str)]) -> serde_json::Value {
    let annotations: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(key, value)| (key.to_string(), serde_json::json!(value)))
        .collect();
    serde_json::json!({"metadata": {"annotations": annotations}})
}
