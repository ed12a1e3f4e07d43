//! `maxUpdate` of a RollingSync step resolved to a number of apps, rounded
//! the way Argo CD's ApplicationSet controller rounds it.
//!
//! Argo resolves the value against the number of apps in the step with
//! Kubernetes' `GetScaledValueFromIntOrPercent(.., roundUp=false)`, so a
//! percentage rounds *down*, and then lifts any percentage other than `0%`
//! to at least one app so that a small step never stalls. That is not the
//! rounding of [`IntOrString::scaled`] (which rounds up, as `maxSurge`
//! does), hence this separate function.

use crate::engine::model::int_or_string::IntOrString;

/// How many apps of a step of `step_size` apps may be updating at once.
///
/// - absent: every app of the step (Argo's default, "100%, unbounded");
/// - a number (`2`, or the string `"2"`): that many, `0` included — a step
///   with `maxUpdate: 0` starts nothing and waits for manual syncs;
/// - a percentage: `step_size * p / 100` rounded down, at least 1 unless
///   the value is `0%`;
/// - anything else (a negative number, `"ten%"`): one app at a time.
///   Validation reports such values; Argo logs them and ends up allowing a
///   single app too, and one at a time is the cautious reading.
pub fn max_update_limit(max_update: Option<&IntOrString>, step_size: usize) -> usize {
    let Some(max_update) = max_update else {
        return step_size;
    };
    if let Some(percent) = max_update.as_percent() {
        let Ok(percent) = usize::try_from(percent) else {
            return 1;
        };
        let scaled = step_size.saturating_mul(percent) / 100;
        return if percent > 0 { scaled.max(1) } else { 0 };
    }
    match max_update.as_int().map(usize::try_from) {
        Some(Ok(limit)) => limit,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn percent(text: &str) -> IntOrString {
        IntOrString::String(text.to_string())
    }

    #[test]
    fn absent_means_the_whole_step() {
        assert_eq!(max_update_limit(None, 0), 0);
        assert_eq!(max_update_limit(None, 7), 7);
    }

    #[test]
    fn numbers_are_taken_as_written_zero_included() {
        assert_eq!(max_update_limit(Some(&IntOrString::Int(1)), 5), 1);
        assert_eq!(max_update_limit(Some(&IntOrString::Int(9)), 5), 9);
        assert_eq!(max_update_limit(Some(&IntOrString::Int(0)), 5), 0);
        assert_eq!(max_update_limit(Some(&percent("2")), 5), 2);
    }

    #[test]
    fn percentages_round_down_but_never_below_one() {
        // (value, step size, expected)
        let cases = [
            ("50%", 4, 2),
            ("50%", 3, 1),
            ("50%", 1, 1),
            ("10%", 5, 1),
            ("10%", 25, 2),
            ("34%", 3, 1),
            ("67%", 3, 2),
            ("99%", 10, 9),
            ("100%", 3, 3),
            ("150%", 2, 3),
            ("1%", 0, 1),
            ("0%", 10, 0),
            (" 25% ", 8, 2),
        ];
        for (value, size, expected) in cases {
            assert_eq!(
                max_update_limit(Some(&percent(value)), size),
                expected,
                "{value} of {size}"
            );
        }
    }

    #[test]
    fn invalid_values_allow_one_app_at_a_time() {
        assert_eq!(max_update_limit(Some(&IntOrString::Int(-2)), 5), 1);
        assert_eq!(max_update_limit(Some(&percent("-10%")), 5), 1);
        assert_eq!(max_update_limit(Some(&percent("ten%")), 5), 1);
        assert_eq!(max_update_limit(Some(&percent("12.5%")), 5), 1);
        assert_eq!(max_update_limit(Some(&percent("lots")), 5), 1);
    }
}
