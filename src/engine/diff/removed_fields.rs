//! Fields fleetdeck applied earlier and Git no longer has.
//!
//! Comparing desired as a subset of live cannot see a field that was
//! removed from Git: live still has it and desired says nothing. The live
//! object's `managedFields` entry for manager `fleetdeck` (operation
//! `Apply`) lists what fleetdeck's last apply set; a field in that set that
//! the desired object no longer has is drift — the next apply removes it.

use serde_json::{Map, Value};

use super::error::DiffError;
use super::field_set::{Element, FieldSet};
use super::normalize::is_dropped;
use super::path::{FieldPath, Segment};
use crate::engine::manifest::ObjectKey;

/// Which managedFields entries to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operations {
    /// Only `operation: Apply` on the main resource (fleetdeck's applies).
    ApplyOnly,
    /// Every entry of the manager.
    Any,
}

/// The union of `manager`'s field sets in `live`'s `managedFields`, or
/// `None` when it owns nothing there.
pub(crate) fn managed_field_set(
    live: &Value,
    manager: &str,
    operations: Operations,
    resource: &ObjectKey,
) -> Result<Option<FieldSet>, DiffError> {
    let Some(entries) = live["metadata"]["managedFields"].as_array() else {
        return Ok(None);
    };
    let error = |reason| DiffError::InvalidManagedFields {
        resource: Box::new(resource.clone()),
        manager: manager.to_string(),
        reason,
    };
    let mut owned: Option<FieldSet> = None;
    for entry in entries {
        if entry["manager"].as_str() != Some(manager) {
            continue;
        }
        if operations == Operations::ApplyOnly
            && (entry["operation"] != "Apply"
                || entry["subresource"].as_str().is_some_and(|s| !s.is_empty()))
        {
            continue;
        }
        match entry["fieldsType"].as_str() {
            Some("FieldsV1") | None => {}
            Some(_) => return Err(error("fieldsType is not FieldsV1")),
        }
        let Some(fields) = entry.get("fieldsV1") else {
            continue;
        };
        let set = FieldSet::parse(fields).map_err(error)?;
        match owned.as_mut() {
            Some(owned) => owned.merge(set),
            None => owned = Some(set),
        }
    }
    Ok(owned)
}

/// The part of `value` that `set` owns, for showing a removed field in the
/// diff without the fields other managers set around it. `path` is where
/// `value` sits; fields normalisation drops are left out.
pub(crate) fn owned_subset<'a>(
    path: &mut FieldPath<'a>,
    value: &'a Value,
    set: &FieldSet,
) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            for (name, child) in map {
                if is_dropped(path, name) {
                    continue;
                }
                let child_set = if set.is_leaf() {
                    set
                } else {
                    match set.field(name) {
                        Some(child_set) => child_set,
                        None => continue,
                    }
                };
                path.push(Segment::Field(name));
                let subset = owned_subset(path, child, child_set);
                path.pop();
                out.insert(name.clone(), subset);
            }
            Value::Object(out)
        }
        _ if set.is_leaf() => value.clone(),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .filter_map(|(position, item)| {
                    let item_set = set.item(item, position)?;
                    path.push(Segment::Index(position));
                    let subset = owned_subset(path, item, item_set);
                    path.pop();
                    Some(subset)
                })
                .collect(),
        ),
        scalar => scalar.clone(),
    }
}

/// Removes from `value` every field `set` owns (used to ignore the fields
/// of other managers). Owned list items and leaves go; a node with finer
/// ownership only loses the owned parts.
pub(crate) fn remove_owned(value: &mut Value, set: &FieldSet) {
    match value {
        Value::Object(map) => {
            for (element, child_set) in &set.children {
                let Element::Field(name) = element else {
                    continue;
                };
                if child_set.is_leaf() {
                    map.remove(name);
                } else if let Some(child) = map.get_mut(name) {
                    remove_owned(child, child_set);
                }
            }
        }
        Value::Array(items) => {
            let mut position = 0;
            items.retain_mut(|item| {
                let keep = match set.item(item, position) {
                    Some(item_set) if item_set.is_leaf() => false,
                    Some(item_set) => {
                        remove_owned(item, item_set);
                        true
                    }
                    None => true,
                };
                position += 1;
                keep
            });
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::conventions::tracking::FIELD_MANAGER;
    use serde_json::json;

    fn key() -> ObjectKey {
        ObjectKey {
            group: "apps".into(),
            kind: "Deployment".into(),
            namespace: "shop".into(),
            name: "web".into(),
        }
    }

    #[test]
    fn reads_only_fleetdeck_applies() {
        let live = json!({"metadata": {"managedFields": [
            {"manager": "fleetdeck", "operation": "Apply", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            {"manager": "fleetdeck", "operation": "Update", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:paused": {}}}},
            {"manager": "kubectl", "operation": "Apply", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {"f:strategy": {}}}}
        ]}});
        let set = managed_field_set(&live, FIELD_MANAGER, Operations::ApplyOnly, &key())
            .unwrap()
            .unwrap();
        let spec = set.field("spec").unwrap();
        assert!(spec.field("replicas").is_some());
        assert!(spec.field("paused").is_none());
        assert!(spec.field("strategy").is_none());
        let any = managed_field_set(&live, FIELD_MANAGER, Operations::Any, &key())
            .unwrap()
            .unwrap();
        assert!(any.field("spec").unwrap().field("paused").is_some());
        assert_eq!(
            managed_field_set(&json!({}), FIELD_MANAGER, Operations::Any, &key()).unwrap(),
            None
        );
    }

    #[test]
    fn malformed_entry_is_a_typed_error() {
        let live = json!({"metadata": {"managedFields": [
            {"manager": "fleetdeck", "operation": "Apply", "fieldsV1": {"spec": {}}}
        ]}});
        let error =
            managed_field_set(&live, FIELD_MANAGER, Operations::ApplyOnly, &key()).unwrap_err();
        assert!(
            error.to_string().contains("Deployment.apps/shop/web"),
            "{error}"
        );
    }

    #[test]
    fn subset_leaves_out_what_normalisation_drops() {
        let set = FieldSet::parse(&json!({"f:metadata": {"f:annotations": {}}})).unwrap();
        let live = json!({"metadata": {"annotations": {
            "fleetdeck.dev/tracking-id": "a:/ConfigMap:n/c", "team": "web"
        }}, "status": {"phase": "x"}});
        assert_eq!(
            owned_subset(&mut FieldPath::default(), &live, &set),
            json!({"metadata": {"annotations": {"team": "web"}}})
        );
    }

    #[test]
    fn subset_and_removal_follow_ownership() {
        let set = FieldSet::parse(&json!({"f:spec": {
            "f:replicas": {},
            "f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:name": {}, "f:image": {}}}
        }}))
        .unwrap();
        let live = json!({"spec": {"replicas": 2, "paused": false, "containers": [
            {"name": "app", "image": "a:1", "imagePullPolicy": "Always"},
            {"name": "sidecar", "image": "s:1"}
        ]}});
        assert_eq!(
            owned_subset(&mut FieldPath::default(), &live, &set),
            json!({"spec": {"replicas": 2, "containers": [{"name": "app", "image": "a:1"}]}})
        );
        let mut trimmed = live.clone();
        remove_owned(&mut trimmed, &set);
        assert_eq!(
            trimmed,
            json!({"spec": {"paused": false, "containers": [
                {"imagePullPolicy": "Always"},
                {"name": "sidecar", "image": "s:1"}
            ]}})
        );
    }
}
