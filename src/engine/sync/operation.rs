//! A sync operation as callers see it: what to sync ([`SyncRequest`]), what
//! happened to each resource ([`ResourceResult`]), how it ended
//! ([`SyncOutcome`]) and the progress reported on the way ([`SyncProgress`]).
//! Names and values follow Argo CD's operation state, so its users read them
//! without translation.

use std::collections::BTreeSet;
use std::time::Duration;

use serde::Serialize;

use super::plan::TaskAction;
use super::{ProjectGuard, SyncOptions, SyncPhase};
use crate::engine::diff::CompareOptions;
use crate::engine::manifest::{Manifest, ObjectKey};

/// One sync of one Application to one cluster.
#[derive(Debug, Clone)]
pub struct SyncRequest {
    /// App name, destination namespace, `ignoreDifferences`.
    pub compare: CompareOptions,
    /// The commit the desired objects were rendered from.
    pub revision: String,
    /// Every rendered object, hooks included.
    pub desired: Vec<Manifest>,
    /// `syncPolicy.syncOptions`.
    pub app_options: SyncOptions,
    /// Delete live objects gone from Git (the operator asked, or
    /// `automated.prune`).
    pub prune: bool,
    /// Plan and validate (server dry run), change nothing.
    pub dry_run: bool,
    /// `automated.allowEmpty`: a render with no objects may prune
    /// everything the app had.
    pub allow_empty: bool,
    /// Selective sync: only these resources, no hooks.
    pub selected: Option<BTreeSet<ObjectKey>>,
    pub timeouts: SyncTimeouts,
    /// The operator's name, or `automated`.
    pub initiated_by: String,
    /// The app's project rules: a violating sync applies nothing.
    pub project: ProjectGuard,
}

/// How long a sync waits for things to happen on the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncTimeouts {
    /// A wave's resources must be healthy within this.
    pub wave: Duration,
    /// A hook must finish within this.
    pub hook: Duration,
    /// How often health is looked at while waiting.
    pub poll: Duration,
}

impl Default for SyncTimeouts {
    fn default() -> Self {
        SyncTimeouts {
            wave: Duration::from_secs(300),
            hook: Duration::from_secs(600),
            poll: Duration::from_secs(2),
        }
    }
}

/// The operation's phase, as Argo CD names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum OperationPhase {
    Running,
    /// Cancel asked; finishing the resource at hand.
    Terminating,
    Succeeded,
    /// A resource failed to apply, a hook failed, health never came, or
    /// the operation was terminated.
    Failed,
    /// The operation could not start: nothing was applied.
    Error,
}

impl OperationPhase {
    pub fn is_done(self) -> bool {
        matches!(
            self,
            OperationPhase::Succeeded | OperationPhase::Failed | OperationPhase::Error
        )
    }
}

/// What happened to one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum ResultCode {
    Synced,
    SyncFailed,
    Pruned,
    PruneSkipped,
}

/// What a dry run would do to a resource (and what a real sync did).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Create,
    Update,
    Unchanged,
    Prune,
    Keep,
    RunHook,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceResult {
    pub key: ObjectKey,
    pub phase: SyncPhase,
    pub wave: i32,
    pub change: Change,
    pub status: ResultCode,
    /// Whether this resource is a hook run.
    pub hook: bool,
    pub message: String,
}

/// How a sync ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncOutcome {
    pub app: String,
    pub cluster: String,
    pub revision: String,
    pub dry_run: bool,
    pub phase: OperationPhase,
    pub message: String,
    /// In plan order.
    pub results: Vec<ResourceResult>,
}

impl SyncOutcome {
    pub fn succeeded(&self) -> bool {
        self.phase == OperationPhase::Succeeded
    }

    pub fn count(&self, status: ResultCode) -> usize {
        self.results
            .iter()
            .filter(|result| result.status == status)
            .count()
    }
}

/// Streamed while a sync runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum SyncProgress {
    /// The plan is known: how many tasks, in how many steps.
    Planned {
        app: String,
        tasks: usize,
        steps: usize,
    },
    /// A phase and wave starts.
    Step { phase: SyncPhase, wave: i32 },
    /// One resource is done.
    Resource(ResourceResult),
    /// Waiting for resources to become healthy (or a hook to finish).
    Waiting {
        phase: SyncPhase,
        wave: i32,
        pending: Vec<String>,
    },
    Phase {
        phase: OperationPhase,
        message: String,
    },
}

impl TaskAction {
    /// Whether this task runs a hook.
    pub fn is_hook(&self) -> bool {
        matches!(self, TaskAction::Hook { .. })
    }
}
