//! Label sets of the metrics, with Argo CD's label names and spellings.

use prometheus_client::encoding::EncodeLabelSet;

use crate::engine::api::{
    AppSnapshot, ConnectionState, FleetSnapshot, HealthStatus, OperationPhase, SyncStatus,
};

/// Argo CD labels each app with the namespace of its Application object;
/// fleetdeck's Applications live in Git, not in a namespace, so every app
/// carries this one (dashboards filter on it, so it must be constant).
pub const APP_NAMESPACE: &str = "fleetdeck";

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct AppInfoLabels {
    pub name: String,
    pub namespace: String,
    pub project: String,
    pub dest_server: String,
    pub dest_namespace: String,
    pub repo: String,
    pub sync_status: String,
    pub health_status: String,
    pub operation: String,
    pub autosync_enabled: String,
}

impl AppInfoLabels {
    pub fn new(app: &AppSnapshot, snapshot: &FleetSnapshot) -> Self {
        let running = snapshot
            .operation(&app.name)
            .is_some_and(|operation| !operation.phase.is_done());
        AppInfoLabels {
            name: app.name.clone(),
            namespace: APP_NAMESPACE.to_string(),
            project: app.project.clone(),
            dest_server: dest_server(app, snapshot),
            dest_namespace: app.namespace.clone(),
            repo: app
                .source
                .as_ref()
                .map(|source| source.repo_url.clone())
                .unwrap_or_default(),
            sync_status: sync_status(app.sync).to_string(),
            health_status: health_status(app.health).to_string(),
            operation: if running { "sync" } else { "" }.to_string(),
            autosync_enabled: app.automated.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct SyncLabels {
    pub name: String,
    pub namespace: String,
    pub project: String,
    pub dest_server: String,
    pub phase: String,
}

impl SyncLabels {
    /// `cluster` is the operation's own (the app may have moved since, or
    /// be gone from the snapshot).
    pub fn new(app: &str, cluster: &str, phase: OperationPhase, snapshot: &FleetSnapshot) -> Self {
        let known = snapshot.app(app);
        let dest_server = snapshot
            .cluster(cluster)
            .map(|cluster| cluster.server.clone())
            .or_else(|| known.map(|app| dest_server(app, snapshot)))
            .unwrap_or_default();
        SyncLabels {
            name: app.to_string(),
            namespace: APP_NAMESPACE.to_string(),
            project: known.map(|app| app.project.clone()).unwrap_or_default(),
            dest_server,
            phase: operation_phase(phase).to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ReconcileLabels {
    pub namespace: String,
    pub dest_server: String,
}

impl ReconcileLabels {
    /// The whole fleet (recomputed together, so no one destination).
    pub fn fleet() -> Self {
        ReconcileLabels {
            namespace: APP_NAMESPACE.to_string(),
            dest_server: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct ClusterLabels {
    pub server: String,
    pub name: String,
    pub k8s_version: String,
}

impl ClusterLabels {
    pub fn new(server: &str, name: &str, connection: &ConnectionState) -> Self {
        ClusterLabels {
            server: server.to_string(),
            name: name.to_string(),
            k8s_version: match connection {
                ConnectionState::Connected { version, .. } => version.clone(),
                _ => String::new(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct PauseLabels {
    pub scope_kind: String,
    pub scope_target: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
pub struct StateLabels {
    pub state: String,
}

/// The server URL of the app's destination cluster, or the destination as
/// written when it does not resolve.
fn dest_server(app: &AppSnapshot, snapshot: &FleetSnapshot) -> String {
    app.cluster
        .as_deref()
        .and_then(|name| snapshot.cluster(name))
        .map(|cluster| cluster.server.clone())
        .unwrap_or_else(|| app.destination.clone())
}

pub fn sync_status(status: SyncStatus) -> &'static str {
    match status {
        SyncStatus::Synced => "Synced",
        SyncStatus::OutOfSync => "OutOfSync",
        SyncStatus::Unknown => "Unknown",
    }
}

pub fn health_status(status: HealthStatus) -> &'static str {
    match status {
        HealthStatus::Healthy => "Healthy",
        HealthStatus::Suspended => "Suspended",
        HealthStatus::Progressing => "Progressing",
        HealthStatus::Missing => "Missing",
        HealthStatus::Degraded => "Degraded",
        HealthStatus::Unknown => "Unknown",
    }
}

pub fn operation_phase(phase: OperationPhase) -> &'static str {
    match phase {
        OperationPhase::Running => "Running",
        OperationPhase::Terminating => "Terminating",
        OperationPhase::Succeeded => "Succeeded",
        OperationPhase::Failed => "Failed",
        OperationPhase::Error => "Error",
    }
}
