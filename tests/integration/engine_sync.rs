//! The engine against the simulated fleet: compare, health and sync of
//! rendered apps through `engine::cluster` (kube-rs over HTTPS, as for a
//! real cluster), end to end.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use fleetdeck::engine::cluster::{ClusterClient, ClusterSettings, connect, read_kubeconfig};
use fleetdeck::engine::diff::{CompareOptions, ResourceSyncStatus, SyncStatus};
use fleetdeck::engine::health::HealthStatus;
use fleetdeck::engine::manifest::{Manifest, ObjectKey, Origin};
use fleetdeck::engine::status::{AppStatus, observe_app};
use fleetdeck::engine::sync::{
    CancelSignal, Change, OperationLocks, OperationPhase, ProgressSink, ProjectGuard, ResultCode,
    SyncOptions, SyncOutcome, SyncProgress, SyncRequest, SyncTimeouts, run_sync,
};
use fleetdeck::engine::yaml::parse_documents;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};
use serde_json::json;

const TEST_TIMEOUT: Duration = Duration::from_secs(60);

async fn within_timeout<F: std::future::Future<Output = ()>>(body: F) {
    tokio::time::timeout(TEST_TIMEOUT, body)
        .await
        .expect("test timed out");
}

/// One simulated cluster `dev` with fast controllers, and its client.
pub struct TestCluster {
    _dir: tempfile::TempDir,
    pub fleet: Fleet,
    pub client: ClusterClient,
}

pub async fn test_cluster() -> TestCluster {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = FleetSpec::new(dir.path().join("kubeconfig"))
        .cluster(ClusterSpec::new("dev"))
        .controllers(SimSpeed::times(40));
    let fleet = Fleet::start(spec).await.expect("fleet starts");
    let client = client_for(fleet.kubeconfig_path(), "dev").await;
    TestCluster {
        _dir: dir,
        fleet,
        client,
    }
}

pub async fn client_for(kubeconfig: &Path, context: &str) -> ClusterClient {
    let kubeconfig = read_kubeconfig(kubeconfig).expect("kubeconfig");
    let settings = ClusterSettings {
        request_timeout: Duration::from_secs(5),
        ..ClusterSettings::default()
    };
    connect(&kubeconfig, context, context, settings)
        .await
        .expect("client")
}

pub fn manifests(yaml: &str) -> Vec<Manifest> {
    parse_documents(yaml)
        .expect("test YAML parses")
        .into_iter()
        .map(|document| Manifest {
            object: document.value,
            origin: Origin {
                file: "app.yaml".into(),
                document: document.index,
                line: document.start_line,
            },
        })
        .collect()
}

pub fn request(app: &str, namespace: &str, desired: Vec<Manifest>) -> SyncRequest {
    SyncRequest {
        compare: CompareOptions::new(app, namespace),
        revision: "0123456789abcdef".to_string(),
        desired,
        app_options: SyncOptions::parse(["CreateNamespace=true"]),
        prune: false,
        dry_run: false,
        allow_empty: false,
        selected: None,
        timeouts: SyncTimeouts {
            wave: Duration::from_secs(15),
            hook: Duration::from_secs(15),
            poll: Duration::from_millis(100),
        },
        initiated_by: "tester".to_string(),
        project: ProjectGuard::implicit_default(),
    }
}

pub async fn sync(cluster: &ClusterClient, request: SyncRequest) -> SyncOutcome {
    run_sync(
        cluster,
        request,
        &OperationLocks::default(),
        &ProgressSink::none(),
        CancelSignal::never(),
    )
    .await
}

async fn status(cluster: &ClusterClient, request: &SyncRequest) -> AppStatus {
    observe_app(cluster, &request.desired, &request.compare)
        .await
        .expect("observe app")
        .0
}

fn deployment(name: &str, image: &str, wave: i32) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  annotations:\n    argocd.argoproj.io/sync-wave: \"{wave}\"\nspec:\n  replicas: 2\n  progressDeadlineSeconds: 30\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n        - name: app\n          image: {image}\n"
    )
}

const CONFIG_AND_SERVICE: &str = "
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  annotations:
    argocd.argoproj.io/sync-wave: \"-1\"
data:
  mode: fast
---
apiVersion: v1
kind: Service
metadata:
  name: web
  annotations:
    argocd.argoproj.io/sync-wave: \"1\"
spec:
  selector:
    app: web
  ports:
    - port: 80
";

const MIGRATION_HOOK: &str = "
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    argocd.argoproj.io/hook: PreSync
    argocd.argoproj.io/hook-delete-policy: HookSucceeded
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: migrate
          image: registry.example/migrate:1.0
";

fn web_app(image: &str) -> Vec<Manifest> {
    manifests(&format!(
        "{CONFIG_AND_SERVICE}---\n{}---\n{MIGRATION_HOOK}",
        deployment("web", image, 0)
    ))
}

fn key(group: &str, kind: &str, namespace: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: group.into(),
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

#[tokio::test]
async fn first_sync_runs_the_presync_hook_then_each_wave_in_order() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let request = request("web", "shop", web_app("registry.example/web:1.0"));
        let before = status(&cluster.client, &request).await;
        assert_eq!(before.diff.status, SyncStatus::OutOfSync);
        assert!(
            before
                .diff
                .resources
                .iter()
                .all(|resource| resource.status == ResourceSyncStatus::Missing)
        );

        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let outcome = run_sync(
            &cluster.client,
            request.clone(),
            &OperationLocks::default(),
            &ProgressSink::new(sender),
            CancelSignal::never(),
        )
        .await;
        assert_eq!(outcome.phase, OperationPhase::Succeeded, "{outcome:#?}");
        let order: Vec<(String, String)> = outcome
            .results
            .iter()
            .map(|result| (result.key.kind.clone(), result.key.name.clone()))
            .collect();
        assert_eq!(
            order,
            [
                ("Job".to_string(), "migrate".to_string()),
                ("ConfigMap".to_string(), "settings".to_string()),
                ("Deployment".to_string(), "web".to_string()),
                ("Service".to_string(), "web".to_string()),
            ],
            "PreSync hook, then waves -1, 0, 1"
        );
        assert!(outcome.results[0].hook);
        assert_eq!(outcome.results[0].message, "hook succeeded");

        let mut events = Vec::new();
        while let Ok(event) = receiver.try_recv() {
            events.push(event);
        }
        assert!(matches!(
            events.first(),
            Some(SyncProgress::Planned { tasks: 4, .. })
        ));
        assert!(
            events
                .iter()
                .any(|event| matches!(event, SyncProgress::Waiting { wave: 0, .. })),
            "the deployment's wave was waited for: {events:#?}"
        );

        let after = status(&cluster.client, &request).await;
        assert_eq!(after.diff.status, SyncStatus::Synced, "{:#?}", after.diff);
        assert_eq!(after.health, HealthStatus::Healthy);
        let hook = cluster
            .client
            .get("batch/v1", &key("batch", "Job", "shop", "migrate"))
            .await
            .expect("get hook");
        assert!(hook.is_none(), "HookSucceeded deletes the finished hook");
        let deployment = after
            .tree
            .iter()
            .find(|node| node.key.kind == "Deployment")
            .expect("deployment in tree");
        let pods: usize = deployment
            .children
            .iter()
            .map(|replica_set| replica_set.children.len())
            .sum();
        assert_eq!(pods, 2, "the tree reaches the pods: {deployment:#?}");
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn an_image_change_is_out_of_sync_with_its_diff_until_synced() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let client = &cluster.client;
        let first = request("web", "shop", manifests(&deployment("web", "web:1.0", 0)));
        assert!(sync(client, first).await.succeeded());

        let second = request("web", "shop", manifests(&deployment("web", "web:2.0", 0)));
        let drifted = status(client, &second).await;
        assert_eq!(drifted.diff.status, SyncStatus::OutOfSync);
        let resource = &drifted.diff.resources[0];
        assert_eq!(resource.status, ResourceSyncStatus::OutOfSync);
        assert_eq!(
            resource.drifted_paths,
            ["spec.template.spec.containers[name=app].image"]
        );
        let diff = resource.diff.as_deref().expect("a diff");
        assert!(diff.contains("-        image: web:1.0"), "{diff}");
        assert!(diff.contains("+        image: web:2.0"), "{diff}");

        let outcome = sync(client, second.clone()).await;
        assert!(outcome.succeeded(), "{outcome:#?}");
        assert_eq!(outcome.results[0].change, Change::Update);
        let after = status(client, &second).await;
        assert_eq!(after.diff.status, SyncStatus::Synced);
        assert_eq!(after.health, HealthStatus::Healthy);
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_resource_gone_from_git_is_kept_without_prune_and_pruned_with_it() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let client = &cluster.client;
        let both = request("web", "shop", manifests(CONFIG_AND_SERVICE));
        assert!(sync(client, both).await.succeeded());

        let only_config = request(
            "web",
            "shop",
            manifests("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  annotations:\n    argocd.argoproj.io/sync-wave: \"-1\"\ndata:\n  mode: fast\n"),
        );
        let drifted = status(client, &only_config).await;
        let service = drifted
            .diff
            .resource(&key("", "Service", "shop", "web"))
            .expect("service listed");
        assert_eq!(service.status, ResourceSyncStatus::Extraneous);
        assert!(service.requires_pruning);

        let kept = sync(client, only_config.clone()).await;
        assert!(kept.succeeded(), "{kept:#?}");
        assert_eq!(kept.count(ResultCode::PruneSkipped), 1);
        let service_key = key("", "Service", "shop", "web");
        assert!(client.get("v1", &service_key).await.expect("get").is_some());

        let pruning = SyncRequest {
            prune: true,
            ..only_config.clone()
        };
        let pruned = sync(client, pruning).await;
        assert!(pruned.succeeded(), "{pruned:#?}");
        assert_eq!(pruned.count(ResultCode::Pruned), 1);
        assert!(client.get("v1", &service_key).await.expect("get").is_none());
        assert_eq!(status(client, &only_config).await.diff.status, SyncStatus::Synced);
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_crd_and_its_custom_resource_sync_together_in_order() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let yaml = "
apiVersion: example.com/v1
kind: Widget
metadata:
  name: gizmo
spec:
  size: 3
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names:
    kind: Widget
    plural: widgets
    singular: widget
    listKind: WidgetList
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          x-kubernetes-preserve-unknown-fields: true
";
        let request = request("widgets", "shop", manifests(yaml));
        let dry = sync(
            &cluster.client,
            SyncRequest {
                dry_run: true,
                ..request.clone()
            },
        )
        .await;
        assert!(dry.succeeded(), "{dry:#?}");
        assert!(
            cluster
                .client
                .resource_for("apiextensions.k8s.io/v1", "CustomResourceDefinition")
                .await
                .is_ok()
        );
        assert!(
            cluster
                .client
                .resource_for("example.com/v1", "Widget")
                .await
                .is_err(),
            "a dry run creates nothing"
        );

        let outcome = sync(&cluster.client, request.clone()).await;
        assert!(outcome.succeeded(), "{outcome:#?}");
        let kinds: Vec<&str> = outcome
            .results
            .iter()
            .map(|r| r.key.kind.as_str())
            .collect();
        assert_eq!(kinds, ["CustomResourceDefinition", "Widget"]);
        let widget = cluster
            .client
            .get(
                "example.com/v1",
                &key("example.com", "Widget", "shop", "gizmo"),
            )
            .await
            .expect("get widget")
            .expect("widget exists");
        assert_eq!(widget["spec"]["size"], json!(3));
        assert_eq!(
            status(&cluster.client, &request).await.diff.status,
            SyncStatus::Synced
        );
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_broken_image_degrades_and_the_sync_fails_at_its_timeout() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let mut request = request(
            "web",
            "shop",
            manifests(&format!(
                "{}---\n{CONFIG_AND_SERVICE}",
                deployment("web", "web:broken", 0)
            )),
        );
        request.timeouts.wave = Duration::from_secs(3);
        let outcome = sync(&cluster.client, request.clone()).await;
        assert_eq!(outcome.phase, OperationPhase::Failed, "{outcome:#?}");
        assert!(
            outcome
                .message
                .contains("Deployment.apps/shop/web did not become healthy"),
            "{}",
            outcome.message
        );
        assert!(
            outcome
                .results
                .iter()
                .all(|result| result.key.kind != "Service"),
            "the wave after the failed one never starts"
        );
        // The simulated clock runs 40x: the 30 s progress deadline passes
        // and the app turns Degraded (the test timeout bounds the wait).
        while status(&cluster.client, &request).await.health != HealthStatus::Degraded {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn drift_by_another_client_names_the_field() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let client = &cluster.client;
        let request = request("web", "shop", manifests(CONFIG_AND_SERVICE));
        assert!(sync(client, request.clone()).await.succeeded());

        // Someone edits the ConfigMap by hand (kubectl edit, another tool).
        let mut edited = client
            .get("v1", &key("", "ConfigMap", "shop", "settings"))
            .await
            .expect("get")
            .expect("exists");
        edited["data"]["mode"] = json!("slow");
        edited["metadata"]
            .as_object_mut()
            .expect("metadata")
            .remove("managedFields");
        client
            .replace(&edited, "kubectl-edit", false)
            .await
            .expect("edit by another manager");

        let drifted = status(client, &request).await;
        assert_eq!(drifted.diff.status, SyncStatus::OutOfSync);
        let config = drifted
            .diff
            .resource(&key("", "ConfigMap", "shop", "settings"))
            .expect("listed");
        assert_eq!(config.drifted_paths, ["data.mode"]);
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_secret_diff_never_shows_a_value() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let client = &cluster.client;
        let secret = |password: &str| {
            manifests(&format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: {password}\n"
            ))
        };
        assert!(sync(client, request("db", "shop", secret("hunter2"))).await.succeeded());
        let changed = request("db", "shop", secret("correct-horse"));
        let drifted = status(client, &changed).await;
        let text = serde_json::to_string(&drifted).expect("serialises");
        assert!(!text.contains("hunter2") && !text.contains("correct-horse"));
        assert!(!text.contains("aHVudGVyMg"), "nor base64 of the value");
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn an_empty_render_never_prunes_without_allow_empty() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let client = &cluster.client;
        assert!(
            sync(
                client,
                request("web", "shop", manifests(CONFIG_AND_SERVICE))
            )
            .await
            .succeeded()
        );
        let empty = SyncRequest {
            prune: true,
            ..request("web", "shop", Vec::new())
        };
        let refused = sync(client, empty.clone()).await;
        assert_eq!(refused.phase, OperationPhase::Error);
        assert!(
            refused.message.contains("allowEmpty"),
            "{}",
            refused.message
        );
        assert!(
            client
                .get("v1", &key("", "Service", "shop", "web"))
                .await
                .expect("get")
                .is_some()
        );
        let allowed = sync(
            client,
            SyncRequest {
                allow_empty: true,
                ..empty
            },
        )
        .await;
        assert!(allowed.succeeded(), "{allowed:#?}");
        assert_eq!(allowed.count(ResultCode::Pruned), 2);
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_cluster_is_refused_before_anything_is_sent() {
    within_timeout(async {
        let cluster = test_cluster().await;
        cluster.fleet.clusters()[0].go_down().await;
        let outcome = sync(
            &cluster.client,
            request("web", "shop", manifests(CONFIG_AND_SERVICE)),
        )
        .await;
        assert_eq!(outcome.phase, OperationPhase::Error);
        assert!(
            outcome.message.contains("cluster dev is unreachable"),
            "{}",
            outcome.message
        );
        assert!(outcome.results.is_empty());
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_second_operation_on_a_syncing_app_is_refused() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let locks = OperationLocks::default();
        let _running = locks.try_acquire("web").expect("free");
        let outcome = run_sync(
            &cluster.client,
            request("web", "shop", manifests(CONFIG_AND_SERVICE)),
            &locks,
            &ProgressSink::none(),
            CancelSignal::never(),
        )
        .await;
        assert_eq!(outcome.phase, OperationPhase::Error);
        assert!(outcome.message.contains("already running"));
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn selective_sync_applies_only_the_named_resources() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let only_service: BTreeSet<ObjectKey> = [key("", "Service", "shop", "web")].into();
        let outcome = sync(
            &cluster.client,
            SyncRequest {
                selected: Some(only_service),
                ..request("web", "shop", web_app("web:1.0"))
            },
        )
        .await;
        assert!(outcome.succeeded(), "{outcome:#?}");
        let synced: Vec<&str> = outcome
            .results
            .iter()
            .map(|r| r.key.kind.as_str())
            .collect();
        assert_eq!(synced, ["Service"], "no hooks, no other resources");
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_failing_hook_fails_the_sync_before_the_manifests_are_applied() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let failing_hook = MIGRATION_HOOK.replace("migrate:1.0", "migrate:broken");
        let outcome = sync(
            &cluster.client,
            request(
                "web",
                "shop",
                manifests(&format!("{CONFIG_AND_SERVICE}---\n{failing_hook}")),
            ),
        )
        .await;
        assert_eq!(outcome.phase, OperationPhase::Failed, "{outcome:#?}");
        assert_eq!(outcome.results.len(), 1, "only the hook ran: {outcome:#?}");
        assert_eq!(outcome.results[0].status, ResultCode::SyncFailed);
        assert!(
            cluster
                .client
                .get("v1", &key("", "ConfigMap", "shop", "settings"))
                .await
                .expect("get")
                .is_none()
        );
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_terminated_sync_stops_before_the_next_step() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let (handle, signal) = fleetdeck::engine::sync::cancel_pair();
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let locks = OperationLocks::default();
        let client = cluster.client.clone();
        let running = tokio::spawn(async move {
            run_sync(
                &client,
                request("web", "shop", web_app("web:broken")),
                &locks,
                &ProgressSink::new(sender),
                signal,
            )
            .await
        });
        // Terminate while the broken deployment's wave is being waited for.
        while let Some(event) = receiver.recv().await {
            if matches!(event, SyncProgress::Waiting { wave: 0, .. }) {
                handle.cancel();
                break;
            }
        }
        let outcome = running.await.expect("sync task");
        assert_eq!(outcome.phase, OperationPhase::Failed);
        assert!(
            outcome.results.iter().all(|r| r.key.kind != "Service"),
            "{outcome:#?}"
        );
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_dry_run_into_a_namespace_the_sync_creates_changes_nothing() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let dry = SyncRequest {
            dry_run: true,
            ..request("web", "shop", manifests(CONFIG_AND_SERVICE))
        };
        let outcome = sync(&cluster.client, dry.clone()).await;
        assert!(outcome.succeeded(), "{outcome:#?}");
        assert!(outcome.dry_run);
        assert!(
            outcome
                .results
                .iter()
                .all(|result| result.change == Change::Create),
            "{outcome:#?}"
        );
        let namespace = cluster
            .client
            .get("v1", &key("", "Namespace", "", "shop"))
            .await
            .expect("get namespace");
        assert!(namespace.is_none(), "a dry run creates no namespace");
        assert_eq!(
            status(&cluster.client, &dry).await.diff.status,
            SyncStatus::OutOfSync
        );
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn an_existing_untracked_object_is_adopted_and_then_tracked() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let client = &cluster.client;
        let namespace = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}});
        client
            .create(&namespace, "kubectl", false)
            .await
            .expect("namespace");
        let by_hand = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": "shop"}, "data": {"mode": "fast"}});
        client.create(&by_hand, "kubectl", false).await.expect("created by hand");

        let request = request(
            "web",
            "shop",
            manifests("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n"),
        );
        let before = status(client, &request).await;
        let resource = &before.diff.resources[0];
        assert!(!resource.tracked, "found by identity, not tracked yet");
        let outcome = sync(client, request.clone()).await;
        assert!(outcome.succeeded(), "{outcome:#?}");
        assert_eq!(outcome.results[0].change, Change::Unchanged);
        let after = status(client, &request).await;
        assert!(after.diff.resources[0].tracked, "{:#?}", after.diff);
        assert_eq!(after.diff.status, SyncStatus::Synced);
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}
