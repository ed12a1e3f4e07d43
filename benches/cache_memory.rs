//! Memory of the live cache per object: one simulated cluster holding
//! `APPS` apps, each a tracked Deployment with its ReplicaSet and
//! `PODS_PER_APP` Pods shaped like a real API server returns them (probes,
//! resources, projected token volume, tolerations, status conditions with
//! times; managedFields left out), loaded through the simulator's state
//! file, watched by one [`LiveCache`].
//!
//! The heap is counted by a wrapping global allocator, so the figure is
//! what the cache holds, not allocator slack: live bytes with the cache
//! settled, minus live bytes once it is dropped (its watch tasks stopped).
//! RSS is printed beside it for comparison.
//!
//! Printed (not asserted). Run with `cargo bench --bench cache_memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use fleetdeck::engine::cluster::{
    ClusterSettings, DirtyApps, LiveCache, OwnedObject, connect, read_kubeconfig,
};
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec};
use serde_json::{Value, json};

#[path = "support/rss.rs"]
mod rss;
use rss::rss_mib;

const APPS: usize = 500;
const PODS_PER_APP: usize = 8;
const CLUSTER: &str = "c00";

/// The system allocator, counting the bytes it has out.
struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call forwards to `System` with the caller's layout; the
// counter is only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn live_mib() -> f64 {
    LIVE_BYTES.load(Ordering::Relaxed) as f64 / (1024.0 * 1024.0)
}

fn container(name: &str) -> Value {
    json!({
        "name": "app", "image": format!("registry.example/{name}:1.0.0"),
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
        "env": [
            {"name": "LOG_LEVEL", "value": "info"},
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "SERVICE", "value": name},
        ],
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "livenessProbe": {"httpGet": {"path": "/live", "port": 8080, "scheme": "HTTP"},
            "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "volumeMounts": [{"name": "kube-api-access", "readOnly": true,
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    })
}

fn pod_spec(name: &str, node: usize) -> Value {
    json!({
        "containers": [container(name)],
        "volumes": [{"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace",
                "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}},
        ]}}],
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default", "serviceAccount": "default", "nodeName": format!("node-{node}"),
        "securityContext": {}, "schedulerName": "default-scheduler", "priority": 0,
        "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority",
        "tolerations": [
            {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        ],
    })
}

fn condition(kind: &str) -> Value {
    json!({"type": kind, "status": "True", "lastProbeTime": null,
        "lastTransitionTime": "2026-01-01T00:00:02Z"})
}

/// One app as a sync would have left it.
fn app_objects(app: usize, emit: &mut impl FnMut(Value)) {
    let name = format!("app-{app:04}");
    let ns = format!("team-{:02}", app % 10);
    let deployment_uid = format!("00000000-0000-4000-a000-{app:012}");
    let rs_uid = format!("00000000-0000-4000-b000-{app:012}");
    let template = json!({"metadata": {"labels": {"app": name}}, "spec": pod_spec(&name, 0)});
    emit(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {
            "name": name, "namespace": ns, "uid": deployment_uid, "generation": 1,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"fleetdeck.dev/app": name},
            "annotations": {"fleetdeck.dev/tracking-id": format!("{name}:apps/Deployment:{ns}/{name}"),
                "deployment.kubernetes.io/revision": "1"},
        },
        "spec": {"replicas": PODS_PER_APP, "selector": {"matchLabels": {"app": name}},
            "template": template, "strategy": {"type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
        "status": {"replicas": PODS_PER_APP, "readyReplicas": PODS_PER_APP,
            "availableReplicas": PODS_PER_APP, "updatedReplicas": PODS_PER_APP,
            "observedGeneration": 1, "conditions": [condition("Available"), condition("Progressing")]},
    }));
    emit(json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": format!("{name}-7d9f8c6b5"), "namespace": ns, "uid": rs_uid, "generation": 1,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app": name, "pod-template-hash": "7d9f8c6b5"},
            "annotations": {"deployment.kubernetes.io/desired-replicas": PODS_PER_APP.to_string(),
                "deployment.kubernetes.io/max-replicas": (PODS_PER_APP + 2).to_string(),
                "deployment.kubernetes.io/revision": "1"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                "uid": deployment_uid, "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": {"replicas": PODS_PER_APP, "selector": {"matchLabels": {"app": name, "pod-template-hash": "7d9f8c6b5"}},
            "template": {"metadata": {"labels": {"app": name, "pod-template-hash": "7d9f8c6b5"}},
                "spec": pod_spec(&name, 0)}},
        "status": {"replicas": PODS_PER_APP, "fullyLabeledReplicas": PODS_PER_APP,
            "readyReplicas": PODS_PER_APP, "availableReplicas": PODS_PER_APP, "observedGeneration": 1},
    }));
    for replica in 0..PODS_PER_APP {
        let pod = format!("{name}-7d9f8c6b5-{replica:05}");
        emit(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": pod, "generateName": format!("{name}-7d9f8c6b5-"), "namespace": ns,
                "uid": format!("00000000-0000-4000-c{replica:03}-{app:012}"),
                "creationTimestamp": "2026-01-01T00:00:01Z",
                "labels": {"app": name, "pod-template-hash": "7d9f8c6b5"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": format!("{name}-7d9f8c6b5"), "uid": rs_uid,
                    "controller": true, "blockOwnerDeletion": true}],
            },
            "spec": pod_spec(&name, replica % 3),
            "status": {"phase": "Running",
                "conditions": [condition("PodReadyToStartContainers"), condition("Initialized"),
                    condition("Ready"), condition("ContainersReady"), condition("PodScheduled")],
                "hostIP": "10.0.0.3", "hostIPs": [{"ip": "10.0.0.3"}],
                "podIP": "10.244.1.17", "podIPs": [{"ip": "10.244.1.17"}],
                "startTime": "2026-01-01T00:00:01Z", "qosClass": "Burstable",
                "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "started": true,
                    "image": format!("registry.example/{name}:1.0.0"),
                    "imageID": format!("registry.example/{name}@sha256:4f9c2e1a7b3d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7"),
                    "containerID": format!("containerd://{app:032x}{replica:032x}"),
                    "lastState": {}, "state": {"running": {"startedAt": "2026-01-01T00:00:02Z"}}}]},
        }));
    }
}

fn write_state_file(path: &Path) -> usize {
    let file = std::fs::File::create(path).expect("create state file");
    let mut out = BufWriter::new(file);
    write!(out, r#"{{"version": 1, "clusters": {{"{CLUSTER}": ["#).expect("write");
    let mut count = 0;
    let mut emit = |object: Value| {
        if count > 0 {
            out.write_all(b",").expect("write");
        }
        count += 1;
        serde_json::to_writer(&mut out, &object).expect("write object");
    };
    for ns in 0..10 {
        emit(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": format!("team-{ns:02}")}}));
    }
    for app in 0..APPS {
        app_objects(app, &mut emit);
    }
    out.write_all(b"]}}\n").expect("write");
    out.flush().expect("flush");
    count
}

/// The heap `make`'s result holds (measured before the fleet starts, when
/// nothing else allocates).
fn heap_of<T>(make: impl FnOnce() -> T) -> (T, isize) {
    let before = LIVE_BYTES.load(Ordering::Relaxed);
    let made = make();
    (made, LIVE_BYTES.load(Ordering::Relaxed) - before)
}

/// What one tracked Deployment and one owned Pod cost as a `Value` tree and
/// as the cache keeps them: the Deployment as JSON text, the Pod as its
/// summary.
fn per_object() {
    let mut objects = Vec::new();
    app_objects(0, &mut |object| objects.push(object.to_string()));
    let (deployment, whole) = heap_of(|| serde_json::from_str::<Value>(&objects[0]));
    let (pod, pod_whole) = heap_of(|| serde_json::from_str::<Value>(&objects[2]));
    let pod = pod.expect("pod");
    let (summary, summarised) = heap_of(|| OwnedObject::of(&pod).map(Box::new));
    println!(
        "one Deployment: {whole} bytes of heap as a Value, {} as the text the cache keeps; one Pod: {pod_whole} bytes as a Value, {} bytes as its summary ({} bytes of JSON)",
        objects[0].len(),
        summarised + std::mem::size_of::<OwnedObject>() as isize,
        objects[2].len(),
    );
    drop((deployment, summary));
}

async fn run() {
    per_object();
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    let written = write_state_file(&state);
    let bytes = std::fs::metadata(&state).map_or(0, |meta| meta.len());
    println!(
        "{written} objects in the simulator, {:.0} bytes of JSON each on average",
        bytes as f64 / written as f64
    );
    let spec = FleetSpec::new(dir.path().join("kubeconfig"))
        .state_file(&state)
        .cluster(ClusterSpec::new(CLUSTER));
    let fleet = Fleet::start(spec).await.expect("fleet");
    let kubeconfig = read_kubeconfig(fleet.kubeconfig_path()).expect("kubeconfig");
    let settings = ClusterSettings {
        request_timeout: Duration::from_secs(60),
        ..ClusterSettings::default()
    };
    let client = connect(&kubeconfig, CLUSTER, CLUSTER, settings)
        .await
        .expect("client");
    let (rss_before, live_before) = (rss_mib(), live_mib());
    let listing = Instant::now();
    let cache = LiveCache::start(client, Arc::new(DirtyApps::default()));
    tokio::time::timeout(Duration::from_secs(300), cache.settled())
        .await
        .expect("the cache settles");
    let listed = listing.elapsed();
    // Let the list responses' buffers go before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let objects = cache.len();
    let (rss_held, live_held) = (rss_mib(), live_mib());
    drop(cache);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let live_after = live_mib();
    let held = live_held - live_after;
    println!("{objects} objects cached in {listed:?}");
    println!(
        "heap held by the cache: {held:.1} MiB, {:.0} bytes per cached object (live heap {live_before:.1} → {live_held:.1} → {live_after:.1} MiB after the drop)",
        held * 1024.0 * 1024.0 / objects.max(1) as f64
    );
    println!(
        "RSS {rss_before:.1} → {rss_held:.1} MiB while cached (+{:.0} bytes per object, allocator slack included)",
        (rss_held - rss_before) * 1024.0 * 1024.0 / objects.max(1) as f64
    );
    drop(fleet);
}

fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(run());
}
