//! What the resource tree shows of an object another object owns (a
//! Deployment's ReplicaSets, their Pods, a CronJob's Jobs): who it is, whom
//! it belongs to and its health.
//!
//! Owned objects are most of a cluster (a Deployment of 8 replicas is one
//! tracked object and nine owned ones), nothing diffs them, and the tree
//! reads nothing of them but their health. So the health is assessed once,
//! from the whole object, when it arrives, and the live cache keeps this
//! summary instead of the object: a few hundred bytes instead of several
//! kilobytes of JSON tree per Pod.

use serde_json::Value;

use crate::engine::health::{Health, assess};
use crate::engine::manifest::ObjectKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedObject {
    pub key: ObjectKey,
    pub uid: Option<String>,
    /// The uids its ownerReferences name.
    pub owners: Vec<String>,
    /// As [`assess`] judges the whole object (`None`: a kind without a
    /// health check).
    pub health: Option<Health>,
}

impl OwnedObject {
    /// The summary of `object`, or `None` when nothing owns it.
    pub fn of(object: &Value) -> Option<OwnedObject> {
        let owners = owner_uids(object);
        if owners.is_empty() {
            return None;
        }
        Some(OwnedObject {
            key: ObjectKey::of(object),
            uid: object["metadata"]["uid"].as_str().map(str::to_string),
            owners,
            health: assess(object),
        })
    }
}

/// The uids `object`'s ownerReferences name.
pub fn owner_uids(object: &Value) -> Vec<String> {
    object["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|owner| owner["uid"].as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::health::HealthStatus;
    use serde_json::json;

    #[test]
    fn an_owned_pod_keeps_its_identity_owner_and_health_judged_whole() {
        let pod = json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "shop", "uid": "pod-uid",
                "ownerReferences": [{"uid": "rs-uid", "kind": "ReplicaSet", "name": "web"}]},
            "spec": {"restartPolicy": "Always", "containers": [{"name": "web", "image": "web:1"}]},
            "status": {"phase": "Running", "containerStatuses": [{
                "name": "web", "ready": false, "restartCount": 4,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off restarting"}}}]},
        });
        let owned = OwnedObject::of(&pod).expect("owned");
        assert_eq!(owned.key.kind, "Pod");
        assert_eq!(owned.key.name, "web-1");
        assert_eq!(owned.uid.as_deref(), Some("pod-uid"));
        assert_eq!(owned.owners, ["rs-uid"]);
        assert_eq!(owned.health, assess(&pod));
        assert_eq!(
            owned.health.map(|health| health.status),
            Some(HealthStatus::Degraded),
            "the container statuses were read before they were let go"
        );
    }

    #[test]
    fn an_object_nothing_owns_has_no_summary() {
        let config = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "web", "namespace": "shop", "ownerReferences": []}});
        assert_eq!(OwnedObject::of(&config), None);
    }
}
