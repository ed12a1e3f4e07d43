//! Comparing a fleet: 1,000 applications of 20 resources each (Deployments,
//! Services, ConfigMaps, Secrets, Ingresses, a ServiceAccount, an HPA)
//! against live objects as the API server returns them — `managedFields`,
//! `status`, defaulted fields, uid and resourceVersion, an injected sidecar
//! — with some drift (a changed image, a changed ConfigMap value, a missing
//! resource, an extraneous one).
//!
//! One iteration runs, on one thread, what a full resync does for every
//! app: its comparison plus the app's health and each resource's health.
//!
//! - `compare/cold`: `compare_app`, which prepares (normalises) the desired
//!   objects on every call;
//! - `compare/prepared`: desired objects prepared once per commit
//!   (`DesiredSet`), as the engine keeps them between watch events, then
//!   `DesiredSet::compare`.
//!
//! Criterion's throughput line gives apps/s of wall time; on a shared
//! machine that undercounts, so the CPU time of a few passes is printed
//! too (Linux). Target: at least 2,000 apps/s on one core.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fleetdeck::engine::diff::SyncStatus;
use fleetdeck::engine::diff::{AppDiff, CompareOptions, DesiredSet, compare_app};
use fleetdeck::engine::health::{HealthStatus, ManagedResource, app_health, resource_health};
use fleetdeck::engine::manifest::{Manifest, Origin};
use serde_json::{Map, Value, json};

const APPS: usize = 1_000;

/// One application's inputs: desired manifests, the live objects the cache
/// holds for it, and the desired/live pairs health reads.
struct AppFixture {
    options: CompareOptions,
    desired: Vec<Manifest>,
    /// `desired` prepared once, as between two commits.
    prepared: DesiredSet,
    live: Vec<Value>,
    /// Index into `live` for each desired object (`None`: missing).
    pairs: Vec<Option<usize>>,
}

fn desired_objects(app: usize) -> Vec<Value> {
    let name = |kind: &str, index: usize| format!("app{app:04}-{kind}-{index}");
    let mut objects = Vec::with_capacity(20);
    for index in 0..5 {
        let deployment = name("deploy", index);
        objects.push(json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": deployment, "labels": {"app": deployment, "team": format!("team-{}", app % 17)}},
            "spec": {
                "replicas": 2,
                "selector": {"matchLabels": {"app": deployment}},
                "template": {
                    "metadata": {"labels": {"app": deployment}},
                    "spec": {
                        "serviceAccountName": name("sa", 0),
                        "containers": [{
                            "name": "app",
                            "image": format!("registry.example.com/{deployment}:1.{index}.0"),
                            "ports": [{"name": "http", "containerPort": 8080}],
                            "env": [
                                {"name": "LOG_LEVEL", "value": "info"},
                                {"name": "CACHE_SIZE", "value": "256"},
                                {"name": "CONFIG", "valueFrom": {"configMapKeyRef": {"name": name("config", index % 4), "key": "mode"}}}
                            ],
                            "resources": {
                                "requests": {"cpu": "500m", "memory": "1Gi"},
                                "limits": {"cpu": "1", "memory": "2Gi"}
                            },
                            "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}
                        }]
                    }
                }
            }
        }));
    }
    for index in 0..5 {
        objects.push(json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name("svc", index), "labels": {"app": name("deploy", index)}},
            "spec": {
                "selector": {"app": name("deploy", index)},
                "ports": [{"name": "http", "port": 80, "targetPort": "http"}]
            }
        }));
    }
    for index in 0..4 {
        objects.push(json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name("config", index)},
            "data": {
                "mode": "production",
                "settings.yaml": format!("server:\n  port: 8080\n  workers: {}\nfeatures:\n  search: true\n", 4 + index),
                "LOG_FORMAT": "json"
            }
        }));
    }
    for index in 0..2 {
        objects.push(json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": name("secret", index)},
            "type": "Opaque",
            "stringData": {"password": format!("hunter{app}-{index}"), "user": "app"}
        }));
    }
    for index in 0..2 {
        objects.push(json!({
            "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name("ingress", index),
                         "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt"}},
            "spec": {
                "ingressClassName": "nginx",
                "tls": [{"hosts": [format!("app{app}-{index}.example.com")], "secretName": name("tls", index)}],
                "rules": [{
                    "host": format!("app{app}-{index}.example.com"),
                    "http": {"paths": [{
                        "path": "/", "pathType": "Prefix",
                        "backend": {"service": {"name": name("svc", index), "port": {"name": "http"}}}
                    }]}
                }]
            }
        }));
    }
    objects.push(json!({
        "apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": name("sa", 0)}
    }));
    objects.push(json!({
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name("hpa", 0)},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name("deploy", 0)},
            "minReplicas": 2, "maxReplicas": 10,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                "target": {"type": "Utilization", "averageUtilization": 70}}}]
        }
    }));
    objects
}

/// `managedFields`' FieldsV1 for what `value` sets, keyed the way the API
/// server keys list items (by name, port, or as a whole).
fn fields_v1(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut fields = Map::new();
            for (name, child) in map {
                fields.insert(format!("f:{name}"), fields_v1(child));
            }
            Value::Object(fields)
        }
        Value::Array(items) => {
            let mut fields = Map::new();
            for item in items {
                let key = if let Some(port) = item.get("containerPort") {
                    json!({"containerPort": port, "protocol": "TCP"})
                } else if let Some(port) = item.get("port") {
                    json!({"port": port, "protocol": "TCP"})
                } else if let Some(name) = item.get("name") {
                    json!({"name": name})
                } else {
                    return json!({});
                };
                let mut entry = fields_v1(item);
                if let Value::Object(entry) = &mut entry {
                    entry.insert(".".into(), json!({}));
                }
                fields.insert(format!("k:{key}"), entry);
            }
            Value::Object(fields)
        }
        _ => json!({}),
    }
}

/// The live object the API server would hold after fleetdeck applied
/// `desired` for `app`.
fn live_object(app: &str, namespace: &str, desired: &Value, serial: usize) -> Value {
    let mut live = desired.clone();
    let kind = desired["kind"].as_str().unwrap_or_default().to_string();
    let name = desired["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let group = desired["apiVersion"]
        .as_str()
        .and_then(|version| version.rsplit_once('/'))
        .map_or("", |(group, _)| group)
        .to_string();
    let mut applied = desired.clone();
    applied["metadata"]["namespace"] = json!(namespace);
    applied["metadata"]["annotations"]["fleetdeck.dev/tracking-id"] =
        json!(format!("{app}:{group}/{kind}:{namespace}/{name}"));
    let mut owned = fields_v1(&applied);
    if let Some(fields) = owned.as_object_mut() {
        fields.remove("f:apiVersion");
        fields.remove("f:kind");
        if let Some(metadata) = fields.get_mut("f:metadata").and_then(Value::as_object_mut) {
            metadata.remove("f:name");
            metadata.remove("f:namespace");
        }
    }

    let metadata = &mut live["metadata"];
    metadata["namespace"] = json!(namespace);
    metadata["uid"] = json!(format!("6f1c2a8e-0d7e-4a53-9c55-{serial:012x}"));
    metadata["resourceVersion"] = json!(format!("{}", 100_000 + serial));
    metadata["generation"] = json!(3);
    metadata["creationTimestamp"] = json!("2026-11-01T10:00:00Z");
    metadata["annotations"]["fleetdeck.dev/tracking-id"] =
        json!(format!("{app}:{group}/{kind}:{namespace}/{name}"));
    metadata["managedFields"] = json!([
        {"manager": "fleetdeck", "operation": "Apply", "apiVersion": desired["apiVersion"],
         "time": "2026-11-01T10:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": owned},
        {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": desired["apiVersion"],
         "time": "2026-11-01T10:00:05Z", "fieldsType": "FieldsV1", "subresource": "status",
         "fieldsV1": {"f:status": {"f:replicas": {}, "f:conditions": {".": {}}}}}
    ]);

    match kind.as_str() {
        "Deployment" => {
            metadata["annotations"]["deployment.kubernetes.io/revision"] = json!("3");
            let spec = &mut live["spec"];
            spec["progressDeadlineSeconds"] = json!(600);
            spec["revisionHistoryLimit"] = json!(10);
            spec["strategy"] = json!({"type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}});
            let pod = &mut spec["template"]["spec"];
            pod["dnsPolicy"] = json!("ClusterFirst");
            pod["restartPolicy"] = json!("Always");
            pod["schedulerName"] = json!("default-scheduler");
            pod["securityContext"] = json!({});
            pod["terminationGracePeriodSeconds"] = json!(30);
            pod["serviceAccount"] = pod["serviceAccountName"].clone();
            spec["template"]["metadata"]["creationTimestamp"] = Value::Null;
            if let Some(containers) = spec["template"]["spec"]["containers"].as_array_mut() {
                for container in containers.iter_mut() {
                    container["imagePullPolicy"] = json!("IfNotPresent");
                    container["terminationMessagePath"] = json!("/dev/termination-log");
                    container["terminationMessagePolicy"] = json!("File");
                    container["resources"]["requests"]["memory"] = json!("1024Mi");
                    container["ports"][0]["protocol"] = json!("TCP");
                    let probe = &mut container["readinessProbe"];
                    probe["httpGet"]["scheme"] = json!("HTTP");
                    probe["timeoutSeconds"] = json!(1);
                    probe["periodSeconds"] = json!(10);
                    probe["successThreshold"] = json!(1);
                    probe["failureThreshold"] = json!(3);
                }
                // An injected sidecar, listed first.
                containers.insert(0, json!({"name": "istio-proxy",
                    "image": "docker.io/istio/proxyv2:1.22.0", "resources": {},
                    "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"]}));
            }
            live["status"] = json!({
                "observedGeneration": 3, "replicas": 2, "updatedReplicas": 2,
                "readyReplicas": 2, "availableReplicas": 2,
                "conditions": [
                    {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                     "message": "Deployment has minimum availability.",
                     "lastUpdateTime": "2026-11-01T10:00:30Z", "lastTransitionTime": "2026-11-01T10:00:30Z"},
                    {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                     "message": format!("ReplicaSet \"{name}-7d9f8b6c5\" has successfully progressed."),
                     "lastUpdateTime": "2026-11-01T10:00:30Z", "lastTransitionTime": "2026-11-01T10:00:00Z"}
                ]
            });
        }
        "Service" => {
            let spec = &mut live["spec"];
            spec["clusterIP"] = json!(format!("10.96.{}.{}", serial / 250 % 250, serial % 250));
            spec["clusterIPs"] = json!([spec["clusterIP"].clone()]);
            spec["internalTrafficPolicy"] = json!("Cluster");
            spec["ipFamilies"] = json!(["IPv4"]);
            spec["ipFamilyPolicy"] = json!("SingleStack");
            spec["sessionAffinity"] = json!("None");
            spec["type"] = json!("ClusterIP");
            spec["ports"][0]["protocol"] = json!("TCP");
            live["status"] = json!({"loadBalancer": {}});
        }
        "Secret" => {
            // The API server stores stringData as base64 data.
            live.as_object_mut()
                .map(|object| object.remove("stringData"));
            live["data"] = json!({"password": "aHVudGVy", "user": "YXBw"});
            use base64::Engine as _;
            if let Some(data) = desired["stringData"].as_object() {
                for (key, value) in data {
                    let encoded = base64::engine::general_purpose::STANDARD
                        .encode(value.as_str().unwrap_or_default());
                    live["data"][key] = json!(encoded);
                }
            }
        }
        "Ingress" => {
            live["status"] = json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}});
        }
        "ServiceAccount" => {
            live["secrets"] = json!([{"name": format!("{name}-token-abcde")}]);
        }
        "HorizontalPodAutoscaler" => {
            live["status"] = json!({
                "currentReplicas": 2, "desiredReplicas": 2,
                "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
                    "current": {"averageUtilization": 35, "averageValue": "175m"}}}],
                "conditions": [
                    {"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale"},
                    {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound"},
                    {"type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange"}
                ]
            });
        }
        _ => {}
    }
    live
}

fn app_fixture(index: usize) -> AppFixture {
    let app = format!("app{index:04}");
    let namespace = format!("team-{}", index % 17);
    let desired = desired_objects(index);
    let mut live = Vec::with_capacity(desired.len() + 1);
    let mut pairs = Vec::with_capacity(desired.len());
    for (position, object) in desired.iter().enumerate() {
        // 2% of apps miss their last ConfigMap.
        if index % 50 == 7 && position == 13 {
            pairs.push(None);
            continue;
        }
        let mut object = live_object(&app, &namespace, object, index * 20 + position);
        // 10% of apps run an older image in one Deployment; 5% have a
        // ConfigMap edited by hand.
        if index % 10 == 3 && position == 1 {
            object["spec"]["template"]["spec"]["containers"][1]["image"] =
                json!("registry.example.com/hotfix:0.9");
        }
        if index % 20 == 5 && position == 10 {
            object["data"]["mode"] = json!("debug");
        }
        pairs.push(Some(live.len()));
        live.push(object);
    }
    // 2% of apps have an object removed from Git but still live.
    if index % 50 == 11 {
        let leftover = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("{app}-old")}, "data": {"k": "v"}});
        live.push(live_object(&app, &namespace, &leftover, index * 20 + 19));
    }
    let desired: Vec<Manifest> = desired
        .into_iter()
        .enumerate()
        .map(|(document, object)| Manifest {
            object,
            origin: Origin {
                file: Arc::from(format!("apps/{app}/manifests.yaml")),
                document,
                line: 1 + document * 40,
            },
        })
        .collect();
    let options = CompareOptions::new(&app, &namespace);
    let prepared = DesiredSet::prepare(&desired, &options);
    AppFixture {
        options,
        desired,
        prepared,
        live,
        pairs,
    }
}

/// How an app is compared: from scratch, or from its prepared desired set.
#[derive(Clone, Copy)]
enum Mode {
    Cold,
    Prepared,
}

/// What one app costs in a resync: its diff, its health and its resources'.
fn assess_app(app: &AppFixture, mode: Mode) -> (usize, usize) {
    let diff: AppDiff = match mode {
        Mode::Cold => compare_app(&app.desired, &app.live, &app.options),
        Mode::Prepared => app.prepared.compare(&app.live, &app.options),
    };
    let resources: Vec<ManagedResource<'_>> = app
        .desired
        .iter()
        .zip(&app.pairs)
        .map(|(manifest, pair)| {
            ManagedResource::new(Some(&manifest.object), pair.map(|i| &app.live[i]))
        })
        .collect();
    let healthy = resources
        .iter()
        .filter_map(resource_health)
        .filter(|health| health.status == HealthStatus::Healthy)
        .count();
    let status = app_health(resources.iter().copied(), None);
    black_box(status);
    (diff.resources.len() + diff.errors.len(), healthy)
}

fn fleet_pass(fleet: &[AppFixture], mode: Mode) -> usize {
    let mut total = 0;
    for app in fleet {
        let (resources, healthy) = assess_app(app, mode);
        total += resources + healthy;
    }
    total
}

/// This process's CPU time (user + system), from `/proc/self/stat`.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // The kernel's USER_HZ is 100 on every Linux architecture in use.
    Some((utime + stime) / 100.0)
}

/// Prints apps per CPU-second over a few passes: the single-core figure,
/// whatever else the machine is running.
fn report_cpu_rate(fleet: &[AppFixture], mode: Mode, label: &str) {
    const PASSES: usize = 5;
    let Some(before) = cpu_seconds() else {
        return;
    };
    let wall = std::time::Instant::now();
    for _ in 0..PASSES {
        black_box(fleet_pass(fleet, mode));
    }
    let wall = wall.elapsed().as_secs_f64();
    let Some(after) = cpu_seconds() else {
        return;
    };
    let cpu = after - before;
    let apps = (PASSES * fleet.len()) as f64;
    eprintln!(
        "compare/{label}: {PASSES} passes of {} apps: {:.0} apps per CPU-second \
         ({:.0} apps/s wall, CPU {cpu:.2} s, wall {wall:.2} s)",
        fleet.len(),
        apps / cpu,
        apps / wall,
    );
}

fn bench_compare(c: &mut Criterion) {
    let fleet: Vec<AppFixture> = (0..APPS).map(app_fixture).collect();
    // The fixture must be realistic, and both modes must agree: check the
    // verdicts once.
    let out_of_sync = fleet
        .iter()
        .filter(|app| {
            let diff = compare_app(&app.desired, &app.live, &app.options);
            assert!(diff.errors.is_empty(), "{}: {:?}", diff.app, diff.errors);
            assert_eq!(diff, app.prepared.compare(&app.live, &app.options));
            diff.status != SyncStatus::Synced
        })
        .count();
    assert!(
        (100..=250).contains(&out_of_sync),
        "{out_of_sync} apps out of sync: the fixture drifts more or less than intended"
    );
    report_cpu_rate(&fleet, Mode::Cold, "cold");
    report_cpu_rate(&fleet, Mode::Prepared, "prepared");

    let mut group = c.benchmark_group("compare");
    group.sample_size(10);
    group.throughput(Throughput::Elements(APPS as u64));
    group.bench_function("cold", |b| {
        b.iter(|| black_box(fleet_pass(&fleet, Mode::Cold)))
    });
    group.bench_function("prepared", |b| {
        b.iter(|| black_box(fleet_pass(&fleet, Mode::Prepared)))
    });
    group.finish();
}

criterion_group!(benches, bench_compare);
criterion_main!(benches);
