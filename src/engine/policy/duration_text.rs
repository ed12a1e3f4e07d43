//! Durations as operators type them for pauses and similar time boxes
//! (`30m`, `2h`, `1h30m`, `1d`), and the short form the UI shows back
//! ("23m", "1h05m"). Deliberately smaller than Go's syntax (no fractions,
//! no sub-second units): a pause measured in milliseconds is a typo.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use thiserror::Error;

/// The longest pause (or other time box) accepted by default: long enough
/// for a holiday freeze, short enough that a forgotten pause still ends.
pub const MAX_TIME_BOX: Duration = Duration::from_secs(7 * 24 * 3600);

/// A text that is not an acceptable duration.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid duration {text:?}: {reason}")]
pub struct DurationTextError {
    pub text: String,
    pub reason: String,
}

/// Parses `<n><unit>` groups with units `d`, `h`, `m`, `s`, largest first
/// and each at most once (`1h30m`, `2d`, `90s`). Zero, negative and longer
/// than `max` are errors.
pub fn parse_duration(text: &str, max: Duration) -> Result<Duration, DurationTextError> {
    let fail = |reason: String| DurationTextError {
        text: text.to_string(),
        reason,
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(fail("empty".into()));
    }
    if trimmed.starts_with('-') {
        return Err(fail("must be positive".into()));
    }
    let mut rest = trimmed;
    let mut total: u64 = 0;
    let mut last_unit = u64::MAX;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(fail("expected a number, as in 30m or 1h30m".into()));
        }
        let (number, after) = rest.split_at(digits);
        let mut chars = after.chars();
        let seconds = match chars.next() {
            Some('d') => 86_400,
            Some('h') => 3_600,
            Some('m') => 60,
            Some('s') => 1,
            Some(_) => return Err(fail("unknown unit (use d, h, m or s)".into())),
            None => return Err(fail("missing unit (d, h, m or s)".into())),
        };
        if seconds >= last_unit {
            return Err(fail(
                "units must go from largest to smallest, once each".into(),
            ));
        }
        last_unit = seconds;
        let value: u64 = number
            .parse()
            .map_err(|_| fail("number too large".into()))?;
        total = value
            .checked_mul(seconds)
            .and_then(|part| total.checked_add(part))
            .ok_or_else(|| fail("number too large".into()))?;
        rest = chars.as_str();
    }
    if total == 0 {
        return Err(fail("must be longer than zero".into()));
    }
    let duration = Duration::from_secs(total);
    if duration > max {
        return Err(fail(format!(
            "longer than the maximum of {}",
            format_duration(max)
        )));
    }
    Ok(duration)
}

/// A short human form: `2d4h`, `1h05m`, `23m`, `45s`. Whole minutes are
/// rounded up below a day (so "1m" is shown until the very end), seconds
/// are shown only below a minute.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds < 60 {
        return format!("{seconds}s");
    }
    let minutes = seconds.div_ceil(60);
    let (days, hours, minutes) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours, minutes) {
        (0, 0, minutes) => format!("{minutes}m"),
        (0, hours, 0) => format!("{hours}h"),
        (0, hours, minutes) => format!("{hours}h{minutes:02}m"),
        (days, 0, _) => format!("{days}d"),
        (days, hours, _) => format!("{days}d{hours}h"),
    }
}

/// `at + duration`, saturating at the end of representable time (a far
/// future is as good as any for "not yet").
pub fn later(at: Timestamp, duration: Duration) -> Timestamp {
    at.saturating_add(duration).unwrap_or(Timestamp::MAX)
}

/// How long from `now` until `until`; zero once it has passed.
pub fn time_left(now: Timestamp, until: Timestamp) -> Duration {
    let left = until.duration_since(now);
    if left.is_negative() {
        Duration::ZERO
    } else {
        left.unsigned_abs()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: u64 = 3600;

    #[test]
    fn parses_operator_durations() {
        let parse = |text| parse_duration(text, MAX_TIME_BOX).unwrap().as_secs();
        assert_eq!(parse("30m"), 1800);
        assert_eq!(parse("2h"), 2 * H);
        assert_eq!(parse("1h30m"), 5400);
        assert_eq!(parse(" 1d12h "), 36 * H);
        assert_eq!(parse("90s"), 90);
        assert_eq!(parse("7d"), 7 * 24 * H);
    }

    #[test]
    fn rejects_zero_negative_too_long_and_malformed() {
        for (bad, reason) in [
            ("", "empty"),
            ("0m", "zero"),
            ("0h0m", "zero"),
            ("-5m", "positive"),
            ("8d", "maximum of 7d"),
            ("30", "missing unit"),
            ("30x", "unknown unit"),
            ("1.5h", "unknown unit"),
            ("m", "expected a number"),
            ("30m2h", "largest to smallest"),
            ("1h1h", "largest to smallest"),
            ("99999999999999999999h", "too large"),
            ("9999999999999999d", "too large"),
        ] {
            let error = parse_duration(bad, MAX_TIME_BOX).unwrap_err();
            assert!(error.reason.contains(reason), "{bad:?}: {error}");
            assert_eq!(error.text, bad);
        }
        assert!(parse_duration("2h", Duration::from_secs(H)).is_err());
    }

    #[test]
    fn formats_short_and_rounds_minutes_up() {
        let format = |seconds| format_duration(Duration::from_secs(seconds));
        assert_eq!(format(0), "0s");
        assert_eq!(format(45), "45s");
        assert_eq!(format(60), "1m");
        assert_eq!(format(61), "2m");
        assert_eq!(format(23 * 60 - 5), "23m");
        assert_eq!(format(2 * H), "2h");
        assert_eq!(format(H + 5 * 60), "1h05m");
        assert_eq!(format(7 * 24 * H), "7d");
        assert_eq!(format(2 * 24 * H + 4 * H + 60), "2d4h");
    }

    #[test]
    fn time_arithmetic_saturates() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let then = later(now, Duration::from_secs(90));
        assert_eq!(then.as_second(), 1_800_000_090);
        assert_eq!(time_left(now, then), Duration::from_secs(90));
        assert_eq!(time_left(then, now), Duration::ZERO);
        assert_eq!(later(now, Duration::MAX), Timestamp::MAX);
    }
}
