//! Prometheus metrics for the fleet, named and labelled as Argo CD names
//! them (`argocd_app_info`, `argocd_app_sync_total`, `argocd_app_reconcile`,
//! `argocd_cluster_info`, `argocd_cluster_connection_status`) so dashboards
//! and alerts written for Argo CD work unchanged, plus fleetdeck's own
//! (`fleetdeck_*`: pauses, operations, automation).
//!
//! Gauges describe the latest snapshot and are rebuilt from it at every
//! scrape, so an app or cluster that is gone leaves no stale series behind.
//! Counters and the histogram accumulate from the engine's events and
//! publications over the process's life, as Prometheus expects of them.

mod fleet_gauges;
mod labels;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tokio::sync::broadcast::error::RecvError;

use crate::engine::api::{EngineEvent, EngineHandle, FleetSnapshot};
use labels::{ReconcileLabels, SyncLabels};

pub use prometheus_text::CONTENT_TYPE;

/// Argo CD's buckets for `argocd_app_reconcile`, so its dashboards' panels
/// (which pick quantiles from these `le` values) read the same.
const RECONCILE_BUCKETS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// The metrics that outlive one snapshot.
#[derive(Debug)]
pub struct FleetMetrics {
    sync_total: Family<SyncLabels, Counter>,
    reconcile: Family<ReconcileLabels, Histogram>,
    events_missed: Counter,
    last_publication: Mutex<Option<Instant>>,
}

impl Default for FleetMetrics {
    fn default() -> Self {
        let reconcile: Family<ReconcileLabels, Histogram> =
            Family::new_with_constructor(|| Histogram::new(RECONCILE_BUCKETS));
        // Exposed from the first scrape (a family without series is not
        // exposed at all, and rules naming it would look broken).
        drop(reconcile.get_or_create(&ReconcileLabels::fleet()));
        FleetMetrics {
            sync_total: Family::default(),
            reconcile,
            events_missed: Counter::default(),
            last_publication: Mutex::new(None),
        }
    }
}

impl FleetMetrics {
    /// Counts a finished operation (`argocd_app_sync_total`); the app's
    /// project and destination come from `snapshot`, since the event does
    /// not carry them.
    pub fn record_event(&self, event: &EngineEvent, snapshot: &FleetSnapshot) {
        if let EngineEvent::OperationFinished { app, outcome } = event {
            let labels = SyncLabels::new(app, &outcome.cluster, outcome.phase, snapshot);
            self.sync_total.get_or_create(&labels).inc();
        }
    }

    /// Events the engine dropped before this reader saw them (a lagging
    /// subscriber): the sync counters undercount by at most this much.
    pub fn record_missed_events(&self, missed: u64) {
        self.events_missed.inc_by(missed);
    }

    /// Observes one snapshot publication in `argocd_app_reconcile`.
    ///
    /// The engine recomputes the fleet as a whole and publishes no
    /// per-app duration, so the histogram holds the time between
    /// consecutive publications: how old the picture gets before the next
    /// one replaces it. A slow recompute pass shows as a long interval.
    pub fn record_publication(&self, at: Instant) {
        let mut last = self
            .last_publication
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(previous) = last.replace(at) {
            let seconds = at.saturating_duration_since(previous).as_secs_f64();
            self.reconcile
                .get_or_create(&ReconcileLabels::fleet())
                .observe(seconds);
        }
    }

    /// The Prometheus text exposition (version 0.0.4) of everything, the
    /// gauges from `snapshot`.
    pub fn encode(&self, snapshot: &FleetSnapshot) -> Result<String, std::fmt::Error> {
        let mut registry = Registry::default();
        fleet_gauges::register(&mut registry, snapshot);
        registry.register(
            "argocd_app_sync",
            "Syncs finished, by phase",
            self.sync_total.clone(),
        );
        registry.register(
            "argocd_app_reconcile",
            "Seconds between fleet recomputations (fleetdeck recomputes the fleet as a whole)",
            self.reconcile.clone(),
        );
        registry.register(
            "fleetdeck_engine_events_missed",
            "Engine events dropped before the metrics reader saw them",
            self.events_missed.clone(),
        );
        let mut text = String::new();
        prometheus_text::encode(&mut text, &registry)?;
        Ok(text)
    }
}

/// Feeds `metrics` from the engine until it stops: every event, every
/// snapshot publication.
pub async fn follow(metrics: Arc<FleetMetrics>, engine: EngineHandle) {
    let mut events = engine.subscribe();
    let mut snapshots = engine.watch();
    metrics.record_publication(Instant::now());
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => metrics.record_event(&event, &engine.snapshot()),
                Err(RecvError::Lagged(missed)) => metrics.record_missed_events(missed),
                Err(RecvError::Closed) => break,
            },
            changed = snapshots.changed() => {
                if changed.is_err() {
                    break;
                }
                snapshots.borrow_and_update();
                metrics.record_publication(Instant::now());
            }
        }
    }
}
