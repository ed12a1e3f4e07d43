//! `AppState`: everything the store keeps for one application — the
//! contents of its file — and the pure rules for changing it.

use serde::{Deserialize, Serialize};

use super::history::{HistoryEntry, NewSync};
use super::pin::RollbackPin;
use crate::engine::policy::auto_sync::AutoSyncMemory;

/// The file format version this fleetdeck writes and reads. A file with a
/// higher version is refused rather than misread (or overwritten).
pub const STATE_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppState {
    pub version: u32,
    /// The application's name, checked on load.
    pub app: String,
    /// The id the next history entry gets.
    pub next_id: u64,
    /// Oldest first.
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin: Option<RollbackPin>,
    /// The revision an operator approved for automation (approval gates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval: Option<Approval>,
    /// What automation remembers of its attempts (the last one, retries,
    /// the self-heal run), so a restarted engine neither retries a failed
    /// revision at once nor forgets a backoff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation: Option<AutoSyncMemory>,
}

/// An operator's approval of one revision of a gated app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Approval {
    pub revision: String,
    pub by: String,
    pub at: k8s_openapi::jiff::Timestamp,
}

impl AppState {
    /// The state of an application nothing was recorded for.
    pub fn empty(app: impl Into<String>) -> Self {
        AppState {
            version: STATE_FORMAT_VERSION,
            app: app.into(),
            next_id: 1,
            history: Vec::new(),
            pin: None,
            approval: None,
            automation: None,
        }
    }

    /// Appends a sync to the history, keeping the newest `limit` entries,
    /// and clears the pin when the sync went to the target revision.
    /// Returns the entry as recorded (with its id).
    pub fn record(&mut self, sync: NewSync, limit: usize) -> HistoryEntry {
        // Ids stay increasing even if the file was edited by hand.
        let newest = self.history.iter().map(|entry| entry.id).max().unwrap_or(0);
        let id = self.next_id.max(newest.saturating_add(1));
        self.next_id = id.saturating_add(1);
        if sync.to_target_revision {
            self.pin = None;
        }
        let entry = sync.into_entry(id);
        self.history.push(entry.clone());
        self.trim(limit);
        entry
    }

    /// Drops the oldest entries beyond `limit`.
    pub fn trim(&mut self, limit: usize) {
        let excess = self.history.len().saturating_sub(limit);
        self.history.drain(..excess);
    }

    pub fn entry(&self, id: u64) -> Option<&HistoryEntry> {
        self.history.iter().find(|entry| entry.id == id)
    }
}
