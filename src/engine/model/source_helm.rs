//! `source.helm`: how Argo CD runs `helm template` for a source.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::serde_helpers::is_false;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceHelm {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub release_name: String,
    /// Paths relative to the source, or `$<ref>/path` into another source.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value_files: Vec<String>,
    /// Inline values as a YAML text block.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub values: String,
    /// Inline values as structured YAML (takes precedence over `values`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values_object: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<HelmParameter>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub file_parameters: Vec<HelmFileParameter>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub skip_crds: bool,
    /// Helm major version (`v3`); empty means Argo's default.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub pass_credentials: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub ignore_missing_value_files: bool,
    /// Namespace passed to `helm template` (defaults to the destination's).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kube_version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_versions: Vec<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `--set name=value` (or `--set-string` when `forceString`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmParameter {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub force_string: bool,
}

/// `--set-file name=path`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmFileParameter {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
}
