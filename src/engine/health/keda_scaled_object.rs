//! KEDA ScaledObject (`keda.sh`) health, following Argo CD's health script.
//!
//! A false `Ready` or a true `Fallback` (a trigger failing over to its
//! fallback replica count) → Degraded; `Ready` and `Paused` → Suspended;
//! `Ready` alone → Healthy; otherwise Progressing. The message is that of the
//! last of these conditions in the list.

use serde_json::Value;

use super::assessment::Health;
use super::fields::conditions;

pub(crate) fn assess(object: &Value) -> Health {
    let mut ready = false;
    let mut degraded = false;
    let mut paused = false;
    let mut message = "";
    for condition in conditions(object) {
        let relevant = match (condition.kind, condition.status) {
            ("Ready", "False") | ("Fallback", "True") => {
                degraded = true;
                true
            }
            ("Ready", "True") => {
                ready = true;
                true
            }
            ("Paused", "True") => {
                paused = true;
                true
            }
            _ => false,
        };
        if relevant {
            message = condition.message_or_empty();
        }
    }
    if degraded {
        Health::degraded(message)
    } else if ready && paused {
        Health::suspended(message)
    } else if ready {
        Health::healthy(message)
    } else {
        Health::progressing("Creating HorizontalPodAutoscaler Object")
    }
}
