//! [`Publisher`]: turns the actor's [`Fleet`] into the [`FleetSnapshot`]
//! front ends read, and sends events.
//!
//! Rows are shared (`Arc`) between the fleet and every snapshot, and the
//! list of rows is rebuilt only when a row changed: an operation's
//! progress replaces its own entry in the operations map and reuses the
//! rest, so publishing costs the same at 500 apps as at 5,000.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::jiff::Timestamp;
use tokio::sync::watch;

use super::fleet::Fleet;
use super::work_queue::WorkQueue;
use crate::engine::api::{
    AppSnapshot, ClusterSnapshot, ConnectionState, FleetSnapshot, OperationSnapshot,
};
use crate::engine::cluster::ClusterRegistry;

pub(super) struct Publisher {
    snapshots: watch::Sender<Arc<FleetSnapshot>>,
    readonly: bool,
    generation: u64,
    /// The rows as last published; `None` once a row changed.
    apps: Option<Arc<Vec<Arc<AppSnapshot>>>>,
}

impl Publisher {
    pub fn new(snapshots: watch::Sender<Arc<FleetSnapshot>>, readonly: bool) -> Self {
        Publisher {
            snapshots,
            readonly,
            generation: 0,
            apps: None,
        }
    }

    /// Some row changed: the next snapshot lists the rows anew.
    pub fn rows_changed(&mut self) {
        self.apps = None;
    }

    /// How many snapshots were published (the first recompute waits for
    /// caches still listing only before the first).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn publish(&mut self, fleet: &Fleet, registry: &ClusterRegistry, queue: &WorkQueue) {
        self.generation += 1;
        let apps = self
            .apps
            .get_or_insert_with(|| {
                Arc::new(
                    fleet
                        .entries
                        .values()
                        .map(|entry| entry.row.clone())
                        .collect(),
                )
            })
            .clone();
        let operations: BTreeMap<String, Arc<OperationSnapshot>> = queue
            .operating_apps()
            .filter_map(|name| {
                let running = fleet.entries.get(name)?.operation.as_ref()?;
                Some((name.to_string(), running.snapshot.clone()))
            })
            .collect();
        let clusters = registry
            .clusters()
            .iter()
            .map(|entry| ClusterSnapshot {
                name: entry.name.clone(),
                context: entry.context.clone(),
                server: entry.server.clone(),
                labels: entry.labels.clone(),
                hub: entry.hub,
                connection: fleet
                    .connections
                    .get(&entry.name)
                    .cloned()
                    .unwrap_or(ConnectionState::Unknown),
            })
            .collect();
        let snapshot = FleetSnapshot {
            generation: self.generation,
            observed_at: Timestamp::now().to_string(),
            clusters,
            apps,
            operations,
            queue_depth: queue.depth(),
            problems: fleet.problems.clone(),
            readonly: self.readonly,
            pauses: fleet.pauses.clone(),
            rollouts: fleet.rollouts.clone(),
            application_sets: fleet.set_summaries.clone(),
        };
        self.snapshots.send_replace(Arc::new(snapshot));
    }
}
