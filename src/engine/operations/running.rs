//! The operations this layer is running, readable at any time (the actor
//! shows them, a second caller learns what holds an app). An entry lives
//! exactly as long as its operation holds the app's lock.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use k8s_openapi::jiff::Timestamp;

/// One running operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunningOperation {
    pub app: String,
    pub cluster: String,
    /// The operator, or `automated`.
    pub operator: String,
    pub action: String,
    pub revision: String,
    pub dry_run: bool,
    pub since: Timestamp,
}

/// The running operations of one [`Operations`](super::Operations).
#[derive(Debug, Clone, Default)]
pub(super) struct RunningSet {
    entries: Arc<Mutex<BTreeMap<String, RunningOperation>>>,
}

impl RunningSet {
    /// Adds `operation`; it is removed when the returned entry drops.
    pub(super) fn enter(&self, operation: RunningOperation) -> RunningEntry {
        let app = operation.app.clone();
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(app.clone(), operation);
        RunningEntry {
            app,
            set: self.clone(),
        }
    }

    pub(super) fn list(&self) -> Vec<RunningOperation> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    pub(super) fn get(&self, app: &str) -> Option<RunningOperation> {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(app)
            .cloned()
    }
}

/// Removes its operation from the set on drop.
#[derive(Debug)]
pub(super) struct RunningEntry {
    app: String,
    set: RunningSet,
}

impl Drop for RunningEntry {
    fn drop(&mut self) {
        self.set
            .entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.app);
    }
}
