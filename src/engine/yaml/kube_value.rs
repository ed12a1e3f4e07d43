//! The JSON value a YAML node has for kubectl and Argo CD.
//!
//! Both read manifests with sigs.k8s.io/yaml, which resolves plain scalars by
//! go-yaml v2's YAML 1.1 rules and then converts the tree to JSON. Three
//! results of that conversion differ from a plain YAML-to-`serde_json::Value`
//! read, and each changes what reaches the API server:
//!
//! - mapping keys are always JSON strings, and a plain key that YAML 1.1
//!   resolves to a boolean or number is written as that value's text
//!   (`y:` is the key `"true"`, `0644:` is `"420"`);
//! - a float with an integral value is marshalled by Go without a fraction
//!   (`1.0` and `1e3` reach the server as `1` and `1000`), so it is an
//!   integer here too and an integer field accepts it;
//! - a float JSON cannot hold (`.inf`, `.nan`) and a null or collection
//!   key are errors, as they are for kubectl.
//!
//! The scalar resolution itself (legacy octal `0644`, `yes`/`on` booleans)
//! is serde-saphyr's, configured in the parent module.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A YAML node read as sigs.k8s.io/yaml turns it into JSON.
pub struct KubeValue(pub Value);

impl<'de> Deserialize<'de> for KubeValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor).map(KubeValue)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any YAML node")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        json_float(value).map(Value::Number).ok_or_else(|| {
            E::custom(format!(
                "the number {value} has no JSON form (kubectl refuses it too)"
            ))
        })
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(KubeValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(MapKey(key)) = map.next_key()? {
            let KubeValue(value) = map.next_value()?;
            // A repeated key keeps its first position and its last value, as
            // Go's map does before the JSON encoder sorts the keys anyway.
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

/// Go's `json.Marshal` of a float64: integral values print without a
/// fraction, and Go's decoder (and so kubectl) reads them back as integers.
fn json_float(value: f64) -> Option<Number> {
    // 2^63: the first float beyond i64's range.
    const I64_END: f64 = 9_223_372_036_854_775_808.0;
    if value.fract() == 0.0 && (-I64_END..I64_END).contains(&value) {
        // In range and integral, so the conversion is exact.
        return Some(Number::from(value as i64));
    }
    Number::from_f64(value)
}

/// A mapping key as the JSON object key sigs.k8s.io/yaml writes for it.
struct MapKey(String);

impl<'de> Deserialize<'de> for MapKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = match deserializer.deserialize_any(NodeVisitor)? {
            Value::String(text) => text,
            Value::Bool(flag) => flag.to_string(),
            Value::Number(number) => number.to_string(),
            Value::Null | Value::Array(_) | Value::Object(_) => {
                return Err(de::Error::custom(
                    "a mapping key must be a string, number or boolean to become a JSON key",
                ));
            }
        };
        Ok(MapKey(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integral_floats_become_integers_and_others_stay_floats() {
        assert_eq!(json_float(1000.0), Some(Number::from(1000)));
        assert_eq!(json_float(-2.0), Some(Number::from(-2)));
        assert_eq!(json_float(0.5), Number::from_f64(0.5));
        assert_eq!(json_float(1e20), Number::from_f64(1e20));
        assert_eq!(json_float(f64::INFINITY), None);
        assert_eq!(json_float(f64::NAN), None);
    }
}
