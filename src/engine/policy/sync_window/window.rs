//! One sync window made ready to evaluate: its globs compiled, its schedule
//! parsed in its time zone, its duration parsed. A window is open at `t` when
//! `t` is in `[start, start + duration)` for a start its schedule names.
//!
//! (Argo CD's own check is `start < t < start + duration` at whole-second
//! precision; the two differ only at the opening instant itself.)

use k8s_openapi::jiff::{SignedDuration, Timestamp};

use crate::engine::model::duration::{DurationError, parse_go_duration};
use crate::engine::model::{SyncWindow, SyncWindowKind};
use crate::engine::schedule::{CronSchedule, TimeZones, ZonedSchedule};

use super::error::{WindowError, WindowName};
use super::target::{Selector, WindowTarget};

/// How many back-to-back (or overlapping) occurrences are followed to find
/// where an open window finally closes. Each hop is a schedule search, and an
/// always-open window (`0 * * * *` for 90m) would hop forever, so the chase is
/// short: past it the end is reported as unknown.
const CHAIN_HOPS: usize = 64;

/// An open period further away than this is reported as having no known end.
const HORIZON: SignedDuration = SignedDuration::from_hours(366 * 24);

#[derive(Debug, Clone)]
pub(super) struct Window {
    pub(super) name: WindowName,
    pub(super) duration_text: String,
    pub(super) time_zone: String,
    pub(super) manual_sync: bool,
    /// `Err` when a glob does not compile: applicability is then unknown.
    selector: Result<Selector, WindowError>,
    /// `Err` for a bad schedule, duration or zone: reported only to the
    /// applications the window applies to (as Argo CD does).
    timing: Result<Timing, WindowError>,
}

#[derive(Debug, Clone)]
struct Timing {
    schedule: ZonedSchedule,
    duration: SignedDuration,
}

/// Where a window stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WindowState {
    /// Open; closes at `ends_at` (`None`: it stays open through 64
    /// back-to-back runs or past a year from now, perhaps forever).
    Open { ends_at: Option<Timestamp> },
    /// Closed; opens next at `next_start` (`None`: never).
    Closed { next_start: Option<Timestamp> },
}

impl Window {
    pub(super) fn compile(index: usize, window: &SyncWindow, zones: &TimeZones) -> Self {
        let name = WindowName {
            index,
            kind: window.kind,
            schedule: window.schedule.clone(),
        };
        Window {
            selector: Selector::compile(window, &name),
            timing: Timing::compile(window, &name, zones),
            duration_text: window.duration.clone(),
            time_zone: window.time_zone.clone(),
            manual_sync: window.manual_sync,
            name,
        }
    }

    pub(super) fn kind(&self) -> SyncWindowKind {
        self.name.kind
    }

    /// Whether the window applies to `target`; an error when that cannot be
    /// told (bad glob) or when it applies but cannot be evaluated.
    pub(super) fn applies_to(&self, target: &WindowTarget<'_>) -> Result<bool, WindowError> {
        let selector = self.selector.as_ref().map_err(Clone::clone)?;
        if !selector.applies_to(target) {
            return Ok(false);
        }
        self.timing.as_ref().map_err(Clone::clone)?;
        Ok(true)
    }

    /// The first error of this window, whoever it applies to (for validation).
    pub(super) fn error(&self) -> Option<&WindowError> {
        self.selector.as_ref().err().or(self.timing.as_ref().err())
    }

    /// Where the window stands at `now` (a window whose timing did not parse
    /// is never open).
    pub(super) fn state_at(&self, now: Timestamp) -> WindowState {
        match &self.timing {
            Ok(timing) => timing.state_at(now),
            Err(_) => WindowState::Closed { next_start: None },
        }
    }
}

impl Timing {
    fn compile(
        window: &SyncWindow,
        name: &WindowName,
        zones: &TimeZones,
    ) -> Result<Self, WindowError> {
        let cron =
            CronSchedule::parse(&window.schedule).map_err(|source| WindowError::Schedule {
                window: name.clone(),
                source,
            })?;
        let duration_error = |source| WindowError::Duration {
            window: name.clone(),
            source,
        };
        let duration = parse_go_duration(&window.duration).map_err(duration_error)?;
        let duration = SignedDuration::try_from(duration).map_err(|_| {
            duration_error(DurationError {
                text: window.duration.clone(),
                reason: "out of range",
            })
        })?;
        let zone = zones
            .resolve(&window.time_zone)
            .map_err(|source| WindowError::TimeZone {
                window: name.clone(),
                source,
            })?;
        Ok(Timing {
            schedule: ZonedSchedule::new(cron, zone),
            duration,
        })
    }

    fn end_of(&self, start: Timestamp) -> Timestamp {
        start.checked_add(self.duration).unwrap_or(Timestamp::MAX)
    }

    fn state_at(&self, now: Timestamp) -> WindowState {
        let open = self
            .schedule
            .prev_at_or_before(now)
            .map(|start| self.end_of(start))
            .filter(|end| *end > now);
        match open {
            Some(end) => WindowState::Open {
                ends_at: self.close_after(now, end),
            },
            None => WindowState::Closed {
                next_start: self.schedule.next_after(now),
            },
        }
    }

    /// Where an open period that `end` would close actually closes: a start
    /// at or before `end` keeps it open (back-to-back or overlapping runs).
    fn close_after(&self, now: Timestamp, mut end: Timestamp) -> Option<Timestamp> {
        for _ in 0..CHAIN_HOPS {
            if end.duration_since(now) > HORIZON {
                return None;
            }
            match self.schedule.prev_at_or_before(end) {
                Some(start) if self.end_of(start) > end => end = self.end_of(start),
                _ => return Some(end),
            }
        }
        None
    }
}
