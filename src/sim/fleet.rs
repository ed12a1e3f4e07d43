//! The simulated fleet: N clusters started in-process (each an axum server on
//! 127.0.0.1 over TLS), one kubeconfig naming them all, and a clean shutdown. This is the
//! public face of `sim`: `Fleet::start(spec)`, `kubeconfig_path()`, `cluster(name)`,
//! `shutdown().await`, and the optional state file loaded at start and saved at
//! shutdown (`super::state_file`).

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;

use super::controllers::{self, Clock, ScaledClock, SimSpeed};
use super::error::SimError;
use super::faults::Faults;
use super::instance;
use super::kubeconfig::{self, KubeconfigCluster};
use super::outage::{self, ServerSlot};
use super::server::ClusterState;
use super::state_file::{self, LoadedState};
use super::tls;
use super::write_count::WriteCounts;

/// Watch events each cluster keeps so watches can resume (older ones get 410 Expired).
pub const DEFAULT_WATCH_HISTORY: usize = 10_000;

/// Simulated nodes per cluster unless [`ClusterSpec::nodes`] says otherwise.
pub const DEFAULT_NODES: u32 = 3;

/// How long `shutdown` waits for open connections before cutting them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// One simulated cluster to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterSpec {
    /// Cluster and kubeconfig context name (lowercase DNS label).
    pub name: String,
    /// Labels fleetdeck groups clusters by (env=prod, region=eu...); written to the
    /// kubeconfig context extension `fleetdeck.dev/cluster`.
    pub labels: BTreeMap<String, String>,
    /// Loopback port; 0 picks a free one.
    pub port: u16,
    /// Simulated nodes (`sim-node-1`...): a DaemonSet runs one Pod on each (at least 1).
    pub nodes: u32,
}

impl ClusterSpec {
    pub fn new(name: impl Into<String>) -> Self {
        ClusterSpec {
            name: name.into(),
            labels: BTreeMap::new(),
            port: 0,
            nodes: DEFAULT_NODES,
        }
    }

    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The number of simulated nodes (at least 1; see [`DEFAULT_NODES`]).
    pub fn nodes(mut self, nodes: u32) -> Self {
        self.nodes = nodes.max(1);
        self
    }
}

/// What to start: the clusters (the first is the kubeconfig's current context) and
/// where to write the kubeconfig. The simulator never picks paths itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetSpec {
    pub clusters: Vec<ClusterSpec>,
    pub kubeconfig_path: PathBuf,
    /// Watch events retained per cluster (see [`DEFAULT_WATCH_HISTORY`]).
    pub watch_history: usize,
    /// Run the simulated controllers (Deployments roll out, Pods start...) at this
    /// speed; `None` leaves objects as clients wrote them.
    pub controllers: Option<SimSpeed>,
    /// Load the objects from this file at start (when it exists) and save them to it
    /// at shutdown (see [`FleetSpec::state_file`]).
    pub state_file: Option<PathBuf>,
}

impl FleetSpec {
    /// An empty fleet writing its kubeconfig to `kubeconfig_path`; add clusters with
    /// [`FleetSpec::cluster`].
    pub fn new(kubeconfig_path: impl Into<PathBuf>) -> Self {
        FleetSpec {
            clusters: Vec::new(),
            kubeconfig_path: kubeconfig_path.into(),
            watch_history: DEFAULT_WATCH_HISTORY,
            controllers: None,
            state_file: None,
        }
    }

    pub fn cluster(mut self, cluster: ClusterSpec) -> Self {
        self.clusters.push(cluster);
        self
    }

    pub fn watch_history(mut self, events: usize) -> Self {
        self.watch_history = events.max(1);
        self
    }

    /// Run the simulated controllers at `speed` (see [`SimSpeed`]).
    pub fn controllers(mut self, speed: SimSpeed) -> Self {
        self.controllers = Some(speed);
        self
    }

    /// Persist the fleet in `path`: its objects are loaded at start if the file exists
    /// (a corrupt file makes [`Fleet::start`] fail and is never overwritten) and saved
    /// atomically by [`Fleet::shutdown`]. Format: `{"version": 1, "clusters":
    /// {"<name>": [object, ...]}}`; objects keep uid, resourceVersion and managedFields.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// The demo fleet: a hub plus dev, staging and two production regions (five
    /// simulated nodes each, three elsewhere), with the controllers at human pace.
    pub fn demo(kubeconfig_path: impl Into<PathBuf>) -> Self {
        FleetSpec::new(kubeconfig_path)
            .controllers(SimSpeed::HUMAN)
            .cluster(
                ClusterSpec::new("hub")
                    .label("env", "hub")
                    .label("region", "eu"),
            )
            .cluster(
                ClusterSpec::new("dev")
                    .label("env", "dev")
                    .label("region", "eu"),
            )
            .cluster(
                ClusterSpec::new("staging")
                    .label("env", "staging")
                    .label("region", "eu"),
            )
            .cluster(
                ClusterSpec::new("prod-eu")
                    .label("env", "prod")
                    .label("region", "eu")
                    .nodes(5),
            )
            .cluster(
                ClusterSpec::new("prod-us")
                    .label("env", "prod")
                    .label("region", "us")
                    .nodes(5),
            )
    }

    fn validate(&self) -> Result<(), SimError> {
        if self.clusters.is_empty() {
            return Err(SimError::NoClusters);
        }
        let mut seen = HashSet::new();
        for cluster in &self.clusters {
            let name = &cluster.name;
            let valid = super::validation::is_dns_label(name) && !name.ends_with("-readonly");
            if !valid {
                return Err(SimError::InvalidClusterName { name: name.clone() });
            }
            if !seen.insert(name.as_str()) {
                return Err(SimError::DuplicateCluster { name: name.clone() });
            }
        }
        Ok(())
    }
}

/// A running simulated cluster.
pub struct SimCluster {
    state: Arc<ClusterState>,
    /// The serving task, up or down.
    slot: Arc<ServerSlot>,
}

impl SimCluster {
    pub fn name(&self) -> &str {
        &self.state.name
    }

    pub fn labels(&self) -> &BTreeMap<String, String> {
        &self.state.labels
    }

    pub fn address(&self) -> SocketAddr {
        self.state.address
    }

    /// `https://127.0.0.1:<port>`, the kubeconfig's `server` (TLS because kubectl
    /// never sends credentials over plain HTTP).
    pub fn base_url(&self) -> String {
        format!("https://{}", self.state.address)
    }

    /// The admin context's name in the kubeconfig (the cluster name).
    pub fn context(&self) -> &str {
        &self.state.name
    }

    /// The read-only context's name in the kubeconfig (`<name>-readonly`).
    pub fn read_only_context(&self) -> String {
        kubeconfig::read_only_context(&self.state.name)
    }

    /// The mutating requests this cluster has received so far (see
    /// [`WriteCounts`]): a read-only client must leave them at zero.
    pub fn write_counts(&self) -> WriteCounts {
        self.state.writes.counts()
    }

    /// Run-time fault injection for this cluster (latency, errors, dropped watches).
    pub fn faults(&self) -> Faults {
        Faults::new(self.state.faults.clone())
    }

    /// Fault: the cluster goes away. The listener closes (new connections are refused),
    /// open watches end and open connections are cut after a short grace period. The
    /// objects stay; [`SimCluster::come_up`] serves them again.
    pub async fn go_down(&self) {
        self.slot.go_down().await;
    }

    /// Serve again on the same address after [`SimCluster::go_down`] (a no-op while up).
    pub async fn come_up(&self) -> Result<(), SimError> {
        self.slot.come_up().await
    }

    /// Bearer token allowed to do anything.
    pub fn admin_token(&self) -> &str {
        &self.state.tokens.admin
    }

    /// Bearer token allowed only to read (writes get 403).
    pub fn read_only_token(&self) -> &str {
        &self.state.tokens.read_only
    }
}

/// A running simulated fleet. Stop it with [`Fleet::shutdown`]; dropping it also
/// signals the servers to stop, without waiting.
pub struct Fleet {
    clusters: Vec<SimCluster>,
    kubeconfig_path: PathBuf,
    ca_pem: String,
    shutdown: watch::Sender<bool>,
    /// The controller tasks, one per cluster when controllers run.
    controllers: Vec<tokio::task::JoinHandle<()>>,
    /// The outage timer tasks (admin endpoint `POST /sim/down`), one per cluster.
    outage_timers: Vec<tokio::task::JoinHandle<()>>,
    /// Where shutdown saves the objects, if anywhere.
    state_file: Option<PathBuf>,
    /// Clusters of the loaded state file that this fleet does not run, written back
    /// unchanged.
    other_clusters: BTreeMap<String, Vec<Arc<Value>>>,
}

impl Fleet {
    /// Start every cluster of `spec` on loopback and write the kubeconfig. Must be
    /// called inside a tokio runtime (the servers are tasks on it).
    pub async fn start(spec: FleetSpec) -> Result<Fleet, SimError> {
        spec.validate()?;
        // Before binding anything: a corrupt state file stops the start.
        let mut loaded = match &spec.state_file {
            Some(path) => state_file::load(path)?.unwrap_or_default(),
            None => LoadedState::default(),
        };
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut listeners = Vec::new();
        for cluster in &spec.clusters {
            let listener = tokio::net::TcpListener::bind(("127.0.0.1", cluster.port))
                .await
                .map_err(|source| SimError::Bind {
                    cluster: cluster.name.clone(),
                    port: cluster.port,
                    source,
                })?;
            let address = listener.local_addr().map_err(|source| SimError::Bind {
                cluster: cluster.name.clone(),
                port: cluster.port,
                source,
            })?;
            listeners.push((listener, address));
        }
        let tls = tls::generate()?;
        let mut clusters = Vec::new();
        let mut controller_tasks = Vec::new();
        let mut outage_timers = Vec::new();
        for (cluster, (listener, address)) in spec.clusters.iter().zip(listeners) {
            let state = Arc::new(ClusterState::new(
                cluster.name.clone(),
                cluster.labels.clone(),
                address,
                spec.watch_history,
                shutdown_rx.clone(),
            ));
            if let Some(objects) = loaded.take(&cluster.name) {
                state_file::restore(&mut state.lock(), objects);
            }
            let server = instance::spawn(
                state.clone(),
                listener,
                tls.acceptor.clone(),
                shutdown_rx.clone(),
            );
            if let Some(speed) = spec.controllers {
                let clock: Arc<dyn Clock> = Arc::new(ScaledClock::new(speed));
                controller_tasks.push(controllers::spawn(
                    state.clone(),
                    clock,
                    speed,
                    cluster.nodes.max(1),
                    shutdown_rx.clone(),
                ));
            }
            tracing::info!(cluster = %cluster.name, %address, "simulated cluster listening");
            let slot = Arc::new(ServerSlot::new(
                state.clone(),
                tls.acceptor.clone(),
                shutdown_rx.clone(),
                server,
            ));
            outage_timers.push(outage::spawn_timer(slot.clone()));
            clusters.push(SimCluster { state, slot });
        }
        let entries: Vec<KubeconfigCluster<'_>> = clusters
            .iter()
            .map(|c| KubeconfigCluster {
                name: c.name(),
                server: c.base_url(),
                admin_token: c.admin_token(),
                read_only_token: c.read_only_token(),
                labels: c.labels(),
            })
            .collect();
        let config = kubeconfig::build(&entries, &tls.ca_pem);
        let fleet = Fleet {
            clusters,
            kubeconfig_path: spec.kubeconfig_path.clone(),
            ca_pem: tls.ca_pem,
            shutdown,
            controllers: controller_tasks,
            outage_timers,
            state_file: spec.state_file.clone(),
            other_clusters: loaded.into_remaining(),
        };
        kubeconfig::write(&spec.kubeconfig_path, &config)?;
        Ok(fleet)
    }

    /// The kubeconfig written at start.
    pub fn kubeconfig_path(&self) -> &Path {
        &self.kubeconfig_path
    }

    /// The fleet CA (PEM) that signed every cluster's serving certificate; the
    /// kubeconfig carries it too.
    pub fn ca_certificate_pem(&self) -> &str {
        &self.ca_pem
    }

    pub fn cluster(&self, name: &str) -> Option<&SimCluster> {
        self.clusters.iter().find(|c| c.name() == name)
    }

    /// Every cluster's [`WriteCounts`], by cluster name.
    pub fn write_counts(&self) -> BTreeMap<String, WriteCounts> {
        self.clusters
            .iter()
            .map(|cluster| (cluster.name().to_string(), cluster.write_counts()))
            .collect()
    }

    /// All clusters, in spec order.
    pub fn clusters(&self) -> &[SimCluster] {
        &self.clusters
    }

    /// The state file shutdown saves to ([`FleetSpec::state_file`]).
    pub fn state_file(&self) -> Option<&Path> {
        self.state_file.as_deref()
    }

    /// Save every cluster's objects to `path` now, atomically (the format of
    /// [`FleetSpec::state_file`]). Each cluster is a consistent snapshot; clusters
    /// are not frozen together.
    pub fn save_state(&self, path: &Path) -> Result<(), SimError> {
        let mut clusters = self.other_clusters.clone();
        for cluster in &self.clusters {
            let objects = state_file::snapshot(&cluster.state.lock());
            clusters.insert(cluster.name().to_string(), objects);
        }
        state_file::save(path, &clusters)
    }

    /// Stop every server: open watches end, connections get a short grace period,
    /// then the tasks are aborted; then save the state file, if there is one. The
    /// kubeconfig is left in place (the caller owns its path).
    pub async fn shutdown(mut self) -> Result<(), SimError> {
        let _ = self.shutdown.send(true);
        let mut first_error = None;
        for task in std::mem::take(&mut self.controllers)
            .into_iter()
            .chain(std::mem::take(&mut self.outage_timers))
        {
            if let Err(error) = task.await {
                tracing::warn!(%error, "simulated fleet task ended abnormally");
            }
        }
        for cluster in &self.clusters {
            if let Err(source) = cluster.slot.stop(SHUTDOWN_GRACE).await {
                first_error.get_or_insert(SimError::ServerTask {
                    cluster: cluster.name().to_string(),
                    source,
                });
            }
        }
        if let Some(path) = &self.state_file
            && let Err(error) = self.save_state(path)
        {
            // Saving matters more than reporting a server task that panicked.
            first_error = Some(error);
        }
        match first_error {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_validation() {
        let path = PathBuf::from("unused");
        assert!(matches!(
            FleetSpec::new(&path).validate(),
            Err(SimError::NoClusters)
        ));
        let twice = FleetSpec::new(&path)
            .cluster(ClusterSpec::new("a"))
            .cluster(ClusterSpec::new("a"));
        assert!(matches!(
            twice.validate(),
            Err(SimError::DuplicateCluster { .. })
        ));
        let bad = FleetSpec::new(&path).cluster(ClusterSpec::new("Bad_Name"));
        assert!(matches!(
            bad.validate(),
            Err(SimError::InvalidClusterName { .. })
        ));
        FleetSpec::demo(&path).validate().expect("demo is valid");
        assert_eq!(FleetSpec::demo(&path).clusters[0].name, "hub");
    }
}
