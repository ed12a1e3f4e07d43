//! Simulated controllers: what kube-controller-manager and the kubelet would do to a
//! cluster's objects (Deployment → ReplicaSet → Pods, StatefulSets with ordered Pods and
//! claims, DaemonSets with a Pod per simulated node, CronJobs → Jobs → Pods, pod start-up
//! and failure images, Service addresses, PVC binding, Ingress addresses, Namespace
//! phase), driven by an injectable [`Clock`] so tests run fast and the demo is human-paced.
//!
//! One task per cluster runs a level-triggered pass on every tick: each controller in
//! turn locks the store and reconciles every object of the kinds it owns (settled
//! Pods are skipped cheaply, so a large cluster's pass stays short). Controllers write through the
//! same commit path as API requests ([`super::write`]), so watches see ADDED / MODIFIED /
//! DELETED events with increasing resourceVersions, no-op writes are skipped, and
//! managedFields name the simulated manager (`kube-controller-manager`, `kubelet`...).
//!
//! Delays (pod start, readiness, crash back-off, load-balancer address) are measured in
//! simulated time; the timestamps written into objects stay wall-clock times, as the
//! API server's own `creationTimestamp` is. The one exception is the CronJob controller:
//! schedules are evaluated against a simulated wall clock ([`Pass::wall`]: the real time
//! the controllers started plus simulated time since), so `*/1 * * * *` fires every
//! simulated minute, and the CronJob's `lastScheduleTime` / `lastSuccessfulTime` are
//! simulated wall-clock times (ahead of the real clock when the speed is above 1).
//!
//! A cluster has [`Pass::nodes`] simulated nodes named by [`node_name`] (no Node objects
//! are served): DaemonSets run a Pod on each, StatefulSet Pods spread over them, and
//! ReplicaSet and Job Pods land on the first.

mod cron_job;
mod daemon_set;
mod deployment;
mod ingress;
mod job;
mod namespace;
mod pod;
mod pvc;
mod replica_set;
mod service;
mod stateful_set;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::resource_kinds::{ResourceKind, builtin};
use super::server::ClusterState;
use super::status_error::ApiError;
use super::store::Store;
use super::write::{Target, Tracking, commit_update, create_internal};

/// How fast simulated time runs: simulated seconds per real second. Delays such as a
/// pod's start-up or `progressDeadlineSeconds` are simulated time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimSpeed {
    factor: u32,
}

impl SimSpeed {
    /// Real time: a pod is Ready a few seconds after it is created (the demo pace).
    pub const HUMAN: SimSpeed = SimSpeed { factor: 1 };

    /// `factor` simulated seconds per real second (at least 1); tests use 20 or more.
    pub const fn times(factor: u32) -> Self {
        SimSpeed {
            factor: if factor == 0 { 1 } else { factor },
        }
    }

    pub const fn factor(self) -> u32 {
        self.factor
    }

    /// Real time between two controller passes: one simulated second, at most half a
    /// real second and at least 10 ms.
    fn tick(self) -> Duration {
        (Duration::from_secs(1) / self.factor).clamp(Duration::from_millis(10), MAX_TICK)
    }
}

const MAX_TICK: Duration = Duration::from_millis(500);

/// Simulated time for the controllers. Injectable so tests can drive it by hand.
pub(crate) trait Clock: Send + Sync + std::fmt::Debug {
    /// Simulated time elapsed since the clock started.
    fn now(&self) -> Duration;
}

/// Real (tokio) time multiplied by a [`SimSpeed`] (tokio time, so a paused test
/// runtime pauses it too).
#[derive(Debug, Clone)]
pub(crate) struct ScaledClock {
    start: tokio::time::Instant,
    speed: SimSpeed,
}

impl ScaledClock {
    pub fn new(speed: SimSpeed) -> Self {
        ScaledClock {
            start: tokio::time::Instant::now(),
            speed,
        }
    }
}

impl Clock for ScaledClock {
    fn now(&self) -> Duration {
        self.start.elapsed() * self.speed.factor
    }
}

/// A clock that moves only when told to (unit tests).
#[cfg(test)]
#[derive(Debug, Default)]
pub(crate) struct ManualClock {
    now: std::sync::Mutex<Duration>,
}

#[cfg(test)]
impl ManualClock {
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

#[cfg(test)]
impl Clock for ManualClock {
    fn now(&self) -> Duration {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Field managers the simulated components write as.
pub(crate) const CONTROLLER_MANAGER: &str = "kube-controller-manager";
pub(crate) const KUBELET: &str = "kubelet";
pub(crate) const API_SERVER: &str = "kube-apiserver";

/// Label and annotation names shared by the workload controllers.
pub(crate) const POD_TEMPLATE_HASH: &str = "pod-template-hash";

/// What the controllers remember between passes (simulated times, keyed by uid).
#[derive(Debug, Default)]
pub(crate) struct Memory {
    /// When a pod was first seen (its clock starts there).
    pub pod_seen: HashMap<String, Duration>,
    /// When a Service was first seen (load-balancer delay).
    pub service_seen: HashMap<String, Duration>,
    /// When another object with a delay (PVC, Ingress) or a CronJob (its schedule
    /// starts there) was first seen.
    pub first_seen: HashMap<String, Duration>,
    /// Deployment uid → (last progress, what progress was measured on).
    pub deployment_progress: HashMap<String, (Duration, String)>,
    /// StatefulSet uid → revision name → pod template, for the current and update
    /// revisions (what ControllerRevisions hold in Kubernetes).
    pub statefulset_revisions: HashMap<String, HashMap<String, Value>>,
}

impl Memory {
    /// Forget uids that no longer exist.
    fn prune(&mut self, store: &Store) {
        self.pod_seen.retain(|uid, _| store.uid_exists(uid));
        self.service_seen.retain(|uid, _| store.uid_exists(uid));
        self.first_seen.retain(|uid, _| store.uid_exists(uid));
        self.deployment_progress
            .retain(|uid, _| store.uid_exists(uid));
        self.statefulset_revisions
            .retain(|uid, _| store.uid_exists(uid));
    }
}

/// What one pass knows besides the store: the simulated time and the cluster's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pass {
    /// Simulated time since the controllers started (what delays are measured in).
    pub now: Duration,
    /// Simulated wall-clock time since the Unix epoch: the real time the controllers
    /// started plus `now`. CronJob schedules are evaluated against it.
    pub wall: Duration,
    /// Simulated nodes in the cluster (see [`node_name`]).
    pub nodes: u32,
}

impl Pass {
    /// A pass at simulated time `now` whose wall clock started at the Unix epoch
    /// (deterministic unit tests).
    #[cfg(test)]
    pub fn at(now: Duration, nodes: u32) -> Self {
        Pass {
            now,
            wall: now,
            nodes,
        }
    }
}

/// The name of simulated node `index` (0-based): `sim-node-1`, `sim-node-2`...
pub(crate) fn node_name(index: u32) -> String {
    format!("sim-node-{}", u64::from(index) + 1)
}

/// One controller's share of a pass.
type Step = fn(&mut Store, &mut Memory, &Pass);

/// The controllers in pass order. CronJobs go first so a new Job gets its Pods in the
/// same pass; pod readiness feeds the workload controllers' status in the same pass,
/// hence their second round.
const STEPS: [Step; 16] = [
    |store, _, _| namespace::reconcile(store),
    |store, memory, pass| service::reconcile(store, memory, pass.now),
    |store, memory, pass| pvc::reconcile(store, memory, pass.now),
    |store, memory, pass| ingress::reconcile(store, memory, pass.now),
    cron_job::reconcile,
    |store, memory, pass| deployment::reconcile(store, memory, pass.now),
    |store, _, _| replica_set::reconcile(store),
    stateful_set::reconcile,
    |store, _, pass| daemon_set::reconcile(store, pass),
    |store, memory, pass| pod::reconcile(store, memory, pass.now),
    |store, _, _| job::reconcile(store),
    |store, _, _| replica_set::reconcile(store),
    |store, memory, pass| deployment::reconcile(store, memory, pass.now),
    |store, _, _| stateful_set::reconcile_status(store),
    |store, _, pass| daemon_set::reconcile_status(store, pass),
    |store, memory, _| memory.prune(store),
];

/// One pass of every controller over `store` at simulated time `now`, with the default
/// number of nodes and a wall clock that started at the Unix epoch.
#[cfg(test)]
pub(crate) fn reconcile(store: &mut Store, memory: &mut Memory, now: Duration) {
    reconcile_pass(store, memory, &Pass::at(now, super::fleet::DEFAULT_NODES));
}

/// One pass of every controller over `store`.
#[cfg(test)]
pub(crate) fn reconcile_pass(store: &mut Store, memory: &mut Memory, pass: &Pass) {
    for step in STEPS {
        step(store, memory, pass);
    }
}

/// Real wall-clock time since the Unix epoch (zero if the system clock is before it).
fn wall_clock_now() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// Run the controllers of `state` (a cluster of `nodes` simulated nodes) until
/// `shutdown` turns true (or its sender drops).
pub(crate) fn spawn(
    state: Arc<ClusterState>,
    clock: Arc<dyn Clock>,
    speed: SimSpeed,
    nodes: u32,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut memory = Memory::default();
        // The simulated wall clock reads the real time when simulated time started.
        let wall_start = wall_clock_now().saturating_sub(clock.now());
        let mut ticks = tokio::time::interval(speed.tick());
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = shutdown.wait_for(|stop| *stop) => break,
                _ = ticks.tick() => {}
            }
            let now = clock.now();
            let pass = Pass {
                now,
                wall: wall_start + now,
                nodes,
            };
            // The store is locked per step, so API requests interleave with a pass.
            for step in STEPS {
                step(&mut state.lock(), &mut memory, &pass);
            }
        }
        tracing::debug!(cluster = %state.name, "simulated controllers stopped");
    })
}

/// A built-in kind by (group, plural); the table always holds the kinds used here.
pub(crate) fn kind(group: &str, plural: &str) -> Option<&'static ResourceKind> {
    builtin(group, "v1", plural)
}

/// Write `new` over `old` (the whole object, or only its status when `status`), as
/// `manager`. Errors are logged: a controller retries on its next pass.
pub(crate) fn write(
    store: &mut Store,
    kind: &ResourceKind,
    old: &Value,
    new: Value,
    manager: &str,
    status: bool,
) -> Option<Value> {
    let namespace = super::meta::namespace(old).to_string();
    let name = super::meta::name(old).to_string();
    let target = Target {
        kind,
        namespace: kind.namespaced.then_some(namespace.as_str()),
        name: Some(&name),
        subresource: status.then_some("status"),
    };
    match commit_update(store, &target, old, new, manager, false, Tracking::Update) {
        Ok(stored) => Some(stored),
        Err(error) => {
            log_error(kind, &namespace, &name, &error);
            None
        }
    }
}

/// Create `object` as `manager`; errors are logged (retried on the next pass).
pub(crate) fn create(store: &mut Store, kind: &ResourceKind, object: Value, manager: &str) {
    let namespace = super::meta::namespace(&object).to_string();
    let name = super::meta::name(&object).to_string();
    if let Err(error) = create_internal(store, kind, object, manager) {
        log_error(kind, &namespace, &name, &error);
    }
}

fn log_error(kind: &ResourceKind, namespace: &str, name: &str, error: &ApiError) {
    tracing::debug!(kind = %kind.kind, %namespace, %name, ?error, "simulated controller write failed");
}

/// Objects of `kind` whose controller ownerReference names `owner_uid`.
pub(crate) fn controlled_by(
    store: &Store,
    kind: &ResourceKind,
    namespace: &str,
    owner_uid: &str,
) -> Vec<Arc<Value>> {
    let key = kind.storage_key();
    store
        .dependents_of(owner_uid)
        .into_iter()
        .filter(|(k, ns, _)| *k == key && ns == namespace)
        .filter_map(|(k, ns, name)| store.get(&k, &ns, &name))
        .filter(|object| {
            object["metadata"]["ownerReferences"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|r| r["uid"] == owner_uid && r["controller"] == true)
        })
        .collect()
}

/// An ownerReference naming `owner` as controller.
pub(crate) fn controller_ref(owner: &Value) -> Value {
    serde_json::json!([{
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    }])
}

/// `spec.replicas` (default 1).
pub(crate) fn desired_replicas(object: &Value) -> i64 {
    object["spec"]["replicas"].as_i64().unwrap_or(1).max(0)
}

/// A condition list with `condition` set by type. `lastTransitionTime` changes only
/// when the status does; `lastUpdateTime` (when `with_update`) whenever anything does.
pub(crate) fn set_condition(conditions: &mut Vec<Value>, mut condition: Value, with_update: bool) {
    let now = super::meta::now();
    let kind = condition["type"].clone();
    let existing = conditions.iter_mut().find(|c| c["type"] == kind);
    match existing {
        Some(existing) => {
            let same_status = existing["status"] == condition["status"];
            let unchanged = same_status
                && existing["reason"] == condition["reason"]
                && existing["message"] == condition["message"];
            if unchanged {
                return;
            }
            condition["lastTransitionTime"] = if same_status {
                existing["lastTransitionTime"].clone()
            } else {
                Value::String(now.clone())
            };
            if with_update {
                condition["lastUpdateTime"] = Value::String(now);
            }
            *existing = condition;
        }
        None => {
            condition["lastTransitionTime"] = Value::String(now.clone());
            if with_update {
                condition["lastUpdateTime"] = Value::String(now);
            }
            conditions.push(condition);
        }
    }
}

/// A short, stable hash of `value` in the alphabet Kubernetes uses for generated
/// suffixes (no vowels, no look-alike digits).
pub(crate) fn safe_hash(value: &Value, len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let hash = blake3::hash(value.to_string().as_bytes());
    hash.as_bytes()
        .iter()
        .take(len)
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_sets_the_tick_and_the_clock() {
        assert_eq!(SimSpeed::HUMAN.tick(), MAX_TICK);
        assert_eq!(SimSpeed::times(50).tick(), Duration::from_millis(20));
        assert_eq!(SimSpeed::times(0).factor(), 1);
        let clock = ManualClock::default();
        clock.advance(Duration::from_secs(3));
        assert_eq!(clock.now(), Duration::from_secs(3));
    }

    #[test]
    fn conditions_keep_their_transition_time_while_the_status_holds() {
        let mut conditions = Vec::new();
        set_condition(
            &mut conditions,
            serde_json::json!({"type": "Available", "status": "False", "reason": "A"}),
            true,
        );
        conditions[0]["lastTransitionTime"] = Value::String("2000-01-01T00:00:00Z".into());
        set_condition(
            &mut conditions,
            serde_json::json!({"type": "Available", "status": "False", "reason": "B"}),
            true,
        );
        assert_eq!(conditions.len(), 1);
        assert_eq!(conditions[0]["reason"], "B");
        assert_eq!(conditions[0]["lastTransitionTime"], "2000-01-01T00:00:00Z");
        set_condition(
            &mut conditions,
            serde_json::json!({"type": "Available", "status": "True", "reason": "B"}),
            true,
        );
        assert_ne!(conditions[0]["lastTransitionTime"], "2000-01-01T00:00:00Z");
        assert_eq!(safe_hash(&serde_json::json!({"a": 1}), 10).len(), 10);
    }
}
