//! [`FieldSpec`]: "this field of these kinds", kustomize's way of saying
//! where a transformer writes (`spec/template/metadata/labels` of
//! Deployments, ...). Lists met on the way are walked element by element, as
//! kustomize does, so `spec/ingress/from/podSelector` reaches every rule.

use serde_json::{Map, Value};

use super::resource::Resource;

/// One place a transformer acts on.
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    /// API group, `None` for any.
    pub group: Option<&'static str>,
    /// Kind, `None` for any.
    pub kind: Option<&'static str>,
    /// `/`-separated path.
    pub path: &'static str,
    /// Create the field (as a mapping) when it is missing.
    pub create: bool,
}

impl FieldSpec {
    pub const fn any(path: &'static str, create: bool) -> FieldSpec {
        FieldSpec {
            group: None,
            kind: None,
            path,
            create,
        }
    }

    pub const fn kind(kind: &'static str, path: &'static str, create: bool) -> FieldSpec {
        FieldSpec {
            group: None,
            kind: Some(kind),
            path,
            create,
        }
    }

    pub const fn group_kind(
        group: &'static str,
        kind: &'static str,
        path: &'static str,
        create: bool,
    ) -> FieldSpec {
        FieldSpec {
            group: Some(group),
            kind: Some(kind),
            path,
            create,
        }
    }

    pub fn applies_to(&self, resource: &Resource) -> bool {
        self.kind.is_none_or(|kind| kind == resource.kind())
            && self.group.is_none_or(|group| group == resource.group())
    }

    /// Calls `visit` on every value at this path of `resource`'s object
    /// (creating the last mapping when `create` is set).
    pub fn visit(&self, resource: &mut Resource, visit: &mut dyn FnMut(&mut Value)) {
        if !self.applies_to(resource) {
            return;
        }
        let parts: Vec<&str> = self.path.split('/').collect();
        visit_path(&mut resource.object, &parts, self.create, visit);
    }
}

/// Calls `visit` on every value at `path` under `value`, walking lists on the
/// way. With `create`, missing mappings along the path are created (inside
/// every element of a list met on the way, never a list itself). A segment
/// written `field[]` names a list: it is walked when present and never
/// created, so a StatefulSet without `volumeClaimTemplates` gets none.
pub fn visit_path(
    value: &mut Value,
    path: &[&str],
    create: bool,
    visit: &mut dyn FnMut(&mut Value),
) {
    let Some((first, rest)) = path.split_first() else {
        visit(value);
        return;
    };
    match value {
        Value::Array(items) => {
            for item in items {
                visit_path(item, path, create, visit);
            }
        }
        Value::Object(map) => {
            if let Some(list) = first.strip_suffix("[]") {
                if let Some(child @ Value::Array(_)) = map.get_mut(list) {
                    visit_path(child, rest, create, visit);
                }
                return;
            }
            if !map.contains_key(*first) {
                if !create {
                    return;
                }
                map.insert((*first).to_string(), Value::Object(Map::new()));
            }
            if let Some(child) = map.get_mut(*first) {
                if child.is_null() && create {
                    *child = Value::Object(Map::new());
                }
                visit_path(child, rest, create, visit);
            }
        }
        _ => {}
    }
}

/// Inserts every pair into the mapping `value` (made a mapping if it is not).
pub fn add_pairs(value: &mut Value, pairs: &[(String, String)]) {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    if let Value::Object(map) = value {
        for (key, text) in pairs {
            map.insert(key.clone(), Value::String(text.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_list_segment_is_walked_but_never_created() {
        let mut absent = json!({"spec": {}});
        visit_path(
            &mut absent,
            &["spec", "items[]", "metadata", "labels"],
            true,
            &mut |value| {
                *value = json!({"a": "b"});
            },
        );
        assert_eq!(absent, json!({"spec": {}}));

        let mut present = json!({"spec": {"items": [{}, {"metadata": {}}]}});
        visit_path(
            &mut present,
            &["spec", "items[]", "metadata", "labels"],
            true,
            &mut |value| {
                *value = json!({"a": "b"});
            },
        );
        let labelled = json!({"metadata": {"labels": {"a": "b"}}});
        assert_eq!(
            present,
            json!({"spec": {"items": [labelled.clone(), labelled]}})
        );
    }
}
