//! CustomResourceDefinition (`apiextensions.k8s.io`) health, following Argo
//! CD's health script: terminating → Progressing; names not accepted →
//! Degraded; not yet established while the API server reports `Installing`
//! → Progressing; not established, or a non-structural schema → Degraded;
//! otherwise Healthy.
//!
//! This is the one check that answers for a CRD being deleted itself ("CRD
//! is terminating"), so `dispatch` lets it speak instead of the generic
//! "Pending deletion".

use serde_json::Value;

use super::assessment::Health;
use super::fields::{conditions, get};

pub(crate) fn assess(object: &Value) -> Health {
    if get(object, &["metadata", "deletionTimestamp"]).is_some() {
        return Health::progressing("CRD is terminating");
    }
    if conditions(object).next().is_none() {
        return Health::progressing("Status conditions not found");
    }
    // Each verdict quotes the message of the condition that caused it.
    let mut terminating = None;
    let mut names_rejected = None;
    let mut established = false;
    let mut installing = false;
    let mut non_structural = None;
    for condition in conditions(object) {
        match (condition.kind, condition.status) {
            ("Terminating", "True") => terminating = Some(condition.message_or_empty()),
            ("NamesAccepted", "False") => names_rejected = Some(condition.message_or_empty()),
            ("Established", "True") => established = true,
            ("Established", "False") => installing |= condition.reason == Some("Installing"),
            ("NonStructuralSchema", "True") => non_structural = Some(condition.message_or_empty()),
            _ => {}
        }
    }
    if let Some(message) = terminating {
        Health::progressing(format!("CRD is terminating: {message}"))
    } else if let Some(message) = names_rejected {
        Health::degraded(format!("CRD names have not been accepted: {message}"))
    } else if !established && installing {
        Health::progressing("CRD is being installed")
    } else if !established {
        Health::degraded("CRD is not established")
    } else if let Some(message) = non_structural {
        Health::degraded(format!("Schema violations found: {message}"))
    } else {
        Health::healthy("CRD is healthy")
    }
}
