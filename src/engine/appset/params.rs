//! [`Params`]: one parameter set, the unit a generator produces and a
//! template consumes.
//!
//! Argo CD keeps two shapes, chosen by `goTemplate`: the legacy templating
//! reads a *flat* map of strings whose keys carry dots (`path.basename`,
//! `metadata.labels.env`), while Go templates read *nested* maps
//! (`.path.basename`). Generators build the shape the ApplicationSet asks
//! for ([`ParamStyle`]), as Argo does, so a template never sees the other one.
//! Selectors and merge keys always look at the flattened view.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{Map, Value};

/// Which parameter shape the ApplicationSet's templating reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    /// Legacy `{{param}}` templating: flat string values, dotted keys.
    Flat,
    /// `goTemplate: true`: nested maps, values keep their JSON type.
    Nested,
}

impl ParamStyle {
    pub fn for_go_template(go_template: bool) -> Self {
        if go_template {
            ParamStyle::Nested
        } else {
            ParamStyle::Flat
        }
    }
}

/// One parameter set.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Params(pub Map<String, Value>);

impl Params {
    pub fn new() -> Self {
        Params(Map::new())
    }

    /// The top-level value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// Looks `key` up as written, then as a dotted path into nested maps
    /// (so `values.env` finds a nested Go-template parameter too).
    pub fn lookup(&self, key: &str) -> Option<&Value> {
        if let Some(value) = self.0.get(key) {
            return Some(value);
        }
        let mut parts = key.split('.');
        let mut current = self.0.get(parts.next()?)?;
        for part in parts {
            current = current.as_object()?.get(part)?;
        }
        Some(current)
    }

    /// Sets `path` (dotted segments) to `value` in the given style: one
    /// dotted key holding a string when flat, nested maps otherwise.
    pub fn insert_at(&mut self, style: ParamStyle, path: &[&str], value: Value) {
        match style {
            ParamStyle::Flat => {
                let text = match value {
                    Value::String(text) => text,
                    other => go_string(&other),
                };
                self.0.insert(path.join("."), Value::String(text));
            }
            ParamStyle::Nested => insert_nested(&mut self.0, path, value),
        }
    }

    /// Every leaf as `a.b.c` → text (Go's `%v` for non-strings), the view
    /// Argo CD gives selectors.
    pub fn flattened(&self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for (key, value) in &self.0 {
            flatten_value(key, value, &mut |key, text| {
                out.insert(key, text);
            });
        }
        out
    }

    /// Compact JSON, for error messages.
    pub fn summary(&self) -> String {
        serde_json::to_string(&self.0).unwrap_or_default()
    }
}

fn insert_nested(map: &mut Map<String, Value>, path: &[&str], value: Value) {
    match path {
        [] => {}
        [last] => {
            map.insert((*last).to_string(), value);
        }
        [first, rest @ ..] => {
            let entry = map
                .entry((*first).to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert_nested(inner, rest, value);
            }
        }
    }
}

/// Flattens `value` under `prefix` the way Argo's flattening does: maps by
/// key and lists by index, joined with `.`; leaves become Go `%v` text.
/// Empty maps and lists produce nothing.
pub fn flatten_value(prefix: &str, value: &Value, emit: &mut dyn FnMut(String, String)) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                flatten_value(&join_key(prefix, key), inner, emit);
            }
        }
        Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                flatten_value(&join_key(prefix, &index.to_string()), inner, emit);
            }
        }
        leaf => emit(prefix.to_string(), go_string(leaf)),
    }
}

fn join_key(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Deep merge for nested parameter sets: maps merge key by key, anything
/// else in `over` replaces what `base` has (mergo's `WithOverride`).
pub fn deep_merge(base: &mut Map<String, Value>, over: &Map<String, Value>) {
    for (key, value) in over {
        match (base.get_mut(key), value) {
            (Some(Value::Object(inner)), Value::Object(over_inner)) => {
                deep_merge(inner, over_inner)
            }
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

/// A value as Go's `fmt` prints it with `%v`, which is what Argo CD's
/// parameters look like after JSON decoding (numbers are `float64`).
pub fn go_string(value: &Value) -> String {
    let mut out = String::new();
    write_go(&mut out, value);
    out
}

fn write_go(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
        Value::Number(number) => out.push_str(&go_float(number.as_f64().unwrap_or(0.0))),
        Value::String(text) => out.push_str(text),
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                write_go(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("map[");
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                out.push_str(key);
                out.push(':');
                write_go(out, &map[key]);
            }
            out.push(']');
        }
    }
}

/// Go's `%v` for a `float64`: the shortest digits, in exponent form when
/// the exponent is below -4 or at least 6 (`1e+06`, `1.5e-05`), as Go's
/// shortest `%g` prints it.
pub fn go_float(value: f64) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if value == 0.0 {
        return "0".into();
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific
        .split_once('e')
        .unwrap_or((scientific.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..6).contains(&exponent) {
        return format_exponent(mantissa, exponent);
    }
    format!("{value}")
}

fn format_exponent(mantissa: &str, exponent: i32) -> String {
    let mut out = String::from(mantissa);
    let sign = if exponent < 0 { '-' } else { '+' };
    let _ = write!(out, "e{sign}{:02}", exponent.abs());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flat_and_nested_insertion() {
        let mut flat = Params::new();
        flat.insert_at(ParamStyle::Flat, &["path", "basename"], json!("web"));
        flat.insert_at(ParamStyle::Flat, &["replicas"], json!(3));
        assert_eq!(
            flat.0,
            json!({"path.basename": "web", "replicas": "3"})
                .as_object()
                .cloned()
                .unwrap()
        );

        let mut nested = Params::new();
        nested.insert_at(ParamStyle::Nested, &["path", "basename"], json!("web"));
        nested.insert_at(ParamStyle::Nested, &["path", "path"], json!("apps/web"));
        assert_eq!(
            nested.0["path"],
            json!({"basename": "web", "path": "apps/web"})
        );
        assert_eq!(nested.lookup("path.basename"), Some(&json!("web")));
    }

    #[test]
    fn flattening_matches_argo() {
        let params = Params(
            json!({"a": {"b": 1, "c": [true, "x"]}, "empty": {}, "n": null})
                .as_object()
                .cloned()
                .unwrap(),
        );
        let flat = params.flattened();
        assert_eq!(flat["a.b"], "1");
        assert_eq!(flat["a.c.0"], "true");
        assert_eq!(flat["a.c.1"], "x");
        assert_eq!(flat["n"], "<nil>");
        assert!(!flat.contains_key("empty"));
    }

    #[test]
    fn go_number_formatting() {
        assert_eq!(go_float(3.0), "3");
        assert_eq!(go_float(1.5), "1.5");
        assert_eq!(go_float(-42.0), "-42");
        assert_eq!(go_float(1e21), "1e+21");
        assert_eq!(go_float(1_000_000.0), "1e+06");
        assert_eq!(go_float(123_456.0), "123456");
        assert_eq!(go_float(0.00001), "1e-05");
    }

    #[test]
    fn deep_merge_overrides_leaves_and_merges_maps() {
        let mut base = json!({"a": {"x": 1, "y": 2}, "b": 1})
            .as_object()
            .cloned()
            .unwrap();
        let over = json!({"a": {"y": 3}, "c": 4}).as_object().cloned().unwrap();
        deep_merge(&mut base, &over);
        assert_eq!(
            Value::Object(base),
            json!({"a": {"x": 1, "y": 3}, "b": 1, "c": 4})
        );
    }
}
