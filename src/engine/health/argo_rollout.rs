//! Argo Rollouts Rollout (`argoproj.io`) health, following Argo CD's health
//! script.
//!
//! Until the controller has observed the latest spec (and, for a Rollout
//! that references a workload, the workload's generation) → Progressing.
//! Rollouts v1.0+ compute their own phase and message, which are surfaced as
//! is (`Paused` becomes Suspended). Older controllers are judged from the
//! conditions, pause state, replica counts and, per strategy, whether the
//! current pod template is the one receiving traffic.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{annotation, bool_at, conditions, get, list_at, lua_number_at, str_at};

pub const WORKLOAD_GENERATION_ANNOTATION: &str = "rollout.argoproj.io/workload-generation";

pub(crate) fn assess(object: &Value) -> Health {
    if !generation_observed(object) || !workload_generation_observed(object) {
        return Health::progressing("Waiting for rollout spec update to be observed");
    }
    if let Some(phase) = str_at(object, &["status", "phase"]) {
        let message = str_at(object, &["status", "message"]).unwrap_or("");
        return match phase {
            "Paused" => Health::suspended(message),
            other => Health::reported(other, message),
        };
    }
    for condition in conditions(object) {
        let failed = condition.kind == "InvalidSpec"
            || (condition.kind == "Progressing"
                && matches!(
                    condition.reason,
                    Some("RolloutAborted" | "ProgressDeadlineExceeded")
                ));
        if failed {
            return Health::degraded(condition.message_or_empty());
        }
    }
    if !list_at(object, &["status", "pauseConditions"]).is_empty()
        || bool_at(object, &["spec", "paused"]) == Some(true)
    {
        return Health::suspended("Rollout is paused");
    }
    let Some(pod_hash) = str_at(object, &["status", "currentPodHash"]) else {
        return Health::progressing(
            "Waiting for rollout to finish: status has not been reconciled.",
        );
    };

    let desired = lua_number_at(object, &["spec", "replicas"]).unwrap_or(1.0);
    let replicas = lua_number_at(object, &["status", "replicas"]).unwrap_or(0.0);
    let updated = lua_number_at(object, &["status", "updatedReplicas"]).unwrap_or(0.0);
    let available = lua_number_at(object, &["status", "availableReplicas"]).unwrap_or(0.0);
    if updated < desired {
        return Health::progressing(
            "Waiting for roll out to finish: More replicas need to be updated",
        );
    }
    if available < updated {
        return Health::progressing(
            "Waiting for roll out to finish: updated replicas are still becoming available",
        );
    }

    let stable = stable_replica_set(object);
    if get(object, &["spec", "strategy", "blueGreen"]).is_some() {
        if str_at(object, &["status", "blueGreen", "activeSelector"]) != Some(pod_hash) {
            return Health::progressing("active service cutover pending");
        }
        // Blue-green records the stable ReplicaSet since Rollouts v0.8; an
        // empty value (v0.7) is accepted.
        if stable != Some("") && stable != Some(pod_hash) {
            return Health::progressing("waiting for analysis to complete");
        }
    } else if get(object, &["spec", "strategy", "canary"]).is_some() {
        if replicas > updated {
            return Health::progressing(
                "Waiting for roll out to finish: old replicas are pending termination",
            );
        }
        if stable != Some(pod_hash) {
            return Health::progressing("Waiting for rollout to finish steps");
        }
    }
    Health::healthy("")
}

/// v0.10+ rollouts record a numeric `status.observedGeneration`; older ones
/// store a hash there (or a number greater than the generation), and for
/// those the check cannot tell, so the spec counts as observed.
fn generation_observed(object: &Value) -> bool {
    if get(object, &["status"]).is_none() {
        return false;
    }
    let Some(observed) = lua_number_at(object, &["status", "observedGeneration"]) else {
        return true;
    };
    match lua_number_at(object, &["metadata", "generation"]) {
        Some(generation) => observed >= generation,
        None => true,
    }
}

/// v1.1+ rollouts that reference a workload (`spec.workloadRef`) also record
/// which generation of it they have observed.
fn workload_generation_observed(object: &Value) -> bool {
    if get(object, &["spec", "workloadRef"]).is_none()
        || get(object, &["metadata", "annotations"]).is_none()
    {
        return true;
    }
    let wanted = annotation(object, WORKLOAD_GENERATION_ANNOTATION)
        .and_then(|text| text.trim().parse::<f64>().ok());
    let observed = lua_number_at(object, &["status", "workloadObservedGeneration"]);
    wanted == observed
}

/// The stable ReplicaSet hash: `status.stableRS`, or before Rollouts v0.8
/// `status.canary.stableRS`; `Some("")` when neither status block exists and
/// `None` when the canary block exists without one.
fn stable_replica_set(object: &Value) -> Option<&str> {
    if let Some(stable) = str_at(object, &["status", "stableRS"]) {
        return Some(stable);
    }
    if get(object, &["status", "canary"]).is_some() {
        return str_at(object, &["status", "canary", "stableRS"]);
    }
    Some("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::health::status::HealthStatus;
    use serde_json::json;

    #[test]
    fn unknown_phase_is_unknown() {
        let object = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"generation": 1},
            "status": {"observedGeneration": "1", "phase": "Exploding"}});
        assert_eq!(assess(&object).status, HealthStatus::Unknown);
    }

    #[test]
    fn blue_green_waits_for_cutover() {
        let object = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"generation": 1},
            "spec": {"replicas": 1, "strategy": {"blueGreen": {}}},
            "status": {"observedGeneration": "1", "currentPodHash": "abc", "replicas": 1,
                       "updatedReplicas": 1, "availableReplicas": 1,
                       "blueGreen": {"activeSelector": "old"}}});
        assert_eq!(
            assess(&object),
            Health::progressing("active service cutover pending")
        );
    }
}
