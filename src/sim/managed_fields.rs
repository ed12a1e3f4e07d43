//! `metadata.managedFields`: which field manager owns which fields, as sets of field
//! paths serialised in the `FieldsV1` format (`f:field`, `k:{"name":"x"}` for keyed list
//! items, `v:"value"` for set items, `.` for "the node itself"). Server-side apply reads
//! these sets to find conflicts and fields to remove; every other write (create, update,
//! patch) hands the fields it changed to its manager, taking them from the others.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::merge_keys::{ListKind, list_kind};
use super::meta;

/// One step of a field path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum PathElement {
    /// A map field.
    Field(String),
    /// A keyed list item, identified by its key as canonical JSON (`{"name":"app"}`).
    Key(String),
    /// A set list item, by its JSON value.
    Value(String),
}

pub(crate) type FieldPath = Vec<PathElement>;
pub(crate) type FieldSet = BTreeSet<FieldPath>;

/// Which part of an object a write may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldScope {
    /// The main resource; `status` excluded when the kind has a status subresource.
    Main { exclude_status: bool },
    /// The `/status` subresource: only `status`.
    Status,
}

/// Metadata fields the server owns; never part of a manager's set.
const SERVER_METADATA: &[&str] = &[
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
];

/// The owned-field set an object (or an applied configuration) describes: its leaves
/// plus the items of keyed and set lists.
pub(crate) fn fields_of(object: &Value, scope: FieldScope, custom: bool) -> FieldSet {
    let mut set = FieldSet::new();
    let Some(map) = object.as_object() else {
        return set;
    };
    for (key, value) in map {
        let included = match scope {
            FieldScope::Status => key == "status",
            FieldScope::Main { exclude_status } => {
                key != "apiVersion" && key != "kind" && !(exclude_status && key == "status")
            }
        };
        if !included {
            continue;
        }
        let mut path = vec![PathElement::Field(key.clone())];
        if key == "metadata" {
            for (field, inner) in value.as_object().into_iter().flatten() {
                if SERVER_METADATA.contains(&field.as_str()) {
                    continue;
                }
                path.push(PathElement::Field(field.clone()));
                walk(inner, &mut path, &mut set, custom);
                path.pop();
            }
        } else {
            walk(value, &mut path, &mut set, custom);
        }
    }
    set
}

fn last_field(path: &FieldPath) -> &str {
    match path.last() {
        Some(PathElement::Field(name)) => name,
        _ => "",
    }
}

fn key_element(key: &str, item: &Value) -> PathElement {
    let mut map = Map::new();
    map.insert(key.to_string(), item[key].clone());
    PathElement::Key(Value::Object(map).to_string())
}

fn walk(value: &Value, path: &mut FieldPath, set: &mut FieldSet, custom: bool) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, inner) in map {
                path.push(PathElement::Field(key.clone()));
                walk(inner, path, set, custom);
                path.pop();
            }
        }
        Value::Array(items) if !items.is_empty() => {
            match list_kind(last_field(path), items, custom) {
                ListKind::Keyed(key) => {
                    for item in items {
                        path.push(key_element(key, item));
                        set.insert(path.clone());
                        for (field, inner) in item.as_object().into_iter().flatten() {
                            path.push(PathElement::Field(field.clone()));
                            walk(inner, path, set, custom);
                            path.pop();
                        }
                        path.pop();
                    }
                }
                ListKind::Set => {
                    for item in items {
                        path.push(PathElement::Value(item.to_string()));
                        set.insert(path.clone());
                        path.pop();
                    }
                }
                ListKind::Atomic => {
                    set.insert(path.clone());
                }
            }
        }
        _ => {
            set.insert(path.clone());
        }
    }
}

/// A keyed-list item marker: owning it means owning the item's existence.
pub(crate) fn is_item_marker(path: &FieldPath) -> bool {
    matches!(path.last(), Some(PathElement::Key(_)))
}

fn item_matches(item: &Value, key_json: &str) -> bool {
    let Ok(Value::Object(key)) = serde_json::from_str::<Value>(key_json) else {
        return false;
    };
    key.iter().all(|(k, v)| item.get(k) == Some(v))
}

fn step<'a>(current: &'a Value, element: &PathElement) -> Option<&'a Value> {
    match element {
        PathElement::Field(name) => current.get(name),
        PathElement::Key(key) => current
            .as_array()?
            .iter()
            .find(|item| item_matches(item, key)),
        PathElement::Value(value) => {
            let wanted: Value = serde_json::from_str(value).ok()?;
            current.as_array()?.iter().find(|item| **item == wanted)
        }
    }
}

fn step_mut<'a>(current: &'a mut Value, element: &PathElement) -> Option<&'a mut Value> {
    match element {
        PathElement::Field(name) => current.get_mut(name),
        PathElement::Key(key) => current
            .as_array_mut()?
            .iter_mut()
            .find(|item| item_matches(item, key)),
        PathElement::Value(value) => {
            let wanted: Value = serde_json::from_str(value).ok()?;
            current
                .as_array_mut()?
                .iter_mut()
                .find(|item| **item == wanted)
        }
    }
}

/// The value at a path, if present.
pub(crate) fn get_at<'a>(object: &'a Value, path: &FieldPath) -> Option<&'a Value> {
    path.iter().try_fold(object, step)
}

/// Remove the node at a path; returns whether something was removed.
pub(crate) fn remove_at(object: &mut Value, path: &FieldPath) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut current = object;
    for element in parents {
        match step_mut(current, element) {
            Some(next) => current = next,
            None => return false,
        }
    }
    match last {
        PathElement::Field(name) => current
            .as_object_mut()
            .is_some_and(|map| map.shift_remove(name).is_some()),
        PathElement::Key(key) => match current.as_array_mut() {
            Some(items) => {
                let before = items.len();
                items.retain(|item| !item_matches(item, key));
                items.len() != before
            }
            None => false,
        },
        PathElement::Value(value) => {
            let Ok(wanted) = serde_json::from_str::<Value>(value) else {
                return false;
            };
            match current.as_array_mut() {
                Some(items) => {
                    let before = items.len();
                    items.retain(|item| *item != wanted);
                    items.len() != before
                }
                None => false,
            }
        }
    }
}

/// `.spec.containers[name="app"].image`, the form conflict messages use.
pub(crate) fn path_to_string(path: &FieldPath) -> String {
    let mut out = String::new();
    for element in path {
        match element {
            PathElement::Field(name) => {
                out.push('.');
                out.push_str(name);
            }
            PathElement::Key(key) => {
                let parsed: Value = serde_json::from_str(key).unwrap_or(Value::Null);
                let parts: Vec<String> = parsed
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                out.push_str(&format!("[{}]", parts.join(",")));
            }
            PathElement::Value(value) => out.push_str(&format!("[={value}]")),
        }
    }
    out
}

#[derive(Default)]
struct Node {
    member: bool,
    children: BTreeMap<String, Node>,
}

impl Node {
    fn to_value(&self) -> Value {
        let mut map = Map::new();
        if self.member && !self.children.is_empty() {
            map.insert(".".into(), json!({}));
        }
        for (key, child) in &self.children {
            map.insert(key.clone(), child.to_value());
        }
        Value::Object(map)
    }
}

/// A field set as a `fieldsV1` object.
pub(crate) fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Node::default();
    for path in set {
        let mut node = &mut root;
        for element in path {
            let key = match element {
                PathElement::Field(name) => format!("f:{name}"),
                PathElement::Key(key) => format!("k:{key}"),
                PathElement::Value(value) => format!("v:{value}"),
            };
            node = node.children.entry(key).or_default();
        }
        node.member = true;
    }
    root.to_value()
}

/// A `fieldsV1` object as a field set (unknown prefixes are skipped).
pub(crate) fn from_fields_v1(value: &Value) -> FieldSet {
    fn visit(value: &Value, path: &mut FieldPath, set: &mut FieldSet) {
        let Some(map) = value.as_object() else { return };
        if map.is_empty() && !path.is_empty() {
            set.insert(path.clone());
            return;
        }
        for (key, inner) in map {
            if key == "." {
                if !path.is_empty() {
                    set.insert(path.clone());
                }
                continue;
            }
            let element = if let Some(name) = key.strip_prefix("f:") {
                PathElement::Field(name.to_string())
            } else if let Some(k) = key.strip_prefix("k:") {
                PathElement::Key(k.to_string())
            } else if let Some(v) = key.strip_prefix("v:") {
                PathElement::Value(v.to_string())
            } else {
                continue;
            };
            path.push(element);
            visit(inner, path, set);
            path.pop();
        }
    }
    let mut set = FieldSet::new();
    visit(value, &mut Vec::new(), &mut set);
    set
}

/// One `managedFields` entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ManagedEntry {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub subresource: Option<String>,
    pub fields: FieldSet,
}

impl ManagedEntry {
    pub fn is(&self, manager: &str, operation: &str, subresource: Option<&str>) -> bool {
        self.manager == manager
            && self.operation == operation
            && self.subresource.as_deref() == subresource
    }
}

pub(crate) fn read_managed(object: &Value) -> Vec<ManagedEntry> {
    object["metadata"]["managedFields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|entry| ManagedEntry {
            manager: entry["manager"].as_str().unwrap_or_default().to_string(),
            operation: entry["operation"].as_str().unwrap_or("Update").to_string(),
            api_version: entry["apiVersion"].as_str().unwrap_or_default().to_string(),
            time: entry["time"].as_str().unwrap_or_default().to_string(),
            subresource: entry["subresource"].as_str().map(str::to_string),
            fields: from_fields_v1(&entry["fieldsV1"]),
        })
        .collect()
}

pub(crate) fn write_managed(object: &mut Value, entries: &[ManagedEntry]) {
    let list: Vec<Value> = entries
        .iter()
        .filter(|entry| !entry.fields.is_empty())
        .map(|entry| {
            let mut value = json!({
                "manager": entry.manager,
                "operation": entry.operation,
                "apiVersion": entry.api_version,
                "time": entry.time,
                "fieldsType": "FieldsV1",
                "fieldsV1": to_fields_v1(&entry.fields),
            });
            if let (Some(sub), Some(map)) = (&entry.subresource, value.as_object_mut()) {
                map.insert("subresource".into(), Value::String(sub.clone()));
            }
            value
        })
        .collect();
    let meta = meta::meta_mut(object);
    if list.is_empty() {
        meta.remove("managedFields");
    } else {
        meta.insert("managedFields".into(), Value::Array(list));
    }
}

/// Who is writing and through which endpoint (for managedFields bookkeeping).
#[derive(Debug, Clone)]
pub(crate) struct Writer<'a> {
    pub manager: &'a str,
    pub api_version: &'a str,
    pub subresource: Option<&'a str>,
    pub scope: FieldScope,
    pub custom: bool,
}

/// Record a non-apply write: the writer takes ownership of the fields it added or
/// changed (from every other manager), and removed fields leave every set. `new` carries
/// the managedFields inherited from `old`.
pub(crate) fn track_update(old: Option<&Value>, new: &mut Value, writer: &Writer<'_>) {
    let mut entries = read_managed(new);
    let old_fields = old
        .map(|o| fields_of(o, writer.scope, writer.custom))
        .unwrap_or_default();
    let new_fields = fields_of(new, writer.scope, writer.custom);
    let changed: FieldSet = new_fields
        .iter()
        .filter(|path| {
            !old_fields.contains(*path)
                || (!is_item_marker(path) && old.and_then(|o| get_at(o, path)) != get_at(new, path))
        })
        .cloned()
        .collect();
    for entry in entries.iter_mut() {
        entry.fields.retain(|path| {
            !changed.contains(path) && (new_fields.contains(path) || !old_fields.contains(path))
        });
    }
    if !changed.is_empty() {
        let now = meta::now();
        match entries
            .iter_mut()
            .find(|e| e.is(writer.manager, "Update", writer.subresource))
        {
            Some(entry) => {
                entry.fields.extend(changed);
                entry.time = now;
                entry.api_version = writer.api_version.to_string();
            }
            None => entries.push(ManagedEntry {
                manager: writer.manager.to_string(),
                operation: "Update".into(),
                api_version: writer.api_version.to_string(),
                time: now,
                subresource: writer.subresource.map(str::to_string),
                fields: changed,
            }),
        }
    }
    write_managed(new, &entries);
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: FieldScope = FieldScope::Main {
        exclude_status: true,
    };

    fn deployment() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["x"]},
            "spec": {"replicas": 2, "template": {"spec": {"containers": [
                {"name": "app", "image": "app:1", "args": ["a", "b"]}]}}},
            "status": {"replicas": 2}})
    }

    #[test]
    fn fields_v1_round_trip() {
        let set = fields_of(&deployment(), MAIN, false);
        let v1 = to_fields_v1(&set);
        assert_eq!(
            v1["f:spec"]["f:template"]["f:spec"]["f:containers"]["k:{\"name\":\"app\"}"],
            json!({".": {}, "f:args": {}, "f:image": {}, "f:name": {}})
        );
        assert_eq!(v1["f:metadata"]["f:finalizers"], json!({"v:\"x\"": {}}));
        assert!(v1["f:metadata"].get("f:name").is_none());
        assert!(v1.get("f:status").is_none());
        assert_eq!(from_fields_v1(&v1), set);
    }

    #[test]
    fn get_and_remove_by_path() {
        let mut d = deployment();
        let image: FieldPath = vec![
            PathElement::Field("spec".into()),
            PathElement::Field("template".into()),
            PathElement::Field("spec".into()),
            PathElement::Field("containers".into()),
            PathElement::Key("{\"name\":\"app\"}".into()),
            PathElement::Field("image".into()),
        ];
        assert_eq!(get_at(&d, &image), Some(&json!("app:1")));
        assert_eq!(
            path_to_string(&image),
            ".spec.template.spec.containers[name=\"app\"].image"
        );
        assert!(remove_at(&mut d, &image));
        assert!(get_at(&d, &image).is_none());
        assert!(!remove_at(&mut d, &image));
    }

    #[test]
    fn updates_take_changed_fields_from_other_managers() {
        let old = deployment();
        let mut created = old.clone();
        let writer = |manager| Writer {
            manager,
            api_version: "apps/v1",
            subresource: None,
            scope: MAIN,
            custom: false,
        };
        track_update(None, &mut created, &writer("alpha"));
        let mut new = created.clone();
        new["spec"]["replicas"] = json!(3);
        track_update(Some(&created), &mut new, &writer("beta"));
        let entries = read_managed(&new);
        assert_eq!(entries.len(), 2);
        let replicas = vec![
            PathElement::Field("spec".into()),
            PathElement::Field("replicas".into()),
        ];
        assert!(!entries[0].fields.contains(&replicas));
        assert_eq!(entries[1].manager, "beta");
        assert_eq!(entries[1].fields, FieldSet::from([replicas]));
    }
}
