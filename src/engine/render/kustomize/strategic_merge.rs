//! Strategic-merge patches, as kustomize applies them.
//!
//! Mappings merge key by key (`null` deletes), lists of the built-in kinds
//! merge by their patch merge key (`containers` by `name`, `volumeMounts` by
//! `mountPath`, ...) with the patch's elements first, or are replaced, and
//! the `$patch` directive (`delete`, `replace`, `merge`) is honoured.
//! Kustomize's merge (kyaml) knows no other directive: `$retainKeys`,
//! `$setElementOrder/...` and `$deleteFromPrimitiveList/...` are copied into
//! the output as ordinary fields, and so they are here. Custom resources
//! have no schema, so their lists are replaced, as kustomize does.
//!
//! Known gap: lists the API keys by two fields (container `ports` by
//! `containerPort` and `protocol`) merge here by the first field only. When
//! a patch leaves out a `protocol` the target states, kustomize keeps or
//! drops the patch's element by rules of its own (see the fixture
//! `smp-more-lists`, which avoids the case), so results can differ there.

use serde_json::{Map, Value};

use crate::engine::conventions::merge_keys::{ListStrategy, list_strategy};

/// What the patch did to the whole object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Patched,
    /// `$patch: delete` at the top: the object is removed.
    Deleted,
}

/// Applies `patch` to `target`. `builtin` says whether the object is of a
/// built-in kind (lists without a merge key are then replaced).
pub fn apply(target: &mut Value, patch: &Value, builtin: bool) -> Outcome {
    if let Some(directive) = patch.get("$patch").and_then(Value::as_str) {
        match directive {
            "delete" => return Outcome::Deleted,
            "replace" => {
                *target = strip_directives(patch);
                return Outcome::Patched;
            }
            _ => {}
        }
    }
    merge_map(target, patch, builtin);
    Outcome::Patched
}

fn merge_map(target: &mut Value, patch: &Value, builtin: bool) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if patch_map.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = strip_directives(patch);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target_map) = target else {
        return;
    };
    for (key, value) in patch_map {
        if key == "$patch" {
            continue;
        }
        match value {
            Value::Null => {
                target_map.remove(key);
            }
            Value::Object(inner) => {
                if inner.get("$patch").and_then(Value::as_str) == Some("delete") {
                    target_map.remove(key);
                    continue;
                }
                match target_map.get_mut(key) {
                    Some(existing) if existing.is_object() => {
                        let was_empty = existing.as_object().is_some_and(Map::is_empty);
                        merge_map(existing, value, builtin);
                        // A mapping emptied by the patch's deletions goes away.
                        if !was_empty && existing.as_object().is_some_and(Map::is_empty) {
                            target_map.remove(key);
                        }
                    }
                    _ => {
                        target_map.insert(key.clone(), strip_directives(value));
                    }
                }
            }
            Value::Array(items) => {
                let merged = match target_map.get_mut(key) {
                    Some(Value::Array(existing)) => {
                        merge_list(key, existing, items, builtin);
                        continue;
                    }
                    _ => items
                        .iter()
                        .filter(|item| item.get("$patch").is_none())
                        .map(strip_directives)
                        .collect(),
                };
                target_map.insert(key.clone(), Value::Array(merged));
            }
            scalar => {
                target_map.insert(key.clone(), scalar.clone());
            }
        }
    }
}

/// The patch merge key of list `field` of a built-in kind, `None` to
/// replace. Strategic merge matches on the single patch merge key.
fn builtin_merge_key(field: &str, items: &[Value]) -> Option<&'static str> {
    match list_strategy(field, items) {
        ListStrategy::Map(key) => Some(key.patch_merge_key),
        ListStrategy::Set | ListStrategy::Atomic => None,
    }
}

fn merge_list(field: &str, target: &mut Vec<Value>, patch: &[Value], builtin: bool) {
    if patch
        .iter()
        .any(|item| item.get("$patch").and_then(Value::as_str) == Some("replace"))
    {
        *target = patch
            .iter()
            .filter(|item| item.get("$patch").is_none())
            .map(strip_directives)
            .collect();
        return;
    }
    let all_maps = patch.iter().all(Value::is_object) && target.iter().all(Value::is_object);
    let key = if all_maps && builtin {
        builtin_merge_key(field, patch)
    } else {
        None
    };
    let Some(key) = key else {
        if builtin && list_strategy(field, patch) == ListStrategy::Set {
            // A merged primitive list: the patch's values, then the others.
            let mut merged: Vec<Value> = patch.to_vec();
            merged.extend(target.drain(..).filter(|item| !patch.contains(item)));
            *target = merged;
        } else {
            *target = patch.iter().map(strip_directives).collect();
        }
        return;
    };
    // Kustomize's order: the patch's elements first (merged with their
    // namesakes), then the target's elements the patch did not mention.
    let mut merged = Vec::with_capacity(target.len() + patch.len());
    let mut used = vec![false; target.len()];
    for item in patch {
        let id = item.get(key);
        let position = id.and_then(|id| target.iter().position(|old| old.get(key) == Some(id)));
        if let Some(at) = position {
            used[at] = true;
        }
        if item.get("$patch").and_then(Value::as_str) == Some("delete") {
            continue;
        }
        match position {
            Some(at) => {
                let mut element = target[at].clone();
                merge_map(&mut element, item, builtin);
                merged.push(element);
            }
            None => merged.push(strip_directives(item)),
        }
    }
    for (at, element) in target.drain(..).enumerate() {
        if !used[at] {
            merged.push(element);
        }
    }
    *target = merged;
}

/// `value` without any `$patch` directive (at any depth).
fn strip_directives(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| *key != "$patch")
                .map(|(key, value)| (key.clone(), strip_directives(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_directives).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn merges_containers_by_name_and_deletes_with_null() {
        let mut target = json!({"spec": {"containers": [
            {"name": "a", "image": "a:1", "env": [{"name": "X", "value": "1"}]},
            {"name": "b", "image": "b:1"}
        ], "dnsPolicy": "Default"}});
        let patch = json!({"spec": {"containers": [
            {"name": "a", "env": [{"name": "Y", "value": "2"}]},
            {"name": "b", "$patch": "delete"},
            {"name": "c", "image": "c:1"}
        ], "dnsPolicy": null}});
        assert_eq!(apply(&mut target, &patch, true), Outcome::Patched);
        assert_eq!(
            target,
            json!({"spec": {"containers": [
                {"name": "a", "image": "a:1", "env": [{"name": "Y", "value": "2"}, {"name": "X", "value": "1"}]},
                {"name": "c", "image": "c:1"}
            ]}})
        );
    }

    #[test]
    fn replaces_lists_without_merge_key_and_honours_replace() {
        let mut target = json!({"args": ["a", "b"], "spec": {"x": 1, "y": 2}});
        apply(
            &mut target,
            &json!({"args": ["c"], "spec": {"$patch": "replace", "z": 3}}),
            true,
        );
        assert_eq!(target, json!({"args": ["c"], "spec": {"z": 3}}));
        assert_eq!(
            apply(&mut target, &json!({"$patch": "delete"}), true),
            Outcome::Deleted
        );
    }
}
