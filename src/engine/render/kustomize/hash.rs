//! Kustomize's content-hash name suffix for generated ConfigMaps and Secrets.
//!
//! Byte-identical names matter: the hash is part of the object's name on the
//! cluster, so a different hash means a different object. Kustomize (v5)
//! encodes `{data, [binaryData], kind, name}` (Secrets: `{data, kind, name,
//! [stringData], type}`) as Go's `encoding/json` does (sorted keys, HTML
//! characters escaped), hashes it with SHA-256 and keeps the first ten hex
//! digits with `0 1 3 a e` replaced by `g h k m t` (no vowels, no digits that
//! read as letters). Its `metadata/name` lookup finds nothing, so the name is
//! always encoded as `""`; a missing `data` (or `type`) is `""` too.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The ten-character suffix kustomize appends to a generated object's name.
pub fn content_hash(object: &Value) -> String {
    let kind = object["kind"].as_str().unwrap_or_default();
    let field = |name: &str| match object.get(name) {
        None | Some(Value::Null) => Value::String(String::new()),
        Some(value) => value.clone(),
    };
    let mut encoded = Map::new();
    encoded.insert("kind".into(), Value::String(kind.to_string()));
    encoded.insert("name".into(), Value::String(String::new()));
    encoded.insert("data".into(), field("data"));
    if kind == "Secret" {
        encoded.insert("type".into(), field("type"));
        if let Some(string_data @ Value::Object(_)) = object.get("stringData") {
            encoded.insert("stringData".into(), string_data.clone());
        }
    } else if let Some(binary @ Value::Object(_)) = object.get("binaryData") {
        encoded.insert("binaryData".into(), binary.clone());
    }
    let mut text = String::new();
    encode_go_json(&Value::Object(encoded), &mut text);
    let digest = Sha256::digest(text.as_bytes());
    digest
        .iter()
        .flat_map(|byte| [byte >> 4, byte & 0x0f])
        .take(10)
        .map(|nibble| match nibble {
            0 => 'g',
            1 => 'h',
            3 => 'k',
            10 => 'm',
            14 => 't',
            other => char::from_digit(u32::from(other), 16).unwrap_or('0'),
        })
        .collect()
}

/// Go's `json.Marshal` of a decoded JSON value: object keys sorted, `<`,
/// `>`, `&`, U+2028 and U+2029 escaped.
fn encode_go_json(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&number.to_string()),
        Value::String(text) => encode_string(text, out),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                encode_go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                encode_string(key, out);
                out.push(':');
                encode_go_json(&map[key], out);
            }
            out.push('}');
        }
    }
}

fn encode_string(text: &str, out: &mut String) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(ch)));
            }
            ch if u32::from(ch) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(ch))),
            ch => out.push(ch),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Names checked against `kubectl kustomize` (kustomize v5.5.0).
    #[test]
    fn matches_kustomize() {
        let config_map = json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "p-cm-s"},
            "data": {"a": "1", "b": "<&>"}
        });
        assert_eq!(content_hash(&config_map), "f986b78m9b");
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "sec"},
            "type": "Opaque",
            "data": {"k": "dg=="}
        });
        assert_eq!(content_hash(&secret), "ftgtgc4t9f");
    }

    #[test]
    fn go_json_escapes_html_and_sorts_keys() {
        let mut out = String::new();
        encode_go_json(&json!({"b": "<x>&\n", "a": [1, true, null]}), &mut out);
        assert_eq!(out, r#"{"a":[1,true,null],"b":"\u003cx\u003e\u0026\n"}"#);
    }
}
