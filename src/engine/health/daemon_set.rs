//! DaemonSet (`apps/v1`) health: gitops-engine's rollout-status rules; the
//! `OnDelete` strategy is Healthy once the spec is observed.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{TypeMeta, int_at, str_at, str_or_empty};

pub(crate) fn assess(object: &Value) -> Health {
    let gvk = TypeMeta::of(object);
    if gvk.version != "v1" {
        return Health::unsupported_version("DaemonSet", gvk);
    }
    let generation = int_at(object, &["metadata", "generation"]).unwrap_or(0);
    let observed = int_at(object, &["status", "observedGeneration"]).unwrap_or(0);
    if generation > observed {
        return Health::progressing(
            "Waiting for rollout to finish: observed daemon set generation less than desired generation",
        );
    }
    let updated = int_at(object, &["status", "updatedNumberScheduled"]).unwrap_or(0);
    let desired = int_at(object, &["status", "desiredNumberScheduled"]).unwrap_or(0);
    let available = int_at(object, &["status", "numberAvailable"]).unwrap_or(0);
    if str_at(object, &["spec", "updateStrategy", "type"]) == Some("OnDelete") {
        return Health::healthy(format!(
            "daemon set {updated} out of {desired} new pods have been updated"
        ));
    }
    let name = str_or_empty(object, &["metadata", "name"]);
    if updated < desired {
        return Health::progressing(format!(
            "Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated..."
        ));
    }
    if available < desired {
        return Health::progressing(format!(
            "Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available..."
        ));
    }
    Health::healthy("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn daemon_set(status: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
               "metadata": {"name": "agent", "generation": 3},
               "spec": {"updateStrategy": {"type": "RollingUpdate"}}, "status": status})
    }

    #[test]
    fn rolling_update_waits_for_updated_then_available_pods() {
        let updating = daemon_set(json!({"observedGeneration": 3, "desiredNumberScheduled": 3,
            "updatedNumberScheduled": 1, "numberAvailable": 3}));
        assert_eq!(
            assess(&updating),
            Health::progressing(
                "Waiting for daemon set \"agent\" rollout to finish: 1 out of 3 new pods have been updated..."
            )
        );
        let starting = daemon_set(json!({"observedGeneration": 3, "desiredNumberScheduled": 3,
            "updatedNumberScheduled": 3, "numberAvailable": 2}));
        assert_eq!(
            assess(&starting),
            Health::progressing(
                "Waiting for daemon set \"agent\" rollout to finish: 2 of 3 updated pods are available..."
            )
        );
        let done = daemon_set(json!({"observedGeneration": 3, "desiredNumberScheduled": 3,
            "updatedNumberScheduled": 3, "numberAvailable": 3}));
        assert_eq!(assess(&done), Health::healthy(""));
    }
}
