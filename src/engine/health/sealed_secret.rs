//! Bitnami SealedSecret (`bitnami.com`) health, following Argo CD's health
//! script: the `Synced` condition says whether the controller could decrypt
//! it.

use serde_json::Value;

use super::assessment::Health;
use super::fields::conditions;

pub(crate) fn assess(object: &Value) -> Health {
    let synced = conditions(object).find(|condition| {
        condition.kind == "Synced" && matches!(condition.status, "True" | "False")
    });
    match synced {
        Some(condition) if condition.status == "True" => {
            Health::healthy(condition.message_or_empty())
        }
        Some(condition) => Health::degraded(condition.message_or_empty()),
        None => Health::progressing("Waiting for Sealed Secret to be decrypted"),
    }
}
