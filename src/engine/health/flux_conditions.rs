//! The Flux toolkit reading shared by Argo CD's Kustomization and
//! HelmRelease health scripts: `spec.suspend` → Suspended; otherwise the
//! `Ready`, `Reconciling` (and for Helm, `Released` / `TestSuccess`)
//! conditions are counted, and the `Ready` reason becomes the message.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{bool_at, conditions, get, str_or_empty};

/// How many true "succeeded" conditions make the object Healthy: a
/// Kustomization needs `Ready`; a HelmRelease needs `Ready` plus `Released`
/// (or `TestSuccess`).
pub(crate) fn assess_flux(
    object: &Value,
    succeeded_needed: usize,
    counts_helm_conditions: bool,
) -> Health {
    if bool_at(object, &["spec", "suspend"]) == Some(true) {
        let kind = str_or_empty(object, &["kind"]);
        return Health::suspended(format!("{kind} is suspended"));
    }
    if get(object, &["status", "conditions"]).is_none() {
        return Health::progressing("Status unknown");
    }
    let mut progressing = 0;
    let mut succeeded = 0;
    let mut message = "";
    for condition in conditions(object) {
        match condition.kind {
            "Ready" => {
                match condition.status {
                    "True" => succeeded += 1,
                    "Unknown" => progressing += 1,
                    _ => {}
                }
                message = condition.reason_or_empty();
            }
            "Reconciling" if condition.status == "True" => progressing += 1,
            "Released" | "TestSuccess" if counts_helm_conditions && condition.status == "True" => {
                succeeded += 1;
            }
            _ => {}
        }
    }
    if progressing == 2 {
        Health::progressing(message)
    } else if succeeded == succeeded_needed {
        Health::healthy(message)
    } else {
        Health::degraded(message)
    }
}
