//! The operations layer: the one code path every caller (the engine's
//! actor, the CLI, the UI through the actor) takes to change an app.
//!
//! A sync or rollback goes: authorise (the operator's role; automation's
//! own syncs skip roles) → take the app's lock ([`AppLocks`]: in memory,
//! a lock file per app across processes, a Lease later) → write-ahead
//! audit of the start (who, what, revision, reason) → run
//! ([`run_sync_with_lease`]) → audit the outcome → record history → after
//! a rollback, pin and pause. A lock found stale (its holder died) has its
//! operation recorded as `interrupted` before the new one starts.
//!
//! [`Operations::start`] does the first two steps at once, without
//! blocking I/O, so a caller learns synchronously whether the app was
//! free (and if not, who holds it); [`StartedOperation::run`] does the
//! rest, with its file writes (each fsynced) on the blocking pool, and can
//! be spawned. Pause, resume and approve take the same path: authorise →
//! act → audit.
//!
//! [`AppLocks`]: crate::engine::sync::AppLocks
//! [`run_sync_with_lease`]: crate::engine::sync::run_sync_with_lease

mod approve;
mod error;
mod layer;
mod pause;
mod process_identity;
mod records;
mod report;
mod running;
mod spec;
mod sync_operation;

pub use approve::ApproveAsk;
pub use error::OperationError;
pub use layer::Operations;
pub use pause::PauseAsk;
pub use process_identity::{ProcessIdentity, this_process};
pub use records::{INTERRUPTED, STARTED, interrupted_record, outcome_record, start_record};
pub use report::OperationReport;
pub use running::RunningOperation;
pub use spec::{AUTOMATED, Initiator, OperationKind, SyncSpec};
pub use sync_operation::StartedOperation;
