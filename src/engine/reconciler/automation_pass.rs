//! Deciding automation: every app's row says where its automation stands.
//! Self-heal starts only on a settled app (nothing running, no recompute
//! owed — see [`super::work_queue`]): it answers drift, so it must never
//! act on a picture older than the app's last operation. A new revision
//! or a retry depends on the render and on automation's memory of its
//! attempts, not on the live picture, so it starts on any app with no
//! operation running — at once after the Git pass, not after the next
//! quiet moment of a busy app.

use std::collections::BTreeSet;
use std::sync::Arc;

use k8s_openapi::jiff::Timestamp;

use super::actor::{AUTOMATED, Actor, Core, SyncAsk};
use super::automation::{AppContext, AutomationView, Rules};
use super::fleet::Fleet;
use crate::engine::api::{AutomationState, LastSync, RolloutSnapshot};
use crate::engine::diff::SyncStatus;
use crate::engine::policy::auto_sync::{AutoSyncDecision, SyncReason};
use crate::engine::policy::pause::{AppFacts, Pause, pauses_for};
use crate::engine::policy::rolling_sync::{RollingApp, plan};

impl Actor {
    /// Decides the automation of the apps among `only` (every app for
    /// `None`) and starts the syncs it calls for (self-heal on settled
    /// apps only).
    pub(super) fn automate_settled(&self, core: &mut Core, only: Option<&BTreeSet<String>>) {
        let now = Timestamp::now();
        // An unreadable pause file holds all automation: a pause someone set
        // must never be ignored because its file broke.
        let (pauses, pauses_unreadable) =
            match self.records.pauses.as_ref().map(|store| store.list(now)) {
                None => (Vec::new(), false),
                Some(Ok(pauses)) => (pauses, false),
                Some(Err(error)) => {
                    self.warn(format!(
                        "pauses cannot be read: {error}; automation holds every app"
                    ));
                    (Vec::new(), true)
                }
            };
        let rules = Rules {
            approval: &self.rules.approval,
            time_zones: &self.rules.time_zones,
        };
        core.fleet.rollouts = Arc::new(rollouts(&core.fleet, &pauses));
        let names: Vec<String> = match only {
            Some(only) => only.iter().cloned().collect(),
            None => core.fleet.entries.keys().cloned().collect(),
        };
        let mut to_sync = Vec::new();
        let mut changed = false;
        for name in names {
            let settled = core.queue.settled(&name);
            let idle = !core.queue.operating(&name);
            let fleet = &mut core.fleet;
            let Some(entry) = fleet.entries.get(&name) else {
                continue;
            };
            let mut view = AutomationView::of(&entry.row);
            // One read of the app's state file: the rollback pin, and
            // approvals given from another process (`fleetdeck approve`).
            // A file that cannot be read holds the app: automation must
            // never undo a rollback because its pin could not be seen.
            let state = match self.records.state.as_ref().map(|store| store.load(&name)) {
                None => None,
                Some(Ok(state)) => Some(state),
                Some(Err(error)) => {
                    if entry.app.is_automated() {
                        view.automation = Some(format!("held: {error}"));
                        changed |= apply_view(fleet, &name, &view);
                    }
                    continue;
                }
            };
            if let Some(state) = &state {
                view.last_sync = state.history.last().map(|entry| LastSync {
                    revision: entry.revision.clone(),
                    at: entry.deployed_at.to_string(),
                    initiated_by: entry.initiated_by.to_string(),
                    result: entry.result.phase.to_string(),
                });
                view.pinned_revision = state.pin.as_ref().map(|pin| pin.revision.clone());
            }
            if let Some(approval) = state.as_ref().and_then(|state| state.approval.clone()) {
                fleet.automation.approve(&name, approval.revision);
            }
            if let Some(memory) = state.as_ref().and_then(|state| state.automation.clone()) {
                fleet.automation.recall(&name, memory);
            }
            let cluster_labels = entry
                .row
                .cluster
                .as_ref()
                .and_then(|cluster| self.live.registry.by_name(cluster))
                .map_or(Fleet::no_labels(), |cluster| &cluster.labels);
            let context = AppContext {
                app: &entry.app,
                render_empty: entry.render_empty(),
                operation_running: entry.operation.is_some(),
                pauses: &pauses,
                pin: state.and_then(|state| state.pin),
                project: fleet.projects.get(entry.app.project()),
                cluster_labels,
            };
            let mut decision = fleet
                .automation
                .decide(&context, &rules, now, &entry.row, &mut view);
            if let Some(rollout) = entry.owner.as_deref().and_then(|set| {
                fleet
                    .rollouts
                    .iter()
                    .find(|rollout| rollout.application_set == set)
            }) {
                hold_for_rollout(rollout, &name, &mut view, &mut decision);
            }
            if pauses_unreadable && entry.app.is_automated() {
                view.automation = Some("held: the pause file cannot be read".to_string());
            } else if let (
                true,
                AutoSyncDecision::Sync {
                    revision,
                    prune,
                    reason,
                },
            ) = (self.rules.automation, decision)
            {
                let may_start = match reason {
                    SyncReason::SelfHeal => settled,
                    SyncReason::NewRevision | SyncReason::Retry(_) => idle,
                };
                if may_start {
                    to_sync.push((name.clone(), revision, prune, reason));
                }
            }
            changed |= apply_view(fleet, &name, &view);
        }
        core.fleet.pauses = pauses;
        if changed {
            core.out.rows_changed();
        }
        for (app, revision, prune, reason) in to_sync {
            let ask = SyncAsk {
                prune,
                dry_run: false,
                resources: Vec::new(),
                initiated_by: AUTOMATED.to_string(),
            };
            self.start_automated_sync(core, app, ask, revision, reason);
        }
    }
}

/// Puts what automation says of an app into its row, making a new row
/// only when something changed (published rows are shared). Returns
/// whether it did.
fn apply_view(fleet: &mut Fleet, name: &str, view: &AutomationView) -> bool {
    let Some(entry) = fleet.entries.get_mut(name) else {
        return false;
    };
    if view.matches(&entry.row) {
        return false;
    }
    view.apply(Arc::make_mut(&mut entry.row));
    true
}

/// The rollout of every ApplicationSet with a RollingSync strategy, from
/// the rows as last observed.
fn rollouts(fleet: &Fleet, pauses: &[Pause]) -> Vec<RolloutSnapshot> {
    let now = Timestamp::now();
    fleet
        .application_sets
        .iter()
        .filter_map(|set| {
            let apps: Vec<RollingApp> = fleet
                .entries
                .values()
                .filter(|entry| entry.owner.as_deref() == Some(set.name()))
                .map(|entry| {
                    let row = &entry.row;
                    let facts = AppFacts {
                        name: row.name.clone(),
                        project: row.project.clone(),
                        cluster: row.cluster.clone().unwrap_or_default(),
                        labels: row.labels.clone(),
                    };
                    RollingApp {
                        name: row.name.clone(),
                        labels: row.labels.clone(),
                        needs_sync: row.sync == SyncStatus::OutOfSync,
                        sync_status: row.sync,
                        health: row.health,
                        operation_running: entry.operation.is_some(),
                        paused: !pauses_for(pauses, &facts, now).is_empty(),
                    }
                })
                .collect();
            plan(&set.spec.strategy.clone().unwrap_or_default(), &apps).map(|plan| {
                RolloutSnapshot {
                    application_set: set.name().to_string(),
                    plan,
                }
            })
        })
        .collect()
}

/// A RollingSync set orders its apps' automated syncs: an app whose turn
/// has not come waits, and says so, whatever its own decision was.
fn hold_for_rollout(
    rollout: &RolloutSnapshot,
    app: &str,
    view: &mut AutomationView,
    decision: &mut AutoSyncDecision,
) {
    let Some(state) = rollout.plan.app_states.get(app) else {
        return;
    };
    let step = state.step.map_or_else(
        || "no step".to_string(),
        |index| format!("step {}", index + 1),
    );
    if let AutoSyncDecision::Sync { .. } = decision
        && !rollout.plan.sync_now.iter().any(|name| name == app)
    {
        let reason = state
            .step
            .and_then(|index| rollout.plan.steps.get(index))
            .and_then(|step| step.reason.clone())
            .unwrap_or_else(|| "waiting for its turn".to_string());
        view.automation = Some(format!(
            "rolling sync of {} ({step}, {:?}): {reason}",
            rollout.application_set, state.state
        ));
        view.automation_state = AutomationState::Held;
        *decision = AutoSyncDecision::None;
    }
}
