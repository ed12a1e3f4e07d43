//! APIService (`apiregistration.k8s.io` v1 and v1beta1) health: the
//! `Available` condition decides; until it is reported, Progressing.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{TypeMeta, conditions};

pub(crate) fn assess(object: &Value) -> Health {
    let gvk = TypeMeta::of(object);
    if gvk.version != "v1" && gvk.version != "v1beta1" {
        return Health::unsupported_version("APIService", gvk);
    }
    match conditions(object).find(|condition| condition.kind == "Available") {
        Some(available) => {
            let message = format!(
                "{}: {}",
                available.reason_or_empty(),
                available.message_or_empty()
            );
            if available.status == "True" {
                Health::healthy(message)
            } else {
                Health::progressing(message)
            }
        }
        None => Health::progressing("Waiting to be processed"),
    }
}
