//! Normalisation before comparing: drop what the API server writes
//! (identity, bookkeeping, `status`), what tools record for themselves
//! (kubectl's last-applied annotation — which also holds Secret values in
//! clear), fleetdeck's own tracking annotation, and `null` fields (an
//! apply treats them as absent). A Secret's `stringData` becomes base64
//! `data`, since that is how the API server stores it.

use serde_json::{Map, Value};

use super::path::{FieldPath, Segment};
use crate::engine::conventions::tracking::{APP_LABEL, TRACKING_ANNOTATION};

/// Metadata fields owned by the API server.
const SERVER_METADATA: &[&str] = &[
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
];

/// Annotations that are bookkeeping, not configuration.
const IGNORED_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    TRACKING_ANNOTATION,
];

/// Labels that are bookkeeping (fleetdeck's own index label).
const IGNORED_LABELS: &[&str] = &[APP_LABEL];

/// A normalised copy of `object` (desired or live), without `null`s.
pub fn normalize(object: &Value) -> Value {
    normalize_with(object, true)
}

/// Whether normalisation drops field `name` of the map at `parent`: lets
/// the comparison read a live object in place instead of a normalised copy.
pub(crate) fn is_dropped(parent: &FieldPath<'_>, name: &str) -> bool {
    match parent.0.as_slice() {
        [] => name == "status",
        [Segment::Field("metadata")] => SERVER_METADATA.contains(&name),
        [Segment::Field("metadata"), Segment::Field("annotations")] => {
            IGNORED_ANNOTATIONS.contains(&name)
        }
        [Segment::Field("metadata"), Segment::Field("labels")] => IGNORED_LABELS.contains(&name),
        _ => false,
    }
}

/// A normalised copy of a live object for comparing only: `null`s are kept
/// (the comparison reads them as absent), which saves a deep rebuild.
pub(crate) fn normalize_for_compare(live: &Value) -> Value {
    normalize_with(live, false)
}

/// Copies `object` minus the dropped fields, without copying them first
/// (`managedFields` and `status` are often most of a live object).
fn normalize_with(object: &Value, strip_nulls: bool) -> Value {
    let copy = |value: &Value| {
        if strip_nulls {
            without_nulls(value)
        } else {
            value.clone()
        }
    };
    let Value::Object(map) = object else {
        return copy(object);
    };
    let mut out = Map::with_capacity(map.len());
    for (field, value) in map {
        if field == "status" || (strip_nulls && value.is_null()) {
            continue;
        }
        let value = match (field.as_str(), value) {
            ("metadata", Value::Object(metadata)) => {
                Value::Object(normalize_metadata(metadata, strip_nulls, &copy))
            }
            _ => copy(value),
        };
        out.insert(field.clone(), value);
    }
    let mut out = Value::Object(out);
    if is_secret(&out) {
        fold_string_data(&mut out);
    }
    out
}

fn normalize_metadata(
    metadata: &Map<String, Value>,
    strip_nulls: bool,
    copy: &dyn Fn(&Value) -> Value,
) -> Map<String, Value> {
    let mut out = Map::with_capacity(metadata.len());
    for (field, value) in metadata {
        if SERVER_METADATA.contains(&field.as_str()) || (strip_nulls && value.is_null()) {
            continue;
        }
        let ignored = match (field.as_str(), value) {
            ("annotations", Value::Object(_)) => Some(IGNORED_ANNOTATIONS),
            ("labels", Value::Object(_)) => Some(IGNORED_LABELS),
            _ => None,
        };
        if let (Some(ignored), Value::Object(entries)) = (ignored, value) {
            let kept: Map<String, Value> = entries
                .iter()
                .filter(|(name, value)| {
                    let dropped_null = strip_nulls && value.is_null();
                    !(dropped_null || ignored.contains(&name.as_str()))
                })
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            if !kept.is_empty() {
                out.insert(field.clone(), Value::Object(kept));
            }
            continue;
        }
        out.insert(field.clone(), copy(value));
    }
    out
}

/// Whether `object` is a core `Secret`.
pub fn is_secret(object: &Value) -> bool {
    object["kind"] == "Secret" && object["apiVersion"] == "v1"
}

/// A copy of `value` without `null` map fields. Most objects have none, and
/// a plain clone is much cheaper than rebuilding (and rehashing) every map,
/// so the tree is checked first.
fn without_nulls(value: &Value) -> Value {
    if !has_null_field(value) {
        return value.clone();
    }
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, child)| !child.is_null())
                .map(|(name, child)| (name.clone(), without_nulls(child)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        scalar => scalar.clone(),
    }
}

/// Whether any map in `value` has a `null` field (list items are kept as
/// they are, so a `null` item does not count).
fn has_null_field(value: &Value) -> bool {
    match value {
        Value::Object(map) => map
            .values()
            .any(|child| child.is_null() || has_null_field(child)),
        Value::Array(items) => items.iter().any(has_null_field),
        _ => false,
    }
}

/// Moves `stringData` entries into `data`, base64-encoded, overriding
/// `data` entries of the same key (as the API server does).
fn fold_string_data(secret: &mut Value) {
    let Some(map) = secret.as_object_mut() else {
        return;
    };
    let Some(Value::Object(string_data)) = map.get("stringData") else {
        return;
    };
    if !string_data.values().all(Value::is_string) {
        return;
    }
    let string_data = string_data.clone();
    map.remove("stringData");
    let data = map
        .entry("data")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Value::Object(data) = data {
        for (key, value) in string_data {
            let text = value.as_str().unwrap_or_default();
            data.insert(key, Value::String(base64_encode(text.as_bytes())));
        }
    }
}

/// Standard base64 with padding (RFC 4648), as the API server encodes
/// Secret data.
fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_server_fields_status_and_bookkeeping() {
        let live = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {
                "name": "c", "namespace": "n", "uid": "u", "resourceVersion": "7",
                "generation": 2, "creationTimestamp": "2024-01-01T00:00:00Z",
                "managedFields": [], "selfLink": "/x",
                "labels": {"app": "c"},
                "annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration": "{}",
                    "fleetdeck.dev/tracking-id": "a:/ConfigMap:n/c"
                }
            },
            "data": {"k": "v", "gone": null},
            "status": {"x": 1}
        });
        assert_eq!(
            normalize(&live),
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "n", "labels": {"app": "c"}},
                "data": {"k": "v"}
            })
        );
        let root = FieldPath::default();
        assert!(is_dropped(&root, "status") && !is_dropped(&root, "spec"));
        let metadata = FieldPath(vec![Segment::Field("metadata")]);
        assert!(is_dropped(&metadata, "managedFields") && !is_dropped(&metadata, "labels"));
        let annotations = FieldPath(vec![
            Segment::Field("metadata"),
            Segment::Field("annotations"),
        ]);
        assert!(is_dropped(&annotations, TRACKING_ANNOTATION));
        let kept_nulls = normalize_for_compare(&live);
        assert_eq!(kept_nulls["data"], json!({"k": "v", "gone": null}));
        assert!(kept_nulls["metadata"].get("managedFields").is_none());
        assert!(kept_nulls.get("status").is_none());
    }

    #[test]
    fn nulls_are_dropped_at_any_depth_but_not_from_lists() {
        let object = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
            "spec": {"a": {"b": null, "c": 1}, "list": [null, {"d": null, "e": 2}]}});
        assert_eq!(
            normalize(&object)["spec"],
            json!({"a": {"c": 1}, "list": [null, {"e": 2}]})
        );
        let clean = json!({"spec": {"list": [null, {"e": 2}]}});
        assert!(!has_null_field(&clean));
        assert_eq!(without_nulls(&clean), clean);
    }

    #[test]
    fn base64_matches_rfc_4648() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
            ("hunter1-old-password", "aHVudGVyMS1vbGQtcGFzc3dvcmQ="),
        ] {
            assert_eq!(base64_encode(plain.as_bytes()), encoded, "{plain}");
        }
    }

    #[test]
    fn secret_string_data_becomes_data() {
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"a": "b2xk", "b": "eA=="}, "stringData": {"a": "new"}
        });
        assert_eq!(
            normalize(&secret)["data"],
            json!({"a": "bmV3", "b": "eA=="})
        );
        assert!(normalize(&secret).get("stringData").is_none());
    }
}
