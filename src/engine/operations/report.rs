//! What a finished sync or rollback hands back: the sync's outcome and
//! what the layer recorded around it.

use crate::engine::state::{HistoryEntry, RollbackHold};
use crate::engine::sync::{LockClaim, SyncOutcome};

#[derive(Debug)]
pub struct OperationReport {
    pub outcome: SyncOutcome,
    /// The history entry written (none for dry runs and operations that
    /// never started).
    pub history: Option<HistoryEntry>,
    /// What a rollback left in place: its pin, and its pause if any.
    pub hold: Option<RollbackHold>,
    /// An earlier operation found dead holding the app's lock, recorded
    /// as interrupted before this one started.
    pub interrupted: Option<LockClaim>,
    /// Bookkeeping that failed after the sync ran (audit, history, pin):
    /// the cluster changed, the record of it is incomplete. Callers show
    /// these; the CLI exits non-zero on them.
    pub warnings: Vec<String>,
}

impl OperationReport {
    pub fn succeeded(&self) -> bool {
        self.outcome.succeeded() && self.warnings.is_empty()
    }
}
