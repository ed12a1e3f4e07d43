//! Tolerant read access to untyped live objects, shared by the kind checks.
//!
//! The live cache holds every object as a `serde_json::Value`. Deserializing
//! into typed structs would reject odd status shapes (a string where a number
//! was expected, a field an older API server leaves out), and a health check
//! must still answer for those. So the checks read fields by path here: an
//! absent, `null` or wrongly typed field reads as absent, which matches both
//! Go's zero values in gitops-engine and Lua's `nil` in Argo CD's scripts.

use serde_json::Value;

/// The value at `path`, treating `null` as absent.
pub(crate) fn get<'a>(value: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(value, |current, key| current.get(key))
        .filter(|found| !found.is_null())
}

pub(crate) fn str_at<'a>(value: &'a Value, path: &[&str]) -> Option<&'a str> {
    get(value, path)?.as_str()
}

/// The string at `path`, or `""` when absent: Go's zero value for a string
/// field, and what a Lua script's `nil` message becomes in the result.
pub(crate) fn str_or_empty<'a>(value: &'a Value, path: &[&str]) -> &'a str {
    str_at(value, path).unwrap_or("")
}

/// An integer field as a typed Go struct reads it (JSON numbers only).
pub(crate) fn int_at(value: &Value, path: &[&str]) -> Option<i64> {
    let found = get(value, path)?;
    found.as_i64().or_else(|| {
        found
            .as_f64()
            .filter(|number| number.fract() == 0.0)
            .map(|number| number as i64)
    })
}

/// A number as Lua's `tonumber` reads it: a JSON number or a numeric string.
pub(crate) fn lua_number_at(value: &Value, path: &[&str]) -> Option<f64> {
    match get(value, path)? {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn bool_at(value: &Value, path: &[&str]) -> Option<bool> {
    get(value, path)?.as_bool()
}

/// The array at `path`, empty when absent or not an array.
pub(crate) fn list_at<'a>(value: &'a Value, path: &[&str]) -> &'a [Value] {
    get(value, path)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// One entry of a Kubernetes-style `conditions` list.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Condition<'a> {
    pub(crate) kind: &'a str,
    pub(crate) status: &'a str,
    pub(crate) reason: Option<&'a str>,
    pub(crate) message: Option<&'a str>,
    pub(crate) raw: &'a Value,
}

impl<'a> Condition<'a> {
    pub(crate) fn read(raw: &'a Value) -> Self {
        Condition {
            kind: str_or_empty(raw, &["type"]),
            status: str_or_empty(raw, &["status"]),
            reason: str_at(raw, &["reason"]),
            message: str_at(raw, &["message"]),
            raw,
        }
    }

    pub(crate) fn is(&self, kind: &str, status: &str) -> bool {
        self.kind == kind && self.status == status
    }

    pub(crate) fn message_or_empty(&self) -> &'a str {
        self.message.unwrap_or("")
    }

    pub(crate) fn reason_or_empty(&self) -> &'a str {
        self.reason.unwrap_or("")
    }
}

/// The conditions listed at `path` (usually `status.conditions`).
pub(crate) fn conditions_at<'a>(
    value: &'a Value,
    path: &[&str],
) -> impl Iterator<Item = Condition<'a>> + Clone + 'a {
    list_at(value, path).iter().map(Condition::read)
}

/// `status.conditions` of an object.
pub(crate) fn conditions(object: &Value) -> impl Iterator<Item = Condition<'_>> + Clone + '_ {
    conditions_at(object, &["status", "conditions"])
}

pub(crate) use crate::engine::manifest::annotation;

/// Group, version and kind of an object, read from `apiVersion` and `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TypeMeta<'a> {
    pub(crate) group: &'a str,
    pub(crate) version: &'a str,
    pub(crate) kind: &'a str,
}

impl<'a> TypeMeta<'a> {
    pub(crate) fn of(object: &'a Value) -> Self {
        let api_version = str_or_empty(object, &["apiVersion"]);
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        TypeMeta {
            group,
            version,
            kind: str_or_empty(object, &["kind"]),
        }
    }
}

/// Rendered as Kubernetes' `GroupVersionKind` prints itself
/// (`apps/v1, Kind=Deployment`; the core group prints as `/v1, Kind=Pod`),
/// which is what Argo's "unsupported GVK" messages show.
impl std::fmt::Display for TypeMeta<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}, Kind={}", self.group, self.version, self.kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn null_and_wrong_types_read_as_absent() {
        let object = json!({"spec": {"replicas": null, "paused": "yes", "n": 3.0}});
        assert_eq!(get(&object, &["spec", "replicas"]), None);
        assert_eq!(bool_at(&object, &["spec", "paused"]), None);
        assert_eq!(int_at(&object, &["spec", "n"]), Some(3));
        assert!(list_at(&object, &["spec", "missing"]).is_empty());
    }

    #[test]
    fn lua_numbers_accept_numeric_strings() {
        let object = json!({"a": "12", "b": 7, "c": "abc"});
        assert_eq!(lua_number_at(&object, &["a"]), Some(12.0));
        assert_eq!(lua_number_at(&object, &["b"]), Some(7.0));
        assert_eq!(lua_number_at(&object, &["c"]), None);
    }

    #[test]
    fn type_meta_splits_core_and_named_groups() {
        let pod = json!({"apiVersion": "v1", "kind": "Pod"});
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment"});
        assert_eq!(TypeMeta::of(&pod).to_string(), "/v1, Kind=Pod");
        assert_eq!(TypeMeta::of(&deployment).group, "apps");
    }
}
