//! The non-apply patch types: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and
//! strategic merge patch (built-in kinds only: keyed lists merged item by item, `$patch:
//! delete` / `replace` directives, `$deleteFromPrimitiveList`, ordering directives ignored).

use serde_json::{Map, Value};

use super::merge_keys::{ListKind, list_kind};

/// The patch types a PATCH request may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PatchType {
    Merge,
    Json,
    Strategic,
    Apply,
}

impl PatchType {
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        match media {
            "application/merge-patch+json" => Some(PatchType::Merge),
            "application/json-patch+json" => Some(PatchType::Json),
            "application/strategic-merge-patch+json" => Some(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => {
                Some(PatchType::Apply)
            }
            _ => None,
        }
    }
}

pub(crate) const ACCEPTED_PATCH_TYPES: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

/// Apply a JSON merge patch, JSON patch or strategic merge patch to `target`.
pub(crate) fn apply_patch(
    target: &mut Value,
    patch_type: PatchType,
    body: &[u8],
    custom: bool,
) -> Result<(), String> {
    match patch_type {
        PatchType::Merge => {
            let patch: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
            if !patch.is_object() {
                return Err("merge patch must be a JSON object".into());
            }
            json_patch::merge(target, &patch);
            Ok(())
        }
        PatchType::Json => {
            let patch: json_patch::Patch =
                serde_json::from_slice(body).map_err(|e| e.to_string())?;
            json_patch::patch(target, &patch.0).map_err(|e| e.to_string())
        }
        PatchType::Strategic => {
            if custom {
                return Err("strategic merge patch is not supported for custom resources".into());
            }
            let patch: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
            if !patch.is_object() {
                return Err("strategic merge patch must be a JSON object".into());
            }
            strategic_merge(target, &patch);
            Ok(())
        }
        PatchType::Apply => Err("apply patches are handled by server-side apply".into()),
    }
}

/// Merge a strategic merge patch map into `target`.
pub(crate) fn strategic_merge(target: &mut Value, patch: &Value) {
    let Some(patch_map) = patch.as_object() else {
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
    let Some(target_map) = target.as_object_mut() else {
        return;
    };
    for (key, value) in patch_map {
        if key == "$patch" || key == "$retainKeys" || key.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(items)), Some(remove)) =
                (target_map.get_mut(field), value.as_array())
            {
                items.retain(|item| !remove.contains(item));
            }
            continue;
        }
        match value {
            Value::Null => {
                target_map.remove(key);
            }
            Value::Object(inner) => {
                if inner.get("$patch").and_then(Value::as_str) == Some("delete") {
                    target_map.remove(key);
                } else {
                    strategic_merge(target_map.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
            Value::Array(items) => {
                let existing = target_map.entry(key.clone()).or_insert(Value::Null);
                merge_list(existing, key, items);
            }
            scalar => {
                target_map.insert(key.clone(), scalar.clone());
            }
        }
    }
}

fn merge_list(target: &mut Value, field: &str, patch_items: &[Value]) {
    let replace = patch_items
        .iter()
        .any(|item| item.get("$patch").and_then(Value::as_str) == Some("replace"));
    let kind = list_kind(field, patch_items, false);
    let Value::Array(existing) = target else {
        *target = Value::Array(
            patch_items
                .iter()
                .filter(|i| !is_directive_item(i))
                .map(strip_directives)
                .collect(),
        );
        return;
    };
    if replace {
        *existing = patch_items
            .iter()
            .filter(|i| !is_directive_item(i))
            .map(strip_directives)
            .collect();
        return;
    }
    match kind {
        ListKind::Keyed(key) => {
            for item in patch_items {
                let Some(id) = item.get(key) else { continue };
                let position = existing.iter().position(|e| e.get(key) == Some(id));
                let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
                match (position, delete) {
                    (Some(i), true) => {
                        existing.remove(i);
                    }
                    (None, true) => {}
                    (Some(i), false) => strategic_merge(&mut existing[i], item),
                    (None, false) => existing.push(strip_directives(item)),
                }
            }
        }
        ListKind::Set => {
            for item in patch_items {
                if !existing.contains(item) {
                    existing.push(item.clone());
                }
            }
        }
        ListKind::Atomic => *existing = patch_items.to_vec(),
    }
}

fn is_directive_item(item: &Value) -> bool {
    item.as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key("$patch"))
}

fn strip_directives(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), strip_directives(v)))
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

    fn deployment() -> Value {
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}],
             "ports": [{"containerPort": 80}]},
            {"name": "sidecar", "image": "side:1"}
        ]}}}})
    }

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let mut d = deployment();
        strategic_merge(
            &mut d,
            &json!({"spec": {"template": {"spec": {"containers": [
                {"name": "app", "image": "app:2", "env": [{"name": "B", "value": "2"}]},
                {"name": "sidecar", "$patch": "delete"},
                {"name": "new", "image": "new:1"}
            ]}}}}),
        );
        let containers = d["spec"]["template"]["spec"]["containers"]
            .as_array()
            .expect("list");
        assert_eq!(containers.len(), 2);
        assert_eq!(containers[0]["image"], "app:2");
        assert_eq!(containers[0]["env"].as_array().expect("env").len(), 2);
        assert_eq!(containers[0]["ports"][0]["containerPort"], 80);
        assert_eq!(containers[1]["name"], "new");
    }

    #[test]
    fn merge_patch_replaces_lists_and_null_deletes() {
        let mut d = deployment();
        apply_patch(
            &mut d,
            PatchType::Merge,
            br#"{"spec": {"template": {"spec": {"containers": [{"name": "only"}]}}}}"#,
            false,
        )
        .expect("merge");
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"]
                .as_array()
                .expect("list")
                .len(),
            1
        );
        apply_patch(&mut d, PatchType::Merge, br#"{"spec": null}"#, false).expect("merge");
        assert!(d.get("spec").is_none());
    }

    #[test]
    fn json_patch_operations() {
        let mut d = json!({"a": [1, 2]});
        apply_patch(
            &mut d,
            PatchType::Json,
            br#"[{"op": "add", "path": "/a/-", "value": 3}, {"op": "replace", "path": "/b", "value": 1}]"#,
            false,
        )
        .expect_err("replace of a missing path fails");
        apply_patch(
            &mut d,
            PatchType::Json,
            br#"[{"op": "add", "path": "/a/-", "value": 3}, {"op": "add", "path": "/b", "value": 1}]"#,
            false,
        )
        .expect("json patch");
        assert_eq!(d, json!({"a": [1, 2, 3], "b": 1}));
    }

    #[test]
    fn strategic_patch_refused_for_custom_resources() {
        let mut d = json!({});
        assert!(apply_patch(&mut d, PatchType::Strategic, b"{}", true).is_err());
    }

    /// Lists the simulator used to replace whole (webhooks, spread
    /// constraints) merge on their patch merge key, as the API server does.
    #[test]
    fn strategic_merge_uses_the_shared_table() {
        let mut target = json!({"webhooks": [
            {"name": "a", "timeoutSeconds": 5}, {"name": "b", "timeoutSeconds": 5}
        ], "spec": {"topologySpreadConstraints": [
            {"topologyKey": "zone", "maxSkew": 1}, {"topologyKey": "host", "maxSkew": 1}
        ]}});
        strategic_merge(
            &mut target,
            &json!({"webhooks": [{"name": "b", "timeoutSeconds": 10}],
                "spec": {"topologySpreadConstraints": [{"topologyKey": "host", "maxSkew": 2}]}}),
        );
        assert_eq!(
            target,
            json!({"webhooks": [
                {"name": "a", "timeoutSeconds": 5}, {"name": "b", "timeoutSeconds": 10}
            ], "spec": {"topologySpreadConstraints": [
                {"topologyKey": "zone", "maxSkew": 1}, {"topologyKey": "host", "maxSkew": 2}
            ]}})
        );
    }
}
