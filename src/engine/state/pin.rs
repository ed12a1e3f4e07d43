//! `RollbackPin`: an application held at an older revision by a rollback.
//!
//! While pinned, the engine syncs the app to the pinned revision instead of
//! its `targetRevision` (and automated sync stays off, as after an Argo CD
//! rollback). The pin goes away on an explicit unpin or a sync to the app's
//! target revision.

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollbackPin {
    /// The revision the app is held at.
    pub revision: String,
    /// The history entry the rollback went back to.
    pub history_id: u64,
    pub pinned_at: Timestamp,
    /// The operator who rolled back.
    pub by: String,
}
