//! The cross-process operation lock as operators meet it: a `fleetdeck
//! sync` of an app that another `fleetdeck sync` process is syncing is
//! refused, naming the holder; after a `kill -9` of the holder its lock is
//! found stale, its operation is recorded as interrupted, and the next
//! sync proceeds.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Output, Stdio};
use std::time::Duration;

use fleetdeck::engine::sync::LockClaim;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};
use tokio::sync::mpsc;

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

/// A Deployment of `image`: `web:missing` never pulls, so a sync of it
/// waits on the wave's health until its timeout (five minutes).
fn manifests(image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n        - name: app\n          image: {image}\n"
    )
}

struct Setup {
    _fleet_dir: tempfile::TempDir,
    fleet: Fleet,
    repo: TestRepo,
    home: Home,
}

impl Setup {
    async fn new(image: &str) -> Setup {
        let fleet_dir = tempfile::tempdir().expect("tempdir");
        let spec = FleetSpec::new(fleet_dir.path().join("kubeconfig"))
            .cluster(ClusterSpec::new("dev"))
            .controllers(SimSpeed::times(40));
        let fleet = Fleet::start(spec).await.expect("fleet");
        let repo = TestRepo::new();
        repo.git()
            .remote("origin", "https://git.example.com/platform/web.git")
            .expect("origin remote");
        repo.write("argocd/web.yaml", APP)
            .write("apps/web/all.yaml", manifests(image));
        repo.commit("web");
        Setup {
            _fleet_dir: fleet_dir,
            fleet,
            repo,
            home: Home::new(),
        }
    }

    /// `fleetdeck` run by `operator`, with the repo and the kubeconfig.
    fn command(&self, operator: &str, args: &[&str]) -> std::process::Command {
        let mut all = vec![
            "--repo".to_string(),
            self.repo.path().display().to_string(),
            "--kubeconfig".to_string(),
            self.fleet.kubeconfig_path().display().to_string(),
        ];
        all.extend(args.iter().map(ToString::to_string));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let mut command = self.home.command(&refs);
        command.env("USER", operator);
        command
    }

    /// Runs to the end, off the async threads (the sim is served here).
    async fn run(&self, operator: &str, args: &[&str]) -> Output {
        let mut command = self.command(operator, args);
        tokio::task::spawn_blocking(move || command.output().expect("run fleetdeck"))
            .await
            .expect("runner")
    }

    fn lock_file(&self) -> PathBuf {
        self.home.path().join("data/fleetdeck/state/locks/web.lock")
    }
}

/// Starts `fleetdeck sync web` and forwards its stderr line by line.
fn spawn_sync(setup: &Setup, operator: &str) -> (Child, mpsc::UnboundedReceiver<String>) {
    spawn_with_stderr(setup, operator, &["sync", "web"])
}

/// Starts `fleetdeck ARGS` and forwards its stderr line by line.
fn spawn_with_stderr(
    setup: &Setup,
    operator: &str,
    args: &[&str],
) -> (Child, mpsc::UnboundedReceiver<String>) {
    let mut child = setup
        .command(operator, args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn fleetdeck");
    let stderr = child.stderr.take().expect("stderr");
    let (lines, receiver) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    (child, receiver)
}

/// Waits for a stderr line containing `needle`; the lines seen before it
/// are shown if the process ends first.
async fn wait_for_line(lines: &mut mpsc::UnboundedReceiver<String>, needle: &str) {
    let mut seen = Vec::new();
    loop {
        let line = lines
            .recv()
            .await
            .unwrap_or_else(|| panic!("ended before {needle:?}:\n{}", seen.join("\n")));
        let found = line.contains(needle);
        seen.push(line);
        if found {
            return;
        }
    }
}

/// The audit records as (operator, first word of the result).
fn audit_summary(records: &[serde_json::Value]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|r| {
            let result = r["result"].as_str().unwrap_or("");
            (
                r["operator"].as_str().unwrap_or("").to_string(),
                result.split(':').next().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn audit(output: &Output) -> Vec<serde_json::Value> {
    serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .expect("audit json")
        .as_array()
        .cloned()
        .expect("records")
}

/// With the image fixed, bob's next sync of `web` succeeds and records
/// the dead holder's operation as interrupted; returns web's audit.
async fn next_sync_after_the_kill(setup: &Setup) -> Vec<serde_json::Value> {
    setup.repo.write("apps/web/all.yaml", manifests("web:1.0"));
    setup.repo.commit("web 1.0");
    let next = setup.run("bob", &["sync", "web"]).await;
    assert_eq!(
        next.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&next),
        stderr(&next)
    );
    assert!(
        stderr(&next).contains("recorded as interrupted"),
        "{}",
        stderr(&next)
    );
    audit(
        &setup
            .run("bob", &["audit", "--app", "web", "-o", "json"])
            .await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sync_is_refused_naming_the_holder_and_a_killed_holder_is_interrupted() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = Setup::new("web:missing").await;
        let (mut holder, mut lines) = spawn_sync(&setup, "alice");
        // The holder is mid-wave once it reports waiting for the Deployment.
        wait_for_line(&mut lines, "waiting for").await;
        let claim: LockClaim =
            serde_json::from_slice(&std::fs::read(setup.lock_file()).expect("lock file"))
                .expect("claim");
        assert_eq!(claim.pid, holder.id());
        assert_eq!(
            (claim.operator.as_str(), claim.action.as_str()),
            ("alice", "sync")
        );

        let refused = setup.run("bob", &["sync", "web"]).await;
        assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
        let text = stderr(&refused);
        assert!(
            text.contains(&format!(
                "web is being synced by alice@{} (pid {}) since",
                claim.host,
                holder.id()
            )),
            "{text}"
        );
        assert!(
            !text.contains("syncing web to dev"),
            "the refused sync sent nothing: {text}"
        );

        // SIGKILL: the holder records nothing more; the kernel frees its lock.
        holder.kill().expect("kill -9");
        holder.wait().expect("reap");
        let records = audit(
            &setup
                .run("bob", &["audit", "--app", "web", "-o", "json"])
                .await,
        );
        let results: Vec<(&str, &str)> = records
            .iter()
            .map(|r| {
                (
                    r["operator"].as_str().unwrap_or(""),
                    r["result"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            results,
            [("alice", "started")],
            "written ahead: {records:?}"
        );

        let records = next_sync_after_the_kill(&setup).await;
        let summary = audit_summary(&records);
        let expected = [
            ("alice", "started"),
            ("alice", "interrupted"),
            ("bob", "started"),
            ("bob", "Succeeded"),
        ]
        .map(|(who, what)| (who.to_string(), what.to_string()));
        assert_eq!(summary, expected, "{records:#?}");
        let interrupted = &records[1];
        assert_eq!(interrupted["revision"], records[0]["revision"]);
        assert!(
            interrupted["result"]
                .as_str()
                .is_some_and(|text| text.contains(&format!("(pid {})", claim.pid))),
            "{interrupted}"
        );
        let after = std::fs::read(setup.lock_file()).expect("lock file");
        assert!(
            after.is_empty(),
            "a finished sync leaves the lock file empty"
        );
        setup.fleet.shutdown().await.expect("shutdown");
    })
    .await
    .expect("test timed out");
}

/// `web` under automated sync: the controller syncs it on its own.
const AUTO_APP: &str = "apiVersion: argoproj.io/v1alpha1
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
    automated: {}
    syncOptions: [CreateNamespace=true]
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cli_sync_is_refused_while_the_controller_syncs_and_proceeds_after_it_is_killed() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = Setup::new("web:missing").await;
        setup.repo.write("argocd/web.yaml", AUTO_APP);
        setup.repo.commit("web is automated");
        let (mut controller, mut lines) =
            spawn_with_stderr(&setup, "carol", &["controller", "--interval", "1"]);
        // The controller holds the app's lock once it says its sync started
        // (the lock is taken before the event); `web:missing` keeps the
        // sync waiting on the wave's health.
        wait_for_line(&mut lines, "web: sync started by automated").await;
        let claim: LockClaim =
            serde_json::from_slice(&std::fs::read(setup.lock_file()).expect("lock file"))
                .expect("claim");
        assert_eq!(claim.pid, controller.id());
        assert_eq!(claim.operator, "automated");

        let refused = setup.run("bob", &["sync", "web"]).await;
        assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
        let text = stderr(&refused);
        assert!(
            text.contains(&format!(
                "web is being synced by automated@{} (pid {}) since",
                claim.host,
                controller.id()
            )),
            "{text}"
        );

        controller.kill().expect("kill -9");
        controller.wait().expect("reap");
        let records = next_sync_after_the_kill(&setup).await;
        let summary = audit_summary(&records);
        let expected = [
            ("automated", "started"),
            ("automated", "interrupted"),
            ("bob", "started"),
            ("bob", "Succeeded"),
        ]
        .map(|(who, what)| (who.to_string(), what.to_string()));
        assert_eq!(summary, expected, "{records:#?}");
        setup.fleet.shutdown().await.expect("shutdown");
    })
    .await
    .expect("test timed out");
}
