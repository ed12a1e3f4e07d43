//! Server-side apply (`application/apply-patch+yaml`): merge a manager's applied
//! configuration into the live object, refuse (409) to change a value another manager
//! owns unless `force`, and remove the fields this manager applied last time but no
//! longer does, unless another manager still owns them.

use serde_json::Value;

use super::managed_fields::{
    FieldScope, FieldSet, ManagedEntry, fields_of, get_at, is_item_marker, path_to_string,
    read_managed, remove_at, write_managed,
};
use super::merge_keys::{ListKind, list_kind};
use super::meta;

/// One field that another manager owns with a different value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApplyConflict {
    pub manager: String,
    pub api_version: String,
    pub field: String,
}

/// The request side of an apply.
pub(crate) struct ApplyRequest<'a> {
    pub manager: &'a str,
    pub api_version: &'a str,
    pub force: bool,
    pub subresource: Option<&'a str>,
    pub scope: FieldScope,
    pub custom: bool,
}

/// Parse an apply body: YAML (of which JSON is a subset).
pub(crate) fn parse_applied(body: &[u8]) -> Result<Value, String> {
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        return Ok(value);
    }
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    serde_saphyr::from_str::<Value>(text).map_err(|e| e.to_string())
}

/// The object after applying `applied` onto `base` (the live object, or a skeleton for a
/// create), with managedFields updated; or the conflicts that block it.
pub(crate) fn server_side_apply(
    base: Value,
    applied: &Value,
    request: &ApplyRequest<'_>,
) -> Result<Value, Vec<ApplyConflict>> {
    let mut merged = base;
    let mut applied = applied.clone();
    meta::meta_mut(&mut applied).remove("managedFields");
    let applied_fields = fields_of(&applied, request.scope, request.custom);
    let mut entries = read_managed(&merged);
    let is_mine = |entry: &ManagedEntry| {
        entry.manager == request.manager
            && entry.operation == "Apply"
            && entry.subresource.as_deref() == request.subresource
    };

    let mut conflicts = Vec::new();
    let mut conflicting_paths = Vec::new();
    for entry in entries.iter().filter(|e| e.manager != request.manager) {
        for path in entry.fields.intersection(&applied_fields) {
            if is_item_marker(path) {
                continue;
            }
            if get_at(&merged, path) != get_at(&applied, path) {
                conflicts.push(ApplyConflict {
                    manager: entry.manager.clone(),
                    api_version: entry.api_version.clone(),
                    field: path_to_string(path),
                });
                conflicting_paths.push(path.clone());
            }
        }
    }
    if !conflicts.is_empty() && !request.force {
        return Err(conflicts);
    }
    for entry in entries.iter_mut().filter(|e| !is_mine(e)) {
        if entry.manager != request.manager {
            entry
                .fields
                .retain(|path| !conflicting_paths.contains(path));
        }
    }

    let previous: FieldSet = entries
        .iter()
        .find(|e| is_mine(e))
        .map(|e| e.fields.clone())
        .unwrap_or_default();
    let others: FieldSet = entries
        .iter()
        .filter(|e| !is_mine(e))
        .flat_map(|e| e.fields.iter().cloned())
        .collect();

    merge_applied(&mut merged, &applied, "", request.custom);

    for path in previous.difference(&applied_fields) {
        let still_wanted = applied_fields.iter().any(|p| p.starts_with(path))
            || others.iter().any(|p| p.starts_with(path));
        if !still_wanted {
            remove_at(&mut merged, path);
        }
    }

    // Update the manager's entry in place: reordering entries would make an
    // idempotent apply look like a change.
    let now = meta::now();
    match entries.iter_mut().find(|e| is_mine(e)) {
        Some(entry) => {
            entry.api_version = request.api_version.to_string();
            entry.time = now;
            entry.fields = applied_fields;
        }
        None => entries.push(ManagedEntry {
            manager: request.manager.to_string(),
            operation: "Apply".into(),
            api_version: request.api_version.to_string(),
            time: now,
            subresource: request.subresource.map(str::to_string),
            fields: applied_fields,
        }),
    }
    write_managed(&mut merged, &entries);
    Ok(merged)
}

/// Structural merge of an applied configuration: maps field by field, keyed lists item
/// by item, set lists as unions, everything else replaced.
fn merge_applied(target: &mut Value, applied: &Value, field: &str, custom: bool) {
    match (&mut *target, applied) {
        (Value::Object(target_map), Value::Object(applied_map)) => {
            for (key, value) in applied_map {
                match target_map.get_mut(key) {
                    Some(existing) => merge_applied(existing, value, key, custom),
                    None => {
                        target_map.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(target_items), Value::Array(applied_items)) => {
            match list_kind(field, applied_items, custom) {
                ListKind::Keyed(key) => {
                    for item in applied_items {
                        match target_items
                            .iter()
                            .position(|existing| existing.get(key) == item.get(key))
                        {
                            Some(i) => merge_applied(&mut target_items[i], item, "", custom),
                            None => target_items.push(item.clone()),
                        }
                    }
                }
                ListKind::Set => {
                    for item in applied_items {
                        if !target_items.contains(item) {
                            target_items.push(item.clone());
                        }
                    }
                }
                ListKind::Atomic => *target = applied.clone(),
            }
        }
        _ => *target = applied.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(manager: &str, force: bool) -> ApplyRequest<'_> {
        ApplyRequest {
            manager,
            api_version: "v1",
            force,
            subresource: None,
            scope: FieldScope::Main {
                exclude_status: false,
            },
            custom: false,
        }
    }

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": data})
    }

    #[test]
    fn removed_fields_disappear_unless_owned_elsewhere() {
        let live = server_side_apply(
            json!({}),
            &cm(json!({"a": "1", "b": "2"})),
            &request("alpha", false),
        )
        .expect("apply");
        let live = server_side_apply(live, &cm(json!({"b": "2"})), &request("beta", false))
            .expect("shared value is no conflict");
        let live =
            server_side_apply(live, &cm(json!({})), &request("alpha", false)).expect("apply");
        assert_eq!(
            live["data"],
            json!({"b": "2"}),
            "a removed, b kept for beta"
        );
    }

    #[test]
    fn conflicts_need_force() {
        let live = server_side_apply(json!({}), &cm(json!({"a": "1"})), &request("alpha", false))
            .expect("apply");
        let conflicts = server_side_apply(
            live.clone(),
            &cm(json!({"a": "2"})),
            &request("beta", false),
        )
        .expect_err("conflict");
        assert_eq!(
            conflicts,
            vec![ApplyConflict {
                manager: "alpha".into(),
                api_version: "v1".into(),
                field: ".data.a".into()
            }]
        );
        let forced = server_side_apply(live, &cm(json!({"a": "2"})), &request("beta", true))
            .expect("forced");
        assert_eq!(forced["data"]["a"], "2");
        let managers: Vec<String> = read_managed(&forced)
            .into_iter()
            .map(|e| e.manager)
            .collect();
        assert_eq!(managers, vec!["beta"], "alpha lost its only field");
    }

    #[test]
    fn keyed_lists_merge_by_name() {
        let deploy =
            |containers: Value| json!({"spec": {"template": {"spec": {"containers": containers}}}});
        let live = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "a:1"}, {"name": "side", "image": "s:1"}]}}}});
        let merged = server_side_apply(
            live,
            &deploy(json!([{"name": "app", "image": "a:2"}])),
            &request("alpha", false),
        )
        .expect("apply");
        let containers = &merged["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers[0]["image"], "a:2");
        assert_eq!(containers[1]["name"], "side");
    }

    #[test]
    fn reapplying_keeps_manager_order() {
        let live = server_side_apply(json!({}), &cm(json!({"a": "1"})), &request("alpha", false))
            .expect("apply");
        let live = server_side_apply(live, &cm(json!({"b": "2"})), &request("beta", false))
            .expect("apply");
        let again = server_side_apply(
            live.clone(),
            &cm(json!({"a": "1"})),
            &request("alpha", false),
        )
        .expect("apply");
        let order =
            |v: &Value| -> Vec<String> { read_managed(v).into_iter().map(|e| e.manager).collect() };
        assert_eq!(order(&again), order(&live));
        assert_eq!(order(&again), ["alpha", "beta"]);
    }

    #[test]
    fn yaml_and_json_bodies_parse() {
        assert_eq!(parse_applied(b"a: 1\n").expect("yaml"), json!({"a": 1}));
        assert_eq!(
            parse_applied(br#"{"a": 1}"#).expect("json"),
            json!({"a": 1})
        );
    }
}
