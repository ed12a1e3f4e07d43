//! [`AppEntry`]: everything the engine keeps about one app between passes,
//! in one place — the Application, its render, its commit, who generated
//! or holds it, the row last computed and the operation running on it.
//! One map of these replaces the parallel maps keyed by app name that
//! could disagree about which apps exist.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::refresh::RenderOutcome;
use crate::engine::api::{AppSnapshot, OperationSnapshot};
use crate::engine::manifest::ObjectKey;
use crate::engine::model::Application;
use crate::engine::render::RenderedSource;
use crate::engine::source::CommitInfo;
use crate::engine::state::HistoryEntry;
use crate::engine::sync::CancelHandle;

pub(super) struct AppEntry {
    pub app: Application,
    /// The last render, or why it failed.
    pub outcome: Option<RenderOutcome>,
    /// The commit the render comes from (subject, author, time).
    pub commit: Option<CommitInfo>,
    /// The ApplicationSet that generated the app.
    pub owner: Option<String>,
    /// The app whose render holds this one (app of apps).
    pub parent: Option<String>,
    /// Why the app is not what its ApplicationSet generates now.
    pub note: Option<String>,
    /// The row as last computed; shared with the published snapshots, so
    /// publishing never copies it.
    pub row: Arc<AppSnapshot>,
    pub operation: Option<Running>,
}

impl AppEntry {
    /// The successful render, if the app has one.
    pub fn render(&self) -> Option<&Arc<Vec<RenderedSource>>> {
        self.outcome
            .as_ref()
            .and_then(|outcome| outcome.as_ref().ok())
    }

    /// Whether the app renders to nothing at all (automation refuses to
    /// sync that unless allowed, since it would prune everything).
    pub fn render_empty(&self) -> bool {
        self.render()
            .is_none_or(|sources| sources.iter().all(|source| source.manifests.is_empty()))
    }

    /// Adds what the Git pass knows and the recompute does not to a
    /// freshly computed row.
    pub fn complete(&self, mut row: AppSnapshot) -> AppSnapshot {
        row.application_set = self.owner.clone();
        row.parent_app = self.parent.clone();
        if let Some(note) = &self.note {
            row.conditions.push(note.clone());
        }
        row
    }
}

/// An operation under way on an app.
pub(super) struct Running {
    pub cancel: CancelHandle,
    /// What the snapshots show of it; replaced (not mutated) on progress,
    /// so published snapshots keep theirs.
    pub snapshot: Arc<OperationSnapshot>,
}

/// One sync to start: an app and the render it applies.
pub(super) struct Launch {
    pub app: Application,
    pub rendered: Arc<Vec<RenderedSource>>,
    pub prune: bool,
    pub dry_run: bool,
    /// Selective sync: only these resources (`None`: all).
    pub selected: Option<BTreeSet<ObjectKey>>,
    pub initiated_by: String,
    pub rollback: Option<HistoryEntry>,
    /// Automation's reason and revision, remembered once it starts.
    pub automated: Option<(String, crate::engine::policy::auto_sync::SyncReason)>,
}
