//! The fleet as the engine last saw it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::diff::{ResourceSyncStatus, SyncStatus};
use crate::engine::health::HealthStatus;
use crate::engine::manifest::ObjectKey;
use crate::engine::sync::{OperationPhase, ResourceResult};

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FleetSnapshot {
    /// Bumped on every publication.
    pub generation: u64,
    /// RFC 3339, when this picture was completed.
    pub observed_at: String,
    pub clusters: Vec<ClusterSnapshot>,
    /// Ordered by name.
    pub apps: Vec<AppSnapshot>,
    /// Repository and catalog problems (broken files, fetch failures).
    pub problems: Vec<String>,
}

impl FleetSnapshot {
    pub fn app(&self, name: &str) -> Option<&AppSnapshot> {
        self.apps.iter().find(|app| app.name == name)
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
    /// The destination cluster, when it resolves.
    pub cluster: Option<String>,
    pub namespace: String,
    pub sync: SyncStatus,
    pub health: HealthStatus,
    /// The rendered commit.
    pub revision: Option<String>,
    pub automated: bool,
    /// Why the status is not known, or what is wrong with the app
    /// (render failure, unknown destination, unreachable cluster).
    pub conditions: Vec<String>,
    pub resources: Vec<ResourceSummary>,
    pub operation: Option<OperationSnapshot>,
    /// Automation in words: "auto-sync on", "syncing (self-heal)", "paused
    /// ...", "blocked by deny window ...", "awaiting approval of abc1234".
    /// `None` for an app without automated sync and nothing to say.
    pub automation: Option<String>,
    /// The pauses covering the app, each with who, why and time left.
    pub paused: Vec<String>,
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
