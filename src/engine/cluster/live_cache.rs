//! [`LiveCache`]: one cluster's objects, kept current by watches, so the
//! reconciler computes an app's status without asking the API server.
//!
//! What is watched, and why:
//! - Every listable, watchable kind (Events and Leases aside), filtered by
//!   the `fleetdeck.dev/app` label the sync sets on everything it applies.
//!   All kinds, not only those rendered now: an object of a kind Git no
//!   longer renders must still show as extraneous. The label keeps each
//!   watch to fleetdeck's objects (the tracking annotation stays the
//!   authority; a label is only how the server can filter).
//! - The child kinds the resource tree and health read (ReplicaSet, Pod,
//!   Job), unfiltered and cluster-wide: controllers create them without
//!   fleetdeck's label. Only owned (or tracked) ones are kept.
//!
//! A limit of the label filter: an unlabelled object at an identity an app
//! renders (one a sync would adopt) is invisible until the sync labels it,
//! so the app shows it Missing rather than OutOfSync.
//!
//! Each kind's watch feeds [`store::CacheStore`], which names the apps an
//! event touches ([`DirtyApps`]); [`health::CacheHealth`] turns the watches'
//! fortunes into a [`CacheState`]. A supervisor task runs discovery, starts
//! and stops the watches, re-runs discovery when asked (a CRD applied), and
//! probes the server while it is unreachable.

mod backoff;
mod dirty;
mod health;
mod store;
mod strip;
mod watch_kind;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub use dirty::{DirtyApps, DirtyMarks};
pub use health::CacheState;

use self::backoff::RetryDelay;
use self::health::{CacheHealth, KindId};
use self::store::CacheStore;
use self::watch_kind::{KindWatch, watch_kind};
use super::client::ClusterClient;
use super::error::ClusterError;
use super::live_objects::{LiveObjects, NOT_LISTED};
use crate::engine::manifest::ObjectKey;

/// Kinds watched without the label filter: what controllers create for
/// the objects fleetdeck applies.
const CHILD_KINDS: &[(&str, &str)] = &[("apps", "ReplicaSet"), ("", "Pod"), ("batch", "Job")];

/// Discovery is re-run at most this often, however often it is asked for
/// (an app rendering a kind its cluster does not serve asks every time).
const REDISCOVERY_GAP: Duration = Duration::from_secs(2);

/// A cluster's live cache. Dropping it stops its watches.
pub struct LiveCache {
    shared: Arc<Shared>,
    requests: mpsc::UnboundedSender<Request>,
    state: watch::Receiver<CacheState>,
    supervisor: JoinHandle<()>,
}

/// What a cluster's tasks share.
struct Shared {
    cluster: String,
    client: ClusterClient,
    store: RwLock<CacheStore>,
    health: CacheHealth,
    dirty: Arc<DirtyApps>,
    kept_managers: RwLock<BTreeSet<String>>,
    watched: RwLock<BTreeSet<KindId>>,
    state: watch::Sender<CacheState>,
}

enum Request {
    /// A kind may have appeared (a CRD applied): run discovery again.
    Rediscover,
    /// What is kept of objects changed, or a hard refresh: list
    /// everything again.
    Relist,
}

impl LiveCache {
    /// Starts discovery and the watches of `client`'s cluster (in the
    /// current tokio runtime); changes are marked in `dirty`.
    pub fn start(client: ClusterClient, dirty: Arc<DirtyApps>) -> LiveCache {
        let (state_tx, state) = watch::channel(CacheState::Syncing);
        let shared = Arc::new(Shared {
            cluster: client.name().to_string(),
            client,
            store: RwLock::default(),
            health: CacheHealth::default(),
            dirty,
            kept_managers: RwLock::default(),
            watched: RwLock::default(),
            state: state_tx,
        });
        let (requests, receiver) = mpsc::unbounded_channel();
        let supervisor = tokio::spawn(supervise(shared.clone(), receiver));
        LiveCache {
            shared,
            requests,
            state,
            supervisor,
        }
    }

    pub fn cluster(&self) -> &str {
        &self.shared.cluster
    }

    /// The cluster's client (its discovery answers the diff's scope
    /// questions).
    pub fn client(&self) -> &ClusterClient {
        &self.shared.client
    }

    pub fn state(&self) -> CacheState {
        self.state.borrow().clone()
    }

    /// Returns once the cache is ready or knows the cluster is unreachable
    /// (how long that may take is the caller's to bound).
    pub async fn settled(&self) {
        let mut state = self.state.clone();
        let _ = state
            .wait_for(|state| !matches!(state, CacheState::Syncing))
            .await;
    }

    /// Objects held now.
    pub fn len(&self) -> usize {
        self.shared.read().len()
    }

    pub fn is_empty(&self) -> bool {
        self.shared.read().is_empty()
    }

    /// One app's objects (see [`store::CacheStore::view`]), with the kinds
    /// the cluster refuses to show noted as unreadable.
    pub fn view(&self, app: &str, wanted: &[ObjectKey]) -> LiveObjects {
        let mut live = self.shared.read().view(app, wanted);
        live.unreadable = self.shared.health.unreadable();
        live
    }

    /// Whether a kind is watched; when not, the caller may ask for
    /// [`LiveCache::rediscover`] (its CRD may have been applied since).
    pub fn watches(&self, group: &str, kind: &str) -> bool {
        self.shared
            .watched
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&(group.to_string(), kind.to_string()))
    }

    pub fn rediscover(&self) {
        let _ = self.requests.send(Request::Rediscover);
    }

    /// Lists every watched kind again instead of trusting what the watches
    /// delivered (a hard refresh). The old picture stays until each new
    /// list replaces it, so the cluster's apps do not turn Unknown
    /// meanwhile; each finished list marks the apps it touches dirty.
    pub fn relist(&self) {
        let _ = self.requests.send(Request::Relist);
    }

    /// Field managers whose managedFields entries tracked objects keep (the
    /// apps' `ignoreDifferences.managedFieldsManagers`). A change relists
    /// the cluster, since entries already stripped cannot come back.
    pub fn keep_managers(&self, managers: BTreeSet<String>) {
        let mut kept = self
            .shared
            .kept_managers
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if *kept != managers {
            *kept = managers;
            let _ = self.requests.send(Request::Relist);
        }
    }
}

impl Drop for LiveCache {
    fn drop(&mut self) {
        self.supervisor.abort();
    }
}

impl Shared {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, CacheStore> {
        // A store update is one insert or remove per index; a panic cannot
        // leave one half-done that a reader would trip on.
        self.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, CacheStore> {
        self.store.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn kept_managers(&self) -> std::sync::RwLockReadGuard<'_, BTreeSet<String>> {
        self.kept_managers
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Publishes the state after a health update that changed it, and
    /// marks every app of the cluster dirty (their status depends on it).
    fn state_changed(&self, changed: bool) {
        if changed {
            self.state.send_replace(self.health.state());
            self.dirty.mark_cluster(&self.cluster);
        }
    }
}

/// Aborts a task when dropped: a watch lives as long as its entry.
struct TaskGuard(JoinHandle<()>);

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Discovery, the watches, and the probe while unreachable.
async fn supervise(shared: Arc<Shared>, mut requests: mpsc::UnboundedReceiver<Request>) {
    let mut watches: HashMap<KindId, TaskGuard> = HashMap::new();
    let mut retry = RetryDelay::new(Duration::from_millis(200), Duration::from_secs(5));
    loop {
        match discover(&shared.client).await {
            Ok((version, kinds)) => {
                retry.reset();
                watches.retain(|kind, _| kinds.iter().any(|watch| watch.id() == *kind));
                for kind in &kinds {
                    watches.entry(kind.id()).or_insert_with(|| {
                        TaskGuard(tokio::spawn(watch_kind(shared.clone(), kind.clone())))
                    });
                }
                let ids: BTreeSet<KindId> = kinds.iter().map(KindWatch::id).collect();
                *shared
                    .watched
                    .write()
                    .unwrap_or_else(PoisonError::into_inner) = ids.clone();
                let changed = shared.health.discovered(version, ids);
                shared.state_changed(changed);
            }
            Err(error) => {
                let changed = shared.health.discovery_failed(error.to_string());
                shared.state_changed(changed);
                tokio::time::sleep(retry.next_delay()).await;
                continue;
            }
        }
        let last_discovery = tokio::time::Instant::now();
        let Some(request) = serve(&shared, &mut requests).await else {
            return;
        };
        if let Request::Rediscover = request {
            tokio::time::sleep_until(last_discovery + REDISCOVERY_GAP).await;
        }
        // Requests that queued meanwhile are answered by this round too.
        let mut relist = matches!(request, Request::Relist);
        while let Ok(queued) = requests.try_recv() {
            relist |= matches!(queued, Request::Relist);
        }
        if relist {
            watches.clear();
        }
        shared.client.discovery().invalidate();
    }
}

/// Waits for a request, probing the server meanwhile whenever the cache
/// says it is unreachable. `None`: the cache is gone.
async fn serve(
    shared: &Shared,
    requests: &mut mpsc::UnboundedReceiver<Request>,
) -> Option<Request> {
    let mut probe_retry = RetryDelay::new(Duration::from_millis(250), Duration::from_secs(5));
    let mut state = shared.state.subscribe();
    loop {
        let unreachable = matches!(*state.borrow_and_update(), CacheState::Unreachable { .. });
        if unreachable {
            tokio::select! {
                request = requests.recv() => return request,
                () = tokio::time::sleep(probe_retry.next_delay()) => {
                    if let Ok(version) = shared.client.probe().await {
                        let changed = shared.health.probed(version);
                        shared.state_changed(changed);
                    }
                }
            }
        } else {
            probe_retry.reset();
            tokio::select! {
                request = requests.recv() => return request,
                Ok(()) = state.changed() => {}
            }
        }
    }
}

/// The server's version and the kinds to watch.
async fn discover(client: &ClusterClient) -> Result<(String, Vec<KindWatch>), ClusterError> {
    let version = client.probe().await?;
    let kinds = client
        .listable_resources()
        .await?
        .into_iter()
        .filter(|info| info.supports("watch"))
        .filter(|info| {
            !NOT_LISTED
                .iter()
                .any(|(group, kind)| info.resource.group == *group && info.resource.kind == *kind)
        })
        .map(|info| {
            let child = CHILD_KINDS
                .iter()
                .any(|(group, kind)| info.resource.group == *group && info.resource.kind == *kind);
            KindWatch {
                info,
                labelled: !child,
            }
        })
        .collect();
    Ok((version, kinds))
}
