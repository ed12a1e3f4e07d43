//! The fleet as the engine last saw it.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::engine::appset::AppSetSummary;
use crate::engine::diff::{ResourceDiff, ResourceSyncStatus, SyncStatus};
use crate::engine::health::HealthStatus;
use crate::engine::manifest::ObjectKey;
use crate::engine::policy::pause::Pause;
use crate::engine::policy::rolling_sync::RollingPlan;
use crate::engine::source::CommitInfo;
use crate::engine::state::{HistoryEntry, SourceSummary};
use crate::engine::status::ResourceNode;
use crate::engine::sync::{OperationPhase, ResourceResult};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetSnapshot {
    /// Bumped on every publication.
    pub generation: u64,
    /// RFC 3339, when this picture was completed.
    pub observed_at: String,
    pub clusters: Vec<ClusterSnapshot>,
    /// Ordered by name. Rows are shared between snapshots: a snapshot that
    /// changed one row shares every other with the one before.
    pub apps: Arc<Vec<Arc<AppSnapshot>>>,
    /// The operations running now, by app (kept apart from the rows so an
    /// operation's progress does not make every row anew).
    pub operations: BTreeMap<String, Arc<OperationSnapshot>>,
    /// Apps owed a recompute when this was published (the engine's work
    /// queue; a number that stays high means the engine lags behind).
    pub queue_depth: usize,
    /// Repository and catalog problems (broken files, fetch failures).
    pub problems: Arc<Vec<String>>,
    /// The engine refuses every write (flag, config or role).
    pub readonly: bool,
    /// Every pause in force, each with who, why and until when: what the
    /// front ends' banner shows to every operator.
    pub pauses: Vec<Pause>,
    /// Progressive syncs of ApplicationSets with a RollingSync strategy.
    pub rollouts: Arc<Vec<RolloutSnapshot>>,
    /// The ApplicationSets written in Git, by catalog order: generators,
    /// policies, apps contributed and generation errors.
    pub application_sets: Arc<Vec<AppSetSummary>>,
}

/// One ApplicationSet's RollingSync rollout: its steps and where each
/// generated app stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RolloutSnapshot {
    pub application_set: String,
    pub plan: RollingPlan,
}

impl FleetSnapshot {
    /// The app's row. The engine publishes rows by name, so a binary
    /// search finds it; a snapshot put together by hand in any order is
    /// searched through.
    pub fn app(&self, name: &str) -> Option<&AppSnapshot> {
        match self
            .apps
            .binary_search_by(|app| app.name.as_str().cmp(name))
        {
            Ok(index) => Some(self.apps[index].as_ref()),
            Err(_) => self
                .apps
                .iter()
                .find(|app| app.name == name)
                .map(Arc::as_ref),
        }
    }

    /// The rows to change, for snapshots put together by hand (fixtures,
    /// tests): copied first when another snapshot shares them.
    pub fn apps_mut(&mut self) -> &mut Vec<Arc<AppSnapshot>> {
        Arc::make_mut(&mut self.apps)
    }

    /// One row to change by position, copied first when shared.
    pub fn app_mut(&mut self, index: usize) -> Option<&mut AppSnapshot> {
        self.apps_mut().get_mut(index).map(Arc::make_mut)
    }

    /// The operation running on `app`, if any.
    pub fn operation(&self, app: &str) -> Option<&OperationSnapshot> {
        self.operations.get(app).map(Arc::as_ref)
    }

    pub fn application_set(&self, name: &str) -> Option<&AppSetSummary> {
        self.application_sets.iter().find(|set| set.name == name)
    }

    pub fn cluster(&self, name: &str) -> Option<&ClusterSnapshot> {
        self.clusters.iter().find(|cluster| cluster.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum ConnectionState {
    /// Not asked yet.
    Unknown,
    Connected {
        version: String,
        since: String,
    },
    Unreachable {
        error: String,
        since: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSnapshot {
    pub name: String,
    pub context: String,
    pub server: String,
    pub labels: BTreeMap<String, String>,
    pub hub: bool,
    pub connection: ConnectionState,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSnapshot {
    pub name: String,
    pub project: String,
    /// The ApplicationSet that generated the app, if one did.
    pub application_set: Option<String>,
    /// The app whose render holds this one (app of apps), if any.
    pub parent_app: Option<String>,
    /// The destination cluster, when it resolves.
    pub cluster: Option<String>,
    pub namespace: String,
    pub sync: SyncStatus,
    pub health: HealthStatus,
    /// The rendered commit.
    pub revision: Option<String>,
    /// The rendered commit's subject, author and time (`None` when it is
    /// not known, e.g. before the first render).
    pub commit: Option<CommitInfo>,
    pub automated: bool,
    /// Why the status is not known, or what is wrong with the app
    /// (render failure, unknown destination, unreachable cluster).
    pub conditions: Vec<String>,
    pub resources: Vec<ResourceSummary>,
    /// Automation in words: "auto-sync on", "syncing (self-heal)", "paused
    /// ...", "blocked by deny window ...", "awaiting approval of abc1234".
    /// `None` for an app without automated sync and nothing to say.
    pub automation: Option<String>,
    /// The pauses covering the app, each with who, why and time left.
    pub paused: Vec<String>,
    /// Where automation stands, for icons, counts and filters (the
    /// `automation` text says the details).
    pub automation_state: AutomationState,
    /// The Application's own labels (`metadata.labels`), for filters and
    /// selectors.
    pub labels: BTreeMap<String, String>,
    /// The first source (repo, path or chart, targetRevision).
    pub source: Option<SourceSummary>,
    /// The destination as written: server URL or cluster name.
    pub destination: String,
    pub auto_prune: bool,
    pub self_heal: bool,
    /// The newest sync in this machine's history.
    pub last_sync: Option<LastSync>,
    /// The revision a rollback pinned the app at.
    pub pinned_revision: Option<String>,
}

/// Where an app's automation stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AutomationState {
    /// No automated sync policy: operators sync by hand.
    #[default]
    Manual,
    /// Automated and nothing to do.
    On,
    /// An automated sync or self-heal is under way.
    Syncing,
    /// Held by a pause.
    Paused,
    /// Held by a sync window.
    Window,
    /// A new revision waits for an operator's approval.
    AwaitingApproval,
    /// Waiting for a retry or self-heal backoff, or held by a rollback pin
    /// or an unreadable state file.
    Held,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastSync {
    pub revision: String,
    /// RFC 3339.
    pub at: String,
    pub initiated_by: String,
    /// "Succeeded", "Failed", "Error", "Terminated".
    pub result: String,
}

/// One app looked at closely, answered to [`super::Command::Describe`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppDetail {
    pub app: String,
    /// Per resource, live against desired; Secret values masked.
    pub diffs: Vec<ResourceDiff>,
    /// Managed resources with the objects they own.
    pub tree: Vec<ResourceNode>,
    /// Oldest first.
    pub history: Vec<HistoryEntry>,
    /// Subject, author and time of the commits the history and the
    /// current render name, by revision (full commit id). Chart versions
    /// and commits the repository no longer has are absent.
    pub commits: BTreeMap<String, CommitInfo>,
    /// Why part of the picture is missing (cluster unreachable, render
    /// failed, history unreadable).
    pub errors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceSummary {
    pub key: ObjectKey,
    pub sync: ResourceSyncStatus,
    pub health: Option<HealthStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationSnapshot {
    pub phase: OperationPhase,
    pub message: String,
    pub initiated_by: String,
    pub dry_run: bool,
    pub started_at: String,
    pub results: Vec<ResourceResult>,
}
