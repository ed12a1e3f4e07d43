//! Scripted situations: what happens in the demo fleet without the
//! operator, so there is something to watch.
//!
//! 1. The first production rollout is approved on the operator's behalf
//!    (the approval gate holds every `env=prod` cluster; without this the
//!    production clusters would start empty). New revisions still wait.
//! 2. A while after the guestbook on staging is up, "someone else" scales
//!    its Deployment by hand, as `kubectl scale` does (its own field
//!    manager, the `/scale` subresource). Self-heal puts Git's replica
//!    count back unless the app is paused.
//!
//! Both are writes, so in read-only mode (`fleetdeck --readonly demo`)
//! neither happens: the approval is not sent, and the hand edit is tried
//! through a read-only [`ClusterClient`], which refuses it before anything
//! leaves (the log says so).
//!
//! Each thing done is published as a [`ScriptEvent`] on a watch channel
//! (the whole list, latest wins), for a UI or the headless log to show.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use tokio::sync::watch;

use crate::engine::api::{AutomationState, Command, EngineHandle, FleetSnapshot};
use crate::engine::cluster::{
    ClusterClient, ClusterError, ClusterSettings, connect, read_kubeconfig,
};
use crate::engine::diff::SyncStatus;
use crate::engine::health::HealthStatus;
use crate::engine::manifest::ObjectKey;

/// Who the scripted approval is recorded as (history and audit).
pub const APPROVER: &str = "fleetdeck-demo";
/// The field manager of the scripted hand edit.
pub const DRIFT_FIELD_MANAGER: &str = "kubectl-scale";

/// The app, cluster and object the drift situation edits.
pub const DRIFT_APP: &str = "staging-guestbook";
pub const DRIFT_CLUSTER: &str = "staging";
pub const DRIFT_NAMESPACE: &str = "guestbook";
pub const DRIFT_DEPLOYMENT: &str = "guestbook";
/// Replicas after the hand edit (Git says 1 on staging).
pub const DRIFT_REPLICAS: i32 = 3;

/// Snapshots after the first one with apps during which the first rollout
/// is approved (an app shows "awaiting approval" in the first refresh that
/// renders it; a few more cover a slow first render).
const APPROVAL_GENERATIONS: u64 = 3;

/// One thing the script did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScriptEvent {
    /// RFC 3339.
    pub at: String,
    /// The app it concerns, when one.
    pub app: Option<String>,
    /// What happened, in words.
    pub text: String,
    /// The script tried and failed (the text says why).
    pub failed: bool,
}

impl std::fmt::Display for ScriptEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let marker = if self.failed { " (failed)" } else { "" };
        write!(f, "demo script{marker}: {}", self.text)
    }
}

/// When the situations happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptTiming {
    /// Approve the first production rollout.
    pub approve_first_rollout: bool,
    /// How long after the drift target is Synced and Healthy someone scales
    /// it; `None`: never.
    pub drift_after: Option<Duration>,
}

/// Runs the script to its end; spawned by the session. `cluster` is how
/// the script's own client treats the cluster it edits: the engine's
/// settings, so a read-only demo's hand edit is refused like any write.
pub async fn run(
    engine: EngineHandle,
    kubeconfig: PathBuf,
    cluster: ClusterSettings,
    timing: ScriptTiming,
    log: watch::Sender<Vec<ScriptEvent>>,
) {
    if timing.approve_first_rollout {
        if cluster.readonly {
            publish(
                &log,
                event(
                    None,
                    "read-only: the first production rollout is not approved".to_string(),
                    false,
                ),
            );
        } else {
            approve_first_rollout(&engine, &log).await;
        }
    }
    if let Some(after) = timing.drift_after {
        let up = engine
            .wait_for(|snapshot| {
                snapshot.app(DRIFT_APP).is_some_and(|app| {
                    app.sync == SyncStatus::Synced && app.health == HealthStatus::Healthy
                })
            })
            .await;
        if up.is_err() {
            return;
        }
        tokio::time::sleep(after).await;
        let event = match scale_by_hand(&kubeconfig, cluster).await {
            Ok(()) => event(
                Some(DRIFT_APP),
                format!(
                    "someone ran `kubectl scale deployment/{DRIFT_DEPLOYMENT} -n {DRIFT_NAMESPACE} --replicas={DRIFT_REPLICAS}` on {DRIFT_CLUSTER} ({DRIFT_APP} drifts from Git; self-heal repairs it unless the app is paused)"
                ),
                false,
            ),
            Err(error) => event(
                Some(DRIFT_APP),
                format!(
                    "scaling deployment/{DRIFT_DEPLOYMENT} on {DRIFT_CLUSTER} by hand: {error}"
                ),
                true,
            ),
        };
        publish(&log, event);
    }
}

/// Approves each app that waits for approval in the engine's first
/// snapshots, once.
async fn approve_first_rollout(engine: &EngineHandle, log: &watch::Sender<Vec<ScriptEvent>>) {
    let mut snapshots = engine.watch();
    let mut first_generation = None;
    let mut approved: HashSet<String> = HashSet::new();
    loop {
        let snapshot = snapshots.borrow_and_update().clone();
        if !snapshot.apps.is_empty() {
            let first = *first_generation.get_or_insert(snapshot.generation);
            let waiting = awaiting_approval(&snapshot)
                .filter(|app| !approved.contains(*app))
                .map(str::to_string)
                .collect::<Vec<_>>();
            for app in &waiting {
                let command = Command::Approve {
                    app: app.clone(),
                    by: APPROVER.to_string(),
                };
                if engine.send(command).await.is_err() {
                    return;
                }
                approved.insert(app.clone());
            }
            if !waiting.is_empty() {
                publish(
                    log,
                    event(
                        None,
                        format!(
                            "approved the first production rollout of {} ({}); later revisions wait for an operator",
                            waiting.len(),
                            waiting.join(", ")
                        ),
                        false,
                    ),
                );
            }
            if snapshot.generation >= first + APPROVAL_GENERATIONS {
                return;
            }
        }
        if snapshots.changed().await.is_err() {
            return;
        }
    }
}

fn awaiting_approval(snapshot: &FleetSnapshot) -> impl Iterator<Item = &str> {
    snapshot
        .apps
        .iter()
        .filter(|app| app.automation_state == AutomationState::AwaitingApproval)
        .map(|app| app.name.as_str())
}

/// What `kubectl scale` does: a merge patch of the `/scale` subresource
/// under its own field manager, sent through a [`ClusterClient`] made with
/// `settings` (so read-only applies to it).
pub async fn scale_by_hand(
    kubeconfig: &std::path::Path,
    settings: ClusterSettings,
) -> Result<(), ClusterError> {
    let config = read_kubeconfig(kubeconfig)?;
    let cluster: ClusterClient = connect(&config, DRIFT_CLUSTER, DRIFT_CLUSTER, settings).await?;
    let deployment = ObjectKey {
        group: "apps".to_string(),
        kind: "Deployment".to_string(),
        namespace: DRIFT_NAMESPACE.to_string(),
        name: DRIFT_DEPLOYMENT.to_string(),
    };
    cluster
        .scale("apps/v1", &deployment, DRIFT_REPLICAS, DRIFT_FIELD_MANAGER)
        .await?;
    Ok(())
}

fn event(app: Option<&str>, text: String, failed: bool) -> ScriptEvent {
    ScriptEvent {
        at: Timestamp::now().to_string(),
        app: app.map(str::to_string),
        text,
        failed,
    }
}

fn publish(log: &watch::Sender<Vec<ScriptEvent>>, event: ScriptEvent) {
    log.send_modify(|events| events.push(event));
}
