//! A hard refresh renders again what the render cache holds: an app
//! rendered by an external Kustomize whose output changes while the commit
//! does not is served from the cache by ordinary polls, and turns
//! OutOfSync once a hard refresh (from the API, or `fleetdeck refresh
//! --hard`) makes the engine render it anew.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fleetdeck::engine::api::{Command, EngineEvent, EngineHandle, FleetSnapshot};
use fleetdeck::engine::diff::SyncStatus;
use fleetdeck::engine::policy::approval::ApprovalGate;
use fleetdeck::engine::reconciler::start;
use fleetdeck::engine::render::{ExternalKustomize, KustomizeMode, RenderTools};
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};

use super::engine_reconciler::engine_config;
use super::support::{TestRepo, fleetdeck_command};

const TEST_TIMEOUT: Duration = Duration::from_secs(120);

const APP: &str = "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: kust
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/fleet.git
    path: apps/kust
  destination:
    name: dev
    namespace: kust
  syncPolicy:
    syncOptions: [CreateNamespace=true]
";

/// A fake `kustomize build` printing whatever `output.yaml` beside it says
/// now (what an upgraded tool or a moved remote base would change), and
/// counting its runs.
struct FakeKustomize {
    dir: tempfile::TempDir,
}

impl FakeKustomize {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = dir.path().display();
        let script = format!("#!/bin/sh\necho run >> '{base}/runs'\ncat '{base}/output.yaml'\n");
        let binary = dir.path().join("kustomize");
        std::fs::write(&binary, script).expect("write script");
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755))
            .expect("make executable");
        FakeKustomize { dir }
    }

    fn binary(&self) -> PathBuf {
        self.dir.path().join("kustomize")
    }

    /// What the next render prints: the app's ConfigMap with `mode`.
    fn prints(&self, mode: &str) {
        let yaml = format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kust\ndata:\n  mode: {mode}\n"
        );
        std::fs::write(self.dir.path().join("output.yaml"), yaml).expect("write output");
    }

    fn runs(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("runs"))
            .map(|runs| runs.lines().count())
            .unwrap_or(0)
    }
}

fn kust_is(snapshot: &FleetSnapshot, sync: SyncStatus) -> bool {
    snapshot
        .app("kust")
        .is_some_and(|row| row.sync == sync && row.revision.is_some())
}

/// Syncs the app once it is rendered; returns once it is Synced.
async fn sync_kust(engine: &EngineHandle) {
    engine
        .wait_for(|snapshot| {
            snapshot
                .app("kust")
                .is_some_and(|row| row.revision.is_some())
        })
        .await
        .expect("rendered");
    engine
        .send(Command::Sync {
            app: "kust".into(),
            prune: false,
            dry_run: false,
            resources: Vec::new(),
            initiated_by: "tester".into(),
        })
        .await
        .expect("send");
    engine
        .wait_for(|snapshot| kust_is(snapshot, SyncStatus::Synced))
        .await
        .expect("synced");
}

/// Runs `fleetdeck` with `data` as its XDG data home (the engine's state
/// directory is under it, so a refresh request reaches the engine).
fn fleetdeck(data: &Path, args: &[&str]) -> String {
    let home = tempfile::tempdir().expect("home");
    let output = fleetdeck_command(home.path())
        .env("XDG_DATA_HOME", data)
        .env("USER", "erin")
        .args(args)
        .output()
        .expect("run fleetdeck");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn a_hard_refresh_renders_again_what_the_cache_holds() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let fleet_dir = tempfile::tempdir().expect("tempdir");
        let fleet = Fleet::start(
            FleetSpec::new(fleet_dir.path().join("kubeconfig"))
                .cluster(ClusterSpec::new("dev"))
                .controllers(SimSpeed::times(40)),
        )
        .await
        .expect("fleet");
        let repo = TestRepo::new();
        repo.git()
            .remote("origin", "https://git.example.com/platform/fleet.git")
            .expect("origin");
        repo.write("argocd/kust.yaml", APP)
            .write("apps/kust/kustomization.yaml", "resources: []\n");
        repo.commit("one kustomize app");
        let tool = FakeKustomize::new();
        tool.prints("one");

        let data = tempfile::tempdir().expect("tempdir");
        let mut config = engine_config(&fleet, &repo, data.path(), ApprovalGate::default());
        config.git.tools = RenderTools {
            kustomize: Some(ExternalKustomize {
                binary: tool.binary(),
                mode: KustomizeMode::Kustomize,
            }),
            ..RenderTools::default()
        };
        let (engine, _task) = start(config).await.expect("engine starts");

        sync_kust(&engine).await;
        let rendered = tool.runs();
        assert!(rendered >= 1);

        // The tool's output changes, the commit does not: the engine's
        // ordinary polls (every 300ms here) keep serving the cached render,
        // so only a hard refresh can make the app OutOfSync.
        tool.prints("two");
        let mut events = engine.subscribe();
        // A hard refresh of the app renders it again: the new output is
        // what the cluster is compared with.
        engine
            .send(Command::Refresh {
                app: Some("kust".into()),
                hard: true,
            })
            .await
            .expect("send");
        engine
            .wait_for(|snapshot| kust_is(snapshot, SyncStatus::OutOfSync))
            .await
            .expect("the new render is compared");
        assert!(tool.runs() > rendered, "rendered again");
        sync_kust(&engine).await;

        // The same from another process, for the whole fleet.
        tool.prints("three");
        let printed = fleetdeck(data.path(), &["refresh", "--hard"]);
        assert!(printed.starts_with("hard refresh"), "{printed}");
        engine
            .wait_for(|snapshot| kust_is(snapshot, SyncStatus::OutOfSync))
            .await
            .expect("a hard refresh requested from the CLI renders again");
        let action = loop {
            if let Ok(EngineEvent::OperatorAction {
                operator, action, ..
            }) = events.recv().await
                && operator == "erin"
            {
                break action;
            }
        };
        assert_eq!(action, "hard refresh");
        engine.send(Command::Shutdown).await.expect("shutdown");
        fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}
