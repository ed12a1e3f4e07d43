//! The engine at fleet scale: 10 simulated clusters × 500 apps, each app a
//! Deployment with its ReplicaSet and 8 Pods (50,000 objects), loaded
//! through the simulator's state file (no 50k HTTP writes), controllers
//! off so the clusters are quiet.
//!
//! Printed (not asserted):
//! - cached objects and bytes per cached object: the 10 live caches alone,
//!   started before the engine, RSS growth over the objects they hold (an
//!   estimate: allocator slack included);
//! - cold start: engine start until every app has a status that is not
//!   Unknown (all lists, 5,000 renders, 5,000 comparisons);
//! - CPU over 10 s idle (utime + stime from /proc/self/stat, simulator
//!   included, 100 ticks a second assumed);
//! - incremental reconcile: one Deployment deleted by another client, until
//!   its app shows health Missing in the snapshot;
//! - RSS after the cold start.
//!
//! Run with `cargo bench --bench fleet_scale`.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleetdeck::engine::api::Command;
use fleetdeck::engine::cluster::{
    ClusterChoice, ClusterRegistry, ClusterSettings, DeletePropagation, DirtyApps, LiveCache,
    connect, read_kubeconfig,
};
use fleetdeck::engine::diff::SyncStatus;
use fleetdeck::engine::health::HealthStatus;
use fleetdeck::engine::manifest::ObjectKey;
use fleetdeck::engine::reconciler::{CatalogSource, EngineConfig, GitSource, start};
use fleetdeck::engine::render::{RenderCache, RenderTools};
use fleetdeck::engine::source::{RepoCache, RepoPath};
use fleetdeck::engine::sync::SyncTimeouts;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec};
use serde_json::{Value, json};

#[path = "support/commit_files.rs"]
mod commit_files;
#[path = "support/rss.rs"]
mod rss;
use rss::rss_mib;

const CLUSTERS: usize = 10;
const APPS_PER_CLUSTER: usize = 500;
const PODS_PER_APP: usize = 8;
const NAMESPACES: usize = 10;
const REPO_URL: &str = "https://git.example.com/platform/scale.git";
const STEP_TIMEOUT: Duration = Duration::from_secs(900);

fn cluster_name(cluster: usize) -> String {
    format!("c{cluster:02}")
}

fn app_name(cluster: usize, app: usize) -> String {
    format!("c{cluster:02}-app-{app:04}")
}

fn namespace(app: usize) -> String {
    format!("team-{:02}", app % NAMESPACES)
}

fn desired_deployment(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {PODS_PER_APP}\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/{name}:1.0.0\n"
    )
}

fn application(cluster: usize, app: usize) -> String {
    let name = app_name(cluster, app);
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n  project: default\n  source:\n    repoURL: {REPO_URL}\n    path: apps/{name}\n  destination:\n    name: {}\n    namespace: {}\n",
        cluster_name(cluster),
        namespace(app)
    )
}

/// The app's objects as a sync would have left them: the Deployment
/// tracked and labelled, its ReplicaSet and Pods owned.
fn live_objects(cluster: usize, app: usize, emit: &mut impl FnMut(Value)) {
    let name = app_name(cluster, app);
    let ns = namespace(app);
    let id = cluster * APPS_PER_CLUSTER + app;
    let deployment_uid = format!("00000000-0000-4000-a000-{id:012}");
    let rs_uid = format!("00000000-0000-4000-b000-{id:012}");
    emit(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {
            "name": name, "namespace": ns, "uid": deployment_uid, "generation": 1,
            "labels": {"fleetdeck.dev/app": name},
            "annotations": {"fleetdeck.dev/tracking-id": format!("{name}:apps/Deployment:{ns}/{name}")},
        },
        "spec": {
            "replicas": PODS_PER_APP,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": format!("registry.example/{name}:1.0.0")}]}},
        },
        "status": {"replicas": PODS_PER_APP, "readyReplicas": PODS_PER_APP,
            "availableReplicas": PODS_PER_APP, "updatedReplicas": PODS_PER_APP,
            "observedGeneration": 1},
    }));
    emit(json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": format!("{name}-7d9f8c6b5"), "namespace": ns, "uid": rs_uid,
            "labels": {"app": name, "pod-template-hash": "7d9f8c6b5"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name,
                "uid": deployment_uid, "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": {"replicas": PODS_PER_APP, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": format!("registry.example/{name}:1.0.0")}]}}},
        "status": {"replicas": PODS_PER_APP, "readyReplicas": PODS_PER_APP, "availableReplicas": PODS_PER_APP},
    }));
    for replica in 0..PODS_PER_APP {
        emit(json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": format!("{name}-7d9f8c6b5-{replica:05}"), "namespace": ns,
                "labels": {"app": name, "pod-template-hash": "7d9f8c6b5"},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                    "name": format!("{name}-7d9f8c6b5"), "uid": rs_uid,
                    "controller": true, "blockOwnerDeletion": true}],
            },
            "spec": {"containers": [{"name": "app", "image": format!("registry.example/{name}:1.0.0")}],
                "nodeName": format!("node-{}", replica % 3), "restartPolicy": "Always"},
            "status": {"phase": "Running",
                "conditions": [{"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}],
                "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "started": true,
                    "image": format!("registry.example/{name}:1.0.0"),
                    "state": {"running": {"startedAt": "2026-01-01T00:00:02Z"}}}]},
        }));
    }
}

/// The state file, streamed object by object.
fn write_state_file(path: &Path) {
    let file = std::fs::File::create(path).expect("create state file");
    let mut out = BufWriter::new(file);
    out.write_all(br#"{"version": 1, "clusters": {"#)
        .expect("write");
    for cluster in 0..CLUSTERS {
        if cluster > 0 {
            out.write_all(b",").expect("write");
        }
        write!(out, "\"{}\": [", cluster_name(cluster)).expect("write");
        let mut first = true;
        let mut emit = |object: Value| {
            if !first {
                out.write_all(b",").expect("write");
            }
            first = false;
            serde_json::to_writer(&mut out, &object).expect("write object");
        };
        for ns in 0..NAMESPACES {
            emit(json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": format!("team-{ns:02}")}}));
        }
        for app in 0..APPS_PER_CLUSTER {
            live_objects(cluster, app, &mut emit);
        }
        out.write_all(b"]").expect("write");
    }
    out.write_all(b"}}\n").expect("write");
    out.flush().expect("flush");
}

/// utime + stime of this process, in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at state.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let field = |index: usize| {
        fields
            .get(index)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after ')'.
    field(11) + field(12)
}

async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(STEP_TIMEOUT, future)
        .await
        .unwrap_or_else(|_| panic!("{what} took over {STEP_TIMEOUT:?}"))
}

async fn run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    write_state_file(&state);
    let mut spec = FleetSpec::new(dir.path().join("kubeconfig")).state_file(&state);
    for cluster in 0..CLUSTERS {
        spec = spec.cluster(ClusterSpec::new(cluster_name(cluster)));
    }
    let loading = Instant::now();
    let fleet = Fleet::start(spec).await.expect("fleet");
    println!("fleet loaded in {:?}", loading.elapsed());

    let repo_dir = dir.path().join("repo");
    let mut files = Vec::new();
    for cluster in 0..CLUSTERS {
        for app in 0..APPS_PER_CLUSTER {
            let name = app_name(cluster, app);
            files.push((
                format!("argocd/{name}.yaml"),
                application(cluster, app).into_bytes(),
            ));
            files.push((
                format!("apps/{name}/deployment.yaml"),
                desired_deployment(&name).into_bytes(),
            ));
        }
    }
    commit_files::commit_files(&repo_dir, "the fleet", files);
    git2::Repository::open(&repo_dir)
        .expect("open")
        .remote("origin", REPO_URL)
        .expect("origin");

    let kubeconfig = read_kubeconfig(fleet.kubeconfig_path()).expect("kubeconfig");
    let settings = ClusterSettings {
        request_timeout: Duration::from_secs(60),
        ..ClusterSettings::default()
    };

    // The caches alone: objects held and bytes per object.
    let before = rss_mib();
    let dirty = Arc::new(DirtyApps::default());
    let mut caches = Vec::new();
    let listing = Instant::now();
    for cluster in 0..CLUSTERS {
        let name = cluster_name(cluster);
        let client = connect(&kubeconfig, &name, &name, settings)
            .await
            .expect("client");
        caches.push(LiveCache::start(client, dirty.clone()));
    }
    for cache in &caches {
        within("a cache's lists", cache.settled()).await;
    }
    let objects: usize = caches.iter().map(LiveCache::len).sum();
    let grown = rss_mib() - before;
    println!(
        "10 live caches: {objects} objects listed in {:?}; RSS +{grown:.1} MiB, ~{:.0} bytes per cached object",
        listing.elapsed(),
        grown * 1024.0 * 1024.0 / objects.max(1) as f64
    );
    drop(caches);

    let cache = Arc::new(RepoCache::new(dir.path().join("repos")));
    let local = cache
        .open(&repo_dir.display().to_string())
        .expect("open repo");
    let choices: Vec<ClusterChoice> = (0..CLUSTERS)
        .map(|cluster| ClusterChoice {
            context: cluster_name(cluster),
            ..ClusterChoice::default()
        })
        .collect();
    let registry = ClusterRegistry::from_kubeconfig(&kubeconfig, &choices, None).expect("registry");
    let config = EngineConfig {
        cluster_settings: settings,
        refresh_interval: Duration::from_secs(3600),
        automation: false,
        sync_timeouts: SyncTimeouts::default(),
        ..EngineConfig::new(
            GitSource::new(
                vec![CatalogSource {
                    repo: local,
                    revision: "HEAD".to_string(),
                    path: RepoPath::new("argocd").expect("path"),
                }],
                cache,
                RenderTools::default(),
                RenderCache::new(CLUSTERS * APPS_PER_CLUSTER + 100),
            ),
            registry,
            kubeconfig.clone(),
        )
    };
    let total = CLUSTERS * APPS_PER_CLUSTER;
    let cold = Instant::now();
    let (engine, _task) = start(config).await.expect("engine starts");
    let full = within(
        "the cold start",
        engine.wait_for(|snapshot| {
            snapshot.apps.len() == total
                && snapshot
                    .apps
                    .iter()
                    .all(|app| app.sync != SyncStatus::Unknown)
        }),
    )
    .await
    .expect("engine running");
    let synced = full
        .apps
        .iter()
        .filter(|app| app.sync == SyncStatus::Synced)
        .count();
    println!(
        "cold start to full status of {total} apps: {:?} ({synced} Synced); RSS {:.1} MiB",
        cold.elapsed(),
        rss_mib()
    );

    let ticks = cpu_ticks();
    let idle = Instant::now();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let used = (cpu_ticks() - ticks) as f64 / 100.0;
    println!(
        "CPU over {:?} idle: {used:.2} s ({:.1}% of one core, simulator included)",
        idle.elapsed(),
        used * 100.0 / idle.elapsed().as_secs_f64()
    );

    let victim = app_name(5, 250);
    let client = connect(&kubeconfig, &cluster_name(5), "bench-client", settings)
        .await
        .expect("client");
    let key = ObjectKey {
        group: "apps".into(),
        kind: "Deployment".into(),
        namespace: namespace(250),
        name: victim.clone(),
    };
    let changed = Instant::now();
    client
        .delete("apps/v1", &key, DeletePropagation::Orphan, false)
        .await
        .expect("delete");
    within(
        "the incremental reconcile",
        engine.wait_for(|snapshot| {
            snapshot
                .app(&victim)
                .is_some_and(|row| row.health == HealthStatus::Missing)
        }),
    )
    .await
    .expect("engine running");
    println!(
        "incremental reconcile (one Deployment deleted -> its app Missing): {:?}; RSS {:.1} MiB",
        changed.elapsed(),
        rss_mib()
    );
    engine.send(Command::Shutdown).await.expect("shutdown");
    fleet.shutdown().await.expect("fleet shutdown");
}

fn main() {
    // The engine's own timings of its Git passes and recomputes.
    tracing_subscriber::fmt()
        .with_env_filter("fleetdeck::engine::reconciler=debug")
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}
