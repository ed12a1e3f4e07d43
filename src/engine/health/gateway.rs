//! Gateway API Gateway (`gateway.networking.k8s.io`) health, following Argo
//! CD's health script: unresolved references or a rejected Gateway →
//! Degraded; not yet programmed → Progressing; the same checks per listener
//! (messages prefixed `Listener: `); Healthy once any status is reported.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{Condition, conditions, conditions_at, get, list_at};

pub(crate) fn assess(object: &Value) -> Health {
    if get(object, &["status"]).is_none() {
        return Health::progressing("Waiting for Gateway status");
    }
    let has_conditions = get(object, &["status", "conditions"]).is_some();
    if has_conditions
        && let Some(health) = judge(conditions(object), "Gateway is still being programmed")
    {
        return health;
    }
    let listeners = list_at(object, &["status", "listeners"]);
    for listener in listeners {
        if get(listener, &["conditions"]).is_none() {
            continue;
        }
        if let Some(health) = judge(
            conditions_at(listener, &["conditions"]),
            "Listener is still being programmed",
        ) {
            return Health::new(health.status, format!("Listener: {}", health.message));
        }
    }
    if has_conditions || !listeners.is_empty() {
        return Health::healthy("Gateway is healthy");
    }
    Health::progressing("Waiting for Gateway status")
}

/// The Degraded or Progressing verdict of one conditions list, if any:
/// a false `ResolvedRefs`, then a false `Accepted`, then a `Programmed` that
/// is not true.
pub(crate) fn judge<'a>(
    conditions: impl Iterator<Item = Condition<'a>> + Clone,
    programming: &str,
) -> Option<Health> {
    for kind in ["ResolvedRefs", "Accepted"] {
        if let Some(failed) = conditions
            .clone()
            .find(|condition| condition.is(kind, "False"))
        {
            let message = failed
                .message
                .map_or_else(|| format!("Failed condition: {kind}"), str::to_string);
            return Some(Health::degraded(message));
        }
    }
    conditions
        .clone()
        .find(|condition| condition.kind == "Programmed" && condition.status != "True")
        .map(|condition| Health::progressing(condition.message.unwrap_or(programming)))
}
