//! Where quantities are compared by value: the fields of resource lists
//! (`limits`, `requests`, quotas) and a few quantity fields, so `1000m`
//! and `1` are not drift there. Parsing lives in
//! [`crate::engine::conventions::quantity`].

use serde_json::Value;

use super::path::FieldPath;
use crate::engine::conventions::quantity::Quantity;

/// Map keys whose values are quantities (resource lists, quotas, limits).
const QUANTITY_MAPS: &[&str] = &[
    "limits",
    "requests",
    "capacity",
    "allocatable",
    "hard",
    "used",
    "overhead",
    "max",
    "min",
    "default",
    "defaultRequest",
    "maxLimitRequestRatio",
];

/// Fields that are quantities themselves.
const QUANTITY_FIELDS: &[&str] = &["sizeLimit"];

/// Whether the value at `path` is a quantity, so equal quantities written
/// differently are equal. Quantity rules apply only there: elsewhere
/// `"1.10"` and `"1.1"` are different strings.
pub(crate) fn is_quantity_path(path: &FieldPath) -> bool {
    path.last_field()
        .is_some_and(|field| QUANTITY_FIELDS.contains(&field))
        || path
            .parent_field()
            .is_some_and(|parent| QUANTITY_MAPS.contains(&parent))
}

/// Equal as quantities (both parse and have the same value).
pub(crate) fn quantities_equal(desired: &Value, live: &Value) -> bool {
    match (Quantity::from_value(desired), Quantity::from_value(live)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_numbers_are_quantities() {
        assert!(quantities_equal(
            &serde_json::json!(1),
            &serde_json::json!("1000m")
        ));
        assert!(quantities_equal(
            &serde_json::json!(0.5),
            &serde_json::json!("500m")
        ));
        assert!(!quantities_equal(
            &serde_json::json!(2),
            &serde_json::json!("1")
        ));
    }
}
