//! `patches`, `patchesStrategicMerge` and `patchesJson6902`: loading each
//! patch (inline or from a file), telling strategic-merge from JSON 6902,
//! finding its targets and applying it.

use serde_json::Value;

use super::KustomizeError;
use super::json6902::{JsonPatch, is_json_patch};
use super::kustomization::{Json6902Patch, Patch, Selector};
use super::patch_target::Target;
use super::resource::Resource;
use super::resources::read_local_file;
use super::strategic_merge::{self, Outcome};
use crate::engine::source::{RepoPath, SourceTree};
use crate::engine::yaml;

/// Where patches are read from.
pub struct PatchContext<'a> {
    pub tree: &'a dyn SourceTree,
    pub file: &'a RepoPath,
    pub dir: &'a RepoPath,
    /// (group, kind) of custom kinds the kustomization's `openapi` schema
    /// describes: their lists merge by the built-in merge keys too.
    pub schema_kinds: &'a [(String, String)],
}

/// `patches[].options`: whether a strategic-merge patch may rename the
/// object or change its kind (by default the target keeps both).
#[derive(Debug, Clone, Copy, Default)]
struct Allow {
    name_change: bool,
    kind_change: bool,
}

/// What a patch entry holds once loaded.
enum Loaded {
    Strategic(Vec<Value>),
    Json(JsonPatch),
}

impl PatchContext<'_> {
    fn error(
        &self,
        field: &'static str,
        patch: &str,
        message: impl Into<String>,
    ) -> KustomizeError {
        KustomizeError::Patch {
            file: self.file.clone(),
            field,
            patch: patch.to_string(),
            message: message.into(),
        }
    }

    /// The text of a patch and a short label for messages.
    fn text(
        &self,
        field: &'static str,
        path: &str,
        inline: &str,
    ) -> Result<(String, String), KustomizeError> {
        match (path.is_empty(), inline.is_empty()) {
            (false, true) => {
                let bytes = read_local_file(self.tree, self.file, self.dir, path)?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| self.error(field, path, "is not UTF-8 text"))?;
                Ok((text, format!("'{path}'")))
            }
            (true, false) => Ok((inline.to_string(), describe_inline(inline))),
            (false, false) => Err(self.error(field, path, "has both path and patch")),
            (true, true) => Err(self.error(field, "", "needs a path or an inline patch")),
        }
    }

    fn load(&self, field: &'static str, label: &str, text: &str) -> Result<Loaded, KustomizeError> {
        let documents = yaml::parse_kustomize_documents(text)
            .map_err(|error| self.error(field, label, error.to_string()))?;
        let values: Vec<Value> = documents
            .into_iter()
            .map(|document| document.value)
            .collect();
        if let [single] = values.as_slice()
            && is_json_patch(single)
        {
            return JsonPatch::from_value(single.clone())
                .map(Loaded::Json)
                .map_err(|message| self.error(field, label, message));
        }
        if values.iter().any(|value| !value.is_object()) {
            return Err(self.error(
                field,
                label,
                "is neither a strategic-merge patch nor a JSON 6902 patch",
            ));
        }
        Ok(Loaded::Strategic(values))
    }
}

/// Applies `patches` entries.
pub fn apply_patches(
    context: &PatchContext<'_>,
    patches: &[Patch],
    resources: &mut Vec<Resource>,
) -> Result<(), KustomizeError> {
    const FIELD: &str = "patches";
    for patch in patches {
        let allow = Allow {
            name_change: patch.options.get("allowNameChange") == Some(&true),
            kind_change: patch.options.get("allowKindChange") == Some(&true),
        };
        let (text, label) = context.text(FIELD, &patch.path, &patch.patch)?;
        let target = patch
            .target
            .as_ref()
            .map(|selector| compile(context, FIELD, &label, selector))
            .transpose()?;
        match (context.load(FIELD, &label, &text)?, target) {
            (Loaded::Json(json), Some(target)) => {
                apply_json(context, FIELD, &label, &json, &target, resources)?
            }
            (Loaded::Json(_), None) => {
                return Err(context.error(FIELD, &label, "a JSON 6902 patch needs a target"));
            }
            (Loaded::Strategic(values), Some(target)) => {
                for value in values {
                    apply_strategic_to(context, resources, &value, allow, |_, resource| {
                        target.matches(resource)
                    });
                }
            }
            (Loaded::Strategic(values), None) => {
                for value in values {
                    apply_strategic_by_id(context, FIELD, &label, &value, resources)?;
                }
            }
        }
    }
    Ok(())
}

/// Applies legacy `patchesStrategicMerge` entries (file paths or inline YAML).
pub fn apply_strategic_merge_patches(
    context: &PatchContext<'_>,
    entries: &[String],
    resources: &mut Vec<Resource>,
) -> Result<(), KustomizeError> {
    const FIELD: &str = "patchesStrategicMerge";
    for entry in entries {
        // An entry is a file path unless it holds YAML (more than one line
        // or a mapping).
        let inline = entry.contains('\n') || entry.trim_start().starts_with('{');
        let (text, label) = if inline {
            context.text(FIELD, "", entry)?
        } else {
            context.text(FIELD, entry, "")?
        };
        match context.load(FIELD, &label, &text)? {
            Loaded::Strategic(values) => {
                for value in values {
                    apply_strategic_by_id(context, FIELD, &label, &value, resources)?;
                }
            }
            Loaded::Json(_) => {
                return Err(context.error(
                    FIELD,
                    &label,
                    "is a JSON 6902 patch; list it under patches with a target",
                ));
            }
        }
    }
    Ok(())
}

/// Applies legacy `patchesJson6902` entries.
pub fn apply_json6902_patches(
    context: &PatchContext<'_>,
    entries: &[Json6902Patch],
    resources: &mut [Resource],
) -> Result<(), KustomizeError> {
    const FIELD: &str = "patchesJson6902";
    for entry in entries {
        let (text, label) = context.text(FIELD, &entry.path, &entry.patch)?;
        let json =
            JsonPatch::parse(&text).map_err(|message| context.error(FIELD, &label, message))?;
        let target = compile(context, FIELD, &label, &entry.target)?;
        apply_json(context, FIELD, &label, &json, &target, resources)?;
    }
    Ok(())
}

fn compile(
    context: &PatchContext<'_>,
    field: &'static str,
    label: &str,
    selector: &Selector,
) -> Result<Target, KustomizeError> {
    Target::new(selector).map_err(|message| context.error(field, label, message))
}

fn apply_json(
    context: &PatchContext<'_>,
    field: &'static str,
    label: &str,
    json: &JsonPatch,
    target: &Target,
    resources: &mut [Resource],
) -> Result<(), KustomizeError> {
    for resource in resources
        .iter_mut()
        .filter(|resource| target.matches(resource))
    {
        let before_name = resource.name().to_string();
        let before_namespace = resource.namespace().to_string();
        json.apply(&mut resource.object).map_err(|message| {
            context.error(field, label, format!("on {}: {message}", resource.id()))
        })?;
        record_identity_change(resource, &before_name, &before_namespace);
    }
    Ok(())
}

/// Applies a strategic-merge patch to every resource `selected` accepts;
/// `$patch: delete` removes them.
fn apply_strategic_to(
    context: &PatchContext<'_>,
    resources: &mut Vec<Resource>,
    patch: &Value,
    allow: Allow,
    selected: impl Fn(usize, &Resource) -> bool,
) {
    let mut deleted = Vec::new();
    for (index, resource) in resources.iter_mut().enumerate() {
        if !selected(index, resource) {
            continue;
        }
        let before_name = resource.name().to_string();
        let before_namespace = resource.namespace().to_string();
        let mut patch = patch.clone();
        // A patch keeps the target's identity whatever the patch names,
        // unless its options allow a new name or kind.
        if let Some(metadata) = patch.get_mut("metadata").and_then(Value::as_object_mut) {
            if !allow.name_change {
                metadata.remove("name");
            }
            metadata.remove("namespace");
        }
        if let Some(map) = patch.as_object_mut()
            && !allow.kind_change
        {
            map.remove("apiVersion");
            map.remove("kind");
        }
        let builtin = is_builtin_group(resource.group())
            || context
                .schema_kinds
                .iter()
                .any(|(group, kind)| group == resource.group() && kind == resource.kind());
        if strategic_merge::apply(&mut resource.object, &patch, builtin) == Outcome::Deleted {
            deleted.push(index);
        }
        record_identity_change(resource, &before_name, &before_namespace);
    }
    for index in deleted.into_iter().rev() {
        resources.remove(index);
    }
}

/// Applies an untargeted strategic-merge patch to the object it names.
fn apply_strategic_by_id(
    context: &PatchContext<'_>,
    field: &'static str,
    label: &str,
    patch: &Value,
    resources: &mut Vec<Resource>,
) -> Result<(), KustomizeError> {
    let api_version = patch["apiVersion"].as_str().unwrap_or_default();
    let kind = patch["kind"].as_str().unwrap_or_default();
    let name = patch["metadata"]["name"].as_str().unwrap_or_default();
    let namespace = patch["metadata"]["namespace"].as_str();
    if kind.is_empty() || name.is_empty() {
        return Err(context.error(
            field,
            label,
            "names no kind and metadata.name to patch (add a target)",
        ));
    }
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let id_matches = |resource: &Resource| {
        resource.kind() == kind
            && resource.group() == group
            && (version.is_empty() || resource.version() == version)
            && resource.had_name(name)
    };
    let namespace_matches = |resource: &Resource| match namespace {
        Some(namespace) => resource.had_namespace(namespace),
        None => resource.had_namespace("") || resource.had_namespace("default"),
    };
    let mut matches: Vec<usize> = (0..resources.len())
        .filter(|&index| id_matches(&resources[index]) && namespace_matches(&resources[index]))
        .collect();
    if matches.is_empty() && namespace.is_none() {
        matches = (0..resources.len())
            .filter(|&index| id_matches(&resources[index]))
            .collect();
    }
    match matches.as_slice() {
        [] => Err(context.error(field, label, format!("no object matches {kind} '{name}'"))),
        [only] => {
            let only = *only;
            apply_strategic_to(context, resources, patch, Allow::default(), |index, _| {
                index == only
            });
            Ok(())
        }
        _ => Err(context.error(
            field,
            label,
            format!("more than one object matches {kind} '{name}'"),
        )),
    }
}

/// Keeps the name history in step when a patch renames or moves an object.
fn record_identity_change(resource: &mut Resource, before_name: &str, before_namespace: &str) {
    let name = resource.name().to_string();
    if name != before_name && resource.names.last().map(String::as_str) != Some(name.as_str()) {
        resource.names.push(name);
    }
    let namespace = resource.namespace().to_string();
    if namespace != before_namespace
        && resource.namespaces.last().map(String::as_str) != Some(namespace.as_str())
    {
        resource.namespaces.push(namespace);
    }
}

/// Built-in API groups: the core group and `*.k8s.io` / dot-less groups.
pub fn is_builtin_group(group: &str) -> bool {
    group.is_empty() || !group.contains('.') || group.ends_with(".k8s.io")
}

fn describe_inline(text: &str) -> String {
    let first = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or_default()
        .trim();
    if text.lines().count() > 1 {
        format!("'{first} ...'")
    } else {
        format!("'{first}'")
    }
}
