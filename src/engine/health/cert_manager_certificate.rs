//! cert-manager Certificate (`cert-manager.io`) health, following Argo CD's
//! health script: an `Issuing` condition wins (Progressing, whatever `Ready`
//! says, so a renewal in flight reads consistently); then `Ready` decides.

use serde_json::Value;

use super::assessment::Health;
use super::fields::conditions;
use super::ready_condition::judge_ready;

pub(crate) fn assess(object: &Value) -> Health {
    if let Some(issuing) = conditions(object).find(|condition| condition.is("Issuing", "True")) {
        return Health::progressing(issuing.message_or_empty());
    }
    judge_ready(object, "Waiting for certificate")
}
