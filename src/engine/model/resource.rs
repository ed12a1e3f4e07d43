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

/// `metadata.name` is required on every resource and must be a name the
/// API server accepts, as Argo CD requires: a name with `:` or a newline
/// would break the tracking id that ties live objects to their app (so
/// removed resources would never be pruned) and forge lines of output.
pub(crate) fn validate_name(metadata: &ObjectMeta) -> Vec<ValidationError> {
    if metadata.name.is_empty() {
        vec![ValidationError::new("metadata.name", "required")]
    } else if !is_dns_subdomain(&metadata.name) {
        vec![ValidationError::new(
            "metadata.name",
            format!(
                "{:?} is not a valid Kubernetes name (at most 253 lower case letters, digits, '-' and '.', starting and ending with a letter or digit)",
                metadata.name
            ),
        )]
    } else {
        Vec::new()
    }
}

/// A Kubernetes object name (RFC 1123 subdomain): what the API server
/// would accept for the object.
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            let bytes = label.as_bytes();
            !bytes.is_empty()
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
                && bytes[0] != b'-'
                && bytes[bytes.len() - 1] != b'-'
        })
}

/// `apiVersion` and `kind` fields default to these when a resource is built
/// in code rather than parsed.
pub(crate) fn default_api_version() -> String {
    API_VERSION.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_dns_subdomains() {
        for good in ["web", "web-prod.eu", "a", "0-9", &"a".repeat(253)] {
            assert!(is_dns_subdomain(good), "{good}");
        }
        for bad in [
            "",
            "Web",
            "web:prod",
            "web\nprod",
            "-web",
            "web-",
            "a..b",
            "{{name}}-web",
            "web\u{1b}[31m",
            &"a".repeat(254),
        ] {
            assert!(!is_dns_subdomain(bad), "{bad:?}");
        }
    }

    #[test]
    fn an_invalid_name_is_a_validation_error_naming_it() {
        let meta = ObjectMeta {
            name: "web:prod".into(),
            ..ObjectMeta::default()
        };
        let errors = validate_name(&meta);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].to_string().contains("\"web:prod\""),
            "{}",
            errors[0]
        );
    }
}
