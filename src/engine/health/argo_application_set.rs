//! Argo CD ApplicationSet (`argoproj.io`) health, following Argo CD's health
//! script, which looks at the conditions in priority order: an error →
//! Degraded; resources not up to date → Degraded; a progressive-sync rollout
//! under way → Progressing; resources up to date → Healthy.

use serde_json::Value;

use super::assessment::Health;
use super::fields::conditions;

pub(crate) fn assess(object: &Value) -> Health {
    let find =
        |kind: &str, status: &str| conditions(object).find(|condition| condition.is(kind, status));
    if let Some(condition) = find("ErrorOccurred", "True") {
        return Health::degraded(condition.message_or_empty());
    }
    if let Some(condition) = find("ResourcesUpToDate", "False") {
        return Health::degraded(condition.message_or_empty());
    }
    if let Some(condition) = find("RolloutProgressing", "True") {
        return Health::progressing(condition.message_or_empty());
    }
    if let Some(condition) = find("ResourcesUpToDate", "True") {
        return Health::healthy(condition.message_or_empty());
    }
    Health::progressing("Waiting for the status to be reported")
}
