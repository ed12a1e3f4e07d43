//! Deployment (`apps/v1`) health: gitops-engine's rollout-status rules.
//!
//! Paused → Suspended. Once the controller has observed the latest spec, a
//! `Progressing` condition with reason `ProgressDeadlineExceeded` → Degraded;
//! fewer updated replicas than desired, old replicas still around, or updated
//! replicas not yet available → Progressing. An unobserved spec generation →
//! Progressing. Otherwise Healthy.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{TypeMeta, bool_at, conditions, int_at, str_or_empty};

pub(crate) fn assess(object: &Value) -> Health {
    let gvk = TypeMeta::of(object);
    if gvk.version != "v1" {
        return Health::unsupported_version("Deployment", gvk);
    }
    if bool_at(object, &["spec", "paused"]) == Some(true) {
        return Health::suspended("Deployment is paused");
    }
    let generation = int_at(object, &["metadata", "generation"]).unwrap_or(0);
    let observed = int_at(object, &["status", "observedGeneration"]).unwrap_or(0);
    if generation > observed {
        return Health::progressing(
            "Waiting for rollout to finish: observed deployment generation less than desired generation",
        );
    }
    let deadline_exceeded = conditions(object)
        .find(|condition| condition.kind == "Progressing")
        .is_some_and(|condition| condition.reason == Some("ProgressDeadlineExceeded"));
    if deadline_exceeded {
        let name = str_or_empty(object, &["metadata", "name"]);
        return Health::degraded(format!(
            "Deployment {name:?} exceeded its progress deadline"
        ));
    }
    let desired = int_at(object, &["spec", "replicas"]);
    let replicas = int_at(object, &["status", "replicas"]).unwrap_or(0);
    let updated = int_at(object, &["status", "updatedReplicas"]).unwrap_or(0);
    let available = int_at(object, &["status", "availableReplicas"]).unwrap_or(0);
    if let Some(desired) = desired.filter(|desired| updated < *desired) {
        return Health::progressing(format!(
            "Waiting for rollout to finish: {updated} out of {desired} new replicas have been updated..."
        ));
    }
    if replicas > updated {
        return Health::progressing(format!(
            "Waiting for rollout to finish: {} old replicas are pending termination...",
            replicas - updated
        ));
    }
    if available < updated {
        return Health::progressing(format!(
            "Waiting for rollout to finish: {available} of {updated} updated replicas are available..."
        ));
    }
    Health::healthy("")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::health::status::HealthStatus;
    use serde_json::json;

    fn deployment(spec: Value, status: Value) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "generation": 2}, "spec": spec, "status": status})
    }

    #[test]
    fn progress_deadline_exceeded_is_degraded() {
        let object = deployment(
            json!({"replicas": 2}),
            json!({"observedGeneration": 2, "conditions": [
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
        );
        assert_eq!(
            assess(&object),
            Health::degraded("Deployment \"web\" exceeded its progress deadline")
        );
    }

    #[test]
    fn unobserved_generation_and_old_versions() {
        let object = deployment(json!({"replicas": 1}), json!({"observedGeneration": 1}));
        assert_eq!(assess(&object).status, HealthStatus::Progressing);
        let mut old = object.clone();
        old["apiVersion"] = json!("apps/v1beta2");
        assert_eq!(
            assess(&old),
            Health::unknown("unsupported Deployment GVK: apps/v1beta2, Kind=Deployment")
        );
    }
}
