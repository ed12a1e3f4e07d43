//! Normalisation the real API server applies on every write of some built-in kinds,
//! so stored objects look like a cluster's: a Secret's `stringData` is folded into
//! base64 `data` (and never stored), and its `type` defaults to `Opaque`; a Namespace
//! always carries the `kubernetes.io/metadata.name` label. (Workload defaults arrive
//! with the simulated controllers.)

use base64::Engine;
use serde_json::Value;

use super::meta;
use super::resource_kinds::ResourceKind;

/// Label the server keeps equal to a Namespace's name.
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

pub(crate) fn normalise(kind: &ResourceKind, object: &mut Value) {
    if kind.is_namespace() {
        let name = meta::name(object).to_string();
        let metadata = meta::meta_mut(object);
        let labels = metadata
            .entry("labels")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if !labels.is_object() {
            *labels = Value::Object(serde_json::Map::new());
        }
        if let Some(labels) = labels.as_object_mut() {
            labels.insert(NAMESPACE_NAME_LABEL.into(), Value::String(name));
        }
        return;
    }
    if kind.custom || !kind.group.is_empty() || kind.plural != "secrets" {
        return;
    }
    let Some(map) = object.as_object_mut() else {
        return;
    };
    if let Some(Value::Object(strings)) = map.remove("stringData") {
        let data = map
            .entry("data")
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if !data.is_object() {
            *data = Value::Object(serde_json::Map::new());
        }
        if let Some(data) = data.as_object_mut() {
            for (key, value) in strings {
                let text = match value {
                    Value::String(s) => s,
                    other => other.to_string(),
                };
                let encoded = base64::engine::general_purpose::STANDARD.encode(text);
                data.insert(key, Value::String(encoded));
            }
        }
    }
    map.entry("type")
        .or_insert_with(|| Value::String("Opaque".into()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resource_kinds::builtin;
    use serde_json::json;

    #[test]
    fn secret_string_data_becomes_data() {
        let kind = builtin("", "v1", "secrets").expect("secrets");
        let mut secret = json!({"data": {"a": "eA=="}, "stringData": {"b": "hello"}});
        normalise(kind, &mut secret);
        assert_eq!(
            secret,
            json!({"data": {"a": "eA==", "b": "aGVsbG8="}, "type": "Opaque"})
        );
        let ns_kind = builtin("", "v1", "namespaces").expect("namespaces");
        let mut ns = json!({"metadata": {"name": "team"}});
        normalise(ns_kind, &mut ns);
        assert_eq!(ns["metadata"]["labels"][NAMESPACE_NAME_LABEL], "team");
        let cm_kind = builtin("", "v1", "configmaps").expect("configmaps");
        let mut cm = json!({"stringData": {"b": "x"}});
        normalise(cm_kind, &mut cm);
        assert!(cm.get("stringData").is_some());
    }
}
