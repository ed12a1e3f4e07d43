//! The kustomization file schema (`kustomization.yaml`, kind `Kustomization`
//! or `Component`).
//!
//! Every top-level field kustomize knows is listed here: the ones the native
//! renderer implements are parsed into [`Kustomization`]; the others are
//! refused with [`KustomizeError::UnsupportedField`], and anything else is
//! [`KustomizeError::UnknownField`]. Nested structs deny unknown fields too,
//! so a typo never silently drops part of a build.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::KustomizeError;
use super::vars::Var;
use crate::engine::model::IntOrString;
use crate::engine::source::RepoPath;
use crate::engine::yaml;

/// Fields kustomize accepts that fleetdeck does not implement.
const UNSUPPORTED: &[&str] = &[
    "imageTags",
    "replacements",
    "crds",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "configurations",
    "generators",
    "validators",
    "buildMetadata",
];

/// Fields fleetdeck implements (the serde names of [`Kustomization`]).
const SUPPORTED: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patchesJSON6902",
    "patches",
    "images",
    "replicas",
    "resources",
    "components",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "sortOptions",
    "transformers",
    "vars",
    "openapi",
];

/// Whether the file is a kustomization or a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KustomizationKind {
    Kustomization,
    Component,
}

impl KustomizationKind {
    pub fn name(self) -> &'static str {
        match self {
            KustomizationKind::Kustomization => "Kustomization",
            KustomizationKind::Component => "Component",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Kustomization {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub name_prefix: String,
    #[serde(default)]
    pub name_suffix: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub common_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: Vec<Label>,
    #[serde(default)]
    pub common_annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub patches_strategic_merge: Vec<String>,
    /// Kustomize reads both spellings (`patchesJSON6902` is the older).
    #[serde(default, alias = "patchesJSON6902")]
    pub patches_json6902: Vec<Json6902Patch>,
    #[serde(default)]
    pub patches: Vec<Patch>,
    #[serde(default)]
    pub images: Vec<Image>,
    #[serde(default)]
    pub replicas: Vec<Replica>,
    #[serde(default)]
    pub resources: Vec<String>,
    #[serde(default)]
    pub components: Vec<String>,
    #[serde(default)]
    pub bases: Vec<String>,
    #[serde(default)]
    pub config_map_generator: Vec<GeneratorArgs>,
    #[serde(default)]
    pub secret_generator: Vec<GeneratorArgs>,
    #[serde(default)]
    pub generator_options: Option<GeneratorOptions>,
    #[serde(default)]
    pub sort_options: Option<SortOptions>,
    /// Transformer configurations: files, directories or inline YAML.
    #[serde(default)]
    pub transformers: Vec<String>,
    #[serde(default)]
    pub vars: Vec<Var>,
    #[serde(default)]
    pub openapi: Option<OpenApi>,
}

/// `openapi`: a schema file for custom kinds (kustomize's `version:` form,
/// naming one of its bundled Kubernetes schemas, changes nothing here: the
/// built-in kinds' merge keys are always known).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenApi {
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub version: String,
}

/// An entry of `labels`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Label {
    #[serde(default)]
    pub pairs: BTreeMap<String, String>,
    #[serde(default)]
    pub include_selectors: bool,
    #[serde(default)]
    pub include_templates: bool,
}

/// Which objects a patch applies to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Selector {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub label_selector: String,
    #[serde(default)]
    pub annotation_selector: String,
}

/// An entry of `patches`: a strategic-merge or JSON 6902 patch, inline or
/// from a file, optionally targeted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Patch {
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub patch: String,
    #[serde(default)]
    pub target: Option<Selector>,
    #[serde(default)]
    pub options: BTreeMap<String, bool>,
}

/// An entry of the legacy `patchesJson6902`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Json6902Patch {
    pub target: Selector,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub patch: String,
}

/// An entry of `images`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Image {
    pub name: String,
    #[serde(default)]
    pub new_name: String,
    #[serde(default, deserialize_with = "string_or_number")]
    pub new_tag: String,
    /// Appended to the (new or existing) tag.
    #[serde(default, deserialize_with = "string_or_number")]
    pub tag_suffix: String,
    #[serde(default)]
    pub digest: String,
}

/// An entry of `replicas`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Replica {
    pub name: String,
    pub count: IntOrString,
}

/// An entry of `configMapGenerator` or `secretGenerator`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GeneratorArgs {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub behavior: String,
    #[serde(default)]
    pub literals: Vec<String>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub envs: Vec<String>,
    /// Legacy single env file.
    #[serde(default)]
    pub env: String,
    #[serde(default)]
    pub options: Option<GeneratorOptions>,
    /// Secrets only: the secret type (default `Opaque`).
    #[serde(default, rename = "type")]
    pub kind: String,
}

/// `generatorOptions`, or a generator's own `options`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GeneratorOptions {
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub disable_name_suffix_hash: Option<bool>,
    #[serde(default)]
    pub immutable: Option<bool>,
}

/// `sortOptions`: the output order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SortOptions {
    #[serde(default)]
    pub order: String,
    #[serde(default)]
    pub legacy_sort_options: Option<LegacySortOptions>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LegacySortOptions {
    #[serde(default)]
    pub order_first: Vec<String>,
    #[serde(default)]
    pub order_last: Vec<String>,
}

/// Kustomize accepts `newTag: 1.27` (a YAML number) as the tag text.
fn string_or_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(text),
        Value::Number(number) => Ok(number.to_string()),
        Value::Null => Ok(String::new()),
        other => Err(serde::de::Error::custom(format!(
            "expected a string, found {other}"
        ))),
    }
}

impl Kustomization {
    /// Parses the text of `file`, refusing unsupported and unknown fields.
    pub fn parse(file: &RepoPath, bytes: &[u8]) -> Result<Kustomization, KustomizeError> {
        let invalid = |message: String| KustomizeError::InvalidFile {
            file: file.clone(),
            message,
        };
        let text = std::str::from_utf8(bytes)
            .map_err(|error| invalid(format!("not UTF-8 text ({error})")))?;
        let value = yaml::parse_single(text).map_err(|error| invalid(error.to_string()))?;
        let value = match value {
            Value::Null => Value::Object(Default::default()),
            other => other,
        };
        Self::from_value(file, value)
    }

    /// Checks and converts an already parsed kustomization.
    pub fn from_value(file: &RepoPath, value: Value) -> Result<Kustomization, KustomizeError> {
        let mut value = value;
        // `components:` with nothing under it is a null, which kustomize's
        // reader takes as an absent list; so is every other null field.
        if let Value::Object(fields) = &mut value {
            fields.retain(|_, field| !field.is_null());
        }
        let Value::Object(fields) = &value else {
            return Err(KustomizeError::InvalidFile {
                file: file.clone(),
                message: "a kustomization must be a mapping".to_string(),
            });
        };
        if let Some(Value::Array(labels)) = fields.get("labels") {
            for (index, label) in labels.iter().enumerate() {
                if label.get("fields").is_some() {
                    return Err(KustomizeError::UnsupportedField {
                        file: file.clone(),
                        field: format!("labels[{index}].fields"),
                    });
                }
            }
        }
        for key in fields.keys() {
            if UNSUPPORTED.contains(&key.as_str()) {
                return Err(KustomizeError::UnsupportedField {
                    file: file.clone(),
                    field: key.clone(),
                });
            }
            if !SUPPORTED.contains(&key.as_str()) {
                return Err(KustomizeError::UnknownField {
                    file: file.clone(),
                    field: key.clone(),
                });
            }
        }
        let kustomization: Kustomization =
            serde_path_to_error::deserialize(value).map_err(|error| {
                let field = error.path().to_string();
                let message = error.into_inner().to_string();
                match unknown_field_name(&message) {
                    Some(name) => KustomizeError::UnknownField {
                        file: file.clone(),
                        field: join_field(&field, name),
                    },
                    None => KustomizeError::invalid(file, field, message),
                }
            })?;
        kustomization
            .kind()
            .map_err(|message| KustomizeError::invalid(file, "kind", message))?;
        if let Some(Value::Object(_)) | None = &kustomization.metadata {
        } else {
            return Err(KustomizeError::invalid(
                file,
                "metadata",
                "must be a mapping",
            ));
        }
        Ok(kustomization)
    }

    /// `Kustomization` (the default) or `Component`.
    pub fn kind(&self) -> Result<KustomizationKind, String> {
        match self.kind.as_str() {
            "" | "Kustomization" => Ok(KustomizationKind::Kustomization),
            "Component" => Ok(KustomizationKind::Component),
            other => Err(format!("unknown kind '{other}'")),
        }
    }
}

/// `unknown field `foo`, expected ...` → `foo`.
fn unknown_field_name(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("unknown field `")?;
    rest.split('`').next()
}

/// The dotted path of an unknown field (serde_path_to_error's path already
/// ends with it; older versions stop at the parent).
fn join_field(path: &str, name: &str) -> String {
    if path.is_empty() || path == "." {
        name.to_string()
    } else if path == name || path.ends_with(&format!(".{name}")) {
        path.to_string()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> RepoPath {
        RepoPath::new("apps/web/overlays/prod/kustomization.yaml").unwrap()
    }

    #[test]
    fn parses_supported_fields() {
        let text = "resources: [a.yaml]\nnamePrefix: p-\nimages:\n  - name: nginx\n    newTag: 1.27\nreplicas:\n  - name: web\n    count: 3\n";
        let kustomization = Kustomization::parse(&file(), text.as_bytes()).unwrap();
        assert_eq!(kustomization.resources, ["a.yaml"]);
        assert_eq!(kustomization.images[0].new_tag, "1.27");
        assert_eq!(kustomization.replicas[0].count.as_int(), Some(3));
    }

    #[test]
    fn unsupported_and_unknown_fields_name_the_file_and_field() {
        let error = Kustomization::parse(&file(), b"helmCharts: []\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "apps/web/overlays/prod/kustomization.yaml: unsupported field 'helmCharts'"
        );
        let error = Kustomization::parse(&file(), b"resource: [a.yaml]\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "apps/web/overlays/prod/kustomization.yaml: unknown field 'resource'"
        );
        let error =
            Kustomization::parse(&file(), b"images:\n  - name: a\n    newtag: b\n").unwrap_err();
        assert!(
            matches!(&error, KustomizeError::UnknownField { field, .. } if field == "images[0].newtag"),
            "{error}"
        );
        let error = Kustomization::parse(
            &file(),
            b"labels:\n  - pairs: {a: b}\n    fields: [{path: spec/x}]\n",
        )
        .unwrap_err();
        assert!(
            matches!(&error, KustomizeError::UnsupportedField { field, .. } if field == "labels[0].fields"),
            "{error}"
        );
        let error = Kustomization::parse(&file(), b"namePrefix: [x]\n").unwrap_err();
        assert!(error.to_string().contains("field 'namePrefix'"), "{error}");
    }
}
