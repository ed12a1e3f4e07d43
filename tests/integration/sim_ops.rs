//! Operating the simulated fleet: the state file that keeps its objects across restarts
//! and the admin HTTP endpoint (`/sim/faults`, `/sim/down`) that injects faults, both
//! seen the way a user sees them (kube-rs through the kubeconfig, files on disk).

use std::path::Path;
use std::time::Duration;

use axum::http::Request;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimError};
use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, Patch, PatchParams, PostParams, WatchEvent, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config, ResourceExt};
use serde_json::{Value, json};

const TEST_TIMEOUT: Duration = Duration::from_secs(20);

async fn within_timeout<F: std::future::Future<Output = ()>>(body: F) {
    tokio::time::timeout(TEST_TIMEOUT, body)
        .await
        .expect("test timed out");
}

fn spec(dir: &Path) -> FleetSpec {
    FleetSpec::new(dir.join("kubeconfig"))
        .cluster(ClusterSpec::new("dev"))
        .state_file(dir.join("state").join("fleet.json"))
}

async fn config_for(kubeconfig: &Path, context: &str) -> Config {
    let kubeconfig = Kubeconfig::read_from(kubeconfig).expect("read kubeconfig");
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("config from kubeconfig");
    // Tests look at every answer; no silent retries of injected 429s.
    config.default_retry = false;
    config
}

async fn client_for(kubeconfig: &Path, context: &str) -> Client {
    Client::try_from(config_for(kubeconfig, context).await).expect("client")
}

fn config_map(name: &str) -> ConfigMap {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "data": {"key": name},
    }))
    .expect("config map")
}

fn api_status(error: kube::Error) -> Box<kube::core::Status> {
    match error {
        kube::Error::Api(status) => status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

// ---- State file ----

#[tokio::test]
async fn objects_survive_a_restart_through_the_state_file() {
    within_timeout(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("state").join("fleet.json");
        std::fs::create_dir_all(state.parent().expect("parent")).expect("state dir");

        let fleet = Fleet::start(spec(dir.path())).await.expect("fresh start");
        assert_eq!(fleet.state_file(), Some(state.as_path()));
        let client = client_for(fleet.kubeconfig_path(), "dev").await;
        let namespaces = Api::<Namespace>::all(client.clone());
        let team: Namespace =
            serde_json::from_value(json!({"metadata": {"name": "team"}})).expect("namespace");
        namespaces
            .create(&PostParams::default(), &team)
            .await
            .expect("namespace");
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "team");
        let created = cms
            .create(&PostParams::default(), &config_map("settings"))
            .await
            .expect("create");
        let deployments = Api::<Deployment>::namespaced(client.clone(), "team");
        let applied = deployments
            .patch(
                "web",
                &PatchParams::apply("fleetdeck"),
                &Patch::Apply(json!({
                    "apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": "web"},
                    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}},
                            "spec": {"containers": [{"name": "web", "image": "nginx:1"}]}}}
                })),
            )
            .await
            .expect("apply");
        fleet.shutdown().await.expect("shutdown saves");

        let saved: Value =
            serde_json::from_slice(&std::fs::read(&state).expect("state written")).expect("json");
        assert_eq!(saved["version"], 1);
        let leftovers = std::fs::read_dir(state.parent().expect("parent"))
            .expect("dir")
            .count();
        assert_eq!(leftovers, 1, "only the state file, no temporary file");

        let fleet = Fleet::start(spec(dir.path())).await.expect("restart");
        let client = client_for(fleet.kubeconfig_path(), "dev").await;
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "team");
        let back = cms.get("settings").await.expect("config map is back");
        assert_eq!(back.uid(), created.uid());
        assert_eq!(back.resource_version(), created.resource_version());
        assert_eq!(
            back.creation_timestamp(),
            created.creation_timestamp(),
            "creationTimestamp kept"
        );
        assert_eq!(back.data, created.data);
        let deployments = Api::<Deployment>::namespaced(client.clone(), "team");
        let web = deployments.get("web").await.expect("deployment is back");
        assert_eq!(web.uid(), applied.uid());
        let managers: Vec<String> = web
            .managed_fields()
            .iter()
            .filter_map(|m| m.manager.clone())
            .collect();
        assert_eq!(managers, ["fleetdeck"], "managedFields kept");
        Api::<Namespace>::all(client.clone())
            .get("team")
            .await
            .expect("namespace is back");

        // The counter goes on above every stored resourceVersion.
        let highest = [&created, &back]
            .iter()
            .filter_map(|o| o.resource_version())
            .chain(web.resource_version())
            .filter_map(|rv| rv.parse::<u64>().ok())
            .max()
            .expect("versions");
        let next = cms
            .create(&PostParams::default(), &config_map("after-restart"))
            .await
            .expect("create after restart");
        let next_rv: u64 = next
            .resource_version()
            .and_then(|rv| rv.parse().ok())
            .expect("numeric resourceVersion");
        assert!(next_rv > highest, "{next_rv} > {highest}");
        // A watch from before the restart cannot be resumed: 410 Expired, re-list.
        let stale = (highest - 1).to_string();
        let mut events = cms
            .watch(&WatchParams::default().timeout(1), &stale)
            .await
            .expect("watch")
            .boxed();
        match events.try_next().await.expect("event") {
            Some(WatchEvent::Error(status)) => assert_eq!(status.code, 410),
            other => panic!("expected 410 Expired, got {other:?}"),
        }
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_corrupt_state_file_stops_the_start_and_is_kept() {
    within_timeout(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("state").join("fleet.json");
        std::fs::create_dir_all(state.parent().expect("parent")).expect("state dir");
        let corrupt = b"{\"version\": 1, \"clusters\": {\"dev\": [";
        std::fs::write(&state, corrupt).expect("write");
        let error = match Fleet::start(spec(dir.path())).await {
            Ok(_) => panic!("a corrupt state file must stop the start"),
            Err(error) => error,
        };
        assert!(matches!(error, SimError::ParseState { .. }), "{error:?}");
        assert!(
            error.to_string().contains(&state.display().to_string()),
            "{error}"
        );
        assert_eq!(std::fs::read(&state).expect("kept"), corrupt);
        assert!(
            !dir.path().join("kubeconfig").exists(),
            "nothing started, no kubeconfig written"
        );
    })
    .await;
}

#[tokio::test]
async fn clusters_the_fleet_does_not_run_are_kept_in_the_state_file() {
    within_timeout(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let state = dir.path().join("fleet.json");
        let other = json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "elsewhere", "uid": "u-1", "resourceVersion": "5"}});
        let seeded = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "seeded", "namespace": "default"}, "data": {"a": "b"}});
        let document = json!({"version": 1, "clusters": {"dev": [seeded], "gone": [other]}});
        std::fs::write(&state, serde_json::to_vec(&document).expect("json")).expect("write");
        let fleet = Fleet::start(
            FleetSpec::new(dir.path().join("kubeconfig"))
                .cluster(ClusterSpec::new("dev"))
                .state_file(&state),
        )
        .await
        .expect("start");
        let client = client_for(fleet.kubeconfig_path(), "dev").await;
        let seeded = Api::<ConfigMap>::namespaced(client, "default")
            .get("seeded")
            .await
            .expect("seeded by hand");
        assert!(!seeded.uid().unwrap_or_default().is_empty(), "uid given");
        fleet.shutdown().await.expect("shutdown");
        let saved: Value =
            serde_json::from_slice(&std::fs::read(&state).expect("read")).expect("json");
        assert_eq!(
            saved["clusters"]["gone"],
            json!([document["clusters"]["gone"][0]])
        );
        let names: Vec<&str> = saved["clusters"]["dev"]
            .as_array()
            .expect("dev objects")
            .iter()
            .filter_map(|o| o["metadata"]["name"].as_str())
            .collect();
        assert_eq!(names, ["seeded"], "exactly what the cluster held");
    })
    .await;
}

// ---- Admin endpoint ----

fn admin_request(method: &str, path: &str, body: Option<Value>) -> Request<Vec<u8>> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json")
        .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
        .expect("request")
}

async fn one_cluster() -> (tempfile::TempDir, Fleet, Client) {
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::start(
        FleetSpec::new(dir.path().join("kubeconfig")).cluster(ClusterSpec::new("dev")),
    )
    .await
    .expect("start");
    let client = client_for(fleet.kubeconfig_path(), "dev").await;
    (dir, fleet, client)
}

#[tokio::test]
async fn faults_are_set_shown_and_cleared_over_http() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "default");
        cms.create(&PostParams::default(), &config_map("probe"))
            .await
            .expect("create");

        let shown: Value = client
            .request(admin_request("GET", "/sim/faults", None))
            .await
            .expect("get faults");
        assert_eq!(shown["latencyMs"], 0);
        assert_eq!(shown["error"], Value::Null);

        let shown: Value = client
            .request(admin_request(
                "POST",
                "/sim/faults",
                Some(json!({"errorRate": 1.0, "error": "429", "retryAfterSeconds": 2})),
            ))
            .await
            .expect("set faults");
        assert_eq!(
            (shown["error"].as_str(), shown["retryAfterSeconds"].as_u64()),
            (Some("429"), Some(2))
        );
        let status = api_status(cms.get("probe").await.expect_err("429"));
        assert_eq!(
            (status.code, status.reason.as_str()),
            (429, "TooManyRequests")
        );
        // The Rust API sees the same faults.
        let (rate, _) = fleet.cluster("dev").expect("dev").faults().error_rate();
        assert_eq!(rate, 1.0);

        // Admin requests skip the faults, so they can always be cleared.
        let shown: Value = client
            .request(admin_request(
                "POST",
                "/sim/faults",
                Some(json!({"latencyMs": 250})),
            ))
            .await
            .expect("admin skips the error rate");
        assert_eq!(
            (shown["latencyMs"].as_u64(), shown["errorRate"].as_f64()),
            (Some(250), Some(1.0))
        );
        let shown: Value = client
            .request(admin_request("DELETE", "/sim/faults", None))
            .await
            .expect("clear");
        assert_eq!(
            (shown["latencyMs"].as_u64(), shown["errorRate"].as_f64()),
            (Some(0), Some(0.0))
        );
        cms.get("probe").await.expect("healthy again");

        let status = api_status(
            client
                .request::<Value>(admin_request(
                    "POST",
                    "/sim/faults",
                    Some(json!({"errorRate": 3})),
                ))
                .await
                .expect_err("invalid rate"),
        );
        assert_eq!(status.code, 400);

        // Only the admin token.
        let read_only = client_for(fleet.kubeconfig_path(), "dev-readonly").await;
        let status = api_status(
            read_only
                .request::<Value>(admin_request("GET", "/sim/faults", None))
                .await
                .expect_err("read-only"),
        );
        assert_eq!(status.code, 403);
        let mut anonymous = config_for(fleet.kubeconfig_path(), "dev").await;
        anonymous.auth_info = kube::config::AuthInfo::default();
        let anonymous = Client::try_from(anonymous).expect("client");
        let status = api_status(
            anonymous
                .request::<Value>(admin_request("GET", "/sim/faults", None))
                .await
                .expect_err("no token"),
        );
        assert_eq!(status.code, 401);
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn drop_watches_over_http_ends_open_watches() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "default");
        let mut watch = cms
            .watch(&WatchParams::default().timeout(60), "0")
            .await
            .expect("watch")
            .boxed();
        let _: Value = client
            .request(admin_request(
                "POST",
                "/sim/faults",
                Some(json!({"dropWatches": true})),
            ))
            .await
            .expect("drop watches");
        // The watch (asked for 60 s) ends now; the test timeout bounds the wait.
        while watch.try_next().await.expect("event").is_some() {}
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test]
async fn a_timed_outage_over_http_takes_the_cluster_down_and_back() {
    within_timeout(async {
        let (_dir, fleet, client) = one_cluster().await;
        let cms = Api::<ConfigMap>::namespaced(client.clone(), "default");
        cms.create(&PostParams::default(), &config_map("kept"))
            .await
            .expect("create");
        let address = fleet.cluster("dev").expect("dev").address();

        let status = api_status(
            client
                .request::<Value>(admin_request("POST", "/sim/down", None))
                .await
                .expect_err("seconds are required"),
        );
        assert_eq!(status.code, 400);

        let answer: Value = client
            .request(admin_request("POST", "/sim/down?seconds=2", None))
            .await
            .expect("outage accepted");
        assert_eq!(answer["seconds"], 2);
        let went_down = std::time::Instant::now();
        // Down: connections are refused (poll: the timer acts just after answering).
        loop {
            if tokio::net::TcpStream::connect(address).await.is_err() {
                break;
            }
            assert!(
                went_down.elapsed() < Duration::from_secs(1),
                "never went down"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // Back after the requested time, with its objects.
        loop {
            if tokio::net::TcpStream::connect(address).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            went_down.elapsed() >= Duration::from_millis(1500),
            "came back too early"
        );
        let fresh = client_for(fleet.kubeconfig_path(), "dev").await;
        let kept = Api::<ConfigMap>::namespaced(fresh, "default")
            .get("kept")
            .await
            .expect("served again");
        assert_eq!(kept.name_any(), "kept");
        fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

// ---- `fleetdeck sim --state` ----

/// `fleetdeck sim` in a sandboxed home; the banner lines up to "Ctrl-C".
async fn spawn_sim(home: &Path, args: &[&str]) -> (tokio::process::Child, Vec<String>) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::from(super::support::fleetdeck_command(home))
        .arg("sim")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start fleetdeck sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let mut banner = Vec::new();
    while let Some(line) = lines.next_line().await.expect("read banner") {
        let done = line.starts_with("Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    (child, banner)
}

async fn interrupt(mut child: tokio::process::Child) -> std::process::Output {
    let pid = child.id().expect("running").to_string();
    let status = tokio::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .await
        .expect("kill");
    assert!(status.success());
    let stderr = child.stderr.take();
    let status = child.wait().await.expect("wait");
    let mut text = Vec::new();
    if let Some(mut stderr) = stderr {
        use tokio::io::AsyncReadExt;
        stderr.read_to_end(&mut text).await.expect("stderr");
    }
    std::process::Output {
        status,
        stdout: Vec::new(),
        stderr: text,
    }
}

#[tokio::test]
async fn the_sim_command_saves_and_reloads_its_state() {
    within_timeout(async {
        let home = tempfile::tempdir().expect("home");
        let kubeconfig = home.path().join("kubeconfig.yaml");
        let state = home.path().join("saved").join("fleet.json");
        let args = [
            "--clusters",
            "alpha",
            "--kubeconfig",
            kubeconfig.to_str().expect("utf-8"),
            "--state",
            state.to_str().expect("utf-8"),
        ];
        let (child, banner) = spawn_sim(home.path(), &args).await;
        let banner = banner.join("\n");
        assert!(banner.contains("/sim/faults"), "{banner}");
        assert!(banner.contains(&state.display().to_string()), "{banner}");
        let client = client_for(&kubeconfig, "alpha").await;
        let created = Api::<ConfigMap>::namespaced(client, "default")
            .create(&PostParams::default(), &config_map("kept"))
            .await
            .expect("create");
        let output = interrupt(child).await;
        assert!(output.status.success(), "{output:?}");

        let (child, _) = spawn_sim(home.path(), &args).await;
        let client = client_for(&kubeconfig, "alpha").await;
        let back = Api::<ConfigMap>::namespaced(client, "default")
            .get("kept")
            .await
            .expect("kept across runs");
        assert_eq!(back.uid(), created.uid());
        assert!(interrupt(child).await.status.success());

        // A corrupt file: refuses to start, names the file, leaves it alone.
        std::fs::write(&state, "garbage").expect("corrupt");
        let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_fleetdeck"))
            .arg("sim")
            .args(args)
            .env_clear()
            .env("HOME", home.path())
            .kill_on_drop(true)
            .output()
            .await
            .expect("run");
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&state.display().to_string()), "{stderr}");
        assert_eq!(std::fs::read_to_string(&state).expect("kept"), "garbage");
    })
    .await;
}
