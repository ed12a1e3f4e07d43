//! HorizontalPodAutoscaler (`autoscaling` v1, v2beta1, v2beta2, v2) health
//! from its conditions; v1 objects carry them as JSON in the
//! `autoscaling.alpha.kubernetes.io/conditions` annotation.
//!
//! A condition showing the autoscaler cannot work (it cannot read or update
//! the target's scale, cannot fetch a metric, or has an invalid selector)
//! makes it Degraded, whatever other conditions say; otherwise `AbleToScale`
//! or `ScalingLimited` being true makes it Healthy; otherwise it is
//! Progressing ("Waiting to Autoscale").

use serde_json::Value;

use super::assessment::Health;
use super::fields::{Condition, TypeMeta, annotation, conditions};

pub const CONDITIONS_ANNOTATION: &str = "autoscaling.alpha.kubernetes.io/conditions";

const WAITING: &str = "Waiting to Autoscale";

pub(crate) fn assess(object: &Value) -> Health {
    let gvk = TypeMeta::of(object);
    match gvk.version {
        "v1" => {
            let Some(text) = annotation(object, CONDITIONS_ANNOTATION) else {
                return Health::progressing(WAITING);
            };
            match serde_json::from_str::<Value>(text) {
                Ok(Value::Array(list)) => judge(list.iter().map(Condition::read)),
                Ok(_) | Err(_) => Health::unknown(
                    "failed to convert conditions annotation to typed: the annotation is not a JSON list of conditions",
                ),
            }
        }
        "v2" | "v2beta1" | "v2beta2" => judge(conditions(object)),
        _ => Health::unsupported_version("HPA", gvk),
    }
}

fn judge<'a>(conditions: impl Iterator<Item = Condition<'a>> + Clone) -> Health {
    if let Some(broken) = conditions.clone().find(is_degraded) {
        return Health::degraded(broken.message_or_empty());
    }
    let healthy = conditions.clone().find(|condition| {
        (condition.kind == "AbleToScale" || condition.kind == "ScalingLimited")
            && condition.status == "True"
    });
    match healthy {
        Some(condition) => Health::healthy(condition.message_or_empty()),
        None => Health::progressing(WAITING),
    }
}

fn is_degraded(condition: &Condition<'_>) -> bool {
    let reason = condition.reason_or_empty();
    match condition.kind {
        "AbleToScale" => matches!(reason, "FailedGetScale" | "FailedUpdateScale"),
        "ScalingActive" => reason.starts_with("FailedGet") || reason == "InvalidSelector",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::health::status::HealthStatus;
    use serde_json::json;

    #[test]
    fn v1_without_conditions_waits() {
        let object = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
            "metadata": {"annotations": {CONDITIONS_ANNOTATION: "[]"}}});
        assert_eq!(assess(&object), Health::progressing(WAITING));
    }

    #[test]
    fn metric_failure_wins_over_able_to_scale() {
        let object = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "status": {"conditions": [
                {"type": "AbleToScale", "status": "True", "reason": "SucceededGetScale"},
                {"type": "ScalingActive", "status": "False", "reason": "FailedGetPodsMetric", "message": "no metric"}]}});
        assert_eq!(assess(&object), Health::degraded("no metric"));
        let disabled = json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "status": {"conditions": [
                {"type": "ScalingActive", "status": "False", "reason": "ScalingDisabled"}]}});
        assert_eq!(assess(&disabled).status, HealthStatus::Progressing);
    }
}
