//! Durations as Argo CD writes them: Go's `time.ParseDuration` syntax
//! (`90s`, `1h30m`, `1.5h`, `300ms`), used by sync windows and retry backoff.

use std::time::Duration;

use thiserror::Error;

/// A text that is not a (non-negative) Go duration.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid duration {text:?}: {reason}")]
pub struct DurationError {
    pub text: String,
    pub reason: &'static str,
}

/// Parses a Go duration. Negative durations are rejected: nothing in Argo's
/// resources means anything by them.
pub fn parse_go_duration(text: &str) -> Result<Duration, DurationError> {
    let fail = |reason| DurationError {
        text: text.to_string(),
        reason,
    };
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.starts_with('-') {
        return Err(fail("negative durations are not allowed"));
    }
    if rest == "0" {
        return Ok(Duration::ZERO);
    }
    if rest.is_empty() {
        return Err(fail("empty"));
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(number_len);
        if number.is_empty() || number == "." {
            return Err(fail("expected a number"));
        }
        let value: f64 = number.parse().map_err(|_| fail("bad number"))?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let seconds_per_unit = match unit {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "" => return Err(fail("missing unit (ns, us, ms, s, m, h)")),
            _ => return Err(fail("unknown unit (ns, us, ms, s, m, h)")),
        };
        total += value * seconds_per_unit;
        rest = after;
    }
    Duration::try_from_secs_f64(total).map_err(|_| fail("out of range"))
}

/// Parses a retry backoff duration: a plain integer is seconds (Argo CD's
/// "default unit is seconds"), anything else a Go duration.
pub fn parse_backoff_duration(text: &str) -> Result<Duration, DurationError> {
    match text.trim().parse::<u64>() {
        Ok(seconds) => Ok(Duration::from_secs(seconds)),
        Err(_) => parse_go_duration(text.trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_go_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(
            parse_go_duration("1h30m").unwrap(),
            Duration::from_secs(5400)
        );
        assert_eq!(
            parse_go_duration("1.5h").unwrap(),
            Duration::from_secs(5400)
        );
        assert_eq!(
            parse_go_duration("300ms").unwrap(),
            Duration::from_millis(300)
        );
        assert_eq!(parse_go_duration("0").unwrap(), Duration::ZERO);
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in ["", "5", "1x", "h", "-1h", "1h-2m", "."] {
            assert!(parse_go_duration(bad).is_err(), "{bad:?} should fail");
        }
    }

    #[test]
    fn backoff_durations_default_to_seconds() {
        assert_eq!(parse_backoff_duration("5").unwrap(), Duration::from_secs(5));
        assert_eq!(
            parse_backoff_duration("2m").unwrap(),
            Duration::from_secs(120)
        );
        assert!(parse_backoff_duration("two minutes").is_err());
    }
}
