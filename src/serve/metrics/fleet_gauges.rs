//! The gauges of one snapshot: what the fleet looks like right now.

use std::collections::BTreeMap;

use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use super::labels::{AppInfoLabels, ClusterLabels, PauseLabels, StateLabels};
use crate::engine::api::{AutomationState, ConnectionState, FleetSnapshot, PauseScope};

pub fn register(registry: &mut Registry, snapshot: &FleetSnapshot) {
    let app_info = Family::<AppInfoLabels, Gauge>::default();
    let mut running = 0;
    let automation = Family::<StateLabels, Gauge>::default();
    for app in snapshot.apps.iter() {
        app_info
            .get_or_create(&AppInfoLabels::new(app, snapshot))
            .set(1);
        if snapshot
            .operation(&app.name)
            .is_some_and(|operation| !operation.phase.is_done())
        {
            running += 1;
        }
        automation
            .get_or_create(&StateLabels {
                state: automation_state(app.automation_state).to_string(),
            })
            .inc();
    }
    registry.register(
        "argocd_app_info",
        "Information about an application (always 1)",
        app_info,
    );

    let cluster_info = Family::<ClusterLabels, Gauge>::default();
    let connection = Family::<ClusterLabels, Gauge>::default();
    for cluster in &snapshot.clusters {
        let labels = ClusterLabels::new(&cluster.server, &cluster.name, &cluster.connection);
        cluster_info.get_or_create(&labels).set(1);
        let connected = matches!(cluster.connection, ConnectionState::Connected { .. });
        connection.get_or_create(&labels).set(i64::from(connected));
    }
    registry.register(
        "argocd_cluster_info",
        "Information about a cluster (always 1)",
        cluster_info,
    );
    registry.register(
        "argocd_cluster_connection_status",
        "Whether the cluster's API server answers (1) or not (0)",
        connection,
    );

    // The reason is free text from an operator: never a label (unbounded
    // cardinality, and it may name people or incidents).
    let mut pauses: BTreeMap<(&str, String), i64> = BTreeMap::new();
    for pause in &snapshot.pauses {
        *pauses.entry(scope_labels(&pause.scope)).or_default() += 1;
    }
    let pause_family = Family::<PauseLabels, Gauge>::default();
    for ((kind, target), count) in pauses {
        pause_family
            .get_or_create(&PauseLabels {
                scope_kind: kind.to_string(),
                scope_target: target,
            })
            .set(count);
    }
    registry.register(
        "fleetdeck_pauses_active",
        "Pauses in force, by scope",
        pause_family,
    );

    let operations = Gauge::<i64>::default();
    operations.set(running);
    registry.register(
        "fleetdeck_operations_running",
        "Sync operations running now",
        operations,
    );
    let queue = Gauge::<i64>::default();
    queue.set(i64::try_from(snapshot.queue_depth).unwrap_or(i64::MAX));
    registry.register(
        "fleetdeck_work_queue_depth",
        "Apps owed a recompute by the engine's work queue when the snapshot was published (high and staying high: the engine lags)",
        queue,
    );
    registry.register(
        "fleetdeck_app_automation",
        "Apps by where their automation stands (queued work shows as awaiting_approval, held or window)",
        automation,
    );
    let problems = Gauge::<i64>::default();
    problems.set(i64::try_from(snapshot.problems.len()).unwrap_or(i64::MAX));
    registry.register(
        "fleetdeck_repository_problems",
        "Repository and catalog problems (broken files, fetch failures)",
        problems,
    );
    let generation = Gauge::<i64>::default();
    generation.set(i64::try_from(snapshot.generation).unwrap_or(i64::MAX));
    registry.register(
        "fleetdeck_snapshot_generation",
        "Publications of the fleet picture since the engine started",
        generation,
    );
}

fn scope_labels(scope: &PauseScope) -> (&'static str, String) {
    match scope {
        PauseScope::App(name) => ("app", name.clone()),
        PauseScope::Cluster(name) => ("cluster", name.clone()),
        PauseScope::Project(name) => ("project", name.clone()),
        PauseScope::Selector(selector) => ("selector", selector.to_string()),
        PauseScope::Fleet => ("fleet", String::new()),
    }
}

fn automation_state(state: AutomationState) -> &'static str {
    match state {
        AutomationState::Manual => "manual",
        AutomationState::On => "on",
        AutomationState::Syncing => "syncing",
        AutomationState::Paused => "paused",
        AutomationState::Window => "window",
        AutomationState::AwaitingApproval => "awaiting_approval",
        AutomationState::Held => "held",
    }
}
