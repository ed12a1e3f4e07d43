//! ReplicaSet (`apps/v1`) health: a true `ReplicaFailure` condition →
//! Degraded; fewer available replicas than desired → Progressing.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{TypeMeta, conditions, int_at};

pub(crate) fn assess(object: &Value) -> Health {
    let gvk = TypeMeta::of(object);
    if gvk.version != "v1" {
        return Health::unsupported_version("ReplicaSet", gvk);
    }
    let generation = int_at(object, &["metadata", "generation"]).unwrap_or(0);
    let observed = int_at(object, &["status", "observedGeneration"]).unwrap_or(0);
    if generation > observed {
        return Health::progressing(
            "Waiting for rollout to finish: observed replica set generation less than desired generation",
        );
    }
    let failure = conditions(object).find(|condition| condition.kind == "ReplicaFailure");
    if let Some(failure) = failure.filter(|condition| condition.status == "True") {
        return Health::degraded(failure.message_or_empty());
    }
    let available = int_at(object, &["status", "availableReplicas"]).unwrap_or(0);
    if let Some(desired) =
        int_at(object, &["spec", "replicas"]).filter(|desired| available < *desired)
    {
        return Health::progressing(format!(
            "Waiting for rollout to finish: {available} out of {desired} new replicas are available..."
        ));
    }
    Health::healthy("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn replica_failure_is_degraded_with_its_message() {
        let object = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"generation": 1}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "conditions": [
                {"type": "ReplicaFailure", "status": "True", "message": "quota exceeded"}]}});
        assert_eq!(assess(&object), Health::degraded("quota exceeded"));
    }

    #[test]
    fn waits_for_available_replicas() {
        let object = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"generation": 1}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "availableReplicas": 1}});
        assert_eq!(
            assess(&object),
            Health::progressing(
                "Waiting for rollout to finish: 1 out of 2 new replicas are available..."
            )
        );
    }
}
