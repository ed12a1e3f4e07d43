//! Sync status per resource and per application, with Argo CD's
//! `compare-options: IgnoreExtraneous`.

use serde::Serialize;
use serde_json::Value;

pub use crate::engine::conventions::annotations::COMPARE_OPTIONS_ANNOTATION;
use crate::engine::conventions::annotations::has_compare_option;

/// How one resource compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ResourceSyncStatus {
    /// Live matches Git.
    Synced,
    /// Live differs from Git.
    OutOfSync,
    /// In Git, not live.
    Missing,
    /// Live with this app's tracking id, gone from Git: pruning removes it.
    Extraneous,
}

impl ResourceSyncStatus {
    pub fn is_synced(self) -> bool {
        self == ResourceSyncStatus::Synced
    }
}

/// How a whole application compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SyncStatus {
    Synced,
    OutOfSync,
    /// The comparison could not be made (an error for some resource).
    Unknown,
}

/// `compare-options: IgnoreExtraneous` (in a comma-separated list): the
/// object being extraneous does not make the app OutOfSync.
pub fn ignores_extraneous(object: &Value) -> bool {
    has_compare_option(object, "IgnoreExtraneous")
}

/// The app status from its resources' statuses (each paired with whether
/// it counts towards the app) and whether any comparison failed.
pub fn app_sync_status(
    resources: impl IntoIterator<Item = (ResourceSyncStatus, bool)>,
    comparison_failed: bool,
) -> SyncStatus {
    if comparison_failed {
        return SyncStatus::Unknown;
    }
    let out_of_sync = resources
        .into_iter()
        .any(|(status, counts)| counts && !status.is_synced());
    if out_of_sync {
        SyncStatus::OutOfSync
    } else {
        SyncStatus::Synced
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_ignore_extraneous_from_a_list() {
        let object =
            |value: &str| json!({"metadata": {"annotations": {COMPARE_OPTIONS_ANNOTATION: value}}});
        assert!(ignores_extraneous(&object("IgnoreExtraneous")));
        assert!(ignores_extraneous(&object(
            "ServerSideDiff=true, IgnoreExtraneous"
        )));
        assert!(!ignores_extraneous(&object("ServerSideDiff=true")));
        assert!(!ignores_extraneous(&json!({})));
    }

    #[test]
    fn app_status_from_resources() {
        use ResourceSyncStatus::*;
        assert_eq!(app_sync_status([(Synced, true)], false), SyncStatus::Synced);
        assert_eq!(app_sync_status([], false), SyncStatus::Synced);
        assert_eq!(
            app_sync_status([(Synced, true), (Missing, true)], false),
            SyncStatus::OutOfSync
        );
        assert_eq!(
            app_sync_status([(Extraneous, false)], false),
            SyncStatus::Synced
        );
        assert_eq!(app_sync_status([(Synced, true)], true), SyncStatus::Unknown);
    }
}
