//! `fleetdeck get`, `diff` and `sync` as a user runs them: the binary
//! against a simulated cluster started by the test, a temp Git repo and a
//! sandboxed home.

use std::process::Output;
use std::time::Duration;

use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};

use super::cli::{Home, stderr, stdout};
use super::support::TestRepo;

const TEST_TIMEOUT: Duration = Duration::from_secs(90);

const APP: &str = "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/web.git
    path: apps/web
  destination:
    name: dev
    namespace: shop
  syncPolicy:
    syncOptions: [CreateNamespace=true]
";

fn manifests(image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n        - name: app\n          image: {image}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  mode: fast\n"
    )
}

struct Setup {
    _fleet_dir: tempfile::TempDir,
    fleet: Fleet,
    repo: TestRepo,
    home: Home,
}

impl Setup {
    async fn new() -> Setup {
        let fleet_dir = tempfile::tempdir().expect("tempdir");
        let spec = FleetSpec::new(fleet_dir.path().join("kubeconfig"))
            .cluster(ClusterSpec::new("dev"))
            .controllers(SimSpeed::times(40));
        let fleet = Fleet::start(spec).await.expect("fleet");
        let repo = TestRepo::new();
        // A checkout of the repository the Application names.
        repo.git()
            .remote("origin", "https://git.example.com/platform/web.git")
            .expect("origin remote");
        repo.write("argocd/web.yaml", APP)
            .write("apps/web/all.yaml", manifests("web:1.0"));
        repo.commit("web 1.0");
        Setup {
            _fleet_dir: fleet_dir,
            fleet,
            repo,
            home: Home::new(),
        }
    }

    /// Runs fleetdeck with the repo and kubeconfig, off the async threads
    /// (the simulated cluster is served from this process).
    async fn run(&self, args: &[&str]) -> Output {
        let mut all = vec![
            "--repo".to_string(),
            self.repo.path().display().to_string(),
            "--kubeconfig".to_string(),
            self.fleet.kubeconfig_path().display().to_string(),
        ];
        all.extend(args.iter().map(ToString::to_string));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let mut command = self.home.command(&refs);
        tokio::task::spawn_blocking(move || command.output().expect("run fleetdeck"))
            .await
            .expect("runner")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_diff_and_sync_bring_an_app_in_line() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = Setup::new().await;

        let diff = setup.run(&["diff", "web", "--exit-code"]).await;
        assert_eq!(diff.status.code(), Some(1), "{}", stderr(&diff));
        assert!(
            stdout(&diff).contains("Deployment.apps/shop/web (Missing)"),
            "{}",
            stdout(&diff)
        );

        let dry = setup.run(&["sync", "web", "--dry-run"]).await;
        assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
        let still = setup.run(&["diff", "web", "--exit-code"]).await;
        assert_eq!(still.status.code(), Some(1), "a dry run changes nothing");

        let readonly = setup.run(&["--readonly", "sync", "web"]).await;
        assert_eq!(readonly.status.code(), Some(1));
        assert!(
            stderr(&readonly).contains("read-only"),
            "{}",
            stderr(&readonly)
        );

        let sync = setup.run(&["sync", "web"]).await;
        assert_eq!(
            sync.status.code(),
            Some(0),
            "{}\n{}",
            stdout(&sync),
            stderr(&sync)
        );
        assert!(stdout(&sync).starts_with("Succeeded"), "{}", stdout(&sync));
        assert!(
            stderr(&sync).contains("Sync wave 0"),
            "progress is shown: {}",
            stderr(&sync)
        );

        let clean = setup.run(&["diff", "web", "--exit-code"]).await;
        assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));

        let get = setup.run(&["get", "web", "-o", "json"]).await;
        assert_eq!(get.status.code(), Some(0), "{}", stderr(&get));
        let report: serde_json::Value = serde_json::from_slice(&get.stdout).expect("json");
        assert_eq!(report["cluster"], "dev");
        assert_eq!(report["diff"]["status"], "Synced");
        assert_eq!(report["health"], "Healthy");

        setup.repo.write("apps/web/all.yaml", manifests("web:2.0"));
        setup.repo.commit("web 2.0");
        let drift = setup.run(&["diff", "web"]).await;
        assert_eq!(
            drift.status.code(),
            Some(0),
            "without --exit-code a diff is not a failure"
        );
        assert!(
            stdout(&drift).contains("+        image: web:2.0"),
            "{}",
            stdout(&drift)
        );

        let tree = setup.run(&["get", "web"]).await;
        let text = stdout(&tree);
        assert!(text.contains("Sync:       OutOfSync"), "{text}");
        assert!(text.contains("└─ ReplicaSet.apps/shop/web-"), "{text}");

        let bad = setup
            .run(&["sync", "web", "--resource", "apps:Deployment:nope"])
            .await;
        assert_eq!(bad.status.code(), Some(1));
        assert!(
            stderr(&bad).contains("no such resource"),
            "{}",
            stderr(&bad)
        );

        setup.fleet.shutdown().await.expect("shutdown");
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_destination_and_an_unreachable_cluster_are_clear_errors() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = Setup::new().await;
        setup
            .repo
            .write("argocd/web.yaml", APP.replace("name: dev", "name: prod"));
        setup.repo.commit("point at prod");
        let unknown = setup.run(&["get", "web"]).await;
        assert_eq!(unknown.status.code(), Some(1));
        assert!(
            stderr(&unknown).contains("no cluster named `prod` in the fleet"),
            "{}",
            stderr(&unknown)
        );

        setup.repo.write("argocd/web.yaml", APP);
        setup.repo.commit("back to dev");
        setup.fleet.clusters()[0].go_down().await;
        let down = setup.run(&["sync", "web"]).await;
        assert_eq!(down.status.code(), Some(1));
        assert!(
            stdout(&down).contains("cluster dev is unreachable"),
            "{}",
            stdout(&down)
        );
        setup.fleet.shutdown().await.expect("shutdown");
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollback_restores_an_earlier_revision_and_pins_the_app() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = Setup::new().await;
        let none = setup.run(&["rollback", "web"]).await;
        assert_eq!(none.status.code(), Some(1));
        assert!(
            stderr(&none).contains("no syncs recorded"),
            "{}",
            stderr(&none)
        );

        assert!(setup.run(&["sync", "web"]).await.status.success());
        let first = setup.repo.head();
        setup.repo.write("apps/web/all.yaml", manifests("web:2.0"));
        setup.repo.commit("web 2.0");
        assert!(setup.run(&["sync", "web"]).await.status.success());

        let history = setup.run(&["history", "web"]).await;
        let text = stdout(&history);
        assert_eq!(text.lines().count(), 3, "a header and two entries: {text}");
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|line| line.trim_start().starts_with("2 ")),
            "{text}"
        );
        let newest = text.lines().nth(1).unwrap_or_default();
        assert!(
            newest.contains("web 2.0") && newest.contains("Fleet Tester"),
            "the commit's subject and author: {text}"
        );

        let rollback = setup.run(&["rollback", "web"]).await;
        assert_eq!(
            rollback.status.code(),
            Some(0),
            "{}\n{}",
            stdout(&rollback),
            stderr(&rollback)
        );
        assert!(
            stderr(&rollback).contains(&format!("back to {}", &first[..7])),
            "{}",
            stderr(&rollback)
        );

        let get = setup.run(&["get", "web", "-o", "json"]).await;
        let report: serde_json::Value = serde_json::from_slice(&get.stdout).expect("json");
        assert_eq!(
            report["diff"]["status"], "OutOfSync",
            "Git's HEAD is 2.0, the cluster runs 1.0 again"
        );

        let json = setup.run(&["history", "web", "-o", "json"]).await;
        let state: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
        assert_eq!(state["pin"]["revision"], first.as_str());
        assert_eq!(
            state["commits"][first.as_str()]["authorName"],
            "Fleet Tester"
        );
        assert_eq!(state["history"].as_array().map(Vec::len), Some(3));

        let back = setup.run(&["sync", "web"]).await;
        assert!(back.status.success());
        assert!(stderr(&back).contains("lifts the pin"), "{}", stderr(&back));
        let json = setup.run(&["history", "web", "-o", "json"]).await;
        let state: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
        assert!(state["pin"].is_null(), "{state}");

        let audit = setup.run(&["audit", "--app", "web", "-o", "json"]).await;
        let records: serde_json::Value = serde_json::from_slice(&audit.stdout).expect("json");
        // Each operation is written ahead (`started`) and then its outcome.
        let actions: Vec<(&str, bool)> = records
            .as_array()
            .expect("records")
            .iter()
            .filter_map(|record| Some((record["action"].as_str()?, record["result"] == "started")))
            .collect();
        let expected: Vec<(&str, bool)> = ["sync", "sync", "rollback", "sync"]
            .into_iter()
            .flat_map(|action| [(action, true), (action, false)])
            .collect();
        assert_eq!(actions, expected, "{records}");
        setup.fleet.shutdown().await.expect("shutdown");
    })
    .await
    .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_summarises_the_fleet_per_cluster() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = Setup::new().await;
        let table = setup.run(&["--context", "dev", "status"]).await;
        assert_eq!(table.status.code(), Some(0), "{}", stderr(&table));
        let text = stdout(&table);
        let dev = text
            .lines()
            .find(|line| line.starts_with("dev "))
            .unwrap_or_else(|| panic!("no dev row: {text}"));
        let columns: Vec<&str> = dev.split_whitespace().collect();
        assert_eq!(columns[1], "Connected", "{dev}");
        assert_eq!(&columns[3..5], ["1", "1"], "one app, OutOfSync: {dev}");

        let json = setup
            .run(&["--context", "dev", "status", "-o", "json"])
            .await;
        let snapshot: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
        assert_eq!(snapshot["apps"][0]["name"], "web");
        assert_eq!(snapshot["apps"][0]["sync"], "OutOfSync");

        setup.fleet.clusters()[0].go_down().await;
        let down = setup.run(&["--context", "dev", "status"]).await;
        assert_eq!(
            down.status.code(),
            Some(1),
            "an unreachable cluster fails the status"
        );
        assert!(stdout(&down).contains("Unreachable"), "{}", stdout(&down));
        setup.fleet.shutdown().await.expect("shutdown");
    })
    .await
    .expect("test timed out");
}
