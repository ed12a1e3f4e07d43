//! Progressive sync of the Applications an ApplicationSet generates
//! (`spec.strategy.type: RollingSync`): which step each app belongs to, what
//! state each step and app is in, and which apps may start syncing now.
//!
//! The rules are Argo CD's ApplicationSet controller's:
//! - Steps run in order. An app belongs to the *first* step whose
//!   `matchExpressions` all match its labels (`In`: the label is present
//!   with one of the values; `NotIn`: the label is absent or has none of
//!   them). A step without expressions selects every app left; a step with
//!   any other operator selects nothing (validation reports it).
//! - Apps in no step are left out of the rollout: the strategy never syncs
//!   them and they hold nobody back; they are synced by hand.
//! - A step starts only when every app of every earlier step is Healthy
//!   and Synced; a step without apps is complete.
//! - Within the running step at most `maxUpdate` apps update at once (see
//!   [`max_update_limit`] for the rounding); apps already updating count.
//! - Apps and steps read Waiting, Pending, Progressing or Healthy.
//! - The strategy, not each app's `syncPolicy.automated`, decides when a
//!   generated app syncs: the engine must not auto-sync any app of a
//!   RollingSync ApplicationSet (those in no step included) and starts
//!   only the apps in [`RollingPlan::sync_now`]. Those are syncs started on
//!   the operator's behalf, so sync windows and the app's retry policy still
//!   apply to them as to a manual sync.
//!
//! fleetdeck's addition: a paused app holds its step. It is never started,
//! and it never counts as done, even when Healthy and Synced, so nothing
//! after it proceeds while an operator holds it.
//!
//! Why pure: Argo keeps per-app progress in the ApplicationSet's status and
//! moves it along on each reconcile. fleetdeck derives the same states from
//! what is observed right now (sync status, health, a running operation, a
//! pause), so the actor feeds this planner a snapshot whenever something
//! changes, starts the syncs it returns and asks again later; the same
//! input always gives the same plan. Nothing is remembered between calls,
//! so an engine restart loses no progress, and the tests need neither a
//! cluster nor a clock.

mod max_update;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde::Serialize;

pub use self::max_update::max_update_limit;
use crate::engine::diff::SyncStatus;
use crate::engine::health::HealthStatus;
use crate::engine::model::strategy::{ApplicationSetStrategy, RollingSyncStep, StrategyType};

/// How many blocking apps a reason names before it says "and N more": a
/// step can hold thousands of apps, a reason is one line on a screen.
const NAMED_IN_REASON: usize = 3;

/// What the planner needs to know about one generated Application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollingApp {
    pub name: String,
    /// The Application's own labels (`metadata.labels`), which steps select on.
    pub labels: BTreeMap<String, String>,
    /// The app is OutOfSync with a revision it has not been synced to: the
    /// strategy should sync it when its turn comes.
    pub needs_sync: bool,
    pub sync_status: SyncStatus,
    pub health: HealthStatus,
    /// A sync operation is running for the app.
    pub operation_running: bool,
    /// An operator's pause covers the app.
    pub paused: bool,
}

/// The state of a step or of an app in the rollout, with Argo's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RollingState {
    /// Not its turn yet (an earlier step is not done, `maxUpdate` is
    /// reached, or the app is paused), or it needs a sync nobody started.
    Waiting,
    /// Chosen to sync now; the sync has not started yet.
    Pending,
    /// Syncing, or synced and not Healthy yet.
    Progressing,
    /// Synced and Healthy: done.
    Healthy,
}

/// One step of the rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StepState {
    /// Position in `rollingSync.steps`, from 0 (Argo shows `index + 1`).
    pub index: usize,
    /// The apps that belong to the step, by name.
    pub apps: Vec<String>,
    /// Healthy when every app is done; Waiting while an earlier step is not;
    /// for the running step, Progressing when an app is updating, else
    /// Pending.
    pub state: RollingState,
    /// How many of the step's apps may update at once (`maxUpdate`
    /// resolved against the step's size).
    pub max_update: usize,
    /// Why the step is not Healthy yet, e.g. `waiting for dev-a (Degraded)`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Where one app stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppStepState {
    /// Its step's index; `None` when no step selects it (left out of the
    /// rollout: synced by hand only).
    pub step: Option<usize>,
    pub state: RollingState,
}

/// The rollout as it stands, and what to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingPlan {
    pub steps: Vec<StepState>,
    /// Every app given to the planner, by name.
    pub app_states: BTreeMap<String, AppStepState>,
    /// The apps the engine may start syncing now, by name.
    pub sync_now: Vec<String>,
}

impl RollingPlan {
    /// The step being rolled out: the first one not Healthy. `None` when the
    /// rollout is complete.
    pub fn current_step(&self) -> Option<usize> {
        self.steps
            .iter()
            .find(|step| step.state != RollingState::Healthy)
            .map(|step| step.index)
    }

    /// Whether every step is Healthy (apps in no step do not count).
    pub fn is_complete(&self) -> bool {
        self.current_step().is_none()
    }

    /// The apps no step selects, by name.
    pub fn unselected(&self) -> impl Iterator<Item = &str> {
        self.app_states
            .iter()
            .filter(|(_, state)| state.step.is_none())
            .map(|(name, _)| name.as_str())
    }
}

/// Plans the rollout of `apps` under `strategy`.
///
/// `None` when the strategy does not drive syncs: it is not `RollingSync`,
/// or it has no steps (Argo runs no progressive sync for either). Then each
/// app's own sync policy applies. Apps are taken in name order, whatever order they
/// come in; a name given twice counts once (the first given).
pub fn plan(strategy: &ApplicationSetStrategy, apps: &[RollingApp]) -> Option<RollingPlan> {
    if strategy.strategy_type() != StrategyType::RollingSync {
        return None;
    }
    let steps = strategy
        .rolling_sync
        .as_ref()
        .map(|rolling| rolling.steps.as_slice())
        .filter(|steps| !steps.is_empty())?;

    let mut members: Vec<Vec<&RollingApp>> = vec![Vec::new(); steps.len()];
    let mut app_states = BTreeMap::new();
    for app in unique_by_name(apps) {
        let step = steps
            .iter()
            .position(|step| step_selects(step, &app.labels));
        if let Some(index) = step {
            members[index].push(app);
        }
        app_states.insert(
            app.name.clone(),
            AppStepState {
                step,
                state: observed_state(app),
            },
        );
    }

    let mut sync_now = Vec::new();
    // Set by the first step that is not done: every later step waits for it.
    let mut blocked_by: Option<String> = None;
    let mut step_states = Vec::with_capacity(steps.len());
    for (index, (step, apps)) in steps.iter().zip(&members).enumerate() {
        let limit = max_update_limit(step.max_update.as_ref(), apps.len());
        let (state, reason) = match &blocked_by {
            Some(reason) => (RollingState::Waiting, Some(reason.clone())),
            None if apps.iter().all(|app| is_done(app)) => (RollingState::Healthy, None),
            None => {
                let started = start_apps(apps, limit);
                for name in &started {
                    if let Some(app_state) = app_states.get_mut(*name) {
                        app_state.state = RollingState::Pending;
                    }
                }
                let running = RunningStep {
                    apps,
                    limit,
                    started: &started,
                };
                blocked_by = Some(format!("waiting for {}", running.blockers()));
                sync_now.extend(started.iter().map(|name| name.to_string()));
                (running.state(), Some(running.reason()))
            }
        };
        step_states.push(StepState {
            index,
            apps: apps.iter().map(|app| app.name.clone()).collect(),
            state,
            max_update: limit,
            reason,
        });
    }

    Some(RollingPlan {
        steps: step_states,
        app_states,
        sync_now,
    })
}

/// The apps sorted by name, each name once.
fn unique_by_name(apps: &[RollingApp]) -> Vec<&RollingApp> {
    let mut sorted: Vec<&RollingApp> = apps.iter().collect();
    // Stable: of two apps with one name, the first given stays first.
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    sorted.dedup_by(|later, earlier| later.name == earlier.name);
    sorted
}

/// Whether `step` selects an app with `labels`. RollingSync accepts only
/// `In` and `NotIn`; a step using anything else selects nothing rather than
/// guessing.
fn step_selects(step: &RollingSyncStep, labels: &BTreeMap<String, String>) -> bool {
    step.match_expressions.iter().all(|expression| {
        matches!(expression.operator.as_str(), "In" | "NotIn") && expression.matches(labels)
    })
}

/// An app's state from what is observed, before the planner starts
/// anything.
fn observed_state(app: &RollingApp) -> RollingState {
    if app.operation_running {
        RollingState::Progressing
    } else if app.paused || app.needs_sync {
        RollingState::Waiting
    } else if app.sync_status == SyncStatus::Synced {
        if app.health == HealthStatus::Healthy {
            RollingState::Healthy
        } else {
            // Synced, so the update went out; Argo keeps such an app
            // Progressing (and counting against maxUpdate) until Healthy,
            // however long that takes — a Degraded app stops the rollout.
            RollingState::Progressing
        }
    } else {
        // OutOfSync (or not comparable) without a revision to roll out:
        // drift the strategy does not repair. Not done.
        RollingState::Waiting
    }
}

fn is_done(app: &RollingApp) -> bool {
    observed_state(app) == RollingState::Healthy
}

fn can_start(app: &RollingApp) -> bool {
    app.needs_sync && !app.paused && !app.operation_running
}

/// The apps of the running step to start now: as many as `limit` leaves
/// room for next to those already updating, in name order.
fn start_apps<'a>(apps: &[&'a RollingApp], limit: usize) -> Vec<&'a str> {
    let updating = apps
        .iter()
        .filter(|app| observed_state(app) == RollingState::Progressing)
        .count();
    apps.iter()
        .filter(|app| can_start(app))
        .take(limit.saturating_sub(updating))
        .map(|app| app.name.as_str())
        .collect()
}

/// The step being rolled out, once the apps to start are chosen.
struct RunningStep<'a> {
    apps: &'a [&'a RollingApp],
    limit: usize,
    started: &'a [&'a str],
}

impl RunningStep<'_> {
    fn is_started(&self, app: &RollingApp) -> bool {
        self.started.contains(&app.name.as_str())
    }

    fn state(&self) -> RollingState {
        let updating = self
            .apps
            .iter()
            .any(|app| observed_state(app) == RollingState::Progressing);
        if updating {
            RollingState::Progressing
        } else {
            RollingState::Pending
        }
    }

    /// The apps not done, most worrying first, e.g.
    /// `dev-a (Degraded), dev-b (syncing)`.
    fn blockers(&self) -> String {
        let mut blockers: Vec<(u8, &str, String)> = self
            .apps
            .iter()
            .filter(|app| !is_done(app))
            .map(|app| {
                let (rank, why) = blocker(app, self.is_started(app));
                (rank, app.name.as_str(), why)
            })
            .collect();
        blockers.sort();
        let mut text = blockers
            .iter()
            .take(NAMED_IN_REASON)
            .map(|(_, name, why)| format!("{name} ({why})"))
            .collect::<Vec<_>>()
            .join(", ");
        if blockers.len() > NAMED_IN_REASON {
            text.push_str(&format!(" and {} more", blockers.len() - NAMED_IN_REASON));
        }
        text
    }

    /// `1/3 Healthy; maxUpdate 1 reached; waiting for ...`.
    fn reason(&self) -> String {
        let done = self.apps.iter().filter(|app| is_done(app)).count();
        let mut parts = vec![format!("{done}/{} Healthy", self.apps.len())];
        let held = self
            .apps
            .iter()
            .any(|app| can_start(app) && !self.is_started(app));
        if held {
            parts.push(if self.limit == 0 {
                "maxUpdate is 0: its apps are synced by hand".to_string()
            } else {
                format!("maxUpdate {} reached", self.limit)
            });
        }
        parts.push(format!("waiting for {}", self.blockers()));
        parts.join("; ")
    }
}

/// Why an app is not done, and how much it needs a human: 0 will not
/// resolve by itself, 1 is held by an operator, 2 is under way, 3 waits its
/// turn.
fn blocker(app: &RollingApp, started: bool) -> (u8, String) {
    if app.operation_running {
        (2, "syncing".to_string())
    } else if app.paused {
        (1, "paused".to_string())
    } else if started {
        (3, "starting".to_string())
    } else if app.needs_sync {
        (3, "needs sync".to_string())
    } else if app.sync_status == SyncStatus::Synced {
        let rank = match app.health {
            HealthStatus::Progressing => 2,
            HealthStatus::Suspended => 1,
            _ => 0,
        };
        (rank, app.health.to_string())
    } else {
        let status = match app.sync_status {
            SyncStatus::OutOfSync => "OutOfSync",
            _ => "sync Unknown",
        };
        (0, status.to_string())
    }
}
