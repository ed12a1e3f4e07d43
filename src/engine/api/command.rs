//! What a front end may ask of the engine.

use std::time::Duration;

use serde::Serialize;

use crate::engine::manifest::ObjectKey;
use crate::engine::policy::pause::PauseScope;
use crate::engine::state::ResumeTarget;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "command", rename_all = "camelCase")]
pub enum Command {
    /// Read Git and the clusters again now (one app, or all). A `hard`
    /// refresh also renders the manifests again even if the commit did
    /// not change (an external tool or chart dependency may have), and
    /// relists the live objects of the affected clusters instead of
    /// trusting the watches.
    Refresh { app: Option<String>, hard: bool },
    /// Sync an app to its rendered revision.
    Sync {
        app: String,
        prune: bool,
        dry_run: bool,
        /// Selective sync: only these resources, no hooks (empty: all).
        /// An operator fixing one drifted object in an incident must not
        /// roll out everything else the app has pending.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        resources: Vec<ObjectKey>,
        initiated_by: String,
    },
    /// Sync an earlier revision from the app's history (the newest
    /// successful one before the current, when `history_id` is `None`),
    /// pin the app there and pause its automation for a while, so nothing
    /// automated undoes the rollback behind the operator's back.
    Rollback {
        app: String,
        history_id: Option<u64>,
        prune: bool,
        by: String,
    },
    /// Hold automation for the apps `scope` covers, for `duration`.
    Pause {
        scope: PauseScope,
        #[serde(with = "duration_seconds")]
        duration: Duration,
        reason: String,
        by: String,
    },
    /// End pauses early.
    Resume { target: ResumeTarget, by: String },
    /// Let a gated app's automation sync the revision it now renders.
    Approve { app: String, by: String },
    /// Terminate an app's running operation.
    Cancel { app: String, by: String },
    /// Ask for an app's details (per-resource diffs, resource tree,
    /// history); answered with [`super::EngineEvent::AppDetail`]. Details
    /// are on demand because they are large and only one app is looked at
    /// at a time.
    Describe { app: String },
    /// Stop the engine (operations in flight are terminated first).
    Shutdown,
}

/// Durations travel as whole seconds in JSON, as operators write them.
mod duration_seconds {
    use std::time::Duration;

    use serde::Serializer;

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(duration.as_secs())
    }
}
