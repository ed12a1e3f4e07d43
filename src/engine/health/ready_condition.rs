//! The "first `Ready` condition decides" rule that several Argo CD health
//! scripts share (cert-manager issuers, External Secrets stores, ...).

use serde_json::Value;

use super::assessment::Health;
use super::fields::conditions;

/// The first `Ready` condition that is `True` (Healthy) or `False`
/// (Degraded), with its message; `waiting` (Progressing) when there is none.
pub(crate) fn judge_ready(object: &Value, waiting: &str) -> Health {
    let ready = conditions(object).find(|condition| {
        condition.kind == "Ready" && matches!(condition.status, "True" | "False")
    });
    match ready {
        Some(condition) if condition.status == "True" => {
            Health::healthy(condition.message_or_empty())
        }
        Some(condition) => Health::degraded(condition.message_or_empty()),
        None => Health::progressing(waiting),
    }
}
