//! Secret values never leave the engine: every output that shows a
//! Secret's `data` or `stringData` shows masks instead.
//!
//! As Argo CD does, the masks still say whether a value changed: a value
//! equal on both sides is [`SECRET_MASK`] on both; a changed value is
//! [`SECRET_MASK`] on the live side and [`SECRET_MASK_CHANGED`] on the
//! desired side, so the diff shows a changed line without the value.

use serde_json::{Map, Value};

use super::normalize::is_secret;

pub const SECRET_MASK: &str = "++++++++";
pub const SECRET_MASK_CHANGED: &str = "+++++++++";

const SECRET_FIELDS: &[&str] = &["data", "stringData"];

/// Masks the Secret values of `desired` and `live` in place (either may be
/// absent). Objects that are not Secrets are left alone.
pub fn mask_secret_values(mut desired: Option<&mut Value>, mut live: Option<&mut Value>) {
    let secret =
        desired.as_deref().is_some_and(is_secret) || live.as_deref().is_some_and(is_secret);
    if !secret {
        return;
    }
    for field in SECRET_FIELDS {
        let desired_values = desired
            .as_deref_mut()
            .and_then(|object| take_field(object, field));
        let live_values = live
            .as_deref_mut()
            .and_then(|object| take_field(object, field));
        let (masked_desired, masked_live) =
            mask_maps(desired_values.as_ref(), live_values.as_ref());
        if let (Some(object), Some(masked)) = (desired.as_deref_mut(), masked_desired) {
            put_field(object, field, masked);
        }
        if let (Some(object), Some(masked)) = (live.as_deref_mut(), masked_live) {
            put_field(object, field, masked);
        }
    }
}

fn take_field(object: &mut Value, field: &str) -> Option<Value> {
    object.get_mut(field).map(Value::take)
}

fn put_field(object: &mut Value, field: &str, value: Value) {
    if let Some(slot) = object.get_mut(field) {
        *slot = value;
    }
}

/// Masks of both sides of one field. A field that is not a map (invalid,
/// but still possibly sensitive) is masked whole.
fn mask_maps(desired: Option<&Value>, live: Option<&Value>) -> (Option<Value>, Option<Value>) {
    let mask = |value: &Value| match value {
        Value::Object(_) => None,
        _ => Some(Value::String(SECRET_MASK.to_string())),
    };
    let empty = Map::new();
    let desired_map = desired.map(|value| value.as_object().unwrap_or(&empty));
    let live_map = live.map(|value| value.as_object().unwrap_or(&empty));
    let masked_desired = desired.map(|value| {
        mask(value).unwrap_or_else(|| {
            Value::Object(
                desired_map
                    .unwrap_or(&empty)
                    .iter()
                    .map(|(key, value)| {
                        let changed = live_map
                            .and_then(|live| live.get(key))
                            .is_some_and(|old| old != value);
                        let text = if changed {
                            SECRET_MASK_CHANGED
                        } else {
                            SECRET_MASK
                        };
                        (key.clone(), Value::String(text.to_string()))
                    })
                    .collect(),
            )
        })
    });
    let masked_live = live.map(|value| {
        mask(value).unwrap_or_else(|| {
            Value::Object(
                live_map
                    .unwrap_or(&empty)
                    .keys()
                    .map(|key| (key.clone(), Value::String(SECRET_MASK.to_string())))
                    .collect(),
            )
        })
    });
    (masked_desired, masked_live)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_values_and_marks_changes() {
        let mut desired = json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"same": "c2FtZQ==", "changed": "bmV3", "added": "YQ=="}});
        let mut live = json!({"apiVersion": "v1", "kind": "Secret",
            "data": {"same": "c2FtZQ==", "changed": "b2xk", "gone": "Zw=="}});
        mask_secret_values(Some(&mut desired), Some(&mut live));
        assert_eq!(
            desired["data"],
            json!({"same": SECRET_MASK, "changed": SECRET_MASK_CHANGED, "added": SECRET_MASK})
        );
        assert_eq!(
            live["data"],
            json!({"same": SECRET_MASK, "changed": SECRET_MASK, "gone": SECRET_MASK})
        );
    }

    #[test]
    fn masks_one_side_and_odd_shapes() {
        let mut live = json!({"apiVersion": "v1", "kind": "Secret",
            "stringData": "not-a-map", "data": {"k": "dg=="}});
        mask_secret_values(None, Some(&mut live));
        assert_eq!(live["stringData"], json!(SECRET_MASK));
        assert_eq!(live["data"], json!({"k": SECRET_MASK}));
    }

    #[test]
    fn leaves_other_kinds_alone() {
        let mut config = json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v"}});
        mask_secret_values(Some(&mut config), None);
        assert_eq!(config["data"], json!({"k": "v"}));
    }
}
