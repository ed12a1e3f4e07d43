//! `spec.ignoreDifferences`: fields of live objects the diff must not count.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One rule: which objects (group, kind, optional name and namespace) and
/// which of their fields (JSON pointers, jq paths, or fields owned by given
/// managers) to ignore.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceIgnoreDifferences {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json_pointers: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jq_path_expressions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub managed_fields_managers: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
