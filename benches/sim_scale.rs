//! One simulated cluster at scale: 5,000 Deployments and 45,000 Pods (50,000 objects
//! in 50 namespaces), loaded through the state file (the bulk path: no 50k HTTP
//! requests), controllers off.
//!
//! - `list_45k_pods` (criterion): `Api::<Pod>::all(..).list(..)` through kube-rs, TLS
//!   and JSON included. Target: under 1 s.
//! - `list_45k_pods_untyped` (criterion): the same request read as text, without
//!   kube-rs decoding 45k typed Pods: the simulator's and the transport's share.
//! - Printed: load time, process memory (VmRSS / VmHWM from /proc/self/status) before
//!   and after loading, and watch fan-out: 10 kube-rs watches on all Pods, then a
//!   Pod write; the time from sending the write until each watch sees the event,
//!   p50 / p99 over 10 × 50 deliveries. Target: p50 under 10 ms.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec};
use futures::TryStreamExt;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch, PatchParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config, ResourceExt};
use serde_json::{Value, json};
use tokio::runtime::Runtime;

const NAMESPACES: usize = 50;
const DEPLOYMENTS: usize = 5_000;
const PODS_PER_DEPLOYMENT: usize = 9;
const WATCHERS: usize = 10;
const FAN_OUT_WRITES: usize = 50;

fn deployment(index: usize) -> Value {
    let name = format!("svc-{index:04}");
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {
            "name": name, "namespace": format!("team-{:02}", index % NAMESPACES),
            "uid": format!("00000000-0000-4000-a000-{index:012}"),
            "resourceVersion": (index + 100).to_string(),
            "creationTimestamp": "2026-01-01T00:00:00Z", "generation": 1,
            "labels": {"app": name, "tier": "backend"},
            "annotations": {"fleetdeck.dev/tracking-id": format!("app-{index}:apps/Deployment:team/{name}")},
        },
        "spec": {
            "replicas": PODS_PER_DEPLOYMENT,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{
                    "name": "app", "image": format!("registry.example/{name}:1.0.0"),
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                }]},
            },
        },
        "status": {"replicas": PODS_PER_DEPLOYMENT, "readyReplicas": PODS_PER_DEPLOYMENT,
            "availableReplicas": PODS_PER_DEPLOYMENT, "updatedReplicas": PODS_PER_DEPLOYMENT,
            "observedGeneration": 1},
    })
}

fn pod(deployment: usize, replica: usize) -> Value {
    let owner = format!("svc-{deployment:04}");
    let index = deployment * PODS_PER_DEPLOYMENT + replica;
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("{owner}-7d9f8c6b5-{replica:05}"),
            "namespace": format!("team-{:02}", deployment % NAMESPACES),
            "uid": format!("00000000-0000-4000-b000-{index:012}"),
            "resourceVersion": (index + 10_000).to_string(),
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app": owner, "pod-template-hash": "7d9f8c6b5"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "name": format!("{owner}-7d9f8c6b5"), "uid": format!("rs-{deployment}"),
                "controller": true, "blockOwnerDeletion": true}],
        },
        "spec": {
            "containers": [{
                "name": "app", "image": format!("registry.example/{owner}:1.0.0"),
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
            }],
            "nodeName": format!("node-{}", index % 20),
            "restartPolicy": "Always",
        },
        "status": {
            "phase": "Running",
            "podIP": format!("10.{}.{}.{}", index / 65_536 % 256, index / 256 % 256, index % 256),
            "startTime": "2026-01-01T00:00:01Z",
            "conditions": [
                {"type": "Initialized", "status": "True", "lastTransitionTime": "2026-01-01T00:00:01Z"},
                {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:03Z"},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2026-01-01T00:00:03Z"},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"},
            ],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "started": true,
                "image": format!("registry.example/{owner}:1.0.0"),
                "state": {"running": {"startedAt": "2026-01-01T00:00:02Z"}}}],
        },
    })
}

/// The state file, streamed object by object (the bench never holds all 50k).
fn write_state_file(path: &Path) {
    let file = std::fs::File::create(path).expect("create state file");
    let mut out = BufWriter::new(file);
    out.write_all(br#"{"version": 1, "clusters": {"scale": ["#)
        .expect("write");
    let mut first = true;
    let mut emit = |object: Value, out: &mut BufWriter<std::fs::File>| {
        if !first {
            out.write_all(b",").expect("write");
        }
        first = false;
        serde_json::to_writer(&mut *out, &object).expect("write object");
    };
    for ns in 0..NAMESPACES {
        let namespace = json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": format!("team-{ns:02}")}});
        emit(namespace, &mut out);
    }
    for d in 0..DEPLOYMENTS {
        emit(deployment(d), &mut out);
        for r in 0..PODS_PER_DEPLOYMENT {
            emit(pod(d, r), &mut out);
        }
    }
    out.write_all(b"]}}\n").expect("write");
    out.flush().expect("flush");
}

/// VmRSS and VmHWM of this process, in MiB.
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(f64::NAN, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

async fn client_for(kubeconfig: &Path) -> Client {
    let kubeconfig = Kubeconfig::read_from(kubeconfig).expect("kubeconfig");
    let config = Config::from_custom_kubeconfig(
        kubeconfig,
        &KubeConfigOptions {
            context: Some("scale".into()),
            ..KubeConfigOptions::default()
        },
    )
    .await
    .expect("config");
    Client::try_from(config).expect("client")
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

/// 10 raw watches on all Pods from the current resourceVersion; `FAN_OUT_WRITES`
/// label patches; per delivery, the time from sending the patch to the event.
async fn fan_out(client: &Client) -> Vec<Duration> {
    let pods = Api::<Pod>::all(client.clone());
    let rv = pods
        .list_metadata(&ListParams::default().limit(1))
        .await
        .expect("list rv")
        .metadata
        .resource_version
        .expect("list rv");
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let mut watchers = Vec::new();
    for _ in 0..WATCHERS {
        let stream = pods
            .watch(&WatchParams::default().timeout(120), &rv)
            .await
            .expect("watch");
        let seen = seen_tx.clone();
        watchers.push(tokio::spawn(async move {
            let mut stream = std::pin::pin!(stream);
            while let Ok(Some(event)) = stream.try_next().await {
                if let WatchEvent::Modified(pod) = event {
                    let marker = pod.labels().get("bench").cloned().unwrap_or_default();
                    if seen.send((marker, Instant::now())).is_err() {
                        break;
                    }
                }
            }
        }));
    }
    // Let every watch reach the server before the first write.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut latencies = Vec::new();
    for write in 0..FAN_OUT_WRITES {
        let marker = format!("w{write}");
        let deployment = write * 97 % DEPLOYMENTS;
        let name = format!("svc-{deployment:04}-7d9f8c6b5-00000");
        let namespaced = Api::<Pod>::namespaced(
            client.clone(),
            &format!("team-{:02}", deployment % NAMESPACES),
        );
        let patch = json!({"metadata": {"labels": {"bench": marker}}});
        let sent = Instant::now();
        namespaced
            .patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .expect("patch pod");
        let mut received = 0;
        while received < WATCHERS {
            let (seen, at) = tokio::time::timeout(Duration::from_secs(10), seen_rx.recv())
                .await
                .expect("event within 10 s")
                .expect("watchers alive");
            if seen == marker {
                latencies.push(at.duration_since(sent));
                received += 1;
            }
        }
    }
    for watcher in watchers {
        watcher.abort();
    }
    latencies.sort();
    latencies
}

fn sim_scale(c: &mut Criterion) {
    let runtime = Runtime::new().expect("tokio runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state.json");
    write_state_file(&state);
    let size = std::fs::metadata(&state).map_or(0, |m| m.len());
    let (rss_before, _) = memory_mib();
    let started = Instant::now();
    let fleet = runtime
        .block_on(Fleet::start(
            FleetSpec::new(dir.path().join("kubeconfig"))
                .cluster(ClusterSpec::new("scale"))
                .state_file(&state),
        ))
        .expect("fleet starts from the state file");
    let load = started.elapsed();
    let (rss_after, hwm_after) = memory_mib();
    println!(
        "sim_scale: loaded {} objects ({:.1} MiB state file) in {load:.2?}; VmRSS {rss_before:.0} MiB before, {rss_after:.0} MiB after (+{:.0} MiB), VmHWM {hwm_after:.0} MiB",
        NAMESPACES + DEPLOYMENTS * (1 + PODS_PER_DEPLOYMENT),
        size as f64 / 1_048_576.0,
        rss_after - rss_before,
    );
    let client = runtime.block_on(client_for(fleet.kubeconfig_path()));
    let pods = Api::<Pod>::all(client.clone());

    let mut group = c.benchmark_group("sim_scale");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("list_45k_pods", |b| {
        b.iter(|| {
            let list = runtime
                .block_on(pods.list(&ListParams::default()))
                .expect("list pods");
            assert_eq!(list.items.len(), DEPLOYMENTS * PODS_PER_DEPLOYMENT);
            list
        });
    });
    group.bench_function("list_45k_pods_untyped", |b| {
        b.iter(|| {
            let request = axum::http::Request::get("/api/v1/pods")
                .body(Vec::new())
                .expect("request");
            let text = runtime
                .block_on(client.request_text(request))
                .expect("list pods");
            assert!(text.len() > 1_000_000);
            text
        });
    });
    group.finish();
    let (rss_listed, hwm_listed) = memory_mib();
    println!("sim_scale: after listing, VmRSS {rss_listed:.0} MiB, VmHWM {hwm_listed:.0} MiB");

    let latencies = runtime.block_on(fan_out(&client));
    println!(
        "sim_scale: watch fan-out to {WATCHERS} watchers over {} deliveries: p50 {:.2?}, p99 {:.2?}, max {:.2?}",
        latencies.len(),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or_default(),
    );
    runtime.block_on(fleet.shutdown()).expect("shutdown");
}

criterion_group!(benches, sim_scale);
criterion_main!(benches);
