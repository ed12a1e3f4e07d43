//! [`DirtyApps`]: the apps whose live objects changed since the reconciler
//! last looked, shared by every cluster's watch tasks and the reconciler.
//!
//! A set, not a queue: a burst of events on one app (a rollout's Pods)
//! collapses into one entry, and the reconciler's wake-up is one
//! [`tokio::sync::Notify`] permit however many marks came before it.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

use tokio::sync::Notify;

/// What changed since the last [`DirtyApps::take`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DirtyMarks {
    /// Apps named by a changed object's tracking id (or its top owner's).
    pub apps: BTreeSet<String>,
    /// Clusters whose whole picture changed (a list or relist finished, the
    /// connection came or went): every app on them is dirty.
    pub clusters: BTreeSet<String>,
}

impl DirtyMarks {
    pub fn is_empty(&self) -> bool {
        self.apps.is_empty() && self.clusters.is_empty()
    }
}

#[derive(Debug, Default)]
pub struct DirtyApps {
    marks: Mutex<DirtyMarks>,
    wake: Notify,
}

impl DirtyApps {
    pub fn mark_apps(&self, apps: BTreeSet<String>) {
        if apps.is_empty() {
            return;
        }
        self.lock().apps.extend(apps);
        self.wake.notify_one();
    }

    pub fn mark_cluster(&self, cluster: &str) {
        self.lock().clusters.insert(cluster.to_string());
        self.wake.notify_one();
    }

    /// Everything marked so far, leaving the set empty.
    pub fn take(&self) -> DirtyMarks {
        std::mem::take(&mut *self.lock())
    }

    /// Returns once something was marked since the last wake-up.
    pub async fn marked(&self) {
        self.wake.notified().await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DirtyMarks> {
        // Every update is one insert or one take: a panic elsewhere cannot
        // leave the set half-written.
        self.marks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn marks_collapse_and_one_wake_up_covers_them() {
        tokio::time::timeout(Duration::from_secs(5), async {
            let dirty = DirtyApps::default();
            dirty.mark_apps(BTreeSet::from(["web".to_string()]));
            dirty.mark_apps(BTreeSet::from(["web".to_string(), "api".to_string()]));
            dirty.mark_cluster("dev");
            dirty.marked().await;
            let marks = dirty.take();
            assert_eq!(marks.apps.len(), 2);
            assert!(marks.clusters.contains("dev"));
            assert!(dirty.take().is_empty(), "taken once");
        })
        .await
        .expect("test timed out");
    }
}
