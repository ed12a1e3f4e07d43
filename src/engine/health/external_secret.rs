//! External Secrets ExternalSecret (`external-secrets.io`) health, following
//! Argo CD's health script: the `Ready` condition decides, except that with
//! `refreshPolicy: OnChange` a `Ready` condition older than the last refresh
//! is stale and does not count.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{conditions, str_at};

pub(crate) fn assess(object: &Value) -> Health {
    let on_change = str_at(object, &["spec", "refreshPolicy"]) == Some("OnChange");
    let refreshed_at = str_at(object, &["status", "refreshTime"]);
    let current = |transition: Option<&str>| match (transition, refreshed_at) {
        // RFC 3339 timestamps in UTC compare correctly as strings.
        (Some(transition), Some(refreshed)) => transition >= refreshed,
        // Without both timestamps the condition cannot be shown stale.
        _ => true,
    };
    let ready = conditions(object).find(|condition| {
        condition.kind == "Ready"
            && (!on_change || current(str_at(condition.raw, &["lastTransitionTime"])))
    });
    match ready {
        None => Health::progressing("Waiting for ExternalSecret"),
        Some(condition) => match condition.status {
            "True" => Health::healthy(condition.message_or_empty()),
            "False" => Health::degraded(condition.message_or_empty()),
            // The script returns no status for an `Unknown` condition, which
            // Argo CD reports as an invalid (so unknown) health.
            other => Health::unknown(format!("Ready condition is {other:?}")),
        },
    }
}
