//! The engine actor against a simulated fleet of three clusters and a temp
//! Git repo: snapshots, commands, automation, a cluster going away.

use std::sync::Arc;
use std::time::Duration;

use fleetdeck::engine::api::{
    Change, Command, ConnectionState, EngineEvent, EngineHandle, FleetSnapshot, ObjectKey,
    ResourceSyncStatus,
};
use fleetdeck::engine::cluster::{
    ClusterChoice, ClusterRegistry, ClusterSettings, read_kubeconfig,
};
use fleetdeck::engine::diff::SyncStatus;
use fleetdeck::engine::health::HealthStatus;
use fleetdeck::engine::policy::approval::ApprovalGate;
use fleetdeck::engine::reconciler::{CatalogSource, EngineConfig, GitSource, start};
use fleetdeck::engine::render::{RenderCache, RenderTools};
use fleetdeck::engine::source::{RepoCache, RepoPath};
use fleetdeck::engine::sync::SyncTimeouts;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};

use super::support::TestRepo;

/// A guard against hangs, not a speed check: the automation test waits
/// through several refreshes and a self-heal backoff.
const TEST_TIMEOUT: Duration = Duration::from_secs(150);
const REPO_URL: &str = "https://git.example.com/platform/fleet.git";

fn application(name: &str, cluster: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n  project: default\n  source:\n    repoURL: {REPO_URL}\n    path: apps/{name}\n  destination:\n    name: {cluster}\n    namespace: {name}\n  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )
}

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  mode: fast\n")
}

/// An app with automated sync and self-heal on dev.
const AUTO_APP: &str = "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: auto
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/fleet.git
    path: apps/auto
  destination:
    name: dev
    namespace: auto
  syncPolicy:
    automated:
      selfHeal: true
    syncOptions: [CreateNamespace=true]
";

/// A project whose deny window is always open (every minute, for an hour).
const FROZEN_PROJECT: &str = "apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: frozen
spec:
  sourceRepos: ['*']
  destinations:
    - name: '*'
      namespace: '*'
  syncWindows:
    - kind: deny
      schedule: '* * * * *'
      duration: 1h
      applications: ['*']
";

/// One worker app per cluster of the fleet; the second set collides with
/// the hand-written `web` and must be refused, not take it over.
const WORKERS: &str = "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: workers
spec:
  generators:
    - clusters: {}
  template:
    metadata:
      name: 'worker-{{name}}'
    spec:
      project: default
      source:
        repoURL: https://git.example.com/platform/fleet.git
        path: apps/worker
      destination:
        name: '{{name}}'
        namespace: workers
      syncPolicy:
        syncOptions: [CreateNamespace=true]
---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: impostor
spec:
  generators:
    - list:
        elements:
          - name: web
  template:
    metadata:
      name: '{{name}}'
    spec:
      project: default
      source:
        repoURL: https://git.example.com/platform/fleet.git
        path: apps/worker
      destination:
        name: prod
        namespace: workers
";

struct Setup {
    state_dir: std::path::PathBuf,
    data_home: std::path::PathBuf,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    fleet: Fleet,
    repo: TestRepo,
    engine: EngineHandle,
    task: tokio::task::JoinHandle<()>,
}

async fn setup() -> Setup {
    setup_with(ApprovalGate::default()).await
}

/// prod is labelled `environment=production`, for approval gates.
async fn setup_with(approval: ApprovalGate) -> Setup {
    setup_polling(approval, Duration::from_millis(300)).await
}

/// A setup whose engine polls every `refresh_interval`.
async fn setup_polling(approval: ApprovalGate, refresh_interval: Duration) -> Setup {
    let fleet_dir = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::start(
        FleetSpec::new(fleet_dir.path().join("kubeconfig"))
            .cluster(ClusterSpec::new("dev"))
            .cluster(ClusterSpec::new("prod"))
            .cluster(ClusterSpec::new("staging"))
            .controllers(SimSpeed::times(40)),
    )
    .await
    .expect("fleet");
    let repo = TestRepo::new();
    repo.git().remote("origin", REPO_URL).expect("origin");
    repo.write("argocd/web.yaml", application("web", "dev"))
        .write("argocd/api.yaml", application("api", "prod"))
        .write("apps/web/cm.yaml", config_map("web"))
        .write("apps/api/cm.yaml", config_map("api"))
        .write("argocd/auto.yaml", AUTO_APP)
        .write(
            "argocd/gated.yaml",
            AUTO_APP
                .replace("name: auto", "name: gated")
                .replace("name: dev", "name: prod")
                .replace("apps/auto", "apps/gated")
                .replace("namespace: auto", "namespace: gated"),
        )
        .write("apps/gated/cm.yaml", config_map("gated"))
        .write(
            "argocd/windowed.yaml",
            AUTO_APP
                .replace("name: auto", "name: windowed")
                .replace("project: default", "project: frozen")
                .replace("apps/auto", "apps/windowed")
                .replace("namespace: auto", "namespace: windowed"),
        )
        .write("argocd/frozen-project.yaml", FROZEN_PROJECT)
        .write("apps/windowed/cm.yaml", config_map("windowed"))
        .write("apps/auto/cm.yaml", config_map("auto"))
        .write("argocd/workers.yaml", WORKERS)
        .write("apps/worker/cm.yaml", config_map("worker"));
    repo.commit("two apps and a set");

    let data = tempfile::tempdir().expect("tempdir");
    let mut config = engine_config(&fleet, &repo, data.path(), approval);
    config.refresh_interval = refresh_interval;
    let (engine, task) = start(config).await.expect("engine starts");
    Setup {
        state_dir: data.path().join("fleetdeck").join("state"),
        data_home: data.path().to_path_buf(),
        _dirs: (fleet_dir, data),
        fleet,
        repo,
        engine,
        task,
    }
}

impl Setup {
    /// Runs the fleetdeck binary as `user`, with this engine's state
    /// directory as its own (so what it writes, the engine reads), and
    /// returns its standard output; a failure fails the test.
    fn fleetdeck(&self, user: &str, args: &[&str]) -> String {
        let home = tempfile::tempdir().expect("home");
        let output = super::support::fleetdeck_command(home.path())
            .env("XDG_DATA_HOME", &self.data_home)
            .env("USER", user)
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
}

/// The engine's configuration over `data` (repository cache and state), so
/// a second engine on the same `data` is a restart.
pub fn engine_config(
    fleet: &Fleet,
    repo: &TestRepo,
    data: &std::path::Path,
    approval: ApprovalGate,
) -> EngineConfig {
    let cache = Arc::new(RepoCache::new(data.join("repos")));
    let local = cache
        .open(&repo.path().display().to_string())
        .expect("open repo");
    let kubeconfig = read_kubeconfig(fleet.kubeconfig_path()).expect("kubeconfig");
    // Every cluster of the fleet (other test files bring fleets of their own).
    let choices: Vec<ClusterChoice> = fleet
        .clusters()
        .iter()
        .map(|cluster| cluster.name())
        .map(|context| ClusterChoice {
            context: context.to_string(),
            labels: if context == "prod" {
                [("environment".to_string(), "production".to_string())].into()
            } else {
                Default::default()
            },
            ..ClusterChoice::default()
        })
        .collect();
    let registry = ClusterRegistry::from_kubeconfig(&kubeconfig, &choices, None).expect("registry");
    EngineConfig {
        cluster_settings: ClusterSettings {
            request_timeout: Duration::from_secs(3),
            ..ClusterSettings::default()
        },
        refresh_interval: Duration::from_millis(300),
        // Where the CLI keeps it for XDG_DATA_HOME=<data>: a pause set by
        // `fleetdeck pause` reaches this engine.
        state_dir: Some(data.join("fleetdeck").join("state")),
        approval,
        sync_timeouts: SyncTimeouts {
            poll: Duration::from_millis(100),
            ..SyncTimeouts::default()
        },
        ..EngineConfig::new(
            GitSource::new(
                vec![CatalogSource {
                    repo: local,
                    revision: "HEAD".to_string(),
                    path: RepoPath::new("argocd").expect("path"),
                }],
                cache,
                RenderTools::default(),
                RenderCache::new(16),
            ),
            registry,
            kubeconfig,
        )
    }
}

fn app_is(snapshot: &FleetSnapshot, app: &str, sync: SyncStatus) -> bool {
    snapshot.app(app).is_some_and(|row| row.sync == sync)
}

#[tokio::test]
async fn the_engine_observes_syncs_and_survives_a_cluster_going_away() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        let engine = &setup.engine;
        let first = engine
            .wait_for(|snapshot| snapshot.generation > 0)
            .await
            .expect("first snapshot");
        let names: Vec<&str> = first.apps.iter().map(|app| app.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "api",
                "auto",
                "gated",
                "web",
                "windowed",
                "worker-dev",
                "worker-prod",
                "worker-staging"
            ]
        );
        let worker = first.app("worker-prod").expect("generated app");
        assert_eq!(worker.application_set.as_deref(), Some("workers"));
        assert_eq!(worker.cluster.as_deref(), Some("prod"));
        assert!(
            first
                .problems
                .iter()
                .any(|problem| problem.contains("ApplicationSet impostor generates app web")),
            "{:?}",
            first.problems
        );
        let web = first.app("web").expect("web");
        assert_eq!(web.application_set, None);
        assert_eq!(web.sync, SyncStatus::OutOfSync);
        assert_eq!(web.cluster.as_deref(), Some("dev"));
        assert_eq!(web.health, HealthStatus::Missing);
        assert!(matches!(
            first.cluster("prod").map(|cluster| &cluster.connection),
            Some(ConnectionState::Connected { .. })
        ));

        let mut events = engine.subscribe();
        for app in ["web", "api"] {
            engine
                .send(Command::Sync {
                    app: app.to_string(),
                    prune: false,
                    dry_run: false,
                    resources: Vec::new(),
                    initiated_by: "tester".to_string(),
                })
                .await
                .expect("send");
        }
        let mut finished = 0;
        while finished < 2 {
            if let Ok(EngineEvent::OperationFinished { outcome, .. }) = events.recv().await {
                assert!(outcome.succeeded(), "{outcome:#?}");
                finished += 1;
            }
        }
        engine
            .wait_for(|snapshot| {
                app_is(snapshot, "web", SyncStatus::Synced)
                    && app_is(snapshot, "api", SyncStatus::Synced)
            })
            .await
            .expect("both synced");

        setup.fleet.cluster("prod").expect("prod").go_down().await;
        let degraded = engine
            .wait_for(|snapshot| {
                app_is(snapshot, "api", SyncStatus::Unknown)
                    && matches!(
                        snapshot.cluster("prod").map(|cluster| &cluster.connection),
                        Some(ConnectionState::Unreachable { .. })
                    )
            })
            .await
            .expect("prod's app unknown");
        assert!(matches!(
            degraded.cluster("prod").map(|cluster| &cluster.connection),
            Some(ConnectionState::Unreachable { .. })
        ));
        let api = degraded.app("api").expect("api");
        assert!(api.conditions[0].contains("prod"), "{:?}", api.conditions);
        assert_eq!(
            degraded.app("web").map(|row| row.sync),
            Some(SyncStatus::Synced),
            "dev's app is unaffected"
        );
        // The rest of the fleet keeps syncing while prod is away.
        engine
            .send(Command::Sync {
                app: "worker-staging".to_string(),
                prune: false,
                dry_run: false,
                resources: Vec::new(),
                initiated_by: "tester".to_string(),
            })
            .await
            .expect("send");
        loop {
            if let Ok(EngineEvent::OperationFinished { app, outcome }) = events.recv().await
                && app == "worker-staging"
            {
                assert!(outcome.succeeded(), "{outcome:#?}");
                break;
            }
        }
        engine
            .wait_for(|snapshot| app_is(snapshot, "worker-staging", SyncStatus::Synced))
            .await
            .expect("staging synced during prod's outage");

        setup
            .fleet
            .cluster("prod")
            .expect("prod")
            .come_up()
            .await
            .expect("back up");
        engine
            .wait_for(|snapshot| app_is(snapshot, "api", SyncStatus::Synced))
            .await
            .expect("prod recovers");
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn a_sync_of_an_unknown_app_is_rejected_with_a_reason() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        let mut events = setup.engine.subscribe();
        setup
            .engine
            .send(Command::Sync {
                app: "nope".to_string(),
                prune: false,
                dry_run: false,
                resources: Vec::new(),
                initiated_by: "tester".to_string(),
            })
            .await
            .expect("send");
        loop {
            if let Ok(EngineEvent::Rejected { command, reason }) = events.recv().await {
                assert_eq!(command, "sync nope");
                assert_eq!(reason, "no such app");
                break;
            }
        }
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

/// The auto app's one object.
fn auto_config_key() -> fleetdeck::engine::manifest::ObjectKey {
    fleetdeck::engine::manifest::ObjectKey {
        group: String::new(),
        kind: "ConfigMap".into(),
        namespace: "auto".into(),
        name: "auto".into(),
    }
}

/// Someone edits the auto app's ConfigMap by hand.
async fn drift(fleet: &Fleet, value: &str) {
    let client = super::engine_sync::client_for(fleet.kubeconfig_path(), "dev").await;
    let key = auto_config_key();
    let mut live = client.get("v1", &key).await.expect("get").expect("exists");
    live["data"]["mode"] = serde_json::json!(value);
    live["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("managedFields");
    client
        .replace(&live, "kubectl-edit", false)
        .await
        .expect("edit");
}

#[tokio::test]
async fn automation_syncs_once_heals_drift_and_holds_while_paused() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        let engine = &setup.engine;
        // Synced shows while the operation still runs; the history is
        // written when it ends, and the row names it once recomputed.
        let synced = engine
            .wait_for(|snapshot| {
                app_is(snapshot, "auto", SyncStatus::Synced)
                    && snapshot.operation("auto").is_none()
                    && snapshot
                        .app("auto")
                        .is_some_and(|row| row.last_sync.is_some())
            })
            .await
            .expect("auto-synced");
        assert_eq!(
            synced.app("auto").and_then(|row| row.automation.as_deref()),
            Some("auto-sync on")
        );
        let store = fleetdeck::engine::state::StateStore::open(&setup.state_dir).expect("state");
        // A few more refreshes: the revision is synced once, not again.
        let generation = synced.generation;
        engine
            .wait_for(|snapshot| snapshot.generation >= generation + 3)
            .await
            .expect("more refreshes");
        let history = store.history("auto").expect("history");
        assert_eq!(history.len(), 1, "{history:#?}");
        assert_eq!(history[0].initiated_by.to_string(), "automated");

        drift(&setup.fleet, "slow").await;
        engine
            .wait_for(|snapshot| app_is(snapshot, "auto", SyncStatus::Synced))
            .await
            .expect("healed");
        let kube = super::engine_sync::client_for(setup.fleet.kubeconfig_path(), "dev").await;
        let key = auto_config_key();
        // Self-heal puts Git's value back (the test timeout bounds the wait).
        loop {
            let live = kube.get("v1", &key).await.expect("get").expect("exists");
            if live["data"]["mode"] == "fast" {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // The pause comes from the CLI, in another process.
        let fleetdeck = |args: &[&str]| setup.fleetdeck("alice", args);
        let paused = fleetdeck(&["pause", "auto", "--for", "30m", "--reason", "db migration"]);
        let pause_id = paused.split(':').next().expect("id").to_string();
        // Wait until the engine has seen the pause, then drift.
        engine
            .wait_for(|snapshot| {
                snapshot
                    .app("auto")
                    .is_some_and(|row| !row.paused.is_empty())
            })
            .await
            .expect("pause seen");
        drift(&setup.fleet, "slow").await;
        let held = engine
            .wait_for(|snapshot| app_is(snapshot, "auto", SyncStatus::OutOfSync))
            .await
            .expect("drift shown");
        let row = held.app("auto").expect("auto");
        assert!(
            row.paused[0].contains("by alice: db migration"),
            "{:?}",
            row.paused
        );
        let generation = held.generation;
        let later = engine
            .wait_for(|snapshot| snapshot.generation >= generation + 3)
            .await
            .expect("more refreshes");
        assert!(
            app_is(&later, "auto", SyncStatus::OutOfSync),
            "a paused app is not healed"
        );
        assert!(
            later
                .app("auto")
                .and_then(|row| row.automation.as_deref())
                .is_some_and(|text| text.contains("paused")),
            "{:?}",
            later.app("auto")
        );

        fleetdeck(&["resume", "--id", &pause_id]);
        let audit: serde_json::Value =
            serde_json::from_str(&fleetdeck(&["audit", "--app", "auto", "-o", "json"]))
                .expect("json");
        let actions: Vec<(String, String)> = audit
            .as_array()
            .expect("records")
            .iter()
            .map(|record| {
                (
                    record["operator"].as_str().unwrap_or_default().to_string(),
                    record["action"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let record = |who: &str, what: &str| (who.to_string(), what.to_string());
        assert_eq!(
            actions.first(),
            Some(&record("automated", "auto-sync")),
            "{actions:?}"
        );
        assert!(actions.contains(&record("alice", "pause")), "{actions:?}");
        assert_eq!(
            actions.last(),
            Some(&record("alice", "resume")),
            "{actions:?}"
        );
        assert!(
            actions
                .iter()
                .filter(|action| **action == record("automated", "auto-sync"))
                .count()
                >= 2,
            "the first sync and the self-heal: {actions:?}"
        );
        engine
            .wait_for(|snapshot| app_is(snapshot, "auto", SyncStatus::Synced))
            .await
            .expect("healed after resume");
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn an_approval_gate_holds_a_production_sync_until_approved() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let gate = ApprovalGate {
            cluster_selectors: vec![
                fleetdeck::engine::policy::label_match::TextSelector::parse(
                    "environment=production",
                )
                .expect("selector"),
            ],
            projects: Vec::new(),
        };
        let setup = setup_with(gate).await;
        let engine = &setup.engine;
        let held = engine
            .wait_for(|snapshot| {
                snapshot
                    .app("gated")
                    .and_then(|row| row.automation.as_deref())
                    .is_some_and(|text| text.starts_with("awaiting approval of "))
            })
            .await
            .expect("awaiting approval");
        assert_eq!(
            held.app("gated").map(|row| row.sync),
            Some(SyncStatus::OutOfSync)
        );
        let generation = held.generation;
        let later = engine
            .wait_for(|snapshot| snapshot.generation >= generation + 3)
            .await
            .expect("more refreshes");
        assert!(
            app_is(&later, "gated", SyncStatus::OutOfSync),
            "held until approved"
        );
        // dev is not gated: its automated app syncs meanwhile.
        let dev_synced = engine
            .wait_for(|snapshot| app_is(snapshot, "auto", SyncStatus::Synced))
            .await
            .expect("dev's app synced");
        assert!(
            app_is(&dev_synced, "gated", SyncStatus::OutOfSync),
            "still held"
        );

        let repo = setup.repo.path().display().to_string();
        let approved = setup.fleetdeck("bob", &["--repo", &repo, "approve", "gated"]);
        assert!(approved.contains("approved by bob"), "{approved}");
        engine
            .wait_for(|snapshot| app_is(snapshot, "gated", SyncStatus::Synced))
            .await
            .expect("synced once approved");
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn a_deny_window_blocks_auto_sync_and_says_why() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        let engine = &setup.engine;
        let blocked = engine
            .wait_for(|snapshot| {
                snapshot
                    .app("windowed")
                    .and_then(|row| row.automation.as_deref())
                    .is_some_and(|text| text.contains("deny window"))
            })
            .await
            .expect("blocked by the window");
        let row = blocked.app("windowed").expect("windowed");
        assert_eq!(row.sync, SyncStatus::OutOfSync);
        assert!(
            row.automation
                .as_deref()
                .is_some_and(|text| text.contains("'* * * * *'")),
            "{:?}",
            row.automation
        );
        // Meanwhile the same kind of app in the default project syncs.
        let later = engine
            .wait_for(|snapshot| app_is(snapshot, "auto", SyncStatus::Synced))
            .await
            .expect("auto synced");
        assert!(
            app_is(&later, "windowed", SyncStatus::OutOfSync),
            "the window still holds"
        );
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn a_restarted_engine_keeps_pauses_history_and_audit() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        setup
            .engine
            .wait_for(|snapshot| app_is(snapshot, "auto", SyncStatus::Synced))
            .await
            .expect("auto-synced");
        let pauses = fleetdeck::engine::state::PauseStore::open(&setup.state_dir).expect("pauses");
        pauses
            .add(
                fleetdeck::engine::policy::pause::PauseRequest {
                    scope: fleetdeck::engine::policy::pause::PauseScope::Fleet,
                    reason: "incident 42".into(),
                    owner: "carol".into(),
                    duration: Duration::from_secs(3600),
                },
                k8s_openapi::jiff::Timestamp::now(),
            )
            .expect("freeze");
        setup
            .engine
            .send(Command::Shutdown)
            .await
            .expect("shutdown");
        setup.task.await.expect("engine stopped");

        let config = engine_config(
            &setup.fleet,
            &setup.repo,
            &setup.data_home,
            ApprovalGate::default(),
        );
        let (engine, task) = start(config).await.expect("engine restarts");
        let snapshot = engine
            .wait_for(|snapshot| snapshot.generation > 1)
            .await
            .expect("first snapshot after the restart");
        let auto = snapshot.app("auto").expect("auto");
        assert!(
            auto.paused
                .iter()
                .any(|pause| pause.contains("by carol: incident 42")),
            "{:?}",
            auto.paused
        );
        assert_eq!(auto.sync, SyncStatus::Synced);
        let store = fleetdeck::engine::state::StateStore::open(&setup.state_dir).expect("state");
        assert_eq!(
            store.history("auto").expect("history").len(),
            1,
            "the history survived"
        );
        let audit = fleetdeck::engine::state::AuditLog::open(&setup.state_dir)
            .expect("audit")
            .read()
            .expect("read");
        assert!(
            audit
                .iter()
                .any(|record| record.target == "auto" && record.action == "auto-sync"),
            "{audit:#?}"
        );
        engine.send(Command::Shutdown).await.expect("shutdown");
        task.await.expect("engine stopped");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

/// Waits for the next event `pick` accepts.
async fn next_event<T>(
    events: &mut tokio::sync::broadcast::Receiver<EngineEvent>,
    mut pick: impl FnMut(EngineEvent) -> Option<T>,
) -> T {
    loop {
        match events.recv().await {
            Ok(event) => {
                if let Some(found) = pick(event) {
                    return found;
                }
            }
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(error) => panic!("event stream ended: {error}"),
        }
    }
}

/// What a front end does without the CLI: pause and resume, describe, and
/// roll back through commands, each audited, the rollback pinned and paused.
#[tokio::test]
async fn pause_describe_and_rollback_are_engine_commands() {
    use fleetdeck::engine::api::AutomationState;
    use fleetdeck::engine::policy::pause::PauseScope;
    use fleetdeck::engine::state::ResumeTarget;

    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        let engine = &setup.engine;
        let mut events = engine.subscribe();
        engine
            .wait_for(|snapshot| app_is(snapshot, "auto", SyncStatus::Synced))
            .await
            .expect("auto-synced");

        // Pause: in the snapshot for every operator, and on the app's row.
        engine
            .send(Command::Pause {
                scope: PauseScope::App("auto".into()),
                duration: Duration::from_secs(1800),
                reason: "db migration".into(),
                by: "alice".into(),
            })
            .await
            .expect("send");
        let paused = engine
            .wait_for(|snapshot| !snapshot.pauses.is_empty())
            .await
            .expect("paused");
        assert_eq!(paused.pauses[0].owner, "alice");
        assert_eq!(paused.pauses[0].reason, "db migration");
        assert_eq!(
            paused.app("auto").map(|row| row.automation_state),
            Some(AutomationState::Paused)
        );
        engine
            .send(Command::Resume {
                target: ResumeTarget::Scope(PauseScope::App("auto".into())),
                by: "alice".into(),
            })
            .await
            .expect("send");
        engine
            .wait_for(|snapshot| snapshot.pauses.is_empty())
            .await
            .expect("resumed");

        // Two manual syncs of web at two commits, then a rollback to the first.
        let sync_web = Command::Sync {
            app: "web".into(),
            prune: false,
            dry_run: false,
            resources: Vec::new(),
            initiated_by: "bob".into(),
        };
        engine.send(sync_web.clone()).await.expect("send");
        let first = engine
            .wait_for(|snapshot| {
                app_is(snapshot, "web", SyncStatus::Synced)
                    && snapshot
                        .app("web")
                        .is_some_and(|row| row.last_sync.is_some())
            })
            .await
            .expect("web synced")
            .app("web")
            .and_then(|row| row.revision.clone())
            .expect("revision");
        setup.repo.write(
            "apps/web/cm.yaml",
            config_map("web").replace("fast", "slow"),
        );
        let second = setup.repo.commit("web goes slow");
        engine
            .send(Command::Refresh {
                app: None,
                hard: false,
            })
            .await
            .expect("send");
        let seen = engine
            .wait_for(|snapshot| {
                snapshot
                    .app("web")
                    .is_some_and(|row| row.revision.as_deref() == Some(second.as_str()))
            })
            .await
            .expect("new revision seen");
        // The row names the commit it renders, subject and author.
        let commit = seen
            .app("web")
            .and_then(|row| row.commit.clone())
            .expect("the rendered commit's subject");
        assert_eq!(commit.id.to_string(), second);
        assert_eq!(commit.subject, "web goes slow");
        assert_eq!(commit.author_name, "Fleet Tester");
        engine.send(sync_web).await.expect("send");
        engine
            .wait_for(|snapshot| {
                snapshot.app("web").is_some_and(|row| {
                    row.last_sync
                        .as_ref()
                        .is_some_and(|last| last.revision == second)
                        && row.sync == SyncStatus::Synced
                })
            })
            .await
            .expect("second sync");

        // Describe: the tree, the diffs and both history entries.
        engine
            .send(Command::Describe { app: "web".into() })
            .await
            .expect("send");
        let detail = next_event(&mut events, |event| match event {
            EngineEvent::AppDetail(detail) if detail.app == "web" => Some(detail),
            _ => None,
        })
        .await;
        assert!(detail.errors.is_empty(), "{:?}", detail.errors);
        assert_eq!(detail.tree.len(), 1, "{:?}", detail.tree);
        assert_eq!(detail.tree[0].key.kind, "ConfigMap");
        assert_eq!(detail.diffs.len(), 1);
        let revisions: Vec<&str> = detail
            .history
            .iter()
            .map(|entry| entry.revision.as_str())
            .collect();
        assert_eq!(revisions, [first.as_str(), second.as_str()]);
        let subjects: Vec<&str> = revisions
            .iter()
            .map(|revision| {
                detail
                    .commits
                    .get(*revision)
                    .map_or("?", |commit| commit.subject.as_str())
            })
            .collect();
        assert_eq!(subjects, ["two apps and a set", "web goes slow"]);

        engine
            .send(Command::Rollback {
                app: "web".into(),
                history_id: None,
                prune: false,
                by: "carol".into(),
            })
            .await
            .expect("send");
        let outcome = next_event(&mut events, |event| match event {
            EngineEvent::OperationFinished { app, outcome } if app == "web" => Some(outcome),
            _ => None,
        })
        .await;
        assert!(outcome.succeeded(), "{outcome:?}");
        assert_eq!(outcome.revision, first);
        let held = engine
            .wait_for(|snapshot| {
                snapshot
                    .app("web")
                    .is_some_and(|row| row.pinned_revision.as_deref() == Some(first.as_str()))
                    && snapshot
                        .pauses
                        .iter()
                        .any(|pause| pause.scope == PauseScope::App("web".into()))
            })
            .await
            .expect("pinned and paused");
        let pause = held
            .pauses
            .iter()
            .find(|pause| pause.scope == PauseScope::App("web".into()))
            .expect("pause");
        assert_eq!(pause.owner, "carol");
        assert!(
            pause.reason.starts_with("rolled back to"),
            "{}",
            pause.reason
        );
        let kube = super::engine_sync::client_for(setup.fleet.kubeconfig_path(), "dev").await;
        let key = fleetdeck::engine::manifest::ObjectKey {
            group: String::new(),
            kind: "ConfigMap".into(),
            namespace: "web".into(),
            name: "web".into(),
        };
        let live = kube.get("v1", &key).await.expect("get").expect("exists");
        assert_eq!(live["data"]["mode"], "fast");

        let audit = fleetdeck::engine::state::AuditLog::open(&setup.state_dir)
            .expect("audit")
            .read()
            .expect("read");
        let actions: Vec<(&str, &str)> = audit
            .iter()
            .map(|record| (record.operator.as_str(), record.action.as_str()))
            .collect();
        for expected in [
            ("alice", "pause"),
            ("alice", "resume"),
            ("bob", "sync"),
            ("carol", "rollback"),
        ] {
            assert!(actions.contains(&expected), "{expected:?} in {actions:?}");
        }
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

/// `fleetdeck refresh` reaches an engine that would not poll for an hour.
#[tokio::test]
async fn a_refresh_requested_from_the_cli_reaches_a_running_engine() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup_polling(ApprovalGate::default(), Duration::from_secs(3600)).await;
        let engine = &setup.engine;
        let first = engine
            .wait_for(|snapshot| {
                snapshot
                    .app("web")
                    .is_some_and(|row| row.revision.is_some())
            })
            .await
            .expect("first picture");
        let before = first.app("web").and_then(|row| row.revision.clone());
        setup.repo.write(
            "apps/web/cm.yaml",
            config_map("web").replace("fast", "slow"),
        );
        let commit = setup.repo.commit("web goes slow");
        assert_ne!(before.as_deref(), Some(commit.as_str()));
        let mut events = engine.subscribe();
        let printed = setup.fleetdeck("dave", &["refresh"]);
        assert!(printed.contains("requested"), "{printed}");
        engine
            .wait_for(|snapshot| {
                snapshot
                    .app("web")
                    .is_some_and(|row| row.revision.as_deref() == Some(commit.as_str()))
            })
            .await
            .expect("the new commit is seen without waiting for the poll");
        let requested_by = next_event(&mut events, |event| match event {
            EngineEvent::OperatorAction {
                operator, action, ..
            } if action == "refresh" => Some(operator),
            _ => None,
        })
        .await;
        assert_eq!(requested_by, "dave");
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

/// A RollingSync set: dev first, prod only once dev is Healthy. dev's image
/// never starts, so prod waits, and the snapshot says on what.
const ROLLING_SET: &str = "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: rollout
spec:
  generators:
    - list:
        elements:
          - env: dev
          - env: prod
  strategy:
    type: RollingSync
    rollingSync:
      steps:
        - matchExpressions:
            - {key: env, operator: In, values: [dev]}
        - matchExpressions:
            - {key: env, operator: In, values: [prod]}
  template:
    metadata:
      name: 'roll-{{env}}'
      labels:
        env: '{{env}}'
    spec:
      project: default
      source:
        repoURL: https://git.example.com/platform/fleet.git
        path: 'apps/roll/{{env}}'
      destination:
        name: '{{env}}'
        namespace: roll
      syncPolicy:
        automated: {}
        syncOptions: [CreateNamespace=true]
";

fn deployment(image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: roll\nspec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: roll}}\n  template:\n    metadata:\n      labels: {{app: roll}}\n    spec:\n      containers:\n        - name: app\n          image: {image}\n"
    )
}

#[tokio::test]
async fn a_rolling_sync_holds_the_next_step_until_the_previous_is_healthy() {
    use fleetdeck::engine::api::AutomationState;
    use fleetdeck::engine::policy::rolling_sync::RollingState;

    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        let engine = &setup.engine;
        setup
            .repo
            .write("argocd/rollout.yaml", ROLLING_SET)
            .write(
                "apps/roll/dev/deploy.yaml",
                deployment("reg:5000/app:broken"),
            )
            .write("apps/roll/prod/deploy.yaml", deployment("reg:5000/app:v1"));
        setup.repo.commit("a progressive rollout");
        engine
            .send(Command::Refresh {
                app: None,
                hard: false,
            })
            .await
            .expect("send");
        // dev is synced by the rollout and never becomes Healthy (its sync
        // waits for a wave that cannot get healthy).
        let held = engine
            .wait_for(|snapshot| {
                snapshot
                    .app("roll-dev")
                    .is_some_and(|row| row.last_sync.is_some())
                    || snapshot.operation("roll-dev").is_some()
                        && snapshot
                            .app("roll-prod")
                            .is_some_and(|row| row.automation_state == AutomationState::Held)
            })
            .await
            .expect("dev synced, prod held");
        let prod = held.app("roll-prod").expect("prod row");
        assert_eq!(prod.sync, SyncStatus::OutOfSync);
        assert!(prod.last_sync.is_none(), "prod must not sync yet");
        let text = prod.automation.as_deref().unwrap_or_default();
        assert!(
            text.contains("rolling sync of rollout (step 2") && text.contains("roll-dev"),
            "{text}"
        );
        let rollout = held
            .rollouts
            .iter()
            .find(|rollout| rollout.application_set == "rollout")
            .expect("rollout in the snapshot");
        assert_eq!(rollout.plan.steps.len(), 2);
        assert_eq!(rollout.plan.steps[0].apps, ["roll-dev"]);
        assert_eq!(rollout.plan.steps[1].state, RollingState::Waiting);

        // Fixing dev's image (and ending its stuck sync) lets the rollout
        // reach prod.
        setup
            .repo
            .write("apps/roll/dev/deploy.yaml", deployment("reg:5000/app:v1"));
        setup.repo.commit("fix dev");
        engine
            .send(Command::Cancel {
                app: "roll-dev".into(),
                by: "tester".into(),
            })
            .await
            .expect("send");
        engine
            .send(Command::Refresh {
                app: None,
                hard: false,
            })
            .await
            .expect("send");
        engine
            .wait_for(|snapshot| {
                snapshot.app("roll-prod").is_some_and(|row| {
                    row.sync == SyncStatus::Synced && row.health == HealthStatus::Healthy
                }) && snapshot
                    .rollouts
                    .iter()
                    .any(|rollout| rollout.plan.is_complete())
            })
            .await
            .expect("prod rolled out after dev");
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn a_dry_run_previews_and_a_selective_sync_applies_only_the_chosen_resource() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        let engine = &setup.engine;
        let mut events = engine.subscribe();
        setup
            .repo
            .write("apps/web/extra.yaml", config_map("web-extra"));
        let commit = setup.repo.commit("web gets a second ConfigMap");
        engine
            .send(Command::Refresh {
                app: None,
                hard: false,
            })
            .await
            .expect("send");
        engine
            .wait_for(|snapshot| {
                snapshot
                    .app("web")
                    .is_some_and(|row| row.revision.as_deref() == Some(commit.as_str()))
            })
            .await
            .expect("the new commit rendered");
        let sync = |dry_run: bool, resources| Command::Sync {
            app: "web".into(),
            prune: false,
            dry_run,
            resources,
            initiated_by: "tester".into(),
        };

        // The dry run plans both ConfigMaps and changes nothing.
        engine.send(sync(true, Vec::new())).await.expect("send");
        let plan = next_event(&mut events, |event| match event {
            EngineEvent::OperationFinished { app, outcome } if app == "web" => Some(outcome),
            _ => None,
        })
        .await;
        assert!(plan.dry_run && plan.succeeded(), "{plan:?}");
        let mut planned: Vec<(&str, Change)> = plan
            .results
            .iter()
            .map(|result| (result.key.name.as_str(), result.change))
            .collect();
        planned.sort_by_key(|(name, _)| *name);
        assert_eq!(
            planned,
            [("web", Change::Create), ("web-extra", Change::Create)]
        );
        let extra = plan
            .results
            .iter()
            .find(|result| result.key.name == "web-extra")
            .map(|result| result.key.clone())
            .expect("web-extra planned");
        assert!(
            app_is(&engine.snapshot(), "web", SyncStatus::OutOfSync),
            "a dry run applies nothing"
        );

        // A sync of web-extra alone applies it and leaves web missing.
        engine
            .send(sync(false, vec![extra.clone()]))
            .await
            .expect("send");
        let outcome = next_event(&mut events, |event| match event {
            EngineEvent::OperationFinished { app, outcome } if app == "web" => Some(outcome),
            _ => None,
        })
        .await;
        assert!(!outcome.dry_run && outcome.succeeded(), "{outcome:?}");
        let applied: Vec<&ObjectKey> = outcome.results.iter().map(|result| &result.key).collect();
        assert_eq!(applied, [&extra]);
        engine
            .send(Command::Describe { app: "web".into() })
            .await
            .expect("send");
        let detail = next_event(&mut events, |event| match event {
            EngineEvent::AppDetail(detail) if detail.app == "web" => Some(detail),
            _ => None,
        })
        .await;
        let status = |name: &str| {
            detail
                .diffs
                .iter()
                .find(|diff| diff.key.name == name)
                .map(|diff| diff.status)
        };
        assert_eq!(status("web-extra"), Some(ResourceSyncStatus::Synced));
        assert_eq!(status("web"), Some(ResourceSyncStatus::Missing));
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

/// A matrix whose git generator reads a branch that does not exist.
const BROKEN_SET: &str = "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: broken
  namespace: argocd
spec:
  generators:
    - matrix:
        generators:
          - git:
              repoURL: https://git.example.com/platform/fleet.git
              revision: no-such-branch
              directories:
                - path: apps/*
          - list:
              elements:
                - env: dev
  syncPolicy:
    applicationsSync: create-only
  template:
    metadata:
      name: '{{path.basename}}-{{env}}'
    spec:
      project: default
      source:
        repoURL: https://git.example.com/platform/fleet.git
        path: '{{path}}'
      destination:
        name: '{{env}}'
        namespace: broken
";

#[tokio::test]
async fn the_snapshot_describes_each_application_set_and_a_broken_one_shows_its_error() {
    use fleetdeck::engine::api::{ApplicationsSync, GeneratorKindSummary};

    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        let engine = &setup.engine;
        let first = engine
            .wait_for(|snapshot| {
                snapshot
                    .application_set("workers")
                    .is_some_and(|set| set.apps == 3)
            })
            .await
            .expect("workers described");
        let workers = first.application_set("workers").expect("workers");
        assert_eq!(workers.project.as_deref(), Some("default"));
        assert_eq!(workers.error, None);
        assert_eq!(
            workers.generators[0].kind,
            GeneratorKindSummary::Clusters {
                selector: None,
                clusters: Some(3),
                values: Vec::new(),
            }
        );
        assert_eq!(
            workers.generators[0].lines(),
            [(
                0,
                "clusters: every cluster (3 clusters) → 3 apps".to_string()
            )]
        );
        // A set whose only app is already written by hand says so.
        let impostor = first.application_set("impostor").expect("impostor");
        assert_eq!(impostor.apps, 0);
        assert!(
            impostor.skipped.iter().any(|why| why.contains("web")),
            "{:?}",
            impostor.skipped
        );

        setup.repo.write("argocd/broken.yaml", BROKEN_SET);
        setup
            .repo
            .commit("a set reading a branch that does not exist");
        engine
            .send(Command::Refresh {
                app: None,
                hard: false,
            })
            .await
            .expect("send");
        let later = engine
            .wait_for(|snapshot| {
                snapshot
                    .application_set("broken")
                    .is_some_and(|set| set.error.is_some())
            })
            .await
            .expect("broken set described");
        let broken = later.application_set("broken").expect("broken");
        let error = broken.error.as_deref().unwrap_or_default();
        assert!(
            error.contains("broken") && error.contains("no-such-branch"),
            "{error}"
        );
        assert_eq!(broken.apps, 0);
        assert_eq!(broken.namespace.as_deref(), Some("argocd"));
        assert_eq!(broken.applications_sync, Some(ApplicationsSync::CreateOnly));
        let lines: Vec<String> = broken.generators[0]
            .lines()
            .into_iter()
            .map(|(depth, text)| format!("{depth} {text}"))
            .collect();
        assert_eq!(
            lines,
            [
                "0 matrix",
                "1 git directories: apps/* in git.example.com/platform/fleet.git at no-such-branch",
                "1 list: 1 element",
            ]
        );
        // The others still generate.
        let workers = later.application_set("workers").expect("workers");
        assert_eq!((workers.apps, workers.error.as_ref()), (3, None));
        assert!(later.app("worker-dev").is_some());
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}
