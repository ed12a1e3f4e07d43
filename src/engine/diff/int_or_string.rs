//! Scalar equality beyond JSON equality: int-or-string values
//! (`targetPort: 8080` vs `"8080"`) and numbers written as integers or
//! floats (`1` vs `1.0`).
//!
//! The API server has already validated the type of every live field, so
//! a number on one side and the same integer as a string on the other can
//! only be an int-or-string field written two ways. Named ports (`http`)
//! stay strings and never equal a number.

use serde_json::{Number, Value};

/// `8080` and `"8080"` are the same int-or-string value.
pub fn int_or_string_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(number), Value::String(text))
        | (Value::String(text), Value::Number(number)) => {
            is_integer_text(text) && number_text_equal(number, text)
        }
        _ => false,
    }
}

fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn number_text_equal(number: &Number, text: &str) -> bool {
    if let Some(value) = number.as_i64() {
        text.parse::<i64>() == Ok(value)
    } else if let Some(value) = number.as_u64() {
        text.parse::<u64>() == Ok(value)
    } else {
        false
    }
}

/// JSON numbers by value: `1` and `1.0` are equal.
pub fn numbers_equal(a: &Number, b: &Number) -> bool {
    if a == b {
        return true;
    }
    if a.is_f64() || b.is_f64() {
        return matches!((a.as_f64(), b.as_f64()), (Some(x), Some(y)) if x == y);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn number_and_its_string_are_equal() {
        assert!(int_or_string_equal(&json!(8080), &json!("8080")));
        assert!(int_or_string_equal(&json!("8080"), &json!(8080)));
        assert!(int_or_string_equal(&json!(-1), &json!("-1")));
    }

    #[test]
    fn names_and_other_numbers_differ() {
        assert!(!int_or_string_equal(&json!(8080), &json!("http")));
        assert!(!int_or_string_equal(&json!(8080), &json!("8081")));
        assert!(!int_or_string_equal(&json!(8080), &json!(" 8080")));
        assert!(!int_or_string_equal(&json!(25), &json!("25%")));
        assert!(!int_or_string_equal(&json!("8080"), &json!("8080")));
        assert!(!int_or_string_equal(&json!(1.5), &json!("1.5")));
    }

    #[test]
    fn numbers_compare_by_value() {
        let one = Number::from(1);
        let one_float = Number::from_f64(1.0).unwrap();
        assert!(numbers_equal(&one, &one_float));
        assert!(!numbers_equal(&one, &Number::from(2)));
    }
}
