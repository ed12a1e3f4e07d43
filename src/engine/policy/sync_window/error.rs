//! Why a project's sync windows cannot be evaluated. Every error names the
//! window (its position in `spec.syncWindows`, kind and schedule) so the user
//! can find it in the AppProject.

use std::fmt;

use thiserror::Error;

use crate::engine::model::SyncWindowKind;
use crate::engine::model::duration::DurationError;
use crate::engine::schedule::{CronError, ZoneError};

/// Which window: `syncWindows[2] (deny "0 22 * * *")`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowName {
    pub index: usize,
    pub kind: SyncWindowKind,
    pub schedule: String,
}

impl fmt::Display for WindowName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            SyncWindowKind::Allow => "allow",
            SyncWindowKind::Deny => "deny",
        };
        write!(
            f,
            "syncWindows[{}] ({kind} {:?})",
            self.index, self.schedule
        )
    }
}

#[derive(Debug, Clone, Error)]
pub enum WindowError {
    #[error("{window}: bad schedule")]
    Schedule {
        window: WindowName,
        #[source]
        source: CronError,
    },
    #[error("{window}: bad duration")]
    Duration {
        window: WindowName,
        #[source]
        source: DurationError,
    },
    #[error("{window}: bad time zone")]
    TimeZone {
        window: WindowName,
        #[source]
        source: ZoneError,
    },
    #[error("{window}: bad {field} pattern {pattern:?}")]
    Pattern {
        window: WindowName,
        field: &'static str,
        pattern: String,
        /// Boxed: globset's error is large and this one travels in every
        /// `Result` of the module.
        #[source]
        source: Box<globset::Error>,
    },
}

impl WindowError {
    /// The window the error is about.
    pub fn window(&self) -> &WindowName {
        match self {
            WindowError::Schedule { window, .. }
            | WindowError::Duration { window, .. }
            | WindowError::TimeZone { window, .. }
            | WindowError::Pattern { window, .. } => window,
        }
    }
}
