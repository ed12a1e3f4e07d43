//! Automation on each refresh: for every app, the pure auto-sync decision
//! ([`crate::engine::policy::auto_sync::decide`]) fed with what the engine
//! knows — the comparison, pauses, the rollback pin, sync windows and the
//! approval gate — and the memory of earlier automated attempts.

use std::collections::{BTreeMap, HashMap};

use k8s_openapi::jiff::Timestamp;

use crate::engine::api::{AppSnapshot, AutomationState};
use crate::engine::model::{AppProject, Application};
use crate::engine::policy::approval::{ApprovalGate, ApprovalState};
use crate::engine::policy::auto_sync::{
    AttemptResult, AutoSyncDecision, AutoSyncInput, AutoSyncMemory, AutomatedPolicy, Observed,
    SelfHealPolicy, SyncReason, decide,
};
use crate::engine::policy::backoff::RetryPolicy;
use crate::engine::policy::pause::{AppFacts, Pause, pauses_for};
use crate::engine::policy::sync_window::{WindowTarget, evaluate};
use crate::engine::schedule::TimeZones;
use crate::engine::source::short_revision;
use crate::engine::state::RollbackPin;
use crate::engine::sync::SyncOutcome;

/// What the actor keeps for automation between refreshes.
#[derive(Debug, Default)]
pub struct Automation {
    memory: HashMap<String, AutoSyncMemory>,
    /// Automated operations in flight: app → why they run.
    running: HashMap<String, (String, SyncReason)>,
    /// Revisions an operator approved, per app.
    approved: HashMap<String, String>,
}

/// What automation says of an app in its row; kept apart from the row so
/// a decision that changes nothing leaves the shared row alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AutomationView {
    pub automation: Option<String>,
    pub automation_state: AutomationState,
    pub paused: Vec<String>,
    pub last_sync: Option<crate::engine::api::LastSync>,
    pub pinned_revision: Option<String>,
}

impl AutomationView {
    /// What the row says now.
    pub fn of(row: &AppSnapshot) -> Self {
        AutomationView {
            automation: row.automation.clone(),
            automation_state: row.automation_state,
            paused: row.paused.clone(),
            last_sync: row.last_sync.clone(),
            pinned_revision: row.pinned_revision.clone(),
        }
    }

    /// Whether `row` already says this.
    pub fn matches(&self, row: &AppSnapshot) -> bool {
        self.automation == row.automation
            && self.automation_state == row.automation_state
            && self.paused == row.paused
            && self.last_sync == row.last_sync
            && self.pinned_revision == row.pinned_revision
    }

    pub fn apply(&self, row: &mut AppSnapshot) {
        row.automation = self.automation.clone();
        row.automation_state = self.automation_state;
        row.paused = self.paused.clone();
        row.last_sync = self.last_sync.clone();
        row.pinned_revision = self.pinned_revision.clone();
    }
}

/// What one app's decision looks at besides its row.
pub struct AppContext<'a> {
    pub app: &'a Application,
    pub render_empty: bool,
    pub operation_running: bool,
    pub pauses: &'a [Pause],
    pub pin: Option<RollbackPin>,
    pub project: Option<&'a AppProject>,
    pub cluster_labels: &'a BTreeMap<String, String>,
}

/// The environment every decision shares.
pub struct Rules<'a> {
    pub approval: &'a ApprovalGate,
    pub time_zones: &'a TimeZones,
}

impl Automation {
    /// Decides for one app from its row and fills in what the snapshot
    /// shows about its automation (pauses, the state in words).
    pub fn decide(
        &self,
        context: &AppContext<'_>,
        rules: &Rules<'_>,
        now: Timestamp,
        row: &AppSnapshot,
        view: &mut AutomationView,
    ) -> AutoSyncDecision {
        let app = context.app;
        let facts = AppFacts {
            name: app.name().to_string(),
            project: app.project().to_string(),
            cluster: row.cluster.clone().unwrap_or_default(),
            labels: app.metadata.labels.clone(),
        };
        let pauses: Vec<Pause> = pauses_for(context.pauses, &facts, now)
            .into_iter()
            .cloned()
            .collect();
        view.paused = pauses.iter().map(|pause| pause.short(now)).collect();
        let window_block = context.project.and_then(|project| {
            match evaluate(
                &project.spec.sync_windows,
                &WindowTarget::of(app),
                now,
                rules.time_zones,
            ) {
                Ok(verdict) => verdict.blocking_reason,
                Err(error) => Some(format!("sync windows cannot be evaluated: {error}")),
            }
        });
        let retry = RetryPolicy::from_model(
            app.spec
                .sync_policy
                .as_ref()
                .and_then(|policy| policy.retry.as_ref()),
        );
        let input = AutoSyncInput {
            automated: AutomatedPolicy::from_model(app.automated_sync()),
            retry: retry.unwrap_or(RetryPolicy::NONE),
            self_heal: SelfHealPolicy::default(),
            observed: Observed {
                sync_status: row.sync,
                revision: row.revision.clone().unwrap_or_default(),
                render_empty: context.render_empty,
                only_prune_needed: !row.resources.is_empty()
                    && row.resources.iter().all(|resource| {
                        matches!(
                            resource.sync,
                            crate::engine::diff::ResourceSyncStatus::Synced
                                | crate::engine::diff::ResourceSyncStatus::Extraneous
                        )
                    }),
                operation_running: context.operation_running,
            },
            memory: self.memory.get(app.name()).cloned().unwrap_or_default(),
            pauses,
            pin: context.pin.clone(),
            window_block,
            approval: ApprovalState {
                gated: rules.approval.is_gated(&facts, context.cluster_labels),
                approved_revision: self.approved.get(app.name()).cloned(),
            },
        };
        let decision = decide(&input, now);
        view.automation = describe(&decision, input.automated.is_some());
        view.automation_state = automation_state(
            &decision,
            input.automated.is_some(),
            !input.pauses.is_empty(),
            input.window_block.as_deref(),
        );
        decision
    }

    /// An automated sync of `revision` starts for `reason`.
    pub fn started(&mut self, app: &str, revision: String, reason: SyncReason) {
        self.running.insert(app.to_string(), (revision, reason));
    }

    /// What automation remembers of `app`, to be saved.
    pub fn memory(&self, app: &str) -> Option<&AutoSyncMemory> {
        self.memory.get(app)
    }

    /// Takes `memory` saved by an earlier run, unless this run already
    /// has its own (which is newer).
    pub fn recall(&mut self, app: &str, memory: AutoSyncMemory) {
        self.memory.entry(app.to_string()).or_insert(memory);
    }

    pub fn approve(&mut self, app: &str, revision: String) {
        self.approved.insert(app.to_string(), revision);
    }

    /// Any sync of `app` ended: automation remembers how.
    pub fn finished(&mut self, app: &str, outcome: &SyncOutcome, now: Timestamp) {
        if outcome.dry_run || outcome.phase == crate::engine::sync::OperationPhase::Error {
            // Nothing was applied: not an attempt at the revision.
            self.running.remove(app);
            return;
        }
        let result = if outcome.succeeded() {
            AttemptResult::Succeeded
        } else {
            AttemptResult::Failed
        };
        let memory = self.memory.entry(app.to_string()).or_default();
        match self.running.remove(app) {
            Some((revision, reason)) => {
                memory.record_automated(
                    &revision,
                    &reason,
                    result,
                    now,
                    &SelfHealPolicy::default(),
                );
            }
            None => memory.record_manual(&outcome.revision, result, now),
        }
    }
}

/// Where automation stands, for the snapshot. A pause shows even when
/// there is nothing to do: an operator must see that healing is off before
/// drift happens, not after.
fn automation_state(
    decision: &AutoSyncDecision,
    automated: bool,
    paused: bool,
    window_block: Option<&str>,
) -> AutomationState {
    if !automated {
        return AutomationState::Manual;
    }
    match decision {
        AutoSyncDecision::Sync { .. } => AutomationState::Syncing,
        AutoSyncDecision::AwaitingApproval { .. } => AutomationState::AwaitingApproval,
        AutoSyncDecision::Blocked { reason } if Some(reason.as_str()) == window_block => {
            AutomationState::Window
        }
        _ if paused => AutomationState::Paused,
        AutoSyncDecision::Blocked { .. } | AutoSyncDecision::Wait { .. } => AutomationState::Held,
        AutoSyncDecision::None => AutomationState::On,
    }
}

/// The automation state in words, for the snapshot.
fn describe(decision: &AutoSyncDecision, automated: bool) -> Option<String> {
    match decision {
        AutoSyncDecision::None if automated => Some("auto-sync on".to_string()),
        AutoSyncDecision::None => None,
        AutoSyncDecision::Sync { reason, .. } => Some(format!("syncing ({reason})")),
        AutoSyncDecision::Wait { until, reason } => {
            Some(format!("{reason}; next attempt at {until}"))
        }
        AutoSyncDecision::Blocked { reason } => Some(reason.clone()),
        AutoSyncDecision::AwaitingApproval { revision } => {
            Some(format!("awaiting approval of {}", short_revision(revision)))
        }
    }
}
