//! One operation per app at a time: a second sync of an app that is
//! syncing is refused, whoever asks (operator, auto-sync, self-heal).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct OperationLocks {
    held: Arc<Mutex<HashSet<String>>>,
}

/// Held while an operation runs; released on drop, even on panic.
#[derive(Debug)]
pub struct OperationGuard {
    app: String,
    held: Arc<Mutex<HashSet<String>>>,
}

impl OperationLocks {
    /// The app's lock, or `None` when an operation already holds it.
    pub fn try_acquire(&self, app: &str) -> Option<OperationGuard> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        held.insert(app.to_string()).then(|| OperationGuard {
            app: app.to_string(),
            held: Arc::clone(&self.held),
        })
    }

    pub fn is_held(&self, app: &str) -> bool {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(app)
    }
}

impl Drop for OperationGuard {
    fn drop(&mut self) {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_operation_on_the_same_app_is_refused_until_the_first_ends() {
        let locks = OperationLocks::default();
        let first = locks.try_acquire("web");
        assert!(first.is_some());
        assert!(locks.try_acquire("web").is_none());
        assert!(locks.try_acquire("api").is_some(), "other apps are free");
        drop(first);
        assert!(locks.try_acquire("web").is_some());
    }
}
