//! Errors of the Argo CD model: parse errors that name the offending field,
//! and semantic validation errors that name the field Argo CD would reject.
//!
//! Both carry the field path in Argo's own spelling (`spec.sources[1].ref`)
//! so a user can find the line in their YAML without knowing fleetdeck.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use thiserror::Error;

/// A document could not be read as the requested Argo CD resource.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ModelError {
    /// The document has the wrong shape; `path` is empty for the root.
    #[error("{}{message}", path_prefix(path))]
    Field { path: String, message: String },
    /// The document is another kind of object.
    #[error("kind: expected {expected}, found {found:?}")]
    WrongKind {
        expected: &'static str,
        found: String,
    },
    /// An `argoproj.io` document of a version fleetdeck does not know.
    #[error("apiVersion: expected {expected}, found {found:?}")]
    UnsupportedApiVersion {
        expected: &'static str,
        found: String,
    },
}

impl ModelError {
    /// The field path the error is about (`""` for the document itself).
    pub fn path(&self) -> &str {
        match self {
            ModelError::Field { path, .. } => path,
            ModelError::WrongKind { .. } => "kind",
            ModelError::UnsupportedApiVersion { .. } => "apiVersion",
        }
    }
}

/// A well-formed document that Argo CD would still refuse (or mark with an
/// `InvalidSpecError` condition). Validation is kept separate from parsing so
/// a caller can show a resource and its problems together.
#[derive(Debug, Clone, PartialEq, Eq, Error, Serialize)]
#[error("{path}: {message}")]
pub struct ValidationError {
    /// Field path in Argo's spelling, e.g. `spec.destination`.
    pub path: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ValidationError {
            path: path.into(),
            message: message.into(),
        }
    }
}

fn path_prefix(path: &str) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{path}: ")
    }
}

/// Deserializes `value` as `T`, naming the failing field. `prefix` is
/// prepended to the path (e.g. `spec.template.spec` when reading a part of a
/// larger document).
pub fn deserialize_at<T: DeserializeOwned>(value: Value, prefix: &str) -> Result<T, ModelError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let inner = error.path().to_string();
        let inner = if inner == "." { String::new() } else { inner };
        let path = match (prefix.is_empty(), inner.is_empty()) {
            (true, _) => inner,
            (false, true) => prefix.to_string(),
            (false, false) if inner.starts_with('[') => format!("{prefix}{inner}"),
            (false, false) => format!("{prefix}.{inner}"),
        };
        ModelError::Field {
            path,
            message: error.into_inner().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        flag: bool,
    }

    #[test]
    fn field_errors_name_the_path_with_and_without_prefix() {
        let bad = json!({"items": [{"flag": true}, {"flag": "yes"}]});
        let error = deserialize_at::<Outer>(bad.clone(), "").unwrap_err();
        assert_eq!(error.path(), "items[1].flag");
        assert!(
            error
                .to_string()
                .starts_with("items[1].flag: invalid type: string \"yes\"")
        );

        let error = deserialize_at::<Outer>(bad, "spec.x").unwrap_err();
        assert_eq!(error.path(), "spec.x.items[1].flag");

        let error = deserialize_at::<Vec<Inner>>(json!([{"flag": 1}]), "spec.items").unwrap_err();
        assert_eq!(error.path(), "spec.items[0].flag");
    }

    #[test]
    fn root_errors_have_an_empty_path() {
        let error = deserialize_at::<Outer>(json!("text"), "").unwrap_err();
        assert_eq!(error.path(), "");
        assert!(error.to_string().starts_with("invalid type"));
    }
}
