//! Prometheus Operator Prometheus (`monitoring.coreos.com`) health,
//! following Argo CD's health script: the `Available` condition decides
//! (true → Healthy; `SomePodsNotReady` → Progressing; otherwise Degraded
//! with the condition's message, or its reason when it has none).

use serde_json::Value;

use super::assessment::Health;
use super::fields::conditions;

pub(crate) fn assess(object: &Value) -> Health {
    let mut health = Health::progressing("Waiting for initialization");
    for condition in conditions(object).filter(|condition| condition.kind == "Available") {
        health = if condition.status == "True" {
            Health::healthy("All instances are available")
        } else {
            let message = condition.message.or(condition.reason).unwrap_or("");
            if condition.reason == Some("SomePodsNotReady") {
                Health::progressing(message)
            } else {
                Health::degraded(message)
            }
        };
    }
    health
}
