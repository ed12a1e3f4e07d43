//! Syncing many apps to one simulated cluster through the real kube-rs
//! path: 100 apps × 10 resources (a Deployment, a Service, ConfigMaps, a
//! Secret, a ServiceAccount, a Role and a RoleBinding), ten syncs at a time.
//!
//! - `first_sync`: every app created on an empty cluster (a fresh one per
//!   sample; create + wait for the Deployments to become available, the
//!   simulated controllers at 100×).
//! - `resync_unchanged`: the same apps synced again with nothing to change
//!   (apply, compare, health: the steady-state cost).
//!
//! Criterion reports time per 100 apps; apps/s is 100 / that time.

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fleetdeck::engine::cluster::{ClusterClient, ClusterSettings, connect, read_kubeconfig};
use fleetdeck::engine::diff::CompareOptions;
use fleetdeck::engine::manifest::{Manifest, Origin};
use fleetdeck::engine::sync::{
    CancelSignal, OperationLocks, ProgressSink, ProjectGuard, SyncOptions, SyncRequest,
    SyncTimeouts, run_sync,
};
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};
use futures::StreamExt;
use serde_json::{Value, json};

const APPS: usize = 100;
const CONCURRENT_SYNCS: usize = 10;

fn objects(app: &str) -> Vec<Value> {
    let mut objects = vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": app},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": app}},
                "template": {"metadata": {"labels": {"app": app}},
                    "spec": {"containers": [{"name": "app", "image": "registry.example/app:1.0",
                        "ports": [{"containerPort": 8080}]}]}}}}),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": app},
            "spec": {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": 8080}]}}),
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": format!("{app}-db")},
            "stringData": {"password": "not-a-real-one"}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": app}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": app},
            "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": app},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": app},
            "subjects": [{"kind": "ServiceAccount", "name": app}]}),
    ];
    for index in 0..4 {
        objects.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("{app}-config-{index}")},
            "data": {"mode": "fast", "index": index.to_string()}}));
    }
    objects
}

fn request(app: &str, namespace: &str) -> SyncRequest {
    SyncRequest {
        compare: CompareOptions::new(app, namespace),
        revision: "bench".to_string(),
        desired: objects(app)
            .into_iter()
            .enumerate()
            .map(|(document, object)| Manifest {
                object,
                origin: Origin {
                    file: "bench.yaml".into(),
                    document,
                    line: 1,
                },
            })
            .collect(),
        app_options: SyncOptions::parse(["CreateNamespace=true"]),
        prune: true,
        dry_run: false,
        allow_empty: false,
        selected: None,
        timeouts: SyncTimeouts {
            wave: Duration::from_secs(60),
            hook: Duration::from_secs(60),
            poll: Duration::from_millis(50),
        },
        initiated_by: "bench".to_string(),
        project: ProjectGuard::implicit_default(),
    }
}

/// Syncs apps `round-0..APPS`, ten at a time; panics on a failed sync (a
/// benchmark of failures measures nothing).
async fn sync_all(client: &ClusterClient, round: usize) {
    let locks = OperationLocks::default();
    let progress = ProgressSink::none();
    let outcomes: Vec<_> = futures::stream::iter(0..APPS)
        .map(|index| {
            let app = format!("app-{round}-{index}");
            let namespace = format!("team-{round}-{}", index % 10);
            let (locks, progress) = (&locks, &progress);
            async move {
                run_sync(
                    client,
                    request(&app, &namespace),
                    locks,
                    progress,
                    CancelSignal::never(),
                )
                .await
            }
        })
        .buffer_unordered(CONCURRENT_SYNCS)
        .collect()
        .await;
    for outcome in outcomes {
        assert!(outcome.succeeded(), "{}: {}", outcome.app, outcome.message);
    }
}

/// A fresh simulated cluster and a client for it.
async fn fresh_cluster(dir: &std::path::Path) -> (Fleet, ClusterClient) {
    let spec = FleetSpec::new(dir.join("kubeconfig"))
        .cluster(ClusterSpec::new("bench"))
        .controllers(SimSpeed::times(100));
    let fleet = Fleet::start(spec).await.expect("fleet");
    let kubeconfig = read_kubeconfig(fleet.kubeconfig_path()).expect("kubeconfig");
    let settings = ClusterSettings {
        qps: 0.0,
        ..ClusterSettings::default()
    };
    let client = connect(&kubeconfig, "bench", "bench", settings)
        .await
        .expect("client");
    (fleet, client)
}

fn bench_sync(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("sync_100_apps_x10");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    group.throughput(Throughput::Elements(APPS as u64));
    // Every sample starts from an empty cluster, so samples are alike (a
    // cluster holding every earlier sample's apps would measure its growth).
    group.bench_function("first_sync", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let dir = tempfile::tempdir().expect("tempdir");
                let (fleet, client) = runtime.block_on(fresh_cluster(dir.path()));
                let start = Instant::now();
                runtime.block_on(sync_all(&client, 0));
                total += start.elapsed();
                runtime.block_on(fleet.shutdown()).expect("shutdown");
            }
            total
        })
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let (fleet, client) = runtime.block_on(fresh_cluster(dir.path()));
    runtime.block_on(sync_all(&client, 0));
    group.bench_function("resync_unchanged", |b| {
        b.iter(|| runtime.block_on(sync_all(&client, 0)))
    });
    group.finish();
    runtime.block_on(fleet.shutdown()).expect("shutdown");
}

criterion_group!(benches, bench_sync);
criterion_main!(benches);
