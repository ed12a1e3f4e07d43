//! Argo CD sync windows: when an AppProject's `spec.syncWindows` let an
//! application sync, automatically or by hand.
//!
//! [`SyncWindows::compile`] prepares a project's windows once (globs, cron
//! schedules in their time zones, durations); [`SyncWindows::evaluate`] then
//! answers for one application at one instant with a [`WindowVerdict`],
//! including why a sync is blocked and when the answer may change, so the
//! engine can wake up then instead of polling. [`evaluate`] does both in one
//! call.
//!
//! As in Argo CD, a window that cannot be evaluated (bad schedule, duration or
//! time zone) is an error only for the applications it applies to; a bad glob
//! is an error for every application (whether the window applies is unknown).

mod error;
mod target;
mod verdict;
mod window;

#[cfg(test)]
mod tests;

pub use error::{WindowError, WindowName};
pub use target::WindowTarget;
pub use verdict::{ActiveWindow, WindowVerdict};

use k8s_openapi::jiff::Timestamp;

use crate::engine::model::SyncWindow;
use crate::engine::schedule::TimeZones;

use window::Window;

/// A project's sync windows, ready to evaluate.
#[derive(Debug, Clone, Default)]
pub struct SyncWindows {
    windows: Vec<Window>,
}

impl SyncWindows {
    /// Never fails: each window's problems are kept and reported by
    /// [`SyncWindows::evaluate`] (or listed by [`SyncWindows::errors`]).
    pub fn compile(windows: &[SyncWindow], zones: &TimeZones) -> Self {
        SyncWindows {
            windows: windows
                .iter()
                .enumerate()
                .map(|(index, window)| Window::compile(index, window, zones))
                .collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty()
    }

    /// Every window's first problem, in project order (for validation views).
    pub fn errors(&self) -> impl Iterator<Item = &WindowError> {
        self.windows.iter().filter_map(Window::error)
    }

    /// The verdict for `target` at `now`.
    pub fn evaluate(
        &self,
        target: &WindowTarget<'_>,
        now: Timestamp,
    ) -> Result<WindowVerdict, WindowError> {
        let mut applicable = Vec::new();
        for window in &self.windows {
            if window.applies_to(target)? {
                applicable.push((window, window.state_at(now)));
            }
        }
        if applicable.is_empty() {
            return Ok(WindowVerdict::unrestricted());
        }
        Ok(verdict::decide(now, &applicable))
    }
}

/// Compile `windows` and evaluate them for `target` at `now`.
pub fn evaluate(
    windows: &[SyncWindow],
    target: &WindowTarget<'_>,
    now: Timestamp,
    zones: &TimeZones,
) -> Result<WindowVerdict, WindowError> {
    SyncWindows::compile(windows, zones).evaluate(target, now)
}
