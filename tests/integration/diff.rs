//! diff integration tests: `engine::diff` on realistic desired and live
//! objects (fixtures under `tests/fixtures/diff/`): defaults, quantities,
//! merge keys, removed fields we own, ignoreDifferences, sync statuses,
//! Secret masking in every output, deterministic results.

use std::sync::Arc;

use serde_json::{Value, json};

use fleetdeck::engine::diff::{
    AppDiff, CompareOptions, DiffError, ResourceSyncStatus, SECRET_MASK, SECRET_MASK_CHANGED,
    SyncStatus, TRACKING_ANNOTATION, compare_app, compare_resource,
};
use fleetdeck::engine::manifest::{Manifest, ObjectKey, Origin};
use fleetdeck::engine::model::ignore_differences::ResourceIgnoreDifferences;
use fleetdeck::engine::yaml::parse_single;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/diff");

fn fixture(name: &str) -> Value {
    let path = format!("{FIXTURES}/{name}");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"));
    parse_single(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

fn options() -> CompareOptions {
    CompareOptions::new("shop", "shop")
}

fn manifest(object: Value) -> Manifest {
    Manifest {
        object,
        origin: Origin {
            file: "apps/shop/manifests.yaml".into(),
            document: 0,
            line: 1,
        },
    }
}

fn key(group: &str, kind: &str, namespace: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: group.into(),
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn web_key() -> ObjectKey {
    key("apps", "Deployment", "shop", "web")
}

/// The app container of the web Deployment fixture.
fn app_container(deployment: &mut Value) -> &mut Value {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .and_then(|containers| containers.iter_mut().find(|c| c["name"] == "app"))
        .expect("the fixture has an app container")
}

fn tracked(mut object: Value, app: &str) -> Value {
    let group = object["apiVersion"]
        .as_str()
        .and_then(|v| v.rsplit_once('/'))
        .map_or("", |(group, _)| group)
        .to_string();
    let id = format!(
        "{app}:{group}/{}:{}/{}",
        object["kind"].as_str().unwrap(),
        object["metadata"]["namespace"].as_str().unwrap_or(""),
        object["metadata"]["name"].as_str().unwrap()
    );
    object["metadata"]["annotations"][TRACKING_ANNOTATION] = Value::String(id);
    object
}

fn config_map(name: &str, namespace: &str, data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "namespace": namespace}, "data": data})
}

#[test]
fn api_defaults_quantities_ports_and_list_order_are_not_drift() {
    let desired = fixture("deployment-desired.yaml");
    let live = fixture("deployment-live.yaml");
    let result = compare_resource(Some(&desired), Some(&live), &options()).unwrap();
    assert_eq!(result.key, web_key());
    assert_eq!(
        result.status,
        ResourceSyncStatus::Synced,
        "{:?}",
        result.drifted_paths
    );
    assert!(result.drifted_paths.is_empty());
    assert_eq!(result.diff, None);
    assert!(result.tracked);
    assert!(!result.requires_pruning);
}

#[test]
fn changed_image_is_out_of_sync_with_a_readable_unified_diff() {
    let mut desired = fixture("deployment-desired.yaml");
    app_container(&mut desired)["image"] = json!("registry.example.com/web:1.5.0");
    let live = fixture("deployment-live.yaml");
    let result = compare_resource(Some(&desired), Some(&live), &options()).unwrap();
    assert_eq!(result.status, ResourceSyncStatus::OutOfSync);
    assert_eq!(
        result.drifted_paths,
        vec!["spec.template.spec.containers[name=app].image"]
    );
    let diff = result.diff.expect("an OutOfSync resource has a diff");
    let expected: String = [
        "--- live/Deployment.apps/shop/web",
        "+++ desired/Deployment.apps/shop/web",
        "@@ -17,7 +17,7 @@",
        "     spec:",
        "       containers:",
        "       - name: app",
        "-        image: registry.example.com/web:1.4.0",
        "+        image: registry.example.com/web:1.5.0",
        "         ports:",
        "         - containerPort: 8080",
        "           name: http",
    ]
    .map(|line| format!("{line}\n"))
    .concat();
    assert_eq!(diff, expected, "{diff}");
    // Live-only noise (defaults, the sidecar, status) stays out of the diff.
    for noise in [
        "istio-proxy",
        "imagePullPolicy",
        "progressDeadlineSeconds",
        "readyReplicas",
    ] {
        assert!(!diff.contains(noise), "{noise} in\n{diff}");
    }
}

#[test]
fn quantities_and_int_or_string_compare_by_value() {
    let service = |target_port: Value| {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"ports": [{"port": 80, "targetPort": target_port}]}})
    };
    let live = json!({"apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": "8080"}],
                 "type": "ClusterIP", "clusterIP": "10.0.0.7"}});
    let same = compare_resource(Some(&service(json!(8080))), Some(&live), &options()).unwrap();
    assert_eq!(same.status, ResourceSyncStatus::Synced);
    // A port name is a string, never the number.
    let named = compare_resource(Some(&service(json!("http"))), Some(&live), &options()).unwrap();
    assert_eq!(named.status, ResourceSyncStatus::OutOfSync);
    assert_eq!(
        named.drifted_paths,
        vec!["spec.ports[port=80,protocol=TCP].targetPort"]
    );

    let mut desired = fixture("deployment-desired.yaml");
    app_container(&mut desired)["resources"]["limits"]["memory"] = json!("2049Mi");
    let live = fixture("deployment-live.yaml");
    let result = compare_resource(Some(&desired), Some(&live), &options()).unwrap();
    assert_eq!(
        result.drifted_paths,
        vec!["spec.template.spec.containers[name=app].resources.limits.memory"]
    );
    let diff = result.diff.unwrap();
    assert!(diff.contains("-            memory: 2Gi\n"), "{diff}");
    assert!(diff.contains("+            memory: 2049Mi\n"), "{diff}");
    // Equal quantities are shown as desired writes them: no noise lines.
    assert!(!diff.contains("1024Mi") && !diff.contains("500m"), "{diff}");
}

#[test]
fn container_order_and_merge_keys() {
    let desired = fixture("deployment-desired.yaml");
    let mut live = fixture("deployment-live.yaml");
    // Another manager's env var and a reordered container list: not drift.
    app_container(&mut live)["env"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "INJECTED", "value": "by-webhook"}));
    live["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .reverse();
    let result = compare_resource(Some(&desired), Some(&live), &options()).unwrap();
    assert_eq!(
        result.status,
        ResourceSyncStatus::Synced,
        "{:?}",
        result.drifted_paths
    );

    // A desired container missing from live is drift, named by its key.
    live["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .retain(|container| container["name"] != "metrics");
    live["metadata"]["managedFields"] = json!([]);
    let result = compare_resource(Some(&desired), Some(&live), &options()).unwrap();
    assert_eq!(
        result.drifted_paths,
        vec!["spec.template.spec.containers[name=metrics]"]
    );
    let diff = result.diff.unwrap();
    assert!(
        diff.contains(
            "+      - name: metrics\n+        image: registry.example.com/exporter:0.9\n"
        ),
        "{diff}"
    );
}

#[test]
fn a_removed_field_we_own_is_drift() {
    let mut desired = fixture("deployment-desired.yaml");
    // LOG_LEVEL was applied by fleetdeck (managedFields) and is gone from Git.
    app_container(&mut desired)["env"]
        .as_array_mut()
        .unwrap()
        .retain(|env| env["name"] != "LOG_LEVEL");
    let live = fixture("deployment-live.yaml");
    let result = compare_resource(Some(&desired), Some(&live), &options()).unwrap();
    assert_eq!(result.status, ResourceSyncStatus::OutOfSync);
    assert_eq!(
        result.drifted_paths,
        vec!["spec.template.spec.containers[name=app].env[name=LOG_LEVEL]"]
    );
    let diff = result.diff.unwrap();
    assert!(diff.contains("-        - name: LOG_LEVEL\n"), "{diff}");
    assert!(diff.contains("-          value: info\n"), "{diff}");

    // The same live object without fleetdeck's managedFields entry: the
    // field is someone else's, and desired as a subset of live is in sync.
    let mut foreign = live.clone();
    foreign["metadata"]["managedFields"][0]["manager"] = json!("kubectl-client-side-apply");
    let result = compare_resource(Some(&desired), Some(&foreign), &options()).unwrap();
    assert_eq!(result.status, ResourceSyncStatus::Synced);

    // A whole field removed from Git (readinessProbe) is drift too.
    let mut desired = fixture("deployment-desired.yaml");
    app_container(&mut desired)
        .as_object_mut()
        .unwrap()
        .remove("readinessProbe");
    let result = compare_resource(Some(&desired), Some(&live), &options()).unwrap();
    assert_eq!(
        result.drifted_paths,
        vec!["spec.template.spec.containers[name=app].readinessProbe"]
    );
    // Only the fields we owned are shown, not the probe's defaults.
    let diff = result.diff.unwrap();
    assert!(diff.contains("-            path: /healthz\n"), "{diff}");
    assert!(!diff.contains("periodSeconds"), "{diff}");
}

fn hpa_scaled_live() -> Value {
    let mut live = fixture("deployment-live.yaml");
    live["spec"]["replicas"] = json!(5);
    live["metadata"]["managedFields"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "manager": "kube-controller-manager", "operation": "Update",
            "apiVersion": "apps/v1", "fieldsType": "FieldsV1",
            "fieldsV1": {"f:spec": {"f:replicas": {}}}
        }));
    live
}

fn ignore_rule() -> ResourceIgnoreDifferences {
    ResourceIgnoreDifferences {
        group: "apps".into(),
        kind: "Deployment".into(),
        ..ResourceIgnoreDifferences::default()
    }
}

#[test]
fn ignore_differences_json_pointers_and_managers() {
    let desired = fixture("deployment-desired.yaml");
    let live = hpa_scaled_live();
    let plain = compare_resource(Some(&desired), Some(&live), &options()).unwrap();
    assert_eq!(plain.drifted_paths, vec!["spec.replicas"]);

    let pointer = ResourceIgnoreDifferences {
        json_pointers: vec!["/spec/replicas".into()],
        ..ignore_rule()
    };
    let with_pointer = options().with_ignore_differences(vec![pointer]);
    let result = compare_resource(Some(&desired), Some(&live), &with_pointer).unwrap();
    assert_eq!(result.status, ResourceSyncStatus::Synced);

    let managers = ResourceIgnoreDifferences {
        managed_fields_managers: vec!["kube-controller-manager".into()],
        ..ignore_rule()
    };
    let with_managers = options().with_ignore_differences(vec![managers]);
    let result = compare_resource(Some(&desired), Some(&live), &with_managers).unwrap();
    assert_eq!(result.status, ResourceSyncStatus::Synced);

    // A rule for another resource changes nothing.
    let other = ResourceIgnoreDifferences {
        name: "api".into(),
        json_pointers: vec!["/spec/replicas".into()],
        ..ignore_rule()
    };
    let with_other = options().with_ignore_differences(vec![other]);
    let result = compare_resource(Some(&desired), Some(&live), &with_other).unwrap();
    assert_eq!(result.status, ResourceSyncStatus::OutOfSync);

    let bad = ResourceIgnoreDifferences {
        json_pointers: vec!["spec/replicas".into()],
        ..ignore_rule()
    };
    let error = compare_resource(
        Some(&desired),
        Some(&live),
        &options().with_ignore_differences(vec![bad]),
    )
    .unwrap_err();
    assert!(
        matches!(error, DiffError::InvalidJsonPointer { .. }),
        "{error}"
    );
}

#[test]
fn jq_path_expressions_are_a_clear_unsupported_error() {
    let jq = ResourceIgnoreDifferences {
        jq_path_expressions: vec![".spec.template.spec.initContainers[]?".into()],
        ..ignore_rule()
    };
    let jq_options = options().with_ignore_differences(vec![jq]);
    let desired = fixture("deployment-desired.yaml");
    let live = fixture("deployment-live.yaml");
    let error = compare_resource(Some(&desired), Some(&live), &jq_options).unwrap_err();
    assert_eq!(
        error,
        DiffError::UnsupportedJqPath {
            resource: Box::new(web_key()),
            expression: ".spec.template.spec.initContainers[]?".into(),
        }
    );
    let message = error.to_string();
    assert!(message.contains("Deployment.apps/shop/web"), "{message}");
    assert!(message.contains("not supported"), "{message}");

    let app = compare_app(&[manifest(desired)], &[live], &jq_options);
    assert_eq!(app.status, SyncStatus::Unknown);
    assert_eq!(app.errors, vec![error]);
}

#[test]
fn app_status_missing_extraneous_synced_and_ignore_extraneous() {
    let opts = options();
    let synced = config_map("settings", "shop", json!({"mode": "fast"}));
    let missing = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "new"}, "data": {"a": "b"}});
    let desired = vec![
        manifest(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings"}, "data": {"mode": "fast"}})),
        manifest(missing),
    ];
    let ours_gone = tracked(config_map("old", "shop", json!({"x": "1"})), "shop");
    let someone_elses = config_map("unrelated", "shop", json!({}));
    let other_app = tracked(config_map("theirs", "shop", json!({})), "billing");
    let mut copy = tracked(config_map("original", "shop", json!({})), "shop");
    copy["metadata"]["name"] = json!("copy-of-original");
    let live = vec![
        tracked(synced, "shop"),
        ours_gone.clone(),
        someone_elses,
        other_app,
        copy,
    ];

    let app = compare_app(&desired, &live, &opts);
    assert!(app.errors.is_empty(), "{:?}", app.errors);
    let statuses: Vec<(String, ResourceSyncStatus)> = app
        .resources
        .iter()
        .map(|r| (r.key.to_string(), r.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            (
                "ConfigMap/shop/new".to_string(),
                ResourceSyncStatus::Missing
            ),
            (
                "ConfigMap/shop/old".to_string(),
                ResourceSyncStatus::Extraneous
            ),
            (
                "ConfigMap/shop/settings".to_string(),
                ResourceSyncStatus::Synced
            ),
        ]
    );
    assert_eq!(app.status, SyncStatus::OutOfSync);
    let old = app.resource(&key("", "ConfigMap", "shop", "old")).unwrap();
    assert!(old.requires_pruning && old.affects_app_status);
    assert!(old.diff.as_deref().unwrap().contains("-  x: \"1\"\n"));
    let new = app.resource(&key("", "ConfigMap", "shop", "new")).unwrap();
    assert!(new.diff.as_deref().unwrap().contains("+  a: b\n"));
    assert_eq!(
        new.origin.as_ref().unwrap().file.as_ref(),
        "apps/shop/manifests.yaml"
    );

    // Missing created; the extraneous one marked IgnoreExtraneous: Synced.
    let mut ignored = ours_gone;
    ignored["metadata"]["annotations"]["argocd.argoproj.io/compare-options"] =
        json!("IgnoreExtraneous");
    let live = vec![
        tracked(
            config_map("settings", "shop", json!({"mode": "fast"})),
            "shop",
        ),
        tracked(config_map("new", "shop", json!({"a": "b"})), "shop"),
        ignored,
    ];
    let app = compare_app(&desired, &live, &opts);
    let old = app.resource(&key("", "ConfigMap", "shop", "old")).unwrap();
    assert_eq!(old.status, ResourceSyncStatus::Extraneous);
    assert!(!old.affects_app_status);
    assert_eq!(app.status, SyncStatus::Synced);

    // Without IgnoreExtraneous the same app is OutOfSync.
    let live = vec![
        tracked(
            config_map("settings", "shop", json!({"mode": "fast"})),
            "shop",
        ),
        tracked(config_map("new", "shop", json!({"a": "b"})), "shop"),
        tracked(config_map("old", "shop", json!({})), "shop"),
    ];
    assert_eq!(
        compare_app(&desired, &live, &opts).status,
        SyncStatus::OutOfSync
    );
}

#[test]
fn children_carrying_a_copied_tracking_id_are_not_extraneous() {
    // The Deployment controller copies a Deployment's annotations onto its
    // ReplicaSets: the copied id names the Deployment, not the ReplicaSet.
    let desired = fixture("deployment-desired.yaml");
    let live_deployment = fixture("deployment-live.yaml");
    let replica_set = json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "web-5d9c7b", "namespace": "shop",
            "annotations": {TRACKING_ANNOTATION: "shop:apps/Deployment:shop/web"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                 "name": "web", "uid": "9b1c2a8e", "controller": true}]},
        "spec": {"replicas": 2}
    });
    let app = compare_app(
        &[manifest(desired)],
        &[live_deployment, replica_set],
        &options(),
    );
    assert_eq!(app.status, SyncStatus::Synced);
    assert_eq!(app.resources.len(), 1);
    assert_eq!(app.resources[0].key, web_key());
}

#[test]
fn untracked_live_objects_are_adopted_by_name() {
    let desired = vec![manifest(config_map(
        "settings",
        "",
        json!({"mode": "fast"}),
    ))];
    let live = vec![config_map("settings", "shop", json!({"mode": "fast"}))];
    let app = compare_app(&desired, &live, &options());
    assert_eq!(app.status, SyncStatus::Synced);
    assert_eq!(app.resources.len(), 1);
    assert!(!app.resources[0].tracked);
}

#[test]
fn scope_decides_the_namespace() {
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Cluster",
                 "names": {"kind": "Widget", "plural": "widgets"},
                 "versions": [{"name": "v1", "served": true, "storage": true}]}
    });
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w"}, "spec": {"size": 3}});
    let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}});
    let desired = vec![manifest(crd), manifest(widget), manifest(namespace)];
    let app = compare_app(&desired, &[], &options());
    let keys: Vec<String> = app.resources.iter().map(|r| r.key.to_string()).collect();
    assert_eq!(
        keys,
        vec![
            "Namespace/shop",
            "CustomResourceDefinition.apiextensions.k8s.io/widgets.example.com",
            "Widget.example.com/w",
        ]
    );
    // Discovery (here a closure) overrides the app's own CRDs.
    let discovery = Arc::new(|_: &str, kind: &str| (kind == "Widget").then_some(true));
    let app = compare_app(&desired, &[], &options().with_scope(discovery));
    assert!(
        app.resource(&key("example.com", "Widget", "shop", "w"))
            .is_some()
    );
}

fn secret_fixtures() -> (Value, Value) {
    let desired = json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": "db", "labels": {"app": "web"}},
        "data": {"username": "YWRtaW4="},
        "stringData": {"password": "hunter2-new-password"}
    });
    let live = json!({
        "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {
            "name": "db", "namespace": "shop", "labels": {"app": "db"},
            "annotations": {
                TRACKING_ANNOTATION: "shop:/Secret:shop/db",
                "kubectl.kubernetes.io/last-applied-configuration":
                    "{\"stringData\":{\"password\":\"hunter1-old-password\"}}"
            },
            "managedFields": [{"manager": "fleetdeck", "operation": "Apply",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:data": {"f:username": {}, "f:password": {}, "f:apiKey": {}}}}]
        },
        // base64 of hunter1-old-password, admin and sk-live-0123456789
        "data": {"password": "aHVudGVyMS1vbGQtcGFzc3dvcmQ=", "username": "YWRtaW4=",
                 "apiKey": "c2stbGl2ZS0wMTIzNDU2Nzg5"}
    });
    (desired, live)
}

/// Every string that would reveal a Secret value.
const SECRET_VALUES: &[&str] = &[
    "hunter2-new-password",
    "aHVudGVyMi1uZXctcGFzc3dvcmQ=",
    "hunter1-old-password",
    "aHVudGVyMS1vbGQtcGFzc3dvcmQ=",
    "YWRtaW4=",
    "admin",
    "sk-live-0123456789",
    "c2stbGl2ZS0wMTIzNDU2Nzg5",
];

fn assert_no_secret(output: &str, what: &str) {
    for value in SECRET_VALUES {
        assert!(!output.contains(value), "{what} leaks {value}:\n{output}");
    }
}

fn assert_app_leaks_nothing(app: &AppDiff) {
    assert_no_secret(&format!("{app:?}"), "Debug");
    assert_no_secret(&format!("{app:#?}"), "pretty Debug");
    assert_no_secret(&serde_json::to_string(app).unwrap(), "JSON");
    for resource in &app.resources {
        assert_no_secret(resource.diff.as_deref().unwrap_or_default(), "diff");
    }
    for error in &app.errors {
        assert_no_secret(&error.to_string(), "error");
    }
}

#[test]
fn secret_values_never_appear_in_any_output() {
    let (desired, live) = secret_fixtures();
    let app = compare_app(
        &[manifest(desired.clone())],
        std::slice::from_ref(&live),
        &options(),
    );
    assert_eq!(app.status, SyncStatus::OutOfSync);
    let secret = &app.resources[0];
    // The changed password, the label, and apiKey removed from Git.
    assert_eq!(
        secret.drifted_paths,
        vec!["metadata.labels.app", "data.password", "data.apiKey"]
    );
    let diff = secret.diff.as_deref().unwrap();
    assert!(
        diff.contains(&format!("-  password: {SECRET_MASK}\n")),
        "{diff}"
    );
    assert!(
        diff.contains(&format!("+  password: {SECRET_MASK_CHANGED}\n")),
        "{diff}"
    );
    assert!(
        diff.contains(&format!("-  apiKey: {SECRET_MASK}\n")),
        "{diff}"
    );
    assert!(
        diff.contains(&format!("   username: {SECRET_MASK}\n")),
        "{diff}"
    );
    assert_app_leaks_nothing(&app);

    // Missing and Extraneous Secrets, and errors about Secrets, too.
    let app = compare_app(&[manifest(desired.clone())], &[], &options());
    assert_eq!(app.resources[0].status, ResourceSyncStatus::Missing);
    assert_app_leaks_nothing(&app);
    let app = compare_app(&[], std::slice::from_ref(&live), &options());
    assert_eq!(app.resources[0].status, ResourceSyncStatus::Extraneous);
    assert_app_leaks_nothing(&app);
    let jq = ResourceIgnoreDifferences {
        kind: "Secret".into(),
        jq_path_expressions: vec![".data.password".into()],
        ..ResourceIgnoreDifferences::default()
    };
    let app = compare_app(
        &[manifest(desired.clone())],
        std::slice::from_ref(&live),
        &options().with_ignore_differences(vec![jq]),
    );
    assert_eq!(app.status, SyncStatus::Unknown);
    assert_app_leaks_nothing(&app);

    // Equal values: Synced, and masked alike on both sides.
    let mut same = live.clone();
    same["data"]["password"] = json!("aHVudGVyMi1uZXctcGFzc3dvcmQ=");
    same["metadata"]["labels"]["app"] = json!("web");
    same["metadata"]["managedFields"] = json!([]);
    let result = compare_resource(Some(&desired), Some(&same), &options()).unwrap();
    assert_eq!(
        result.status,
        ResourceSyncStatus::Synced,
        "{:?}",
        result.drifted_paths
    );
}

#[test]
fn output_is_deterministic() {
    let desired: Vec<Manifest> = vec![
        manifest(fixture("deployment-desired.yaml")),
        manifest(config_map("b", "", json!({"k": "v2"}))),
        manifest(config_map("a", "", json!({"k": "v"}))),
        manifest(secret_fixtures().0),
    ];
    let mut deployment = fixture("deployment-live.yaml");
    app_container(&mut deployment)["image"] = json!("registry.example.com/web:0.1");
    let mut live = vec![
        deployment,
        tracked(config_map("b", "shop", json!({"k": "v1"})), "shop"),
        tracked(config_map("z", "shop", json!({})), "shop"),
        tracked(config_map("y", "shop", json!({})), "shop"),
        secret_fixtures().1,
    ];
    let first = serde_json::to_string_pretty(&compare_app(&desired, &live, &options())).unwrap();
    for _ in 0..5 {
        live.rotate_left(1);
        let again = compare_app(&desired, &live, &options());
        assert_eq!(serde_json::to_string_pretty(&again).unwrap(), first);
    }
    let mut reversed = desired.clone();
    reversed.reverse();
    let again = compare_app(&reversed, &live, &options());
    assert_eq!(serde_json::to_string_pretty(&again).unwrap(), first);
}
