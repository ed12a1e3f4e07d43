//! Local state the engine keeps between runs, under a directory the caller
//! picks (the CLI passes `<data dir>/state`): per application, the sync
//! history rollbacks choose from and the rollback pin that holds an app at
//! an older revision.
//!
//! - [`StateStore`]: one JSON file per application (see [`file_name`] for
//!   how names become file names), replaced atomically on every change.
//! - [`HistoryEntry`] and friends: what one sync left behind.
//! - [`RollbackPin`]: set by a rollback, cleared by an unpin or a sync to the
//!   app's target revision.
//! - [`PauseStore`]: the fleet's time-boxed pauses, one shared file.
//! - [`AuditLog`]: every operator action and automated sync, one JSON line
//!   each, appended and fsynced.
//! - [`FileLocks`]: the per-app operation locks (`locks/<app>.lock`) that
//!   keep two processes from syncing one app at once.
//!
//! Concurrency: writers are serialised per application, across threads by
//! an in-process lock and across processes by an advisory lock file
//! (`<file>.lock`, held only for the read-modify-write). Readers never lock:
//! a file is only ever replaced whole by a rename, so a reader sees the old
//! state or the new one. A file that cannot be read as state is an error
//! naming it, and is never overwritten, so nothing is lost silently.
//!
//! The store is synchronous (small local files); async callers run it in
//! `spawn_blocking`.

pub mod app_state;
pub mod atomic_file;
pub mod audit;
pub mod error;
pub mod file_name;
pub mod generated;
pub mod history;
pub mod operation_lock;
pub mod pauses;
pub mod pin;
pub mod private_file;
pub mod record;
pub mod refresh_requests;
pub mod rollback;
pub mod store;

pub use app_state::{AppState, Approval, STATE_FORMAT_VERSION};
pub use audit::{AuditError, AuditLog, AuditReading, AuditRecord, DamagedLine, RepairReport};
pub use error::StateError;
pub use generated::{GeneratedError, load_generated, save_generated};
pub use history::{
    DEFAULT_REVISION_HISTORY_LIMIT, HistoryEntry, InitiatedBy, NewSync, ResourceCounts,
    ResultPhase, SourceSummary, SyncResult, history_limit,
};
pub use operation_lock::{FileLocks, LOCKS_DIR};
pub use pauses::{PauseSet, PauseStore, PauseStoreError, ResumeTarget};
pub use pin::RollbackPin;
pub use refresh_requests::{RefreshRequest, RefreshRequestError, RefreshRequests};
pub use rollback::{
    DEFAULT_ROLLBACK_PAUSE, RollbackHold, RollbackHoldError, hold_after_rollback, rollback_entry,
};
pub use store::StateStore;
