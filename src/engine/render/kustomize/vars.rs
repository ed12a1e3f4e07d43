//! `vars:` — kustomize's legacy reflection: `$(NAME)` in a few known fields
//! becomes the text of a field of another object of the build.
//!
//! Vars declared anywhere in the build are resolved once, at the very end
//! (after content hashes and name references), so a var naming a Service
//! sees the Service's final, prefixed name. Only the fields kustomize's
//! default `varReference` configuration lists are substituted: a `$(NAME)`
//! anywhere else is left as written, exactly as kustomize leaves it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::KustomizeError;
use super::field_spec::visit_path;
use super::resource::Resource;
use crate::engine::source::RepoPath;

/// An entry of `vars`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Var {
    pub name: String,
    pub objref: ObjectRef,
    #[serde(default)]
    pub fieldref: Option<FieldRef>,
}

/// The object a var reads, by its name as written (before prefixes,
/// suffixes and hashes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ObjectRef {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub namespace: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FieldRef {
    #[serde(default)]
    pub fieldpath: String,
}

/// Kinds whose pod template sits at `spec/template/spec`.
const TEMPLATE_KINDS: &[&str] = &[
    "DaemonSet",
    "Deployment",
    "Job",
    "ReplicaSet",
    "StatefulSet",
];

/// Container fields a var may appear in, under a pod spec.
const CONTAINER_FIELDS: &[&str] = &[
    "containers/args",
    "containers/command",
    "containers/env/value",
    "containers/volumeMounts/mountPath",
    "initContainers/args",
    "initContainers/command",
    "initContainers/env/value",
    "initContainers/volumeMounts/mountPath",
    "volumes/nfs/server",
];

/// Fields outside pod specs kustomize substitutes vars in, by kind (`None`
/// for every kind).
const OTHER_FIELDS: &[(Option<&str>, &str)] = &[
    (Some("Ingress"), "spec/rules/host"),
    (Some("Ingress"), "spec/tls/hosts"),
    (Some("Ingress"), "spec/tls/secretName"),
    (Some("Service"), "spec/ports/port"),
    (Some("Service"), "spec/ports/targetPort"),
    (
        Some("StatefulSet"),
        "spec/volumeClaimTemplates/spec/nfs/server",
    ),
    (Some("PersistentVolume"), "spec/nfs/server"),
    (None, "metadata/labels"),
    (None, "metadata/annotations"),
];

/// The paths of `kind` where `$(NAME)` is substituted.
fn reference_paths(kind: &str) -> Vec<String> {
    let pod_spec = match kind {
        "CronJob" => Some("spec/jobTemplate/spec/template/spec"),
        "Pod" => Some("spec"),
        kind if TEMPLATE_KINDS.contains(&kind) => Some("spec/template/spec"),
        _ => None,
    };
    let mut paths: Vec<String> = pod_spec
        .map(|root| {
            CONTAINER_FIELDS
                .iter()
                .map(|field| format!("{root}/{field}"))
                .collect()
        })
        .unwrap_or_default();
    paths.extend(
        OTHER_FIELDS
            .iter()
            .filter(|(only, _)| only.is_none_or(|only| only == kind))
            .map(|(_, path)| (*path).to_string()),
    );
    paths
}

/// Resolves every var and substitutes it into the reference fields.
pub fn resolve_vars(
    file: &RepoPath,
    vars: &[Var],
    resources: &mut [Resource],
) -> Result<(), KustomizeError> {
    if vars.is_empty() {
        return Ok(());
    }
    let mut values = HashMap::new();
    for var in vars {
        let value = var_value(var, resources).map_err(|message| {
            KustomizeError::invalid(file, format!("vars ({})", var.name), message)
        })?;
        values.insert(var.name.clone(), value);
    }
    for resource in resources.iter_mut() {
        for path in reference_paths(resource.kind()) {
            let parts: Vec<&str> = path.split('/').collect();
            visit_path(&mut resource.object, &parts, false, &mut |value| {
                substitute(value, &values);
            });
        }
    }
    Ok(())
}

/// The text of the var's field in the one object it names.
fn var_value(var: &Var, resources: &[Resource]) -> Result<String, String> {
    let wanted = &var.objref;
    let (group, version) = match wanted.api_version.rsplit_once('/') {
        Some((group, version)) => (group, version),
        None if !wanted.api_version.is_empty() => ("", wanted.api_version.as_str()),
        None => (wanted.group.as_str(), wanted.version.as_str()),
    };
    let matches: Vec<&Resource> = resources
        .iter()
        .filter(|resource| {
            resource.kind() == wanted.kind
                && resource.had_name(&wanted.name)
                && (group.is_empty() || resource.group() == group)
                && (version.is_empty() || resource.version() == version)
                && (wanted.namespace.is_empty() || resource.had_namespace(&wanted.namespace))
        })
        .collect();
    let target = match matches.as_slice() {
        [one] => *one,
        [] => {
            return Err(format!(
                "no {} named '{}' in the build",
                wanted.kind, wanted.name
            ));
        }
        _ => {
            return Err(format!(
                "{} objects named '{}' match; give objref a namespace",
                matches.len(),
                wanted.name
            ));
        }
    };
    let path = var
        .fieldref
        .as_ref()
        .map(|field| field.fieldpath.as_str())
        .filter(|path| !path.is_empty())
        .unwrap_or("metadata.name");
    match field_at(&target.object, path) {
        Some(Value::String(text)) => Ok(text.clone()),
        Some(Value::Number(number)) => Ok(number.to_string()),
        Some(Value::Bool(flag)) => Ok(flag.to_string()),
        _ => Err(format!("{} has no text at '{path}'", target.id())),
    }
}

/// `spec.template.spec.containers[0].image` in `object`.
fn field_at<'a>(object: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = object;
    for part in path.split('.') {
        let (field, indexes) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !field.is_empty() {
            current = current.get(field)?;
        }
        for index in indexes.split('[').filter(|piece| !piece.is_empty()) {
            let index: usize = index.strip_suffix(']')?.parse().ok()?;
            current = current.get(index)?;
        }
    }
    Some(current)
}

/// Expands `$(NAME)` in every string under `value`, with Kubernetes'
/// expansion rules: `$$` is a literal `$`, an unknown name stays as written.
fn substitute(value: &mut Value, values: &HashMap<String, String>) {
    match value {
        Value::String(text) if text.contains('$') => *text = expand(text, values),
        Value::Array(items) => items.iter_mut().for_each(|item| substitute(item, values)),
        Value::Object(map) => map.values_mut().for_each(|item| substitute(item, values)),
        _ => {}
    }
}

fn expand(text: &str, values: &HashMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(close) = inner.find(')')
        {
            let name = &inner[..close];
            match values.get(name) {
                Some(value) => out.push_str(value),
                None => {
                    out.push_str("$(");
                    out.push_str(name);
                    out.push(')');
                }
            }
            rest = &inner[close + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expands_known_names_and_keeps_the_rest() {
        let values = HashMap::from([("SVC".to_string(), "demo-web".to_string())]);
        assert_eq!(
            expand("echo $(SVC); $(OTHER)", &values),
            "echo demo-web; $(OTHER)"
        );
        assert_eq!(expand("$$(SVC) costs $5", &values), "$(SVC) costs $5");
    }

    #[test]
    fn reads_dotted_and_indexed_field_paths() {
        let object = json!({"spec": {"containers": [{"image": "a"}, {"image": "b"}]}});
        assert_eq!(
            field_at(&object, "spec.containers[1].image"),
            Some(&json!("b"))
        );
        assert_eq!(field_at(&object, "spec.missing"), None);
    }

    #[test]
    fn only_reference_fields_of_the_kind_are_listed() {
        let deployment = reference_paths("Deployment");
        assert!(deployment.contains(&"spec/template/spec/containers/args".to_string()));
        assert!(
            !reference_paths("MyKind")
                .iter()
                .any(|path| path.contains("containers"))
        );
    }
}
