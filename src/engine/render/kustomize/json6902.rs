//! JSON 6902 patches (`op`/`path`/`value` lists), written in YAML or JSON.

use serde_json::Value;

use crate::engine::yaml;

/// A parsed JSON patch.
pub struct JsonPatch(json_patch::Patch);

impl JsonPatch {
    /// Parses a JSON 6902 patch from YAML or JSON text.
    pub fn parse(text: &str) -> Result<JsonPatch, String> {
        let value = yaml::parse_single(text).map_err(|error| error.to_string())?;
        JsonPatch::from_value(value)
    }

    pub fn from_value(value: Value) -> Result<JsonPatch, String> {
        serde_json::from_value(value)
            .map(JsonPatch)
            .map_err(|error| format!("not a JSON 6902 patch: {error}"))
    }

    /// Applies the patch to `object` (all or nothing).
    pub fn apply(&self, object: &mut Value) -> Result<(), String> {
        json_patch::patch(object, &self.0).map_err(|error| error.to_string())
    }
}

/// Whether `value` looks like a JSON 6902 patch (a list of operations).
pub fn is_json_patch(value: &Value) -> bool {
    matches!(value, Value::Array(items) if items.iter().all(|item| item.get("op").is_some()))
}
