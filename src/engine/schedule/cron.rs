//! The five-field cron expression (minute, hour, day of month, month, day of
//! week) with `*`, `?`, lists, ranges, steps (`*/15`, `10-50/20`, `5/10`),
//! month and weekday names (`jan`, `mon-fri`), 7 as Sunday, and the
//! descriptors `@yearly` / `@annually`, `@monthly`, `@weekly`, `@daily` /
//! `@midnight`, `@hourly`. As in cron, when both day fields are restricted a
//! day matches either of them. `@every` and seconds fields are not accepted
//! (neither Kubernetes nor Argo CD's sync windows take them).
//!
//! Times here are civil minutes: minutes since 1970-01-01T00:00 on a wall
//! clock with no zone (for UTC, minutes since the Unix epoch). Searches hop a
//! field at a time (a whole month, day or hour when that field cannot match),
//! so even yearly schedules are found in a few dozen steps.

use thiserror::Error;

use super::civil::{DAY, civil_from_days, days_from_civil, weekday};
use super::field::{
    Bits, DAY_OF_MONTH, DAY_OF_WEEK, Field, FieldSpec, HOUR, MINUTE, MONTH, parse_field,
};

/// A schedule that is not a valid cron expression.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CronError {
    #[error("schedule {schedule:?}: expected 5 fields, found {found}")]
    FieldCount { schedule: String, found: usize },
    #[error("schedule {schedule:?}: unknown descriptor")]
    UnknownDescriptor { schedule: String },
    #[error("schedule {schedule:?}: invalid {field} field {value:?}")]
    Field {
        schedule: String,
        field: &'static str,
        value: String,
    },
}

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    minutes: Bits,
    hours: Bits,
    days_of_month: Bits,
    months: Bits,
    days_of_week: Bits,
    /// Day of month or day of week is "any" (then both must match, else either).
    any_day_field_star: bool,
}

/// How many hops a search makes before deciding the schedule never matches
/// (`0 0 31 2 *`): far more than any real schedule's gap needs (a month hop
/// per step is four thousand years).
const SEARCH_STEPS: usize = 50_000;

impl CronSchedule {
    pub fn parse(schedule: &str) -> Result<Self, CronError> {
        let trimmed = schedule.trim();
        let expanded = if trimmed.starts_with('@') {
            match trimmed.to_ascii_lowercase().as_str() {
                "@yearly" | "@annually" => "0 0 1 1 *",
                "@monthly" => "0 0 1 * *",
                "@weekly" => "0 0 * * 0",
                "@daily" | "@midnight" => "0 0 * * *",
                "@hourly" => "0 * * * *",
                _ => {
                    return Err(CronError::UnknownDescriptor {
                        schedule: schedule.to_string(),
                    });
                }
            }
        } else {
            trimmed
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        if fields.len() != 5 {
            return Err(CronError::FieldCount {
                schedule: schedule.to_string(),
                found: fields.len(),
            });
        }
        let field = |text: &str, spec: &FieldSpec| -> Result<Field, CronError> {
            parse_field(text, spec).ok_or_else(|| CronError::Field {
                schedule: schedule.to_string(),
                field: spec.name,
                value: text.to_string(),
            })
        };
        let days_of_month = field(fields[2], &DAY_OF_MONTH)?;
        let mut days_of_week = field(fields[4], &DAY_OF_WEEK)?;
        if days_of_week.bits.has(7) {
            days_of_week.bits.0 |= 1;
        }
        Ok(CronSchedule {
            minutes: field(fields[0], &MINUTE)?.bits,
            hours: field(fields[1], &HOUR)?.bits,
            days_of_month: days_of_month.bits,
            months: field(fields[3], &MONTH)?.bits,
            days_of_week: days_of_week.bits,
            any_day_field_star: days_of_month.star || days_of_week.star,
        })
    }

    fn day_matches(&self, day: u32, weekday: u32) -> bool {
        let dom = self.days_of_month.has(day);
        let dow = self.days_of_week.has(weekday);
        if self.any_day_field_star {
            dom && dow
        } else {
            dom || dow
        }
    }

    fn has_minute_of_day(&self, minute_of_day: i64) -> bool {
        let hour = u32::try_from(minute_of_day / 60).unwrap_or(u32::MAX);
        let minute = u32::try_from(minute_of_day % 60).unwrap_or(u32::MAX);
        self.hours.has(hour) && self.minutes.has(minute)
    }

    /// Whether the civil minute `minute` is scheduled.
    pub fn matches(&self, minute: i64) -> bool {
        let (days, minute_of_day) = (minute.div_euclid(DAY), minute.rem_euclid(DAY));
        let (_, month, day) = civil_from_days(days);
        self.months.has(month)
            && self.day_matches(day, weekday(days))
            && self.has_minute_of_day(minute_of_day)
    }

    /// The first scheduled civil minute strictly after `minute`.
    pub fn next_after(&self, minute: i64) -> Option<i64> {
        self.first_at_or_after(minute.checked_add(1)?)
    }

    /// The first scheduled civil minute at or after `minute`.
    pub fn first_at_or_after(&self, minute: i64) -> Option<i64> {
        let mut t = minute;
        for _ in 0..SEARCH_STEPS {
            let (days, minute_of_day) = (t.div_euclid(DAY), t.rem_euclid(DAY));
            let (year, month, day) = civil_from_days(days);
            if !self.months.has(month) {
                // The first minute of the next month.
                let (year, month) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                t = days_from_civil(year, month, 1) * DAY;
                continue;
            }
            if !self.day_matches(day, weekday(days)) {
                t = (days + 1) * DAY;
                continue;
            }
            let hour = minute_of_day / 60;
            if !self.hours.has(u32::try_from(hour).unwrap_or(u32::MAX)) {
                t = days * DAY + (hour + 1) * 60;
                continue;
            }
            if !self.has_minute_of_day(minute_of_day) {
                t += 1;
                continue;
            }
            return Some(t);
        }
        None
    }

    /// The latest scheduled civil minute at or before `minute`.
    pub fn prev_at_or_before(&self, minute: i64) -> Option<i64> {
        self.search_back(minute, i64::MIN)
    }

    /// The latest scheduled civil minute in `(after, upto]`.
    pub fn latest_in(&self, after: i64, upto: i64) -> Option<i64> {
        self.search_back(upto, after)
    }

    /// Backwards search from `upto`, giving up at or below `floor`.
    fn search_back(&self, upto: i64, floor: i64) -> Option<i64> {
        let mut t = upto;
        for _ in 0..SEARCH_STEPS {
            if t <= floor {
                return None;
            }
            let (days, minute_of_day) = (t.div_euclid(DAY), t.rem_euclid(DAY));
            let (year, month, day) = civil_from_days(days);
            if !self.months.has(month) {
                // The last minute of the previous month.
                t = days_from_civil(year, month, 1) * DAY - 1;
                continue;
            }
            if !self.day_matches(day, weekday(days)) {
                t = days * DAY - 1;
                continue;
            }
            let hour = minute_of_day / 60;
            if !self.hours.has(u32::try_from(hour).unwrap_or(u32::MAX)) {
                t = days * DAY + hour * 60 - 1;
                continue;
            }
            if !self.has_minute_of_day(minute_of_day) {
                t -= 1;
                continue;
            }
            return Some(t);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::civil::minute_of as at;
    use super::*;

    #[test]
    fn fields_lists_ranges_steps_and_names() {
        let s = CronSchedule::parse("*/15 9-17 * jan,JUL mon-fri").expect("parse");
        assert!(s.matches(at(2024, 1, 3, 9, 45)));
        assert!(!s.matches(at(2024, 1, 3, 9, 50)));
        assert!(!s.matches(at(2024, 1, 6, 9, 45)), "a Saturday");
        assert!(!s.matches(at(2024, 2, 5, 9, 45)), "February");
        let offset = CronSchedule::parse("5/20 0 1 * *").expect("parse");
        assert!(offset.matches(at(2024, 5, 1, 0, 45)));
        assert!(!offset.matches(at(2024, 5, 1, 0, 50)));
        let sunday = CronSchedule::parse("0 0 * * 7").expect("parse");
        assert!(sunday.matches(at(2024, 3, 3, 0, 0)));
    }

    #[test]
    fn both_day_fields_restricted_match_either() {
        // The 13th, or any Friday.
        let s = CronSchedule::parse("0 12 13 * 5").expect("parse");
        assert!(s.matches(at(2024, 9, 13, 12, 0)));
        assert!(s.matches(at(2024, 9, 20, 12, 0)));
        assert!(s.matches(at(2024, 10, 13, 12, 0)));
        assert!(!s.matches(at(2024, 10, 14, 12, 0)));
        // A stepped star is a restriction: every other day of the month, or Monday.
        let stepped = CronSchedule::parse("0 0 */2 * mon").expect("parse");
        assert!(stepped.matches(at(2024, 9, 2, 0, 0)), "a Monday, even day");
        assert!(stepped.matches(at(2024, 9, 3, 0, 0)), "odd day of month");
        assert!(!stepped.matches(at(2024, 9, 4, 0, 0)));
    }

    #[test]
    fn descriptors_and_errors() {
        assert_eq!(
            CronSchedule::parse("@daily"),
            CronSchedule::parse("0 0 * * *")
        );
        assert_eq!(
            CronSchedule::parse("@hourly"),
            CronSchedule::parse("0 * * * *")
        );
        assert!(matches!(
            CronSchedule::parse("@every 5m"),
            Err(CronError::UnknownDescriptor { .. })
        ));
        assert!(matches!(
            CronSchedule::parse("* * * *"),
            Err(CronError::FieldCount { found: 4, .. })
        ));
        for bad in [
            "60 * * * *",
            "* * 0 * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "* * * foo *",
        ] {
            assert!(
                matches!(CronSchedule::parse(bad), Err(CronError::Field { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn latest_in_finds_the_most_recent_scheduled_minute() {
        let every = CronSchedule::parse("*/1 * * * *").expect("parse");
        assert_eq!(every.latest_in(10, 15), Some(15));
        assert_eq!(every.latest_in(15, 15), None);
        let daily = CronSchedule::parse("@daily").expect("parse");
        let now = at(2024, 3, 1, 10, 30);
        assert_eq!(
            daily.latest_in(0, now),
            Some(at(2024, 3, 1, 0, 0)),
            "today's midnight"
        );
        assert_eq!(daily.latest_in(at(2024, 3, 1, 0, 0), now), None);
        let leap = CronSchedule::parse("30 6 29 2 *").expect("parse");
        assert_eq!(
            leap.latest_in(0, at(2027, 1, 1, 0, 0)),
            Some(at(2024, 2, 29, 6, 30))
        );
        let never = CronSchedule::parse("0 0 31 2 *").expect("parse");
        assert_eq!(never.latest_in(0, at(2027, 1, 1, 0, 0)), None);
        assert_eq!(never.prev_at_or_before(at(2027, 1, 1, 0, 0)), None);
        let weekdays = CronSchedule::parse("0 9 * * mon-fri").expect("parse");
        // Sunday 2024-03-03 10:00 → Friday 09:00.
        assert_eq!(
            weekdays.prev_at_or_before(at(2024, 3, 3, 10, 0)),
            Some(at(2024, 3, 1, 9, 0))
        );
        assert_eq!(
            weekdays.prev_at_or_before(at(2024, 3, 1, 9, 0)),
            Some(at(2024, 3, 1, 9, 0)),
            "at or before includes the minute itself"
        );
    }

    #[test]
    fn next_after_finds_the_following_scheduled_minute() {
        let weekdays = CronSchedule::parse("0 9 * * mon-fri").expect("parse");
        // Friday 2024-03-01 09:00 → Monday 09:00 (strictly after).
        assert_eq!(
            weekdays.next_after(at(2024, 3, 1, 9, 0)),
            Some(at(2024, 3, 4, 9, 0))
        );
        assert_eq!(
            weekdays.first_at_or_after(at(2024, 3, 1, 9, 0)),
            Some(at(2024, 3, 1, 9, 0))
        );
        let leap = CronSchedule::parse("30 6 29 2 *").expect("parse");
        assert_eq!(
            leap.next_after(at(2024, 3, 1, 0, 0)),
            Some(at(2028, 2, 29, 6, 30))
        );
        let new_year = CronSchedule::parse("@yearly").expect("parse");
        assert_eq!(
            new_year.next_after(at(2024, 12, 31, 23, 59)),
            Some(at(2025, 1, 1, 0, 0))
        );
        let quarter = CronSchedule::parse("*/15 * * * *").expect("parse");
        assert_eq!(
            quarter.next_after(at(2024, 1, 1, 23, 50)),
            Some(at(2024, 1, 2, 0, 0))
        );
        let never = CronSchedule::parse("0 0 30 2 *").expect("parse");
        assert_eq!(never.next_after(0), None);
        // Every result of a forward search matches, and nothing in between does.
        let odd = CronSchedule::parse("7,53 */5 1-7 * tue").expect("parse");
        let mut t = at(2024, 1, 1, 0, 0);
        for _ in 0..20 {
            let next = odd.next_after(t).expect("scheduled");
            assert!(odd.matches(next));
            assert_eq!(odd.prev_at_or_before(next - 1).filter(|p| *p > t), None);
            t = next;
        }
    }
}
