//! What the three Argo CD kinds have in common: the API group and version,
//! typed parsing from an untyped document, metadata and validation. The
//! catalog works through this trait so it treats every kind alike.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ModelError, ValidationError, deserialize_at};
use super::object_meta::ObjectMeta;

/// The API group of Argo CD's resources.
pub const GROUP: &str = "argoproj.io";
/// The only version of Argo CD's resources.
pub const API_VERSION: &str = "argoproj.io/v1alpha1";

pub trait ArgoResource: Sized + DeserializeOwned + Serialize {
    /// The `kind` this type reads.
    const KIND: &'static str;

    fn metadata(&self) -> &ObjectMeta;

    /// Argo CD's semantic rules; an empty list means valid.
    fn validate(&self) -> Vec<ValidationError>;
}

/// Reads `value` as resource `T`, after checking `apiVersion` and `kind`.
/// Errors name the failing field (`spec.syncPolicy.automated.prune`).
pub fn from_value<T: ArgoResource>(value: Value) -> Result<T, ModelError> {
    let api_version = value["apiVersion"].as_str().unwrap_or_default();
    if api_version != API_VERSION {
        return Err(ModelError::UnsupportedApiVersion {
            expected: API_VERSION,
            found: api_version.to_string(),
        });
    }
    let kind = value["kind"].as_str().unwrap_or_default();
    if kind != T::KIND {
        return Err(ModelError::WrongKind {
            expected: T::KIND,
            found: kind.to_string(),
        });
    }
    deserialize_at(value, "")
}

/// `metadata.name` is required on every resource.
pub(crate) fn validate_name(metadata: &ObjectMeta) -> Vec<ValidationError> {
    if metadata.name.is_empty() {
        vec![ValidationError::new("metadata.name", "required")]
    } else {
        Vec::new()
    }
}

/// `apiVersion` and `kind` fields default to these when a resource is built
/// in code rather than parsed.
pub(crate) fn default_api_version() -> String {
    API_VERSION.to_string()
}
