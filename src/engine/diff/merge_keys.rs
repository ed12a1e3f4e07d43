//! Strategic-merge keys: how items of a list are matched between desired
//! and live (containers by `name`, container ports by `containerPort` and
//! `protocol`, volume mounts by `mountPath`...), so order and items added
//! by others (injected sidecars) are not drift.
//!
//! Lists not in the table are atomic (compared position by position),
//! unless the live object's `managedFields` show the keys the API server
//! uses for them (custom resources with `x-kubernetes-list-map-keys`).

use std::borrow::Cow;

use serde_json::Value;

/// A key field and the value the API server defaults it to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyField {
    pub name: String,
    pub default: Option<&'static str>,
}

impl KeyField {
    fn plain(name: &str) -> Self {
        KeyField {
            name: name.to_string(),
            default: None,
        }
    }

    fn with_default(name: &str, default: &'static str) -> Self {
        KeyField {
            name: name.to_string(),
            default: Some(default),
        }
    }
}

/// The merge key of the list held by `field`, given one of its items.
pub fn builtin_list_key(field: &str, sample: &Value) -> Option<Vec<KeyField>> {
    let single = |name: &str| Some(vec![KeyField::plain(name)]);
    match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims"
        | "schedulingGates" => single("name"),
        "volumeMounts" => single("mountPath"),
        "volumeDevices" => single("devicePath"),
        "hostAliases" => single("ip"),
        "readinessGates" => single("conditionType"),
        "conditions" => single("type"),
        "ownerReferences" => single("uid"),
        "topologySpreadConstraints" => Some(vec![
            KeyField::plain("topologyKey"),
            KeyField::plain("whenUnsatisfiable"),
        ]),
        "ports" if sample.get("containerPort").is_some() => Some(vec![
            KeyField::plain("containerPort"),
            KeyField::with_default("protocol", "TCP"),
        ]),
        "ports" if sample.get("port").is_some() => Some(vec![
            KeyField::plain("port"),
            KeyField::with_default("protocol", "TCP"),
        ]),
        _ => None,
    }
}

/// Key fields named by a managedFields `k:{...}` element.
pub fn inferred_list_key(names: &[String]) -> Vec<KeyField> {
    names.iter().map(|name| KeyField::plain(name)).collect()
}

/// The item's key values as text (`80`, `TCP`), or `None` when a key field
/// is missing without a default. Strings are borrowed, not copied.
pub fn item_key<'v>(item: &'v Value, key: &[KeyField]) -> Option<Vec<Cow<'v, str>>> {
    key.iter()
        .map(|field| match item.get(&field.name) {
            Some(Value::String(text)) => Some(Cow::Borrowed(text.as_str())),
            Some(Value::Number(number)) => Some(Cow::Owned(number.to_string())),
            Some(Value::Bool(flag)) => Some(Cow::Borrowed(if *flag { "true" } else { "false" })),
            Some(Value::Null) | None => field.default.map(Cow::Borrowed),
            Some(_) => None,
        })
        .collect()
}

/// `name=app` or `containerPort=80,protocol=TCP`, for paths.
pub fn describe_key(key: &[KeyField], values: &[Cow<'_, str>]) -> String {
    let mut text = String::new();
    for (index, (field, value)) in key.iter().zip(values).enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(&field.name);
        text.push('=');
        text.push_str(value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn container_ports_default_protocol() {
        let key = builtin_list_key("ports", &json!({"containerPort": 80})).unwrap();
        assert_eq!(
            item_key(&json!({"containerPort": 80}), &key),
            item_key(
                &json!({"containerPort": 80, "protocol": "TCP", "name": "http"}),
                &key
            )
        );
        assert_ne!(
            item_key(&json!({"containerPort": 53, "protocol": "UDP"}), &key),
            item_key(&json!({"containerPort": 53}), &key)
        );
        let item = json!({"containerPort": 80});
        let values = item_key(&item, &key).unwrap();
        assert_eq!(describe_key(&key, &values), "containerPort=80,protocol=TCP");
    }

    #[test]
    fn service_ports_and_named_lists() {
        let key = builtin_list_key("ports", &json!({"port": 443})).unwrap();
        assert_eq!(key[0].name, "port");
        assert_eq!(
            builtin_list_key("volumeMounts", &json!({})).unwrap()[0].name,
            "mountPath"
        );
        assert!(builtin_list_key("args", &json!("x")).is_none());
        assert_eq!(
            item_key(
                &json!({"value": "x"}),
                &builtin_list_key("env", &json!({})).unwrap()
            ),
            None
        );
    }
}
