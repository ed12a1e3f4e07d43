//! Kubernetes resource quantities (`500m`, `1`, `1Gi`, `1e3`), compared by
//! value and exactly: `1000m` = `1`, `1Gi` = `1024Mi`, `0.5` = `500m`.
//!
//! A quantity is held as `m · 2^p2 · 5^p5` with `m` free of factors 2 and 5.
//! That form is unique for every value, so equality is structural and
//! exact — no floating point, no rounding, no overflow from big exponents.

use serde_json::Value;

/// An exact quantity value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Quantity {
    /// Signed and free of factors 2 and 5 (0 for zero).
    mantissa: i128,
    pow2: i64,
    pow5: i64,
}

/// Digits beyond this do not fit the mantissa; such strings are compared
/// as text.
const MAX_DIGITS: usize = 36;

impl Quantity {
    /// Parses the canonical Kubernetes quantity syntax; `None` when the
    /// text is not a quantity.
    pub fn parse(text: &str) -> Option<Quantity> {
        let (number, suffix) = split_number(text)?;
        let (negative, digits) = match number.as_bytes().first()? {
            b'-' => (true, &number[1..]),
            b'+' => (false, &number[1..]),
            _ => (false, number),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        let all_digits = format!("{whole}{fraction}");
        let significant = all_digits.trim_start_matches('0');
        if significant.len() > MAX_DIGITS {
            return None;
        }
        let mut mantissa: i128 = if significant.is_empty() {
            0
        } else {
            significant.parse().ok()?
        };
        if negative {
            mantissa = -mantissa;
        }
        let fraction_len = i64::try_from(fraction.len()).ok()?;
        let (pow2, pow10) = suffix_powers(suffix)?;
        Some(Quantity::from_parts(mantissa, pow2, pow10 - fraction_len))
    }

    fn from_parts(mut mantissa: i128, mut pow2: i64, pow10: i64) -> Quantity {
        if mantissa == 0 {
            return Quantity {
                mantissa: 0,
                pow2: 0,
                pow5: 0,
            };
        }
        pow2 += pow10;
        let mut pow5 = pow10;
        while mantissa % 2 == 0 {
            mantissa /= 2;
            pow2 += 1;
        }
        while mantissa % 5 == 0 {
            mantissa /= 5;
            pow5 += 1;
        }
        Quantity {
            mantissa,
            pow2,
            pow5,
        }
    }

    /// A quantity written as a JSON string or number.
    pub fn from_value(value: &Value) -> Option<Quantity> {
        match value {
            Value::String(text) => Quantity::parse(text),
            Value::Number(number) => Quantity::parse(&number.to_string()),
            _ => None,
        }
    }
}

/// Splits `12.5Gi` into `12.5` and `Gi`.
fn split_number(text: &str) -> Option<(&str, &str)> {
    let end = text
        .char_indices()
        .find(|&(index, c)| !(c.is_ascii_digit() || c == '.' || (index == 0 && "+-".contains(c))))
        .map_or(text.len(), |(index, _)| index);
    (end > 0).then(|| text.split_at(end))
}

/// `(power of two, power of ten)` of a suffix.
fn suffix_powers(suffix: &str) -> Option<(i64, i64)> {
    let powers = match suffix {
        "" => (0, 0),
        "Ki" => (10, 0),
        "Mi" => (20, 0),
        "Gi" => (30, 0),
        "Ti" => (40, 0),
        "Pi" => (50, 0),
        "Ei" => (60, 0),
        "n" => (0, -9),
        "u" => (0, -6),
        "m" => (0, -3),
        "k" => (0, 3),
        "M" => (0, 6),
        "G" => (0, 9),
        "T" => (0, 12),
        "P" => (0, 15),
        "E" => (0, 18),
        exponent => {
            let digits = exponent.strip_prefix(['e', 'E'])?;
            let unsigned = digits.trim_start_matches(['+', '-']);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let power: i64 = digits.parse().ok()?;
            if power.abs() > 1_000 {
                return None;
            }
            (0, power)
        }
    };
    Some(powers)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).unwrap_or_else(|| panic!("{text} should parse"))
    }

    #[test]
    fn equal_values_written_differently() {
        for (a, b) in [
            ("1000m", "1"),
            ("1Gi", "1024Mi"),
            ("0.5", "500m"),
            (".5", "500m"),
            ("1k", "1000"),
            ("1e3", "1k"),
            ("1E3", "1000"),
            ("2Ki", "2048"),
            ("0", "0m"),
            ("0Gi", "0"),
            ("1.5Gi", "1536Mi"),
            ("100n", "0.0000001"),
            ("1u", "1000n"),
            ("+1", "1"),
            ("1Ei", "1152921504606846976"),
            ("1.000", "1"),
        ] {
            assert_eq!(q(a), q(b), "{a} = {b}");
        }
    }

    #[test]
    fn different_values_differ() {
        for (a, b) in [
            ("1", "1001m"),
            ("1Gi", "1G"),
            ("1Mi", "1M"),
            ("-1", "1"),
            ("0.1", "100"),
            ("1E", "1e1"),
        ] {
            assert_ne!(q(a), q(b), "{a} != {b}");
        }
    }

    #[test]
    fn exact_beyond_floating_point() {
        // 0.1 + 0.2 style errors cannot happen; tiny differences are seen.
        assert_ne!(q("100000000000000001"), q("100000000000000000"));
        assert_eq!(q("0.3"), q("300m"));
        assert_ne!(q("0.30000000000000004"), q("0.3"));
    }

    #[test]
    fn rejects_non_quantities() {
        for text in [
            "", "abc", "1Xi", "1e", "1e+", "m", ".", "1.2.3", "1 Gi", "--1",
        ] {
            assert_eq!(Quantity::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn exponents_and_decimal_suffixes_combine_with_fractions() {
        for (a, b) in [
            ("1e-3", "1m"),
            ("1.5e3", "1500"),
            ("2.5k", "2500"),
            ("0.5Ki", "512"),
            ("-0", "0"),
            ("-1m", "-0.001"),
            ("1e+2", "100"),
        ] {
            assert_eq!(q(a), q(b), "{a} = {b}");
        }
    }

    #[test]
    fn suffixes_are_case_sensitive_and_exponents_bounded() {
        for text in ["1KI", "1ki", "1MI", "Ki", "1e1001", "1e-1001", "1.5.Gi"] {
            assert_eq!(Quantity::parse(text), None, "{text:?}");
        }
        // `1K` is not a suffix Kubernetes knows (kilo is lower-case `k`).
        assert_eq!(Quantity::parse("1K"), None);
    }

    #[test]
    fn too_many_digits_are_not_a_quantity_but_leading_zeros_are_free() {
        let long = "1".repeat(MAX_DIGITS + 1);
        assert_eq!(Quantity::parse(&long), None);
        let padded = format!("{}1", "0".repeat(MAX_DIGITS + 5));
        assert_eq!(q(&padded), q("1"));
    }

    #[test]
    fn json_values_parse_as_numbers_or_strings_only() {
        use serde_json::json;
        assert_eq!(Quantity::from_value(&json!(1)), Some(q("1")));
        assert_eq!(Quantity::from_value(&json!("250m")), Some(q("0.25")));
        assert_eq!(Quantity::from_value(&json!(true)), None);
        assert_eq!(Quantity::from_value(&json!(null)), None);
    }
}
