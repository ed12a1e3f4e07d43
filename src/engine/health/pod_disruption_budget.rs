//! PodDisruptionBudget (`policy`) health, following Argo CD's health script:
//! Progressing until the controller reports conditions; a false condition
//! (other than `InsufficientPods`, which is a legitimate steady state, e.g. a
//! single-replica app) → Degraded; otherwise Healthy, naming the reason.

use serde_json::Value;

use super::assessment::Health;
use super::fields::conditions;

pub(crate) fn assess(object: &Value) -> Health {
    let mut health = Health::progressing("Waiting for status");
    for condition in conditions(object) {
        let message = format!("PodDisruptionBudget has {}", condition.reason_or_empty());
        if condition.status == "False" && condition.reason != Some("InsufficientPods") {
            return Health::degraded(message);
        }
        health = Health::healthy(message);
    }
    health
}
