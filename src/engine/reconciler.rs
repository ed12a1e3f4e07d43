//! The live fleet loop: Git and every cluster observed, apps compared,
//! operations run, all behind [`crate::engine::api`].
//!
//! Event driven: each cluster has a watch-fed [`LiveCache`]; a watch event
//! marks only the apps it touches dirty, and the actor recomputes those
//! apps' status from the cache (no API call) after a short debounce. Git is
//! polled every `refresh_interval` (±10% jitter) and on a Refresh command;
//! renders are cached by commit, path and options, so only apps whose
//! Application or render changed are recomputed. Every tenth poll is a full
//! resync, the safety net against a missed event. A hard refresh renders
//! its apps again whatever the render cache holds and relists their
//! clusters' live objects instead of trusting the watches. After each recompute the
//! recomputed apps' automation is decided (auto-sync once per revision,
//! retries, self-heal, gated by the rollback pin, pauses from the shared
//! pause file, approval and sync windows); after a Git poll every app's is,
//! since pauses, windows and backoffs change with time, not with events.
//!
//! Automation memory (the last attempt, retries, the self-heal run) is
//! saved in the state store after every operation and read back with the
//! app's state, so a restart keeps backoffs and does not retry a revision
//! that already failed.
//!
//! Git passes and recomputes run as tasks of their own, so commands (a
//! Cancel above all) are answered while they run; one cluster that does not
//! answer makes only its own apps Unknown.
//!
//! Every command's operator is checked against the configured roles before
//! it is acted on (automation's own syncs are governed by the apps' sync
//! policy instead), and every sync, automated or not, carries the app's
//! project rules, which `run_sync` enforces before its first write; the
//! same violations are shown as the app's conditions.

mod actor;
mod app_entry;
mod app_of_apps;
mod automation;
mod automation_pass;
mod connection;
mod fleet;
mod fleet_render;
mod git_source;
mod hard_refresh;
mod launch;
mod observe;
mod operator_commands;
mod permissions;
mod poll;
mod publisher;
mod recompute;
mod refresh;
mod work_queue;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use kube::config::Kubeconfig;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::task::JoinHandle;

pub use git_source::{CatalogSource, GitSource, LoadedApps};

use crate::engine::api::{EngineHandle, FleetSnapshot};
use crate::engine::cluster::{
    ClusterError, ClusterRegistry, ClusterSettings, DirtyApps, LiveCache, connect_or_unreachable,
};
use crate::engine::policy::approval::ApprovalGate;
use crate::engine::policy::roles::RoleBook;
use crate::engine::schedule::TimeZones;
use crate::engine::state::{
    AuditError, AuditLog, DEFAULT_ROLLBACK_PAUSE, PauseStore, PauseStoreError, RefreshRequests,
    StateError, load_generated,
};
use crate::engine::sync::SyncTimeouts;

/// Everything the engine needs, chosen by the caller (the CLI).
pub struct EngineConfig {
    pub git: GitSource,
    pub registry: ClusterRegistry,
    pub kubeconfig: Kubeconfig,
    pub cluster_settings: ClusterSettings,
    pub refresh_interval: Duration,
    /// Fetch remote repositories on every refresh.
    pub fetch: bool,
    pub readonly: bool,
    /// Where sync history is kept; `None` keeps none.
    pub state_dir: Option<PathBuf>,
    pub sync_timeouts: SyncTimeouts,
    /// Start the syncs automation decides on. Off for one-shot views
    /// (`status`): decisions are still shown, nothing is written.
    pub automation: bool,
    /// Which apps need an operator's approval before automation syncs a
    /// new revision.
    pub approval: ApprovalGate,
    /// Operator roles: every command's operator is checked against them
    /// (`RoleBook::default()` lets everyone do everything).
    pub roles: RoleBook,
    /// IANA time zones for sync windows (`TimeZones::from_dir` with the
    /// system's zoneinfo, chosen by the caller).
    pub time_zones: TimeZones,
    /// How long a rollback pauses the app's automation (zero: no pause;
    /// the rollback pin holds it either way).
    pub rollback_pause: Duration,
}

impl EngineConfig {
    /// A configuration with the defaults a fleet starts from: poll Git every
    /// minute, automation on, no state directory (nothing kept, nothing
    /// audited), no approval gate, roles that allow everything, no time
    /// zone database. Callers override what they choose with struct update
    /// syntax.
    pub fn new(git: GitSource, registry: ClusterRegistry, kubeconfig: Kubeconfig) -> Self {
        EngineConfig {
            git,
            registry,
            kubeconfig,
            cluster_settings: ClusterSettings::default(),
            refresh_interval: DEFAULT_REFRESH_INTERVAL,
            fetch: false,
            readonly: false,
            state_dir: None,
            sync_timeouts: SyncTimeouts::default(),
            automation: true,
            approval: ApprovalGate::default(),
            roles: RoleBook::default(),
            time_zones: TimeZones::without_database(),
            rollback_pause: DEFAULT_ROLLBACK_PAUSE,
        }
    }
}

/// How often Git is polled unless configured otherwise (watches carry the
/// live side; this only bounds how late a missed webhook-less commit is).
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Pauses(PauseStoreError),
    #[error(transparent)]
    Audit(#[from] AuditError),
    #[error(transparent)]
    Operations(#[from] crate::engine::operations::OperationError),
}

/// Commands queued before the engine must refuse more (a front end that
/// floods it waits instead of growing memory).
const COMMAND_QUEUE: usize = 64;
/// Events kept for slow subscribers.
const EVENT_BUFFER: usize = 1024;

/// Starts the engine; it runs until a Shutdown command or until every
/// handle is dropped.
pub async fn start(config: EngineConfig) -> Result<(EngineHandle, JoinHandle<()>), EngineError> {
    let mut clients = HashMap::new();
    let mut caches = HashMap::new();
    let dirty = Arc::new(DirtyApps::default());
    // Read-only lives in the clients, so nothing the engine runs can write.
    let cluster_settings = config.cluster_settings.readonly_if(config.readonly);
    for entry in config.registry.clusters() {
        // A context that cannot be connected is an unreachable cluster,
        // not a reason to stop the rest of the fleet.
        let client = connect_or_unreachable(
            &config.kubeconfig,
            &entry.context,
            &entry.name,
            cluster_settings,
        )
        .await;
        caches.insert(
            entry.name.clone(),
            Arc::new(LiveCache::start(client.clone(), dirty.clone())),
        );
        clients.insert(entry.name.clone(), client);
    }
    let pauses = config
        .state_dir
        .as_ref()
        .map(PauseStore::open)
        .transpose()
        .map_err(EngineError::Pauses)?;
    let audit = config
        .state_dir
        .as_deref()
        .map(AuditLog::open)
        .transpose()?;
    let refresh_requests = config.state_dir.as_deref().map(RefreshRequests::new);
    let mut state_problems = Vec::new();
    if let Some(dir) = &config.state_dir {
        let (memory, problem) = load_generated(dir);
        *config
            .git
            .generated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = memory;
        state_problems.extend(problem.map(|problem| problem.to_string()));
    }
    // One operations layer on the state directory: its lock files are
    // shared with every other fleetdeck process using it.
    let operations = match &config.state_dir {
        Some(dir) => {
            crate::engine::operations::Operations::for_state_dir(dir, config.roles.clone())?
        }
        None => crate::engine::operations::Operations::in_memory(config.roles.clone()),
    }
    .with_rollback_pause(config.rollback_pause)
    .readonly(config.readonly);
    let generated_file = config.state_dir.clone();
    let state = actor::open_state(config.state_dir)?;
    let (command_tx, command_rx) = mpsc::channel(COMMAND_QUEUE);
    let (snapshot_tx, snapshot_rx) = watch::channel(Arc::new(FleetSnapshot::default()));
    let (event_tx, _) = broadcast::channel(EVENT_BUFFER);
    let readonly = config.readonly;
    let actor = actor::Actor {
        desired: actor::Desired {
            git: Arc::new(config.git),
            refresh_interval: config.refresh_interval,
            fetch: config.fetch,
        },
        live: actor::Live {
            registry: config.registry,
            clients,
            caches: Arc::new(caches),
            dirty,
            settle: config.cluster_settings.request_timeout,
        },
        rules: actor::Rules {
            readonly,
            automation: config.automation && !readonly,
            approval: config.approval,
            roles: config.roles,
            time_zones: config.time_zones,
            sync_timeouts: config.sync_timeouts,
        },
        records: actor::Records {
            state,
            pauses,
            audit,
            refresh_requests,
            generated_file,
            state_problems,
        },
        operations,
        events: event_tx.clone(),
    };
    let publisher = publisher::Publisher::new(snapshot_tx, readonly);
    let task = tokio::spawn(actor.run(command_rx, publisher));
    Ok((EngineHandle::new(command_tx, snapshot_rx, event_tx), task))
}
