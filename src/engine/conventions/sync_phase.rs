//! The phases of a sync operation, in the order they run. Kept with the
//! conventions because the hook annotation names them (`PreSync`...).

use std::fmt;

use serde::Serialize;

/// PreSync hooks, then the manifests (and Sync hooks), then PostSync hooks
/// once everything is healthy; SyncFail hooks only when the sync failed.
/// The derived order is the execution order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum SyncPhase {
    PreSync,
    Sync,
    PostSync,
    SyncFail,
}

impl SyncPhase {
    pub const ALL: [SyncPhase; 4] = [
        SyncPhase::PreSync,
        SyncPhase::Sync,
        SyncPhase::PostSync,
        SyncPhase::SyncFail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SyncPhase::PreSync => "PreSync",
            SyncPhase::Sync => "Sync",
            SyncPhase::PostSync => "PostSync",
            SyncPhase::SyncFail => "SyncFail",
        }
    }

    /// The phase named in a hook annotation (`PreSync`, `Sync`, ...).
    pub fn from_hook_name(name: &str) -> Option<SyncPhase> {
        SyncPhase::ALL
            .into_iter()
            .find(|phase| phase.as_str() == name)
    }
}

impl fmt::Display for SyncPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
