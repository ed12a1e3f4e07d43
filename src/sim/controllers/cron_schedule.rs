//! Cron schedules as a CronJob's `spec.schedule` writes them: five fields (minute,
//! hour, day of month, month, day of week) with `*`, `?`, lists, ranges, steps
//! (`*/15`, `10-50/20`, `5/10`), month and weekday names (`jan`, `mon-fri`), 7 as
//! Sunday, and the descriptors `@yearly` / `@annually`, `@monthly`, `@weekly`,
//! `@daily` / `@midnight`, `@hourly`. As in cron, when both day fields are
//! restricted a day matches either of them. Times are whole minutes in UTC (the
//! simulator does not read time zones); `@every` and seconds fields are not accepted.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub(crate) enum CronError {
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

/// One field's allowed values as a bit set (bit n set: value n allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Bits(u64);

impl Bits {
    fn has(self, value: u32) -> bool {
        value < 64 && self.0 & (1 << value) != 0
    }
}

struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: FieldSpec = FieldSpec {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: FieldSpec = FieldSpec {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: FieldSpec = FieldSpec {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
};
/// Names start at the field's minimum (`jan` = 1).
const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ],
};
/// 0 and 7 are both Sunday (`sun` = 0).
const DAY_OF_WEEK: FieldSpec = FieldSpec {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
};

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CronSchedule {
    minutes: Bits,
    hours: Bits,
    days_of_month: Bits,
    months: Bits,
    days_of_week: Bits,
    /// Day of month or day of week is `*` (then both must match, else either).
    any_day_field_star: bool,
}

/// How far back [`CronSchedule::latest_in`] looks before giving up on a schedule that
/// never matches (`0 0 31 2 *`): enough steps for any real schedule's gap.
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
        let field = |text: &str, spec: &FieldSpec| {
            parse_field(text, spec).ok_or_else(|| CronError::Field {
                schedule: schedule.to_string(),
                field: spec.name,
                value: text.to_string(),
            })
        };
        let mut days_of_week = field(fields[4], &DAY_OF_WEEK)?;
        if days_of_week.has(7) {
            days_of_week.0 |= 1;
        }
        Ok(CronSchedule {
            minutes: field(fields[0], &MINUTE)?,
            hours: field(fields[1], &HOUR)?,
            days_of_month: field(fields[2], &DAY_OF_MONTH)?,
            months: field(fields[3], &MONTH)?,
            days_of_week,
            any_day_field_star: is_star(fields[2]) || is_star(fields[4]),
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

    /// Whether the minute `minute` (minutes since the Unix epoch, UTC) is scheduled.
    #[cfg(test)]
    pub fn matches(&self, minute: i64) -> bool {
        let (days, minute_of_day) = (minute.div_euclid(1440), minute.rem_euclid(1440));
        let (_, month, day) = civil_from_days(days);
        self.months.has(month)
            && self.day_matches(day, weekday(days))
            && self
                .hours
                .has(u32::try_from(minute_of_day / 60).unwrap_or(0))
            && self
                .minutes
                .has(u32::try_from(minute_of_day % 60).unwrap_or(0))
    }

    /// The latest scheduled minute in `(after, upto]` (minutes since the Unix epoch,
    /// UTC), searching backwards a field at a time.
    pub fn latest_in(&self, after: i64, upto: i64) -> Option<i64> {
        let mut t = upto;
        for _ in 0..SEARCH_STEPS {
            if t <= after {
                return None;
            }
            let (days, minute_of_day) = (t.div_euclid(1440), t.rem_euclid(1440));
            let (year, month, day) = civil_from_days(days);
            if !self.months.has(month) {
                // The last minute of the previous month.
                t = days_from_civil(year, month, 1) * 1440 - 1;
                continue;
            }
            if !self.day_matches(day, weekday(days)) {
                t = days * 1440 - 1;
                continue;
            }
            let hour = minute_of_day / 60;
            if !self.hours.has(u32::try_from(hour).unwrap_or(0)) {
                t = days * 1440 + hour * 60 - 1;
                continue;
            }
            if !self
                .minutes
                .has(u32::try_from(minute_of_day % 60).unwrap_or(0))
            {
                t -= 1;
                continue;
            }
            return Some(t);
        }
        None
    }
}

fn is_star(field: &str) -> bool {
    field == "*" || field == "?"
}

fn parse_value(text: &str, spec: &FieldSpec) -> Option<u32> {
    if let Ok(n) = text.parse::<u32>() {
        return (spec.min..=spec.max).contains(&n).then_some(n);
    }
    let lower = text.to_ascii_lowercase();
    let index = spec.names.iter().position(|name| *name == lower)?;
    u32::try_from(index).ok().map(|i| i + spec.min)
}

/// One comma-separated field into its bit set; `None` when malformed.
fn parse_field(text: &str, spec: &FieldSpec) -> Option<Bits> {
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((range, step)) => (range, Some(step.parse::<u32>().ok().filter(|s| *s > 0)?)),
            None => (part, None),
        };
        let (start, end) = if is_star(range) {
            (spec.min, spec.max)
        } else if let Some((low, high)) = range.split_once('-') {
            (parse_value(low, spec)?, parse_value(high, spec)?)
        } else {
            let start = parse_value(range, spec)?;
            // `5/10` means from 5 to the end in steps of 10.
            (start, if step.is_some() { spec.max } else { start })
        };
        if start > end {
            return None;
        }
        let step = step.unwrap_or(1);
        let mut value = start;
        while value <= end {
            bits |= 1 << value;
            value += step;
        }
    }
    (bits != 0).then_some(Bits(bits))
}

/// Day of the week of a day count since 1970-01-01 (a Thursday), Sunday = 0.
fn weekday(days: i64) -> u32 {
    u32::try_from((days + 4).rem_euclid(7)).unwrap_or(0)
}

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Day count since 1970-01-01 of a civil date (inverse of [`civil_from_days`]).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month = i64::from(month);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minutes since the epoch of a UTC civil time.
    fn at(year: i64, month: u32, day: u32, hour: i64, minute: i64) -> i64 {
        days_from_civil(year, month, day) * 1440 + hour * 60 + minute
    }

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in [-800_000, -1, 0, 59, 11_016, 19_782, 40_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        // 2024-02-29 was a Thursday.
        assert_eq!(weekday(days_from_civil(2024, 2, 29)), 4);
    }

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
        let weekdays = CronSchedule::parse("0 9 * * mon-fri").expect("parse");
        // Sunday 2024-03-03 10:00 → Friday 09:00.
        assert_eq!(
            weekdays.latest_in(0, at(2024, 3, 3, 10, 0)),
            Some(at(2024, 3, 1, 9, 0))
        );
    }
}
