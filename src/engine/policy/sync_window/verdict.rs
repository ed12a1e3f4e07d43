//! The answer for one application at one instant, and Argo CD's precedence
//! that produces it:
//!
//! 1. No window applies: every sync is allowed.
//! 2. An applicable deny window is open: automated syncs are blocked; manual
//!    syncs pass only when every open deny window has `manualSync: true`.
//! 3. Otherwise an applicable allow window is open: every sync is allowed.
//! 4. Otherwise allow windows apply but none is open: automated syncs are
//!    blocked; manual syncs pass when any of those allow windows has
//!    `manualSync: true`.
//! 5. Otherwise (only closed deny windows apply): every sync is allowed.

use k8s_openapi::jiff::tz::TimeZone;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::engine::model::SyncWindowKind;

use super::window::{Window, WindowState};

/// An applicable window that is open now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ActiveWindow {
    /// Position in the project's `spec.syncWindows`.
    pub index: usize,
    pub kind: SyncWindowKind,
    pub schedule: String,
    pub duration: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub time_zone: String,
    pub manual_sync: bool,
    /// When it closes, following back-to-back occurrences; `None` when it stays
    /// open through 64 back-to-back runs or past a year from now (perhaps
    /// forever: `0 * * * *` for 90m never closes).
    pub ends_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowVerdict {
    pub automated_allowed: bool,
    pub manual_allowed: bool,
    /// Applicable windows open now, in project order.
    pub active: Vec<ActiveWindow>,
    /// Why automated syncs are blocked (set exactly when they are).
    pub blocking_reason: Option<String>,
    /// When the verdict may next change: the next opening or closing of an
    /// applicable window. `None` when none is ahead.
    pub next_change: Option<Timestamp>,
}

impl WindowVerdict {
    /// No window applies.
    pub fn unrestricted() -> Self {
        WindowVerdict {
            automated_allowed: true,
            manual_allowed: true,
            active: Vec::new(),
            blocking_reason: None,
            next_change: None,
        }
    }

    /// Whether a sync of this kind (`manual` or automated) may start now.
    pub fn allows(&self, manual: bool) -> bool {
        if manual {
            self.manual_allowed
        } else {
            self.automated_allowed
        }
    }
}

/// The verdict over the windows that apply to an application, with their
/// state at `now`.
pub(super) fn decide(now: Timestamp, applicable: &[(&Window, WindowState)]) -> WindowVerdict {
    let next_change = applicable
        .iter()
        .filter_map(|(_, state)| match state {
            WindowState::Open { ends_at } => *ends_at,
            WindowState::Closed { next_start } => *next_start,
        })
        .min();
    let active: Vec<ActiveWindow> = applicable
        .iter()
        .filter_map(|(window, state)| match state {
            WindowState::Open { ends_at } => Some(active_window(window, *ends_at)),
            WindowState::Closed { .. } => None,
        })
        .collect();
    let open_denies: Vec<&ActiveWindow> = active
        .iter()
        .filter(|w| w.kind == SyncWindowKind::Deny)
        .collect();
    let (automated_allowed, manual_allowed, blocking_reason) = if !open_denies.is_empty() {
        let manual = open_denies.iter().all(|w| w.manual_sync);
        (false, manual, Some(deny_reason(now, &open_denies)))
    } else if active.iter().any(|w| w.kind == SyncWindowKind::Allow) {
        (true, true, None)
    } else {
        let allows: Vec<(&Window, Option<Timestamp>)> = applicable
            .iter()
            .filter(|(window, _)| window.kind() == SyncWindowKind::Allow)
            .map(|(window, state)| match state {
                WindowState::Closed { next_start } => (*window, *next_start),
                WindowState::Open { .. } => (*window, None),
            })
            .collect();
        if allows.is_empty() {
            (true, true, None)
        } else {
            let manual = allows.iter().any(|(w, _)| w.manual_sync);
            (false, manual, Some(allow_reason(now, &allows)))
        }
    };
    WindowVerdict {
        automated_allowed,
        manual_allowed,
        active,
        blocking_reason,
        next_change,
    }
}

fn active_window(window: &Window, ends_at: Option<Timestamp>) -> ActiveWindow {
    ActiveWindow {
        index: window.name.index,
        kind: window.kind(),
        schedule: window.name.schedule.clone(),
        duration: window.duration_text.clone(),
        time_zone: window.time_zone.clone(),
        manual_sync: window.manual_sync,
        ends_at,
    }
}

/// Names the open deny window that holds the block longest.
fn deny_reason(now: Timestamp, denies: &[&ActiveWindow]) -> String {
    // `None` (no known end) outlasts any end.
    let Some(last) = denies
        .iter()
        .max_by_key(|w| w.ends_at.map_or((1, Timestamp::MIN), |end| (0, end)))
    else {
        return "blocked by a deny window".to_string();
    };
    let until = match last.ends_at {
        Some(end) => format!("until {}", when(now, end)),
        None => "with no end in sight".to_string(),
    };
    let others = match denies.len() {
        1 => String::new(),
        2 => " (and 1 more deny window)".to_string(),
        n => format!(" (and {} more deny windows)", n - 1),
    };
    format!(
        "blocked by deny window '{}' ({}) {until}{others}",
        last.schedule, last.duration
    )
}

/// Names the allow window that opens first.
fn allow_reason(now: Timestamp, allows: &[(&Window, Option<Timestamp>)]) -> String {
    let next = allows
        .iter()
        .filter_map(|(window, start)| start.map(|start| (start, *window)))
        .min_by_key(|(start, _)| *start);
    match next {
        Some((start, window)) => format!(
            "outside allow windows: '{}' ({}) opens at {}",
            window.name.schedule,
            window.duration_text,
            when(now, start)
        ),
        None => "outside allow windows: none is scheduled to open".to_string(),
    }
}

/// `06:00 UTC` within a day of `now`, else `2024-03-09 06:00 UTC` (seconds
/// shown only when not zero).
fn when(now: Timestamp, t: Timestamp) -> String {
    let dt = TimeZone::UTC.to_datetime(t);
    let mut time = format!("{:02}:{:02}", dt.hour(), dt.minute());
    if dt.second() != 0 {
        time.push_str(&format!(":{:02}", dt.second()));
    }
    if t.duration_since(now) < SignedDuration::from_hours(24) {
        format!("{time} UTC")
    } else {
        format!("{} {time} UTC", dt.date())
    }
}
