//! Kubernetes' int-or-string (`intstr.IntOrString`), used where Argo CD uses
//! it: Kustomize replica counts and RollingSync `maxUpdate`.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A value written either as a number (`3`) or as a string (`"3"`, `"25%"`).
/// The written form is kept so serialization gives back what the user wrote.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum IntOrString {
    Int(i64),
    String(String),
}

impl IntOrString {
    /// The integer value: the number itself, or a string holding a plain
    /// integer (`"3"`), as Kubernetes' `intstr` conversion accepts.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            IntOrString::Int(value) => Some(*value),
            IntOrString::String(text) => text.trim().parse().ok(),
        }
    }

    /// The percentage when written as `"N%"`.
    pub fn as_percent(&self) -> Option<i64> {
        match self {
            IntOrString::Int(_) => None,
            IntOrString::String(text) => text.trim().strip_suffix('%')?.parse().ok(),
        }
    }

    /// Resolves the value against `total`: an integer as is, a percentage of
    /// `total` rounded up (as Kubernetes does for `maxSurge`-like fields).
    /// `None` when the value is neither form or is negative.
    pub fn scaled(&self, total: u64) -> Option<u64> {
        if let Some(percent) = self.as_percent() {
            let percent = u64::try_from(percent).ok()?;
            return Some((total * percent).div_ceil(100));
        }
        u64::try_from(self.as_int()?).ok()
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrString::Int(value) => write!(f, "{value}"),
            IntOrString::String(text) => f.write_str(text),
        }
    }
}

impl Serialize for IntOrString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            IntOrString::Int(value) => serializer.serialize_i64(*value),
            IntOrString::String(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IntOrStringVisitor)
    }
}

struct IntOrStringVisitor;

impl Visitor<'_> for IntOrStringVisitor {
    type Value = IntOrString;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer or a string")
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<IntOrString, E> {
        Ok(IntOrString::Int(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<IntOrString, E> {
        i64::try_from(value)
            .map(IntOrString::Int)
            .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(value), &self))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<IntOrString, E> {
        Ok(IntOrString::String(value.to_string()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<IntOrString, E> {
        Ok(IntOrString::String(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_numbers_and_strings_and_keeps_the_form() {
        let int: IntOrString = serde_json::from_value(json!(3)).unwrap();
        let text: IntOrString = serde_json::from_value(json!("3")).unwrap();
        assert_eq!(int, IntOrString::Int(3));
        assert_eq!(text, IntOrString::String("3".into()));
        assert_eq!(int.as_int(), text.as_int());
        assert_eq!(serde_json::to_value(&text).unwrap(), json!("3"));
        assert_eq!(serde_json::to_value(&int).unwrap(), json!(3));
        assert!(serde_json::from_value::<IntOrString>(json!(true)).is_err());
    }

    #[test]
    fn percentages_scale_rounding_up() {
        let quarter = IntOrString::String("25%".into());
        assert_eq!(quarter.as_percent(), Some(25));
        assert_eq!(quarter.as_int(), None);
        assert_eq!(quarter.scaled(10), Some(3));
        assert_eq!(IntOrString::Int(2).scaled(10), Some(2));
        assert_eq!(IntOrString::String("x%".into()).scaled(10), None);
        assert_eq!(IntOrString::Int(-1).scaled(10), None);
    }
}
