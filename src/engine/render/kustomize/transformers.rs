//! `transformers:` with kustomize's built-in transformer configurations
//! (`apiVersion: builtin`): the same label, annotation and value-add
//! transformers the kustomization fields use, but with the field specs the
//! user wrote instead of kustomize's defaults.
//!
//! They run after the kustomization's own transformers, in the order
//! listed, as in kustomize. A configuration of a kind fleetdeck does not
//! implement (or an external plugin) is refused, naming the kind.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::KustomizeError;
use super::field_spec::{add_pairs, visit_path};
use super::kustomization::Selector;
use super::patch_target::Target;
use super::resource::Resource;
use crate::engine::source::RepoPath;

/// Where a transformer runs: the kustomization listing it.
pub struct TransformerContext<'a> {
    pub file: &'a RepoPath,
    pub dir: &'a RepoPath,
}

/// A field spec as written in a transformer configuration; an empty group,
/// version or kind matches any.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigFieldSpec {
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    kind: String,
    path: String,
    #[serde(default)]
    create: bool,
}

impl ConfigFieldSpec {
    fn visit(&self, resource: &mut Resource, visit: &mut dyn FnMut(&mut Value)) {
        let matches = |wanted: &str, actual: &str| wanted.is_empty() || wanted == actual;
        if !(matches(&self.group, resource.group())
            && matches(&self.version, resource.version())
            && matches(&self.kind, resource.kind()))
        {
            return;
        }
        let parts: Vec<&str> = self.path.split('/').collect();
        visit_path(&mut resource.object, &parts, self.create, visit);
    }
}

/// `LabelTransformer` (`labels`) and `AnnotationsTransformer`
/// (`annotations`): pairs written at every field spec.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MetadataTransformer {
    #[serde(default, alias = "annotations")]
    labels: Map<String, Value>,
    #[serde(default)]
    field_specs: Vec<ConfigFieldSpec>,
}

/// `ValueAddTransformer`: a value written to (or inserted as a path part
/// into) the fields of selected objects.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValueAddTransformer {
    /// Defaults to the name of the kustomization's directory.
    #[serde(default)]
    value: String,
    #[serde(default)]
    targets: Vec<ValueAddTarget>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ValueAddTarget {
    #[serde(default)]
    selector: Option<Selector>,
    field_path: String,
    /// 1-based position in a `/`-separated value to insert at; 0 replaces
    /// the whole value.
    #[serde(default)]
    file_path_position: usize,
}

/// Runs one transformer configuration over `resources`.
pub fn run_transformer(
    context: &TransformerContext<'_>,
    index: usize,
    config: &Value,
    resources: &mut [Resource],
) -> Result<(), KustomizeError> {
    let field = format!("transformers[{index}]");
    let invalid = |message: String| KustomizeError::invalid(context.file, field.clone(), message);
    let kind = config["kind"].as_str().unwrap_or_default();
    let api_version = config["apiVersion"].as_str().unwrap_or_default();
    if api_version != "builtin" {
        return Err(KustomizeError::UnsupportedField {
            file: context.file.clone(),
            field: format!("{field} ({api_version} {kind}: only built-in transformers are run)"),
        });
    }
    match kind {
        "LabelTransformer" | "AnnotationsTransformer" => {
            let transformer: MetadataTransformer = parse(config).map_err(&invalid)?;
            let pairs = string_pairs(&transformer.labels);
            for resource in resources.iter_mut() {
                for spec in &transformer.field_specs {
                    spec.visit(resource, &mut |value| add_pairs(value, &pairs));
                }
            }
            Ok(())
        }
        "ValueAddTransformer" => {
            let transformer: ValueAddTransformer = parse(config).map_err(&invalid)?;
            let value = if transformer.value.is_empty() {
                context.dir.file_name().unwrap_or_default().to_string()
            } else {
                transformer.value.clone()
            };
            for target in &transformer.targets {
                let selected = match &target.selector {
                    Some(selector) => Some(Target::new(selector).map_err(&invalid)?),
                    None => None,
                };
                let parts: Vec<&str> = target.field_path.split('/').collect();
                for resource in resources.iter_mut() {
                    if selected
                        .as_ref()
                        .is_some_and(|target| !target.matches(resource))
                    {
                        continue;
                    }
                    visit_path(&mut resource.object, &parts, true, &mut |field| {
                        *field = Value::String(add_value(
                            field.as_str().unwrap_or_default(),
                            &value,
                            target.file_path_position,
                        ));
                    });
                }
            }
            Ok(())
        }
        other => Err(KustomizeError::UnsupportedField {
            file: context.file.clone(),
            field: format!("{field} (builtin {other})"),
        }),
    }
}

/// A configuration as `T`; the error names the field that did not fit.
fn parse<T: serde::de::DeserializeOwned>(config: &Value) -> Result<T, String> {
    let kind = config["kind"].as_str().unwrap_or_default();
    serde_path_to_error::deserialize(config.clone())
        .map_err(|error| format!("{kind} {}: {}", error.path(), error.inner()))
}

/// Kustomize writes every value of a label or annotation map as a string.
fn string_pairs(map: &Map<String, Value>) -> Vec<(String, String)> {
    map.iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (key.clone(), text)
        })
        .collect()
}

/// The field's new value: `value` itself (position 0), or `value` inserted
/// as the `position`-th part of the `/`-separated `current`.
fn add_value(current: &str, value: &str, position: usize) -> String {
    if position == 0 {
        return value.to_string();
    }
    let (root, rest) = match current.strip_prefix('/') {
        Some(rest) => ("/", rest),
        None => ("", current),
    };
    let mut parts: Vec<&str> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('/').collect()
    };
    let at = (position - 1).min(parts.len());
    parts.insert(at, value);
    format!("{root}{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_add_inserts_path_parts() {
        assert_eq!(add_value("projects", "dog", 2), "projects/dog");
        assert_eq!(add_value("a/b/c", "x", 1), "x/a/b/c");
        assert_eq!(add_value("a/b/c", "x", 2), "a/x/b/c");
        assert_eq!(add_value("/a", "x", 9), "/a/x");
        assert_eq!(add_value("anything", "x", 0), "x");
    }
}
