//! A Kubernetes object as it comes out of a source, plus where it came from.
//!
//! Rendering yields untyped objects (`serde_json::Value`): fleetdeck handles
//! every kind, including custom resources it has never heard of, and the diff
//! must see exactly the fields the user wrote. The origin travels with each
//! object so errors and the UI can point back at the file and document.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

/// Where an object was read from: a repository-relative file and the ordinal
/// of the YAML document inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Origin {
    /// Path relative to the repository root, with `/` separators.
    pub file: Arc<str>,
    /// 0-based document ordinal within the file (displayed 1-based).
    pub document: usize,
    /// 1-based line where the document starts.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} (document {}, line {})",
            self.file,
            self.document + 1,
            self.line
        )
    }
}

/// One rendered object and its origin.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    pub object: Value,
    pub origin: Origin,
}

impl Manifest {
    pub fn api_version(&self) -> &str {
        self.object["apiVersion"].as_str().unwrap_or_default()
    }

    pub fn kind(&self) -> &str {
        self.object["kind"].as_str().unwrap_or_default()
    }

    /// The API group: empty for the core group (`v1`), else the part of
    /// `apiVersion` before the `/`.
    pub fn group(&self) -> &str {
        self.api_version()
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    pub fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }

    pub fn namespace(&self) -> Option<&str> {
        self.object["metadata"]["namespace"]
            .as_str()
            .filter(|namespace| !namespace.is_empty())
    }

    /// `group/kind/namespace/name`, the identity used to order and compare
    /// objects independently of file layout.
    pub fn key(&self) -> ObjectKey {
        ObjectKey::of(&self.object)
    }
}

/// The value of annotation `key` on any object (desired or live).
pub fn annotation<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    object
        .get("metadata")?
        .get("annotations")?
        .get(key)?
        .as_str()
}

/// The identity of an object: two objects with the same key are the same
/// object on a cluster (the API version is only a representation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    /// The key of any object, desired or live.
    pub fn of(object: &Value) -> ObjectKey {
        let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        ObjectKey {
            group: api_version
                .rsplit_once('/')
                .map_or(String::new(), |(group, _)| group.to_string()),
            kind: text(&object["kind"]),
            namespace: text(&object["metadata"]["namespace"]),
            name: text(&object["metadata"]["name"]),
        }
    }
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let group = if self.group.is_empty() {
            String::new()
        } else {
            format!(".{}", self.group)
        };
        if self.namespace.is_empty() {
            write!(f, "{}{group}/{}", self.kind, self.name)
        } else {
            write!(f, "{}{group}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn manifest(object: Value) -> Manifest {
        Manifest {
            object,
            origin: Origin {
                file: "a.yaml".into(),
                document: 0,
                line: 1,
            },
        }
    }

    #[test]
    fn identity_uses_group_not_version() {
        let deployment = manifest(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop"}
        }));
        assert_eq!(deployment.group(), "apps");
        assert_eq!(deployment.key().to_string(), "Deployment.apps/shop/web");

        let config_map = manifest(json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}
        }));
        assert_eq!(config_map.group(), "");
        assert_eq!(config_map.namespace(), None);
        assert_eq!(config_map.key().to_string(), "ConfigMap/c");
    }
}
