//! What a front end may ask of the engine.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "command", rename_all = "camelCase")]
pub enum Command {
    /// Read Git and the clusters again now (one app, or all).
    Refresh { app: Option<String> },
    /// Sync an app to its rendered revision.
    Sync {
        app: String,
        prune: bool,
        dry_run: bool,
        initiated_by: String,
    },
    /// Let a gated app's automation sync the revision it now renders.
    Approve { app: String, by: String },
    /// Terminate an app's running operation.
    Cancel { app: String },
    /// Stop the engine (operations in flight are terminated first).
    Shutdown,
}
