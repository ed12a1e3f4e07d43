//! The simulated fleet as its clients see it: kube-rs (and kubectl when installed)
//! against `Fleet::start` and the kubeconfig it writes, nothing else of `sim`.

use std::path::Path;
use std::time::Duration;

use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Secret};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
    PropagationPolicy, WatchEvent, WatchParams,
};
use kube::config::{AuthInfo, KubeConfigOptions, Kubeconfig};
use kube::core::{ApiResource, GroupVersionKind};
use kube::discovery::Discovery;
use kube::runtime::{reflector, watcher};
use kube::{Client, Config, ResourceExt};
use serde_json::json;

const TEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Run a test body under the timeout every async test needs.
async fn within_timeout<F: std::future::Future<Output = ()>>(body: F) {
    tokio::time::timeout(TEST_TIMEOUT, body)
        .await
        .expect("test timed out");
}

/// A fleet on free ports whose kubeconfig lives in its own temp dir.
async fn start(spec: impl FnOnce(&Path) -> FleetSpec) -> (tempfile::TempDir, Fleet) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::start(spec(&dir.path().join("kubeconfig")))
        .await
        .expect("fleet starts");
    (dir, fleet)
}

async fn one_cluster() -> (tempfile::TempDir, Fleet, Client) {
    let (dir, fleet) = start(|path| FleetSpec::new(path).cluster(ClusterSpec::new("dev"))).await;
    let client = client_for(fleet.kubeconfig_path(), "dev").await;
    (dir, fleet, client)
}

async fn config_for(kubeconfig: &Path, context: &str) -> Config {
    let kubeconfig = Kubeconfig::read_from(kubeconfig).expect("read kubeconfig");
    Config::from_custom_kubeconfig(
        kubeconfig,
        &KubeConfigOptions {
            context: Some(context.to_string()),
            ..KubeConfigOptions::default()
        },
    )
    .await
    .expect("config from kubeconfig")
}

pub(super) async fn client_for(kubeconfig: &Path, context: &str) -> Client {
    Client::try_from(config_for(kubeconfig, context).await).expect("client")
}

fn api_error(error: kube::Error) -> Box<kube::core::Status> {
    match error {
        kube::Error::Api(status) => status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

fn config_map(name: &str, labels: serde_json::Value) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"key": "value"},
    }))
    .expect("configmap")
}

fn deployment(name: &str, image: &str) -> Deployment {
    serde_json::from_value(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": image}]}
            }
        }
    }))
    .expect("deployment")
}

async fn create_namespace(client: &Client, name: &str) {
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": name}})).expect("ns");
    Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await
        .expect("create namespace");
}

#[tokio::test]
async fn kubeconfig_has_a_context_per_cluster_and_clusters_are_separate() {
    within_timeout(async {
        let (_dir, fleet) = start(|path| {
            FleetSpec::new(path)
                .cluster(ClusterSpec::new("hub").label("env", "hub"))
                .cluster(
                    ClusterSpec::new("prod-eu")
                        .label("env", "prod")
                        .label("region", "eu"),
                )
        })
        .await;
        let kubeconfig = Kubeconfig::read_from(fleet.kubeconfig_path()).expect("kubeconfig");
        assert_eq!(kubeconfig.current_context.as_deref(), Some("hub"));
        let contexts: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(
            contexts,
            ["hub", "hub-readonly", "prod-eu", "prod-eu-readonly"]
        );
        let prod = fleet.cluster("prod-eu").expect("prod-eu");
        assert_eq!(prod.labels().get("region").map(String::as_str), Some("eu"));
        assert!(prod.base_url().starts_with("https://127.0.0.1:"));
        assert!(fleet.cluster("nope").is_none());
        let extension = &kubeconfig.contexts[2]
            .context
            .as_ref()
            .and_then(|c| c.extensions.clone())
            .expect("extensions")[0];
        assert_eq!(extension.name, fleetdeck::sim::LABELS_EXTENSION);
        assert_eq!(extension.extension["name"], "prod-eu");
        assert_eq!(extension.extension["labels"]["env"], "prod");

        let hub = client_for(fleet.kubeconfig_path(), "hub").await;
        let prod_client = client_for(fleet.kubeconfig_path(), "prod-eu").await;
        let version = hub.apiserver_version().await.expect("version");
        assert_eq!(version.major, "1");
        Api::<ConfigMap>::namespaced(prod_client.clone(), "default")
            .create(
                &PostParams::default(),
                &config_map("only-in-prod", json!({})),
            )
            .await
            .expect("create");
        let hub_cms = Api::<ConfigMap>::namespaced(hub, "default");
        assert!(
            hub_cms
                .get_opt("only-in-prod")
                .await
                .expect("get")
                .is_none()
        );
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn crud_metadata_conflicts_and_namespaces() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "default");
        let created = cms
            .create(
                &PostParams::default(),
                &config_map("settings", json!({"app": "a"})),
            )
            .await
            .expect("create");
        assert!(created.uid().is_some());
        assert!(created.metadata.creation_timestamp.is_some());
        let rv1: u64 = created
            .resource_version()
            .expect("rv")
            .parse()
            .expect("numeric rv");

        let err = cms
            .create(&PostParams::default(), &config_map("settings", json!({})))
            .await
            .expect_err("duplicate");
        let status = api_error(err);
        assert_eq!(
            (status.code, status.reason.as_str()),
            (409, "AlreadyExists")
        );

        let mut changed = created.clone();
        changed.data = Some([("key".to_string(), "new".to_string())].into());
        let replaced = cms
            .replace("settings", &PostParams::default(), &changed)
            .await
            .expect("replace");
        let rv2: u64 = replaced
            .resource_version()
            .expect("rv")
            .parse()
            .expect("rv");
        assert!(rv2 > rv1);
        // `changed` still carries the old resourceVersion.
        let status = api_error(
            cms.replace("settings", &PostParams::default(), &changed)
                .await
                .expect_err("stale"),
        );
        assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));

        let mut generated = config_map("", json!({}));
        generated.metadata.name = None;
        generated.metadata.generate_name = Some("gen-".into());
        let generated = cms
            .create(&PostParams::default(), &generated)
            .await
            .expect("generateName");
        assert!(generated.name_any().starts_with("gen-") && generated.name_any().len() > 4);

        let missing_ns = Api::<ConfigMap>::namespaced(client.clone(), "missing");
        let status = api_error(
            missing_ns
                .create(&PostParams::default(), &config_map("x", json!({})))
                .await
                .expect_err("no namespace"),
        );
        assert_eq!((status.code, status.reason.as_str()), (404, "NotFound"));
        assert!(status.message.contains("namespaces \"missing\" not found"));

        let status = api_error(cms.get("absent").await.expect_err("absent"));
        assert_eq!(status.code, 404);

        let deleted = cms
            .delete("settings", &DeleteParams::default())
            .await
            .expect("delete");
        assert!(deleted.is_right(), "immediate delete answers a Status");
        assert!(cms.get_opt("settings").await.expect("get").is_none());

        // Generation moves with the spec only; status and scale have their own endpoints.
        let deployments = Api::<Deployment>::namespaced(client.clone(), "default");
        let web = deployments
            .create(&PostParams::default(), &deployment("web", "nginx:1"))
            .await
            .expect("create deployment");
        assert_eq!(web.metadata.generation, Some(1));
        let labelled = deployments
            .patch(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {"team": "a"}}})),
            )
            .await
            .expect("label");
        assert_eq!(labelled.metadata.generation, Some(1));
        let status_patched = deployments
            .patch_status(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({"status": {"replicas": 2, "readyReplicas": 1}})),
            )
            .await
            .expect("status");
        assert_eq!(status_patched.metadata.generation, Some(1));
        assert_eq!(
            status_patched.status.and_then(|s| s.ready_replicas),
            Some(1)
        );
        let ignored_status = deployments
            .patch(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({"status": {"readyReplicas": 7}})),
            )
            .await
            .expect("main resource ignores status");
        assert_eq!(
            ignored_status.status.and_then(|s| s.ready_replicas),
            Some(1)
        );
        let scale = deployments.get_scale("web").await.expect("scale");
        assert_eq!(scale.spec.and_then(|s| s.replicas), Some(2));
        assert_eq!(
            scale.status.and_then(|s| s.selector).as_deref(),
            Some("app=web")
        );
        deployments
            .patch_scale(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"replicas": 5}})),
            )
            .await
            .expect("scale patch");
        let scaled = deployments.get("web").await.expect("get");
        assert_eq!(scaled.spec.replicas, Some(5));
        assert_eq!(scaled.metadata.generation, Some(2));

        let mut bad = deployment("bad", "nginx:1");
        bad.spec.selector.match_labels = Some([("app".to_string(), "other".to_string())].into());
        let status = api_error(
            deployments
                .create(&PostParams::default(), &bad)
                .await
                .expect_err("invalid"),
        );
        assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
        let status = api_error(
            deployments
                .patch(
                    "web",
                    &PatchParams::default(),
                    &Patch::Merge(
                        json!({"spec": {"selector": {"matchLabels": {"app": "moved"}},
                        "template": {"metadata": {"labels": {"app": "moved"}}}}}),
                    ),
                )
                .await
                .expect_err("selector is immutable"),
        );
        assert_eq!(status.code, 422);
        assert!(
            status.message.contains("field is immutable"),
            "{}",
            status.message
        );

        let secret: Secret = serde_json::from_value(json!({
            "metadata": {"name": "creds"}, "stringData": {"password": "hunter2"}}))
        .expect("secret");
        let stored = Api::<Secret>::namespaced(client.clone(), "default")
            .create(&PostParams::default(), &secret)
            .await
            .expect("secret");
        assert!(stored.string_data.is_none());
        assert_eq!(stored.type_.as_deref(), Some("Opaque"));
        let password = stored.data.expect("data")["password"].0.clone();
        assert_eq!(password, b"hunter2");
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn patch_types_and_dry_run() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let deployments = Api::<Deployment>::namespaced(client.clone(), "default");
        let mut web = deployment("web", "app:1");
        if let Some(pod) = web.spec.template.spec.as_mut() {
            pod.containers.push(
                serde_json::from_value(json!({"name": "side", "image": "side:1"})).expect("c"),
            );
        }
        deployments
            .create(&PostParams::default(), &web)
            .await
            .expect("create");
        let patched = deployments
            .patch(
                "web",
                &PatchParams::default(),
                &Patch::Strategic(json!({"spec": {"template": {"spec": {"containers": [
                    {"name": "app", "image": "app:2"}
                ]}}}})),
            )
            .await
            .expect("strategic");
        let containers = patched.spec.template.spec.expect("pod").containers;
        assert_eq!(containers.len(), 2, "strategic merge keeps the sidecar");
        assert_eq!(containers[0].image.as_deref(), Some("app:2"));

        let patched = deployments
            .patch(
                "web",
                &PatchParams::default(),
                &Patch::Json::<()>(
                    serde_json::from_value(json!([
                        {"op": "replace", "path": "/spec/replicas", "value": 3},
                        {"op": "add", "path": "/metadata/labels", "value": {"patched": "json"}}
                    ]))
                    .expect("json patch"),
                ),
            )
            .await
            .expect("json patch");
        assert_eq!(patched.spec.replicas, Some(3));
        assert_eq!(
            patched.labels().get("patched").map(String::as_str),
            Some("json")
        );

        let patched = deployments
            .patch(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"template": {"spec": {"containers": [
                    {"name": "only", "image": "only:1"}
                ]}}}})),
            )
            .await
            .expect("merge");
        assert_eq!(
            patched.spec.template.spec.expect("pod").containers.len(),
            1,
            "merge patch replaces lists"
        );

        let cms = Api::<ConfigMap>::namespaced(client.clone(), "default");
        let dry_post = PostParams {
            dry_run: true,
            ..PostParams::default()
        };
        let dry = cms
            .create(&dry_post, &config_map("dry", json!({})))
            .await
            .expect("dry-run create");
        assert_eq!(dry.name_any(), "dry");
        assert!(cms.get_opt("dry").await.expect("get").is_none());
        cms.create(&PostParams::default(), &config_map("real", json!({})))
            .await
            .expect("create");
        let dry_patch = PatchParams {
            dry_run: true,
            ..PatchParams::default()
        };
        let dry = cms
            .patch(
                "real",
                &dry_patch,
                &Patch::Merge(json!({"data": {"key": "dry"}})),
            )
            .await
            .expect("dry-run patch");
        assert_eq!(dry.data.expect("data")["key"], "dry");
        assert_eq!(
            cms.get("real").await.expect("get").data.expect("data")["key"],
            "value"
        );
        let dry_delete = DeleteParams {
            dry_run: true,
            ..DeleteParams::default()
        };
        cms.delete("real", &dry_delete)
            .await
            .expect("dry-run delete");
        assert!(cms.get_opt("real").await.expect("get").is_some());
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn discovery_and_dynamic_objects() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let discovery = Discovery::new(client.clone())
            .run()
            .await
            .expect("discovery");
        assert!(discovery.has_group("apps") && discovery.has_group("apiextensions.k8s.io"));
        let (resource, caps) = discovery
            .resolve_gvk(&GroupVersionKind::gvk("apps", "v1", "Deployment"))
            .expect("deployments discovered");
        assert_eq!(resource.plural, "deployments");
        let subresources: Vec<&str> = caps
            .subresources
            .iter()
            .map(|(r, _)| r.plural.as_str())
            .collect();
        assert!(subresources.contains(&"status") && subresources.contains(&"scale"));
        let (ns_resource, ns_caps) = discovery
            .resolve_gvk(&GroupVersionKind::gvk("", "v1", "Namespace"))
            .expect("namespaces");
        assert_eq!(ns_resource.plural, "namespaces");
        assert_eq!(ns_caps.scope, kube::discovery::Scope::Cluster);

        // Aggregated discovery (two requests) sees the same resources.
        let aggregated = Discovery::new(client.clone())
            .run_aggregated()
            .await
            .expect("aggregated discovery");
        let (_, aggregated_caps) = aggregated
            .resolve_gvk(&GroupVersionKind::gvk("apps", "v1", "Deployment"))
            .expect("deployments in aggregated discovery");
        assert_eq!(aggregated_caps.subresources.len(), 2);
        assert!(
            aggregated
                .resolve_gvk(&GroupVersionKind::gvk("", "v1", "ConfigMap"))
                .is_some()
        );
        let (cm_resource, _) = discovery
            .resolve_gvk(&GroupVersionKind::gvk("", "v1", "ConfigMap"))
            .expect("configmaps");
        let dynamic =
            Api::<DynamicObject>::namespaced_with(client.clone(), "default", &cm_resource);
        let object = DynamicObject::new("dyn", &cm_resource).data(json!({"data": {"a": "b"}}));
        dynamic
            .create(&PostParams::default(), &object)
            .await
            .expect("dynamic create");
        let typed = Api::<ConfigMap>::namespaced(client, "default")
            .get("dyn")
            .await
            .expect("typed get");
        assert_eq!(typed.data.expect("data")["a"], "b");
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn list_with_selectors_pagination_and_all_namespaces() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        create_namespace(&client, "team").await;
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "default");
        for (name, labels) in [
            ("a", json!({"app": "web", "tier": "front"})),
            ("b", json!({"app": "web", "tier": "back"})),
            ("c", json!({"app": "db"})),
            ("d", json!({})),
            ("e", json!({"app": "cache"})),
        ] {
            cms.create(&PostParams::default(), &config_map(name, labels))
                .await
                .expect("create");
        }
        Api::<ConfigMap>::namespaced(client.clone(), "team")
            .create(
                &PostParams::default(),
                &config_map("t", json!({"app": "web"})),
            )
            .await
            .expect("create in team");
        let names = |list: kube::core::ObjectList<ConfigMap>| -> Vec<String> {
            list.items.iter().map(|c| c.name_any()).collect()
        };
        for (selector, expected) in [
            ("app=web", vec!["a", "b"]),
            ("app==web,tier!=back", vec!["a"]),
            ("app in (db,cache)", vec!["c", "e"]),
            ("app notin (web),app", vec!["c", "e"]),
            ("!app", vec!["d"]),
            ("tier", vec!["a", "b"]),
        ] {
            let list = cms
                .list(&ListParams::default().labels(selector))
                .await
                .expect("list");
            assert_eq!(names(list), expected, "selector {selector}");
        }
        let by_name = cms
            .list(&ListParams::default().fields("metadata.name=c"))
            .await
            .expect("field selector");
        assert_eq!(names(by_name), ["c"]);

        let mut pages = Vec::new();
        let mut params = ListParams::default().limit(2);
        loop {
            let page = cms.list(&params).await.expect("page");
            let token = page.metadata.continue_.clone().filter(|t| !t.is_empty());
            pages.push(names(page));
            match token {
                Some(token) => params = params.continue_token(&token),
                None => break,
            }
        }
        assert_eq!(pages, [vec!["a", "b"], vec!["c", "d"], vec!["e"]]);

        let everywhere = Api::<ConfigMap>::all(client.clone())
            .list(&ListParams::default().labels("app=web"))
            .await
            .expect("all namespaces");
        let located: Vec<(String, String)> = everywhere
            .items
            .iter()
            .map(|c| (c.namespace().unwrap_or_default(), c.name_any()))
            .collect();
        assert_eq!(
            located,
            [
                ("default".to_string(), "a".to_string()),
                ("default".into(), "b".into()),
                ("team".into(), "t".into())
            ]
        );
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn watcher_and_reflector_follow_changes() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "default");
        cms.create(
            &PostParams::default(),
            &config_map("before", json!({"w": "1"})),
        )
        .await
        .expect("create");
        let (reader, writer) = reflector::store::<ConfigMap>();
        let stream = reflector::reflector(
            writer,
            watcher(cms.clone(), watcher::Config::default().labels("w=1")),
        );
        let mut events = stream.boxed();
        let mut seen: Vec<String> = Vec::new();
        let record = |event: &watcher::Event<ConfigMap>| match event {
            watcher::Event::Apply(cm) => Some(format!("apply {}", cm.name_any())),
            watcher::Event::Delete(cm) => Some(format!("delete {}", cm.name_any())),
            watcher::Event::InitApply(cm) => Some(format!("init {}", cm.name_any())),
            _ => None,
        };
        // Initial list.
        while !seen.contains(&"init before".to_string()) {
            let event = events.try_next().await.expect("watch").expect("event");
            seen.extend(record(&event));
        }
        cms.create(
            &PostParams::default(),
            &config_map("later", json!({"w": "1"})),
        )
        .await
        .expect("create");
        cms.patch(
            "later",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"key": "changed"}})),
        )
        .await
        .expect("patch");
        cms.create(&PostParams::default(), &config_map("unlabelled", json!({})))
            .await
            .expect("create");
        cms.delete("before", &DeleteParams::default())
            .await
            .expect("delete");
        let expected = ["apply later", "apply later", "delete before"];
        let mut live = Vec::new();
        while live.len() < expected.len() {
            let event = events.try_next().await.expect("watch").expect("event");
            live.extend(record(&event));
        }
        assert_eq!(live, expected);
        let names: Vec<String> = reader.state().iter().map(|c| c.name_any()).collect();
        assert_eq!(names, ["later"]);
        assert_eq!(
            reader.state()[0].data.as_ref().expect("data")["key"],
            "changed"
        );

        // The streaming-list initial strategy (sendInitialEvents + the
        // initial-events-end bookmark) ends its initial state too.
        let mut streaming = watcher(
            cms.clone(),
            watcher::Config::default().labels("w=1").streaming_lists(),
        )
        .boxed();
        let mut initial = Vec::new();
        loop {
            match streaming.try_next().await.expect("watch").expect("event") {
                watcher::Event::InitApply(cm) => initial.push(cm.name_any()),
                watcher::Event::InitDone => break,
                _ => {}
            }
        }
        assert_eq!(initial, ["later"]);
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn raw_watch_resumes_and_expires_with_410() {
    within_timeout(async {
        let (_dir, fleet) = start(|path| {
            FleetSpec::new(path)
                .cluster(ClusterSpec::new("dev"))
                .watch_history(5)
        })
        .await;
        let client = client_for(fleet.kubeconfig_path(), "dev").await;
        let cms = Api::<ConfigMap>::namespaced(client, "default");
        let first = cms
            .create(&PostParams::default(), &config_map("c0", json!({})))
            .await
            .expect("create");
        let start_rv = first.resource_version().expect("rv");
        cms.create(&PostParams::default(), &config_map("c1", json!({})))
            .await
            .expect("create");
        // Resuming from a retained version replays what happened after it.
        let mut replay = cms
            .watch(&WatchParams::default().timeout(2), &start_rv)
            .await
            .expect("watch")
            .boxed();
        match replay.try_next().await.expect("event") {
            Some(WatchEvent::Added(cm)) => assert_eq!(cm.name_any(), "c1"),
            other => panic!("expected ADDED c1, got {other:?}"),
        }
        for i in 2..12 {
            cms.create(
                &PostParams::default(),
                &config_map(&format!("c{i}"), json!({})),
            )
            .await
            .expect("create");
        }
        let mut expired = cms
            .watch(&WatchParams::default(), &start_rv)
            .await
            .expect("watch")
            .boxed();
        match expired.try_next().await.expect("event") {
            Some(WatchEvent::Error(status)) => {
                assert_eq!(status.code, 410);
                assert_eq!(status.reason, "Expired");
            }
            other => panic!("expected a 410 ERROR event, got {other:?}"),
        }
        let mut bookmarks = cms
            .watch(
                &WatchParams {
                    bookmarks: true,
                    ..WatchParams::default()
                }
                .timeout(1),
                "0",
            )
            .await
            .expect("watch")
            .boxed();
        let mut saw_added = 0;
        while let Some(event) = bookmarks.try_next().await.expect("event") {
            if let WatchEvent::Added(_) = event {
                saw_added += 1;
            }
        }
        assert_eq!(
            saw_added, 12,
            "a watch from 0 starts with the current state"
        );
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn server_side_apply_owns_removes_and_conflicts() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "default");
        let apply = |data: serde_json::Value| {
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "owned"}, "data": data})
        };
        let created = cms
            .patch(
                "owned",
                &PatchParams::apply("alpha"),
                &Patch::Apply(apply(json!({"a": "1", "b": "2"}))),
            )
            .await
            .expect("apply creates");
        let managers = created
            .metadata
            .managed_fields
            .clone()
            .expect("managedFields");
        assert_eq!(managers.len(), 1);
        assert_eq!(managers[0].manager.as_deref(), Some("alpha"));
        assert_eq!(managers[0].operation.as_deref(), Some("Apply"));

        let again = cms
            .patch(
                "owned",
                &PatchParams::apply("alpha"),
                &Patch::Apply(apply(json!({"a": "1", "b": "2"}))),
            )
            .await
            .expect("idempotent apply");
        assert_eq!(again.resource_version(), created.resource_version());

        let status = api_error(
            cms.patch(
                "owned",
                &PatchParams::apply("beta"),
                &Patch::Apply(apply(json!({"a": "other"}))),
            )
            .await
            .expect_err("conflict"),
        );
        assert_eq!((status.code, status.reason.as_str()), (409, "Conflict"));
        assert!(
            status.message.contains("conflict with \"alpha\""),
            "{}",
            status.message
        );
        assert!(status.message.contains(".data.a"), "{}", status.message);

        // beta shares b (same value), then alpha stops applying both a and b:
        // a disappears, b stays because beta still owns it.
        cms.patch(
            "owned",
            &PatchParams::apply("beta"),
            &Patch::Apply(apply(json!({"b": "2"}))),
        )
        .await
        .expect("shared field");
        let pruned = cms
            .patch(
                "owned",
                &PatchParams::apply("alpha"),
                &Patch::Apply(apply(json!({"c": "3"}))),
            )
            .await
            .expect("apply without a and b");
        let data = pruned.data.expect("data");
        assert!(!data.contains_key("a"));
        assert_eq!(data.get("b").map(String::as_str), Some("2"));
        assert_eq!(data.get("c").map(String::as_str), Some("3"));

        let forced = cms
            .patch(
                "owned",
                &PatchParams::apply("beta").force(),
                &Patch::Apply(apply(json!({"b": "2", "c": "forced"}))),
            )
            .await
            .expect("forced apply");
        assert_eq!(forced.data.expect("data")["c"], "forced");
        // alpha lost c to beta: applying nothing from alpha keeps it.
        let after = cms
            .patch(
                "owned",
                &PatchParams::apply("alpha"),
                &Patch::Apply(apply(json!({}))),
            )
            .await
            .expect("alpha applies nothing");
        assert_eq!(after.data.expect("data")["c"], "forced");

        // A non-apply update takes ownership, so a later apply conflicts with it.
        let deployments = Api::<Deployment>::namespaced(client, "default");
        let desired = serde_json::to_value(deployment("web", "nginx:1")).expect("json");
        deployments
            .patch(
                "web",
                &PatchParams::apply("fleetdeck"),
                &Patch::Apply(&desired),
            )
            .await
            .expect("apply deployment");
        deployments
            .patch(
                "web",
                &PatchParams {
                    field_manager: Some("kubectl-edit".into()),
                    ..PatchParams::default()
                },
                &Patch::Merge(json!({"spec": {"replicas": 9}})),
            )
            .await
            .expect("manual edit");
        let status = api_error(
            deployments
                .patch(
                    "web",
                    &PatchParams::apply("fleetdeck"),
                    &Patch::Apply(&desired),
                )
                .await
                .expect_err("drift conflicts"),
        );
        assert!(
            status.message.contains("kubectl-edit") && status.message.contains(".spec.replicas")
        );
        let healed = deployments
            .patch(
                "web",
                &PatchParams::apply("fleetdeck").force(),
                &Patch::Apply(&desired),
            )
            .await
            .expect("forced");
        assert_eq!(healed.spec.replicas, Some(2));
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

fn owned_by(kind: &str, api_version: &str, name: &str, uid: &str) -> serde_json::Value {
    json!([{"apiVersion": api_version, "kind": kind, "name": name, "uid": uid,
        "controller": true, "blockOwnerDeletion": true}])
}

/// Deployment → ReplicaSet → Pod, linked by ownerReferences.
async fn owner_chain(client: &Client, name: &str) {
    let deployments = Api::<Deployment>::namespaced(client.clone(), "default");
    let d = deployments
        .create(&PostParams::default(), &deployment(name, "app:1"))
        .await
        .expect("deployment");
    let rs: ReplicaSet = serde_json::from_value(json!({
        "metadata": {"name": format!("{name}-rs"), "labels": {"app": name},
            "ownerReferences": owned_by("Deployment", "apps/v1", name, &d.uid().expect("uid"))},
        "spec": {"selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "app:1"}]}}}
    }))
    .expect("rs");
    let rs = Api::<ReplicaSet>::namespaced(client.clone(), "default")
        .create(&PostParams::default(), &rs)
        .await
        .expect("replicaset");
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": format!("{name}-pod"), "labels": {"app": name},
            "ownerReferences": owned_by("ReplicaSet", "apps/v1", &rs.name_any(), &rs.uid().expect("uid"))},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]}
    }))
    .expect("pod");
    Api::<Pod>::namespaced(client.clone(), "default")
        .create(&PostParams::default(), &pod)
        .await
        .expect("pod");
}

#[tokio::test]
async fn deletion_propagates_through_owner_references_and_finalizers() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let deployments = Api::<Deployment>::namespaced(client.clone(), "default");
        let replicasets = Api::<ReplicaSet>::namespaced(client.clone(), "default");
        let pods = Api::<Pod>::namespaced(client.clone(), "default");

        owner_chain(&client, "bg").await;
        deployments
            .delete("bg", &DeleteParams::background())
            .await
            .expect("delete");
        assert!(replicasets.get_opt("bg-rs").await.expect("get").is_none());
        assert!(pods.get_opt("bg-pod").await.expect("get").is_none());

        owner_chain(&client, "orphan").await;
        deployments
            .delete("orphan", &DeleteParams::orphan())
            .await
            .expect("delete");
        assert!(deployments.get_opt("orphan").await.expect("get").is_none());
        let rs = replicasets
            .get("orphan-rs")
            .await
            .expect("orphaned rs stays");
        assert!(rs.owner_references().is_empty());
        assert!(pods.get_opt("orphan-pod").await.expect("get").is_some());

        // Foreground: the owner waits, terminating, for a dependent held by a finalizer.
        owner_chain(&client, "fg").await;
        pods.patch(
            "fg-pod",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"finalizers": ["example.com/hold"]}})),
        )
        .await
        .expect("finalizer");
        let pending = deployments
            .delete(
                "fg",
                &DeleteParams {
                    propagation_policy: Some(PropagationPolicy::Foreground),
                    ..DeleteParams::default()
                },
            )
            .await
            .expect("delete");
        let pending = pending
            .left()
            .expect("foreground delete returns the object");
        assert!(pending.metadata.deletion_timestamp.is_some());
        assert!(
            pending
                .finalizers()
                .contains(&"foregroundDeletion".to_string())
        );
        let pod = pods.get("fg-pod").await.expect("held pod");
        assert!(pod.metadata.deletion_timestamp.is_some());
        pods.patch(
            "fg-pod",
            &PatchParams::default(),
            &Patch::Json::<()>(
                serde_json::from_value(json!([{"op": "remove", "path": "/metadata/finalizers"}]))
                    .expect("patch"),
            ),
        )
        .await
        .expect("release");
        assert!(pods.get_opt("fg-pod").await.expect("get").is_none());
        assert!(replicasets.get_opt("fg-rs").await.expect("get").is_none());
        assert!(deployments.get_opt("fg").await.expect("get").is_none());

        // Deleting a namespace deletes what is inside it.
        create_namespace(&client, "doomed").await;
        Api::<ConfigMap>::namespaced(client.clone(), "doomed")
            .create(&PostParams::default(), &config_map("inside", json!({})))
            .await
            .expect("create");
        Api::<Namespace>::all(client.clone())
            .delete("doomed", &DeleteParams::default())
            .await
            .expect("delete namespace");
        assert!(
            Api::<Namespace>::all(client.clone())
                .get_opt("doomed")
                .await
                .expect("get")
                .is_none()
        );
        let left = Api::<ConfigMap>::all(client.clone())
            .list(&ListParams::default().fields("metadata.namespace=doomed"))
            .await
            .expect("list");
        assert!(left.items.is_empty());
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn custom_resources_exist_only_with_their_crd() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let widget = ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk("example.com", "v1", "Widget"),
            "widgets",
        );
        let widgets = Api::<DynamicObject>::namespaced_with(client.clone(), "default", &widget);
        let object = DynamicObject::new("w1", &widget).data(json!({"spec": {"size": 3}}));
        let status = api_error(
            widgets
                .create(&PostParams::default(), &object)
                .await
                .expect_err("no CRD yet"),
        );
        assert_eq!(status.code, 404);

        let crd: CustomResourceDefinition = serde_json::from_value(json!({
            "metadata": {"name": "widgets.example.com"},
            "spec": {
                "group": "example.com",
                "scope": "Namespaced",
                "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "shortNames": ["wd"]},
                "versions": [{"name": "v1", "served": true, "storage": true,
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
                    "subresources": {"status": {}}}]
            }
        }))
        .expect("crd");
        let crds = Api::<CustomResourceDefinition>::all(client.clone());
        let created = crds
            .create(&PostParams::default(), &crd)
            .await
            .expect("create crd");
        let established = created
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        assert!(established);

        let discovery = Discovery::new(client.clone()).run().await.expect("discovery");
        let (resource, caps) = discovery
            .resolve_gvk(&GroupVersionKind::gvk("example.com", "v1", "Widget"))
            .expect("widgets served");
        assert_eq!(resource.plural, "widgets");
        assert_eq!(caps.subresources.len(), 1);
        let aggregated = Discovery::new(client.clone())
            .run_aggregated()
            .await
            .expect("aggregated discovery");
        assert!(aggregated.has_group("example.com"));
        widgets
            .create(&PostParams::default(), &object)
            .await
            .expect("create widget");
        let status = api_error(
            widgets
                .patch(
                    "w1",
                    &PatchParams::default(),
                    &Patch::Strategic(json!({"spec": {"size": 4}})),
                )
                .await
                .expect_err("no strategic merge for custom resources"),
        );
        assert_eq!(status.code, 415);
        let patched = widgets
            .patch("w1", &PatchParams::default(), &Patch::Merge(json!({"spec": {"size": 4}})))
            .await
            .expect("merge patch");
        assert_eq!(patched.data["spec"]["size"], 4);
        assert_eq!(patched.metadata.generation, Some(2));

        crds.delete("widgets.example.com", &DeleteParams::default())
            .await
            .expect("delete crd");
        assert!(crds.get_opt("widgets.example.com").await.expect("get").is_none());
        let status = api_error(widgets.get("w1").await.expect_err("gone with the CRD"));
        assert_eq!(status.code, 404);
        let discovery = Discovery::new(client.clone())
            .run()
            .await
            .expect("discovery");
        assert!(!discovery.has_group("example.com"));
        let aggregated = Discovery::new(client)
            .run_aggregated()
            .await
            .expect("aggregated discovery");
        assert!(!aggregated.has_group("example.com"));
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn tokens_authenticate_and_read_only_cannot_write() {
    within_timeout(async {
        let (_dir, fleet, admin) = one_cluster().await;
        let mut anonymous = config_for(fleet.kubeconfig_path(), "dev").await;
        anonymous.auth_info = AuthInfo::default();
        let anonymous = Client::try_from(anonymous).expect("client");
        let status = api_error(
            Api::<ConfigMap>::namespaced(anonymous, "default")
                .list(&ListParams::default())
                .await
                .expect_err("no token"),
        );
        assert_eq!((status.code, status.reason.as_str()), (401, "Unauthorized"));

        Api::<ConfigMap>::namespaced(admin, "default")
            .create(&PostParams::default(), &config_map("visible", json!({})))
            .await
            .expect("admin writes");
        let read_only = client_for(fleet.kubeconfig_path(), "dev-readonly").await;
        let cms = Api::<ConfigMap>::namespaced(read_only, "default");
        assert_eq!(
            cms.get("visible").await.expect("reads").name_any(),
            "visible"
        );
        let status = api_error(
            cms.create(&PostParams::default(), &config_map("nope", json!({})))
                .await
                .expect_err("read-only"),
        );
        assert_eq!((status.code, status.reason.as_str()), (403, "Forbidden"));
        let status = api_error(
            cms.delete("visible", &DeleteParams::default())
                .await
                .expect_err("read-only"),
        );
        assert_eq!(status.code, 403);
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

/// kubectl against the simulator, if kubectl is installed (skipped with a note otherwise).
#[tokio::test]
async fn kubectl_works_against_the_simulator() {
    within_timeout(async {
        let probe = tokio::process::Command::new("kubectl")
            .args(["version", "--client"])
            .output()
            .await;
        if !probe.is_ok_and(|o| o.status.success()) {
            eprintln!("kubectl not found on PATH: skipping the kubectl test");
            return;
        }
        // Controllers on, so `rollout status` has a rollout to follow.
        let (dir, fleet, client) = cluster_with_controllers().await;
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let manifest = dir.path().join("app.yaml");
        std::fs::write(
            &manifest,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-kubectl\n  labels:\n    via: kubectl\ndata:\n  greeting: hello\n",
        )
        .expect("manifest");
        let kubeconfig = fleet.kubeconfig_path().to_path_buf();
        let cache = dir.path().join("cache");
        let kubectl = |args: &[&str]| {
            let mut command = tokio::process::Command::new("kubectl");
            command
                .arg("--kubeconfig")
                .arg(&kubeconfig)
                .arg("--cache-dir")
                .arg(&cache)
                .args(args)
                .env("HOME", &home)
                .env_remove("KUBECONFIG");
            let label = args.join(" ");
            async move {
                let output = command.output().await.expect("run kubectl");
                let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
                let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
                assert!(
                    output.status.success(),
                    "kubectl {label} failed:\n{stdout}\n{stderr}"
                );
                stdout
            }
        };
        let namespaces = kubectl(&["get", "ns"]).await;
        assert!(namespaces.contains("default") && namespaces.contains("Active"), "{namespaces}");
        let manifest_path = manifest.to_string_lossy().into_owned();
        let applied = kubectl(&["apply", "--server-side", "-f", &manifest_path]).await;
        assert!(applied.contains("serverside-applied"), "{applied}");
        let yaml = kubectl(&["get", "cm", "from-kubectl", "-o", "yaml"]).await;
        assert!(yaml.contains("greeting: hello"), "{yaml}");
        let cm = Api::<ConfigMap>::namespaced(client.clone(), "default")
            .get("from-kubectl")
            .await
            .expect("kube-rs sees kubectl's object");
        let managers: Vec<String> = cm
            .managed_fields()
            .iter()
            .filter_map(|m| m.manager.clone())
            .collect();
        assert_eq!(managers, ["kubectl"]);
        let all = kubectl(&["get", "cm", "-A", "-l", "via=kubectl"]).await;
        assert!(all.contains("default") && all.contains("from-kubectl"), "{all}");

        // Client-side apply, scale and set image on a Deployment.
        let deploy_manifest = dir.path().join("deploy.yaml");
        std::fs::write(
            &deploy_manifest,
            serde_json::to_string(&deployment("web", "nginx:1.27")).expect("json"),
        )
        .expect("deployment manifest");
        let deploy_path = deploy_manifest.to_string_lossy().into_owned();
        let created = kubectl(&["apply", "-f", &deploy_path]).await;
        assert!(created.contains("created"), "{created}");
        let unchanged = kubectl(&["apply", "-f", &deploy_path]).await;
        assert!(unchanged.contains("unchanged"), "{unchanged}");
        kubectl(&["scale", "deployment/web", "--replicas=4"]).await;
        kubectl(&["set", "image", "deployment/web", "app=nginx:1.28"]).await;
        let web = Api::<Deployment>::namespaced(client.clone(), "default")
            .get("web")
            .await
            .expect("deployment");
        assert_eq!(web.spec.replicas, Some(4));
        let image = web.spec.template.spec.as_ref().and_then(|p| p.containers[0].image.clone());
        assert_eq!(image.as_deref(), Some("nginx:1.28"));
        assert_eq!(web.metadata.generation, Some(3));
        let watched = kubectl(&["get", "deploy", "--watch", "--request-timeout=1s"]).await;
        assert!(watched.contains("web"), "{watched}");
        let rollout = kubectl(&["rollout", "status", "deployment/web", "--timeout=20s"]).await;
        assert!(rollout.contains("successfully rolled out"), "{rollout}");
        let created_manifest = dir.path().join("created.yaml");
        std::fs::write(
            &created_manifest,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: created-by-kubectl\ndata:\n  k: v\n",
        )
        .expect("manifest");
        let created = kubectl(&["create", "-f", &created_manifest.to_string_lossy()]).await;
        assert!(created.contains("configmap/created-by-kubectl created"), "{created}");
        let deleted = kubectl(&["delete", "-f", &manifest_path]).await;
        assert!(deleted.contains("deleted"), "{deleted}");
        assert!(
            Api::<ConfigMap>::namespaced(client, "default")
                .get_opt("from-kubectl")
                .await
                .expect("get")
                .is_none()
        );
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn faults_add_latency_errors_and_dropped_watches() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let faults = fleet.cluster("dev").expect("dev").faults();
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "default");
        cms.create(&PostParams::default(), &config_map("first", json!({})))
            .await
            .expect("create");

        // A reflector keeps its state across a dropped watch and sees what follows.
        let (reader, writer) = reflector::store::<ConfigMap>();
        let mut events =
            reflector::reflector(writer, watcher(cms.clone(), watcher::Config::default())).boxed();
        loop {
            if let watcher::Event::InitDone =
                events.try_next().await.expect("watch").expect("event")
            {
                break;
            }
        }
        faults.drop_watches();
        cms.create(&PostParams::default(), &config_map("after-drop", json!({})))
            .await
            .expect("create");
        loop {
            match events.try_next().await.expect("watch").expect("event") {
                watcher::Event::Apply(cm) | watcher::Event::InitApply(cm)
                    if cm.name_any() == "after-drop" =>
                {
                    break;
                }
                _ => {}
            }
        }
        let mut names: Vec<String> = reader.state().iter().map(|c| c.name_any()).collect();
        names.sort();
        assert_eq!(names, ["after-drop", "first"]);

        // The drop is real: an open raw watch ends long before its timeout.
        let mut raw = cms
            .watch(&WatchParams::default(), "0")
            .await
            .expect("watch")
            .boxed();
        faults.drop_watches();
        let mut added = 0;
        while let Some(event) = raw.try_next().await.expect("event") {
            if let WatchEvent::Added(_) = event {
                added += 1;
            }
        }
        assert_eq!(added, 2);

        faults.set_latency(Duration::from_millis(300));
        let started = std::time::Instant::now();
        cms.get("first").await.expect("slow get");
        assert!(started.elapsed() >= Duration::from_millis(300));
        faults.set_latency(Duration::ZERO);

        faults.set_error_rate(1.0, fleetdeck::sim::FaultError::InternalError);
        let status = api_error(cms.get("first").await.expect_err("500"));
        assert_eq!(
            (status.code, status.reason.as_str()),
            (500, "InternalError")
        );

        // 429 is retried by kube-rs by default; without retries the client sees it.
        let mut no_retry = config_for(fleet.kubeconfig_path(), "dev").await;
        no_retry.default_retry = false;
        let no_retry =
            Api::<ConfigMap>::namespaced(Client::try_from(no_retry).expect("client"), "default");
        faults.set_error_rate(
            1.0,
            fleetdeck::sim::FaultError::TooManyRequests {
                retry_after_seconds: 0,
            },
        );
        let status = api_error(no_retry.get("first").await.expect_err("429"));
        assert_eq!(
            (status.code, status.reason.as_str()),
            (429, "TooManyRequests")
        );
        faults.set_error_rate(
            0.5,
            fleetdeck::sim::FaultError::TooManyRequests {
                retry_after_seconds: 0,
            },
        );
        for _ in 0..4 {
            cms.get("first")
                .await
                .expect("retried past every other 429");
        }
        faults.clear();
        no_retry.get("first").await.expect("healthy again");
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_cluster_goes_down_and_comes_back_with_its_objects() {
    within_timeout(async {
        let (_dir, fleet, _client) = one_cluster().await;
        let mut config = config_for(fleet.kubeconfig_path(), "dev").await;
        config.default_retry = false;
        let cms =
            Api::<ConfigMap>::namespaced(Client::try_from(config).expect("client"), "default");
        cms.create(&PostParams::default(), &config_map("kept", json!({})))
            .await
            .expect("create");
        let dev = fleet.cluster("dev").expect("dev");
        dev.go_down().await;
        let address = dev.address();
        assert!(
            tokio::net::TcpStream::connect(address).await.is_err(),
            "connections are refused while down"
        );
        let error = cms.get("kept").await.expect_err("cluster is down");
        assert!(!matches!(error, kube::Error::Api(_)), "{error:?}");
        dev.come_up().await.expect("back up");
        dev.come_up().await.expect("idempotent");
        assert_eq!(
            cms.get("kept").await.expect("served again").name_any(),
            "kept"
        );
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

// ---- Simulated controllers (fast clock) ----

use fleetdeck::engine::health::status::HealthStatus;
use fleetdeck::engine::health::{self, Health};
use fleetdeck::sim::SimSpeed;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Service};
use k8s_openapi::api::networking::v1::Ingress;

/// 50 simulated seconds per real second: a pod is Ready about 60 ms after creation.
const FAST: SimSpeed = SimSpeed::times(50);

async fn cluster_with_controllers() -> (tempfile::TempDir, Fleet, Client) {
    let (dir, fleet) = start(|path| {
        FleetSpec::new(path)
            .cluster(ClusterSpec::new("dev"))
            .controllers(FAST)
    })
    .await;
    let client = client_for(fleet.kubeconfig_path(), "dev").await;
    (dir, fleet, client)
}

/// Poll `name` until `done` holds (the test timeout bounds the wait).
pub(super) async fn wait_until<K>(api: &Api<K>, name: &str, done: impl Fn(&K) -> bool) -> K
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    loop {
        if let Some(object) = api.get_opt(name).await.expect("get")
            && done(&object)
        {
            return object;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub(super) fn health_of<K: serde::Serialize>(object: &K, api_version: &str, kind: &str) -> Health {
    let mut value = serde_json::to_value(object).expect("json");
    value["apiVersion"] = json!(api_version);
    value["kind"] = json!(kind);
    health::assess(&value).expect("kind has a health check")
}

fn condition(deployment: &Deployment, kind: &str) -> Option<(String, String)> {
    deployment
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_.as_deref() == Some(kind))
        .map(|c| {
            (
                c.status.clone().unwrap_or_default(),
                c.reason.clone().unwrap_or_default(),
            )
        })
}

fn rollout_complete(d: &Deployment, replicas: i32) -> bool {
    let Some(status) = &d.status else {
        return false;
    };
    status.observed_generation == d.metadata.generation
        && status.updated_replicas == Some(replicas)
        && status.available_replicas == Some(replicas)
        && status.replicas == Some(replicas)
        && condition(d, "Progressing").is_some_and(|(_, reason)| reason == "NewReplicaSetAvailable")
}

async fn pods_of(client: &Client, app: &str) -> Vec<Pod> {
    Api::<Pod>::namespaced(client.clone(), "default")
        .list(&ListParams::default().labels(&format!("app={app}")))
        .await
        .expect("list pods")
        .items
}

#[tokio::test]
async fn a_deployment_becomes_available_with_ready_pods() {
    within_timeout(async {
        let (_dir, fleet, client) = cluster_with_controllers().await;
        let deployments = Api::<Deployment>::namespaced(client.clone(), "default");
        let created = deployments
            .create(&PostParams::default(), &deployment("web", "nginx:1.27"))
            .await
            .expect("create");
        let created_rv: u64 = created.resource_version().expect("rv").parse().expect("rv");
        // The controllers' writes reach watchers as MODIFIED events.
        let mut watch = deployments
            .watch(
                &WatchParams::default().fields("metadata.name=web"),
                &created_rv.to_string(),
            )
            .await
            .expect("watch")
            .boxed();
        let mut modified = 0;
        let mut last_rv = created_rv;
        let available = loop {
            match watch.try_next().await.expect("watch").expect("event") {
                WatchEvent::Modified(d) => {
                    modified += 1;
                    let rv: u64 = d.resource_version().expect("rv").parse().expect("rv");
                    assert!(rv > last_rv, "resourceVersion increases");
                    last_rv = rv;
                    if rollout_complete(&d, 2) {
                        break d;
                    }
                }
                WatchEvent::Bookmark(_) => {}
                other => panic!("unexpected event {other:?}"),
            }
        };
        assert!(modified >= 2, "{modified} MODIFIED events");
        assert_eq!(
            condition(&available, "Available"),
            Some(("True".into(), "MinimumReplicasAvailable".into()))
        );
        assert_eq!(
            available.status.as_ref().and_then(|s| s.ready_replicas),
            Some(2)
        );
        assert_eq!(
            health_of(&available, "apps/v1", "Deployment").status,
            HealthStatus::Healthy
        );

        let replica_sets = Api::<ReplicaSet>::namespaced(client.clone(), "default")
            .list(&ListParams::default().labels("app=web"))
            .await
            .expect("list")
            .items;
        assert_eq!(replica_sets.len(), 1);
        let rs = &replica_sets[0];
        let hash = rs.labels()["pod-template-hash"].clone();
        assert_eq!(rs.name_any(), format!("web-{hash}"));
        assert_eq!(rs.owner_references()[0].uid, available.uid().expect("uid"));
        let pods = pods_of(&client, "web").await;
        assert_eq!(pods.len(), 2);
        for pod in &pods {
            assert!(pod.name_any().starts_with(&format!("web-{hash}-")));
            assert_eq!(pod.labels()["pod-template-hash"], hash);
            assert_eq!(pod.owner_references()[0].uid, rs.uid().expect("uid"));
            let status = pod.status.as_ref().expect("status");
            assert_eq!(status.phase.as_deref(), Some("Running"));
            assert!(status.pod_ip.is_some());
            assert_eq!(health_of(pod, "v1", "Pod").status, HealthStatus::Healthy);
        }

        // Services: a clusterIP, and a load-balancer address after a delay.
        let services = Api::<Service>::namespaced(client.clone(), "default");
        let service: Service = serde_json::from_value(json!({
            "metadata": {"name": "web"},
            "spec": {"type": "LoadBalancer", "selector": {"app": "web"},
                "ports": [{"port": 80, "targetPort": 8080}]}
        }))
        .expect("service");
        services
            .create(&PostParams::default(), &service)
            .await
            .expect("create service");
        let service = wait_until(&services, "web", |s| {
            s.status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .is_some_and(|ingress| !ingress.is_empty())
        })
        .await;
        let spec = service.spec.expect("spec");
        assert!(spec.cluster_ip.expect("clusterIP").starts_with("10.96."));
        assert!(spec.ports.expect("ports")[0].node_port.is_some());
        assert_eq!(
            health_of(&services.get("web").await.expect("get"), "v1", "Service").status,
            HealthStatus::Healthy
        );
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn failure_images_crash_loop_and_exceed_the_progress_deadline() {
    within_timeout(async {
        let (_dir, fleet, client) = cluster_with_controllers().await;
        let deployments = Api::<Deployment>::namespaced(client.clone(), "default");
        let mut broken = deployment("crash", "app:broken");
        broken.spec.progress_deadline_seconds = Some(10);
        deployments
            .create(&PostParams::default(), &broken)
            .await
            .expect("create");
        // A missing image: pull errors, and a rollout still within its deadline.
        deployments
            .create(&PostParams::default(), &deployment("nopull", "app:missing"))
            .await
            .expect("create");

        let pods = Api::<Pod>::namespaced(client.clone(), "default");
        let crashing = loop {
            let crashing = pods_of(&client, "crash").await.into_iter().find(|pod| {
                pod.status
                    .as_ref()
                    .and_then(|s| s.container_statuses.as_ref())
                    .and_then(|c| c.first())
                    .is_some_and(|c| {
                        c.restart_count >= 2
                            && c.state
                                .as_ref()
                                .and_then(|s| s.waiting.as_ref())
                                .and_then(|w| w.reason.as_deref())
                                == Some("CrashLoopBackOff")
                    })
            });
            if let Some(pod) = crashing {
                break pod;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        let container = &crashing
            .status
            .as_ref()
            .expect("status")
            .container_statuses
            .as_ref()
            .expect("statuses")[0];
        let last = container
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .expect("last termination");
        assert_eq!(last.exit_code, 1);
        assert_eq!(
            crashing.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Running")
        );
        let pod_health = health_of(&crashing, "v1", "Pod");
        assert_eq!(pod_health.status, HealthStatus::Degraded);
        assert!(pod_health.message.contains("back-off"), "{pod_health:?}");

        let exceeded = wait_until(&deployments, "crash", |d| {
            condition(d, "Progressing") == Some(("False".into(), "ProgressDeadlineExceeded".into()))
        })
        .await;
        assert_eq!(
            condition(&exceeded, "Available"),
            Some(("False".into(), "MinimumReplicasUnavailable".into()))
        );
        assert_eq!(
            health_of(&exceeded, "apps/v1", "Deployment").status,
            HealthStatus::Degraded
        );

        let pulling = loop {
            let found = pods_of(&client, "nopull").await.into_iter().find(|pod| {
                pod.status
                    .as_ref()
                    .and_then(|s| s.container_statuses.as_ref())
                    .and_then(|c| c.first())
                    .and_then(|c| c.state.as_ref())
                    .and_then(|s| s.waiting.as_ref())
                    .and_then(|w| w.reason.as_deref())
                    .is_some_and(|r| r == "ErrImagePull" || r == "ImagePullBackOff")
            });
            if let Some(pod) = found {
                break pod;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        assert_eq!(
            pulling.status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Pending")
        );
        assert_eq!(
            health_of(&pulling, "v1", "Pod").status,
            HealthStatus::Degraded
        );
        let nopull = deployments.get("nopull").await.expect("get");
        assert_eq!(
            condition(&nopull, "Progressing").map(|(status, _)| status),
            Some("True".into())
        );
        assert_eq!(
            health_of(&nopull, "apps/v1", "Deployment").status,
            HealthStatus::Progressing
        );
        drop(pods);
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_rolling_update_replaces_pods_with_the_new_template_hash() {
    within_timeout(async {
        let (_dir, fleet, client) = cluster_with_controllers().await;
        let deployments = Api::<Deployment>::namespaced(client.clone(), "default");
        let mut roll = deployment("roll", "app:1");
        roll.spec.replicas = Some(4);
        deployments
            .create(&PostParams::default(), &roll)
            .await
            .expect("create");
        let first = wait_until(&deployments, "roll", |d| rollout_complete(d, 4)).await;
        let old_hash = pods_of(&client, "roll").await[0].labels()["pod-template-hash"].clone();
        assert_eq!(
            first.annotations()["deployment.kubernetes.io/revision"],
            "1"
        );

        deployments
            .patch(
                "roll",
                &PatchParams::default(),
                &Patch::Strategic(json!({"spec": {"template": {"spec": {
                    "containers": [{"name": "app", "image": "app:2"}]}}}})),
            )
            .await
            .expect("set image");
        // maxSurge 25 % of 4 = 1, maxUnavailable 1: never more than 5 pods, never
        // fewer than 3 ready ones.
        let mut most = 0;
        let mut fewest_ready = usize::MAX;
        let mut mixed = false;
        let mut saw_progressing = false;
        let done = loop {
            let pods = pods_of(&client, "roll").await;
            let live: Vec<&Pod> = pods
                .iter()
                .filter(|p| p.metadata.deletion_timestamp.is_none())
                .collect();
            most = most.max(live.len());
            let ready = live
                .iter()
                .filter(|p| health_of(*p, "v1", "Pod").status == HealthStatus::Healthy)
                .count();
            fewest_ready = fewest_ready.min(ready);
            let hashes: std::collections::BTreeSet<&String> = live
                .iter()
                .map(|p| &p.labels()["pod-template-hash"])
                .collect();
            mixed |= hashes.len() > 1;
            let d = deployments.get("roll").await.expect("get");
            if rollout_complete(&d, 4) && d.metadata.generation == Some(2) {
                break d;
            }
            if d.status.as_ref().and_then(|s| s.observed_generation) == Some(2) {
                saw_progressing = true;
                assert_eq!(
                    health_of(&d, "apps/v1", "Deployment").status,
                    HealthStatus::Progressing,
                    "{:?}",
                    d.status
                );
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        };
        assert!(most <= 5, "at most replicas + maxSurge pods, saw {most}");
        assert!(
            fewest_ready >= 3,
            "at least replicas - maxUnavailable ready, saw {fewest_ready}"
        );
        assert!(mixed, "old and new pods ran side by side");
        assert!(saw_progressing, "the rollout was seen in progress");
        assert_eq!(done.annotations()["deployment.kubernetes.io/revision"], "2");
        assert_eq!(
            health_of(&done, "apps/v1", "Deployment").status,
            HealthStatus::Healthy
        );
        let pods = pods_of(&client, "roll").await;
        assert_eq!(pods.len(), 4);
        let new_hash = pods[0].labels()["pod-template-hash"].clone();
        assert_ne!(new_hash, old_hash);
        for pod in &pods {
            assert_eq!(pod.labels()["pod-template-hash"], new_hash);
            assert_eq!(
                pod.spec.as_ref().expect("spec").containers[0]
                    .image
                    .as_deref(),
                Some("app:2")
            );
        }
        let replica_sets = Api::<ReplicaSet>::namespaced(client.clone(), "default");
        let old = replica_sets
            .get(&format!("roll-{old_hash}"))
            .await
            .expect("old rs kept");
        assert_eq!(old.spec.replicas, Some(0));
        let new = replica_sets
            .get(&format!("roll-{new_hash}"))
            .await
            .expect("new rs");
        assert_eq!(new.spec.replicas, Some(4));
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn claims_bind_and_ingresses_get_an_address() {
    within_timeout(async {
        let (_dir, fleet, client) = cluster_with_controllers().await;
        let claims = Api::<PersistentVolumeClaim>::namespaced(client.clone(), "default");
        let claim: PersistentVolumeClaim = serde_json::from_value(json!({
            "metadata": {"name": "data"},
            "spec": {"accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": "1Gi"}}}
        }))
        .expect("pvc");
        claims
            .create(&PostParams::default(), &claim)
            .await
            .expect("create pvc");
        let pending = wait_until(&claims, "data", |c| c.status.is_some()).await;
        assert_eq!(
            health_of(&pending, "v1", "PersistentVolumeClaim").status,
            HealthStatus::Progressing
        );
        let bound = wait_until(&claims, "data", |c| {
            c.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Bound")
        })
        .await;
        let uid = bound.uid().expect("uid");
        assert_eq!(
            bound.spec.as_ref().and_then(|s| s.volume_name.clone()),
            Some(format!("pvc-{uid}"))
        );
        let capacity = bound
            .status
            .as_ref()
            .and_then(|s| s.capacity.as_ref())
            .expect("capacity");
        assert_eq!(capacity["storage"].0, "1Gi");
        assert_eq!(
            health_of(&bound, "v1", "PersistentVolumeClaim").status,
            HealthStatus::Healthy
        );

        let ingresses = Api::<Ingress>::namespaced(client.clone(), "default");
        let ingress: Ingress = serde_json::from_value(json!({
            "metadata": {"name": "web"},
            "spec": {"rules": [{"host": "web.example", "http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}
        }))
        .expect("ingress");
        let created = ingresses
            .create(&PostParams::default(), &ingress)
            .await
            .expect("create ingress");
        assert_eq!(
            health_of(&created, "networking.k8s.io/v1", "Ingress").status,
            HealthStatus::Progressing
        );
        let addressed = wait_until(&ingresses, "web", |i| {
            i.status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .is_some_and(|ingress| !ingress.is_empty())
        })
        .await;
        assert_eq!(
            health_of(&addressed, "networking.k8s.io/v1", "Ingress").status,
            HealthStatus::Healthy
        );
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn jobs_complete_or_fail_after_their_backoff_limit() {
    within_timeout(async {
        let (_dir, fleet, client) = cluster_with_controllers().await;
        let jobs = Api::<Job>::namespaced(client.clone(), "default");
        let job = |name: &str, image: &str| -> Job {
            serde_json::from_value(json!({
                "metadata": {"name": name},
                "spec": {"backoffLimit": 1, "template": {"spec": {"restartPolicy": "Never",
                    "containers": [{"name": "task", "image": image}]}}}
            }))
            .expect("job")
        };
        let started = jobs
            .create(&PostParams::default(), &job("migrate", "tool:1"))
            .await
            .expect("create");
        assert_eq!(
            health_of(&started, "batch/v1", "Job").status,
            HealthStatus::Progressing
        );
        jobs.create(&PostParams::default(), &job("doomed", "tool:broken"))
            .await
            .expect("create");
        let has = |job: &Job, kind: &str| {
            job.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_some_and(|c| c.iter().any(|c| c.type_ == kind && c.status == "True"))
        };
        let done = wait_until(&jobs, "migrate", |j| has(j, "Complete")).await;
        let status = done.status.as_ref().expect("status");
        assert_eq!(status.succeeded, Some(1));
        assert!(status.completion_time.is_some());
        assert_eq!(
            health_of(&done, "batch/v1", "Job").status,
            HealthStatus::Healthy
        );
        let pods = Api::<Pod>::namespaced(client.clone(), "default")
            .list(&ListParams::default().labels("job-name=migrate"))
            .await
            .expect("list")
            .items;
        assert_eq!(pods.len(), 1);
        assert_eq!(
            pods[0].status.as_ref().and_then(|s| s.phase.as_deref()),
            Some("Succeeded")
        );

        let failed = wait_until(&jobs, "doomed", |j| has(j, "Failed")).await;
        let status = failed.status.as_ref().expect("status");
        assert_eq!(status.failed, Some(2), "backoffLimit 1 allows one retry");
        assert_eq!(
            health_of(&failed, "batch/v1", "Job").status,
            HealthStatus::Degraded
        );
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}
