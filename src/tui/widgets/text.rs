//! Short forms for narrow columns: revisions, timestamps, label sets.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// A commit SHA cut to 7 characters (as git shows it); anything else (a
/// chart version, a branch name) is kept whole.
pub fn short_revision(revision: &str) -> &str {
    let is_sha = revision.len() >= 12 && revision.bytes().all(|byte| byte.is_ascii_hexdigit());
    if is_sha { &revision[..7] } else { revision }
}

/// `2026-11-22T04:12:33Z` as `2026-11-22 04:12`; text that is not RFC 3339
/// is kept as it is, so nothing is hidden.
pub fn short_time(rfc3339: &str) -> String {
    let bytes = rfc3339.as_bytes();
    let shaped = bytes.len() >= 16
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && matches!(bytes[10], b'T' | b't' | b' ')
        && bytes[13] == b':'
        && rfc3339.is_char_boundary(16);
    if shaped {
        format!("{} {}", &rfc3339[..10], &rfc3339[11..16])
    } else {
        rfc3339.to_owned()
    }
}

/// The UTC time of day, `HH:MM:SS`, for log lines.
pub fn clock(at: SystemTime) -> String {
    let seconds = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
        % 86_400;
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3_600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// `env=prod,region=eu` (sorted, as the map is).
pub fn labels(labels: &BTreeMap<String, String>) -> String {
    labels
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn revisions_are_cut_only_when_they_are_shas() {
        assert_eq!(
            short_revision("4f9c2e1d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"),
            "4f9c2e1"
        );
        assert_eq!(short_revision("1.2.3"), "1.2.3");
        assert_eq!(short_revision("main"), "main");
        assert_eq!(short_revision("release-2026-11"), "release-2026-11");
    }

    #[test]
    fn times_shorten_to_minutes_and_odd_text_is_kept() {
        assert_eq!(short_time("2026-11-22T04:12:33Z"), "2026-11-22 04:12");
        assert_eq!(
            short_time("2026-11-22T04:12:33.123+02:00"),
            "2026-11-22 04:12"
        );
        assert_eq!(short_time("yesterday"), "yesterday");
        assert_eq!(short_time(""), "");
    }

    #[test]
    fn clock_is_utc_time_of_day() {
        let at = UNIX_EPOCH + Duration::from_secs(86_400 * 3 + 3_600 * 4 + 60 * 5 + 6);
        assert_eq!(clock(at), "04:05:06");
    }

    #[test]
    fn labels_join_sorted() {
        let map: BTreeMap<String, String> = [("region", "eu"), ("env", "prod")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(labels(&map), "env=prod,region=eu");
    }
}
