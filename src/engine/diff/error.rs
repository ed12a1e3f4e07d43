//! Typed comparison errors. They name the resource and never carry a field
//! value (a value could be a Secret's), so they are safe to print, log and
//! serialize as they are.

use serde::Serialize;

use crate::engine::manifest::ObjectKey;

/// Which side of a comparison an object came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Side {
    Desired,
    Live,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Desired => "desired",
            Side::Live => "live",
        })
    }
}

/// Object keys are boxed to keep `Result<_, DiffError>` small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "camelCase")]
pub enum DiffError {
    /// jq is not embedded; Argo users can rewrite most rules as JSON pointers.
    #[error(
        "{resource}: ignoreDifferences jqPathExpressions are not supported \
         (`{expression}`); use jsonPointers or managedFieldsManagers instead"
    )]
    UnsupportedJqPath {
        resource: Box<ObjectKey>,
        expression: String,
    },
    #[error("{resource}: ignoreDifferences JSON pointer `{pointer}` is invalid: {reason}")]
    InvalidJsonPointer {
        resource: Box<ObjectKey>,
        pointer: String,
        reason: &'static str,
    },
    #[error("{resource}: managedFields entry of manager `{manager}` is malformed: {reason}")]
    InvalidManagedFields {
        resource: Box<ObjectKey>,
        manager: String,
        reason: &'static str,
    },
    /// `object` describes what could be read of it (kind and name).
    #[error("{side} object {object} is not a Kubernetes object: {reason}")]
    InvalidObject {
        side: Side,
        object: String,
        reason: &'static str,
    },
    #[error("nothing to compare: neither a desired nor a live object was given")]
    NothingToCompare,
    #[error("desired {desired} and live {live} are different objects")]
    KeyMismatch {
        desired: Box<ObjectKey>,
        live: Box<ObjectKey>,
    },
    /// Only objects whose tracking annotation names them are fleetdeck's to
    /// call Extraneous (and so to prune).
    #[error("live {resource} is not tracked by application `{app}`, so it cannot be extraneous")]
    NotTracked {
        resource: Box<ObjectKey>,
        app: String,
    },
    #[error("application `{app}`: {resource} is rendered more than once; the last one is compared")]
    DuplicateResource {
        app: String,
        resource: Box<ObjectKey>,
    },
    #[error("{resource}: cannot render the {side} object as YAML: {message}")]
    Yaml {
        resource: Box<ObjectKey>,
        side: Side,
        message: String,
    },
}
