//! A cron schedule read on the wall clock of a time zone, answering in
//! instants. `0 22 * * *` in `Europe/Paris` fires at 22:00 Paris time, whatever
//! the offset that day.
//!
//! Daylight-saving transitions follow the "compatible" rule: a scheduled
//! minute that a spring-forward gap skips fires at the same offset after the
//! gap (02:30 becomes 03:30), and one that a fall-back overlap repeats fires
//! once, at its first occurrence.

use k8s_openapi::jiff::civil::{DateTime, date};
use k8s_openapi::jiff::tz::TimeZone;
use k8s_openapi::jiff::{SignedDuration, Timestamp};

use super::civil::{DAY, civil_from_days, days_from_civil};
use super::cron::CronSchedule;

/// How many scheduled minutes a search may skip because they map to instants
/// on the wrong side of the query (a fall-back overlap repeats at most a few
/// hours of minutes).
const DST_RETRIES: usize = 1_500;

#[derive(Debug, Clone)]
pub struct ZonedSchedule {
    cron: CronSchedule,
    zone: TimeZone,
}

impl ZonedSchedule {
    pub fn new(cron: CronSchedule, zone: TimeZone) -> Self {
        ZonedSchedule { cron, zone }
    }

    /// A schedule read in UTC (what Kubernetes CronJobs without `timeZone` do).
    pub fn utc(cron: CronSchedule) -> Self {
        ZonedSchedule::new(cron, TimeZone::UTC)
    }

    pub fn cron(&self) -> &CronSchedule {
        &self.cron
    }

    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Whether the wall-clock minute containing `t` is scheduled.
    pub fn matches(&self, t: Timestamp) -> bool {
        self.cron.matches(self.civil_minute(t))
    }

    /// The first scheduled instant strictly after `t`.
    pub fn next_after(&self, t: Timestamp) -> Option<Timestamp> {
        let mut from = self.civil_minute(t);
        for _ in 0..DST_RETRIES {
            let minute = self.cron.first_at_or_after(from)?;
            let instant = self.instant(minute)?;
            if instant > t {
                return Some(instant);
            }
            from = minute.checked_add(1)?;
        }
        None
    }

    /// The latest scheduled instant at or before `t`.
    pub fn prev_at_or_before(&self, t: Timestamp) -> Option<Timestamp> {
        let mut from = self.civil_minute(t);
        for _ in 0..DST_RETRIES {
            let minute = self.cron.prev_at_or_before(from)?;
            let instant = self.instant(minute)?;
            if instant <= t {
                return Some(instant);
            }
            from = minute.checked_sub(1)?;
        }
        None
    }

    /// The wall-clock minute (in this zone) containing `t`.
    fn civil_minute(&self, t: Timestamp) -> i64 {
        let dt = self.zone.to_datetime(t);
        let days = days_from_civil(
            i64::from(dt.year()),
            u32::try_from(dt.month()).unwrap_or(1),
            u32::try_from(dt.day()).unwrap_or(1),
        );
        days * DAY + i64::from(dt.hour()) * 60 + i64::from(dt.minute())
    }

    /// The instant of a wall-clock minute; `None` outside the supported range.
    fn instant(&self, minute: i64) -> Option<Timestamp> {
        let (days, minute_of_day) = (minute.div_euclid(DAY), minute.rem_euclid(DAY));
        let (year, month, day) = civil_from_days(days);
        let midnight: DateTime = date(
            i16::try_from(year).ok()?,
            i8::try_from(month).ok()?,
            i8::try_from(day).ok()?,
        )
        .at(0, 0, 0, 0);
        let dt = midnight
            .checked_add(SignedDuration::from_mins(minute_of_day))
            .ok()?;
        self.zone.to_ambiguous_timestamp(dt).compatible().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::jiff::tz::{self, Offset};

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("timestamp")
    }

    fn cron(text: &str) -> CronSchedule {
        CronSchedule::parse(text).expect("cron")
    }

    #[test]
    fn utc_searches_both_ways() {
        let s = ZonedSchedule::utc(cron("0 22 * * *"));
        let now = ts("2024-03-01T10:30:15Z");
        assert_eq!(s.next_after(now), Some(ts("2024-03-01T22:00:00Z")));
        assert_eq!(s.prev_at_or_before(now), Some(ts("2024-02-29T22:00:00Z")));
        let exact = ts("2024-03-01T22:00:00Z");
        assert_eq!(s.prev_at_or_before(exact), Some(exact));
        assert_eq!(s.next_after(exact), Some(ts("2024-03-02T22:00:00Z")));
        assert!(s.matches(ts("2024-03-01T22:00:59Z")));
        assert!(!s.matches(ts("2024-03-01T22:01:00Z")));
    }

    #[test]
    fn fixed_offsets_shift_the_wall_clock() {
        let plus_two = tz::offset(2).to_time_zone();
        let s = ZonedSchedule::new(cron("0 22 * * *"), plus_two);
        assert_eq!(
            s.next_after(ts("2024-03-01T10:00:00Z")),
            Some(ts("2024-03-01T20:00:00Z"))
        );
        let minus = TimeZone::fixed(Offset::from_seconds(-(5 * 3600 + 1800)).expect("offset"));
        let s = ZonedSchedule::new(cron("0 0 * * *"), minus);
        assert_eq!(
            s.prev_at_or_before(ts("2024-03-01T10:00:00Z")),
            Some(ts("2024-03-01T05:30:00Z"))
        );
    }

    #[test]
    fn daylight_saving_gaps_and_overlaps_fire_once() {
        // Central European rules: 02:00 → 03:00 on 2024-03-31, 03:00 → 02:00 on
        // 2024-10-27.
        let cet = TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").expect("posix");
        let s = ZonedSchedule::new(cron("30 2 * * *"), cet.clone());
        assert_eq!(
            s.next_after(ts("2024-03-30T02:00:00Z")),
            Some(ts("2024-03-31T01:30:00Z")),
            "02:30 does not exist that night: it fires at 03:30 CEST"
        );
        assert_eq!(
            s.next_after(ts("2024-03-31T01:30:00Z")),
            Some(ts("2024-04-01T00:30:00Z"))
        );
        assert_eq!(
            s.next_after(ts("2024-10-27T00:00:00Z")),
            Some(ts("2024-10-27T00:30:00Z")),
            "the first of the two 02:30s"
        );
        assert_eq!(
            s.next_after(ts("2024-10-27T00:30:00Z")),
            Some(ts("2024-10-28T01:30:00Z")),
            "not again at the second 02:30"
        );
        assert_eq!(
            s.prev_at_or_before(ts("2024-10-27T01:45:00Z")),
            Some(ts("2024-10-27T00:30:00Z"))
        );
        let evening = ZonedSchedule::new(cron("0 22 * * *"), cet);
        assert_eq!(
            evening.next_after(ts("2024-07-01T00:00:00Z")),
            Some(ts("2024-07-01T20:00:00Z"))
        );
        assert_eq!(
            evening.next_after(ts("2024-12-01T00:00:00Z")),
            Some(ts("2024-12-01T21:00:00Z"))
        );
    }
}
