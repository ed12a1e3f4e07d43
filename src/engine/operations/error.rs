//! `OperationError`: why an operation was refused or could not be
//! recorded, typed so the actor, the CLI and the UI can each phrase it.

use std::time::Duration;

use crate::engine::policy::roles::RoleRefusal;
use crate::engine::state::{AuditError, PauseStoreError, StateError};
use crate::engine::sync::{LockClaim, LockError, describe_held};

#[derive(Debug, thiserror::Error)]
pub enum OperationError {
    /// The operator's role does not allow it.
    #[error("refused: {0}")]
    Refused(RoleRefusal),
    /// The engine (or this command) runs read-only.
    #[error("read-only mode: {action} is not allowed")]
    ReadOnly { action: String },
    /// Another operation holds the app's lock; see [`LockError::Held`]
    /// for the wording.
    #[error("{}", describe_held(app, holder.as_deref(), *held_for))]
    Locked {
        app: String,
        holder: Option<Box<LockClaim>>,
        held_for: Option<Duration>,
    },
    /// The lock itself could not be used (its file cannot be opened).
    #[error(transparent)]
    Lock(LockError),
    /// The write-ahead record could not be written, so nothing was done.
    #[error("{action} {target} was not started: its start could not be audited: {source}")]
    StartNotAudited {
        action: String,
        target: String,
        #[source]
        source: AuditError,
    },
    /// The action happened but its audit record could not be written.
    #[error("{action} {target} happened but could not be audited: {source}")]
    NotAudited {
        action: String,
        target: String,
        #[source]
        source: AuditError,
    },
    #[error(transparent)]
    Audit(AuditError),
    /// The layer was built without the store this needs.
    #[error("no state directory: {what}")]
    NoStateDirectory { what: &'static str },
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Pauses(#[from] PauseStoreError),
    /// A resume that matched no pause in force.
    #[error("no pause in force matches; nothing resumed")]
    NoMatchingPause,
    /// A blocking task of the operation stopped (a panic).
    #[error("the {what} of {target} stopped unexpectedly: {reason}")]
    Stopped {
        what: &'static str,
        target: String,
        reason: String,
    },
}

impl From<LockError> for OperationError {
    fn from(error: LockError) -> Self {
        match error {
            LockError::Held {
                app,
                holder,
                held_for,
            } => OperationError::Locked {
                app,
                holder,
                held_for,
            },
            other => OperationError::Lock(other),
        }
    }
}
