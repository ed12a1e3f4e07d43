//! Small accessors for `metadata` on objects held as `serde_json::Value`, and the
//! timestamp format Kubernetes uses (RFC 3339, whole seconds, UTC).

use serde_json::{Map, Value};

/// `metadata` as a mutable map, created if missing or not an object (replacing a
/// non-object `obj` by an object holding it).
pub(crate) fn meta_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.is_object() {
        *obj = Value::Object(Map::new());
    }
    let Value::Object(map) = obj else {
        unreachable_object()
    };
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !metadata.is_object() {
        *metadata = Value::Object(Map::new());
    }
    match metadata {
        Value::Object(metadata) => metadata,
        _ => unreachable_object(),
    }
}

/// Both branches above just stored an object; this cannot be reached.
#[cold]
fn unreachable_object() -> ! {
    unreachable!("a JSON object was stored just before")
}

pub(crate) fn name(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or_default()
}

pub(crate) fn namespace(obj: &Value) -> &str {
    obj["metadata"]["namespace"].as_str().unwrap_or_default()
}

pub(crate) fn resource_version(obj: &Value) -> &str {
    obj["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default()
}

pub(crate) fn uid(obj: &Value) -> &str {
    obj["metadata"]["uid"].as_str().unwrap_or_default()
}

/// The uids an object's ownerReferences name.
pub(crate) fn owner_uids(obj: &Value) -> Vec<&str> {
    obj["metadata"]["ownerReferences"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["uid"].as_str())
        .collect()
}

pub(crate) fn is_terminating(obj: &Value) -> bool {
    obj["metadata"]["deletionTimestamp"].is_string()
}

pub(crate) fn finalizers(obj: &Value) -> Vec<String> {
    obj["metadata"]["finalizers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect()
}

pub(crate) fn set_finalizers(obj: &mut Value, finalizers: Vec<String>) {
    let meta = meta_mut(obj);
    if finalizers.is_empty() {
        meta.remove("finalizers");
    } else {
        meta.insert(
            "finalizers".into(),
            Value::Array(finalizers.into_iter().map(Value::String).collect()),
        );
    }
}

/// Now as a Kubernetes `Time` string.
pub(crate) fn now() -> String {
    k8s_openapi::jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// Seconds since a Kubernetes `Time` string (0 if unparsable).
pub(crate) fn age_seconds(timestamp: &str) -> i64 {
    timestamp
        .parse::<k8s_openapi::jiff::Timestamp>()
        .map(|t| k8s_openapi::jiff::Timestamp::now().as_second() - t.as_second())
        .unwrap_or(0)
        .max(0)
}

/// `kubectl`'s short age format: 42s, 5m, 3h, 2d.
pub(crate) fn short_age(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 3600 * 2 => format!("{}m", s / 60),
        s if s < 86400 * 2 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn meta_mut_creates_metadata() {
        let mut obj = json!({"kind": "ConfigMap"});
        meta_mut(&mut obj).insert("name".into(), json!("a"));
        assert_eq!(name(&obj), "a");
        assert_eq!(namespace(&obj), "");
    }

    #[test]
    fn timestamps_round_trip_to_an_age() {
        let stamp = now();
        assert!(stamp.ends_with('Z') && stamp.len() == 20, "{stamp}");
        assert!(age_seconds(&stamp) <= 1);
        assert_eq!(short_age(30), "30s");
        assert_eq!(short_age(600), "10m");
    }
}
