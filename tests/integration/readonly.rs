//! Read-only is a property of the cluster client: every path that writes
//! to a cluster — automation (auto-sync, self-heal), the engine's operator
//! commands, the CLI's `sync` and `rollback`, the demo and its scripted
//! hand edit — is walked with read-only clients against the simulated
//! fleet, which counts the mutating requests it receives; the count must
//! not move. Each path is also walked writable, and must move it, so a
//! zero cannot come from a path that never writes at all.

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use fleetdeck::cli::demo::script::{DRIFT_CLUSTER, scale_by_hand};
use fleetdeck::cli::demo::{DemoOptions, DemoSession};
use fleetdeck::cli::{GlobalArgs, ProjectPaths, Settings};
use fleetdeck::engine::api::{Command, ConnectionState, EngineEvent, EngineHandle};
use fleetdeck::engine::cluster::{ClusterError, ClusterSettings};
use fleetdeck::engine::diff::SyncStatus;
use fleetdeck::engine::manifest::ObjectKey;
use fleetdeck::engine::policy::approval::ApprovalGate;
use fleetdeck::engine::policy::pause::PauseScope;
use fleetdeck::engine::reconciler::start;
use fleetdeck::engine::state::ResumeTarget;
use fleetdeck::engine::sync::SyncOutcome;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed, WriteCounts};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;
use tokio::task::JoinHandle;

use super::cli::{Home, stderr, stdout};
use super::engine_reconciler::engine_config;
use super::support::{TestRepo, sandbox};

/// A guard against hangs: the engine test waits through syncs, a
/// self-heal and three engine starts.
const TEST_TIMEOUT: Duration = Duration::from_secs(150);
const REPO_URL: &str = "https://git.example.com/platform/fleet.git";
/// What a refused write says (`ClusterError::ReadOnly`).
const REFUSAL: &str = "is read-only: refused to";

fn application(name: &str, automated: bool) -> String {
    let automated = if automated {
        "    automated:\n      selfHeal: true\n"
    } else {
        ""
    };
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n  project: default\n  source:\n    repoURL: {REPO_URL}\n    path: apps/{name}\n  destination:\n    name: dev\n    namespace: {name}\n  syncPolicy:\n{automated}    syncOptions: [CreateNamespace=true]\n"
    )
}

fn config_map(name: &str, mode: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  mode: {mode}\n")
}

fn config_key(app: &str) -> ObjectKey {
    ObjectKey {
        group: String::new(),
        kind: "ConfigMap".into(),
        namespace: app.into(),
        name: app.into(),
    }
}

/// One simulated cluster `dev` with fast controllers.
async fn dev_fleet(dir: &Path) -> Fleet {
    Fleet::start(
        FleetSpec::new(dir.join("kubeconfig"))
            .cluster(ClusterSpec::new("dev"))
            .controllers(SimSpeed::times(40)),
    )
    .await
    .expect("fleet")
}

fn dev_writes(fleet: &Fleet) -> WriteCounts {
    fleet.cluster("dev").expect("dev").write_counts()
}

/// Someone else edits `app`'s ConfigMap with a writable client of their
/// own: exactly one mutating request (a PUT).
async fn drift(fleet: &Fleet, app: &str, mode: &str) {
    let client = super::engine_sync::client_for(fleet.kubeconfig_path(), "dev").await;
    let mut live = client
        .get("v1", &config_key(app))
        .await
        .expect("get")
        .expect("exists");
    live["data"]["mode"] = serde_json::json!(mode);
    live["metadata"]
        .as_object_mut()
        .expect("metadata")
        .remove("managedFields");
    client
        .replace(&live, "kubectl-edit", false)
        .await
        .expect("edit");
}

async fn next_event<T>(
    events: &mut Receiver<EngineEvent>,
    mut pick: impl FnMut(EngineEvent) -> Option<T>,
) -> T {
    loop {
        match events.recv().await {
            Ok(event) => {
                if let Some(found) = pick(event) {
                    return found;
                }
            }
            Err(RecvError::Lagged(_)) => continue,
            Err(error) => panic!("event stream ended: {error}"),
        }
    }
}

/// The next finished operation of `app` (a dry run's only if `dry_run`).
async fn finished(events: &mut Receiver<EngineEvent>, app: &str, dry_run: bool) -> SyncOutcome {
    next_event(events, |event| match event {
        EngineEvent::OperationFinished { app: done, outcome }
            if done == app && outcome.dry_run == dry_run =>
        {
            Some(outcome)
        }
        _ => None,
    })
    .await
}

/// Whether the outcome is a sync the cluster client refused as read-only.
fn refused(outcome: &SyncOutcome) -> bool {
    !outcome.succeeded()
        && (outcome.message.contains(REFUSAL)
            || outcome
                .results
                .iter()
                .any(|result| result.message.contains(REFUSAL)))
}

async fn stop(engine: EngineHandle, task: JoinHandle<()>) {
    engine.send(Command::Shutdown).await.expect("shutdown");
    task.await.expect("engine task");
}

async fn sync(engine: &EngineHandle, app: &str, dry_run: bool) {
    engine
        .send(Command::Sync {
            app: app.into(),
            prune: false,
            dry_run,
            resources: Vec::new(),
            initiated_by: "alice".into(),
        })
        .await
        .expect("send sync");
}

/// Every engine write path, with clients made read-only only through
/// `ClusterSettings` (the engine itself believes it may write, so nothing
/// but the client stands between it and the cluster), then again
/// writable.
#[tokio::test]
async fn a_readonly_client_refuses_every_engine_write_path() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let fleet_dir = tempfile::tempdir().expect("tempdir");
        let fleet = dev_fleet(fleet_dir.path()).await;
        let repo = TestRepo::new();
        repo.git().remote("origin", REPO_URL).expect("origin");
        repo.write("argocd/web.yaml", application("web", false))
            .write("argocd/auto.yaml", application("auto", true))
            .write("argocd/heal.yaml", application("heal", true))
            .write("apps/web/cm.yaml", config_map("web", "fast"))
            .write("apps/auto/cm.yaml", config_map("auto", "fast"))
            .write("apps/heal/cm.yaml", config_map("heal", "fast"));
        let first = repo.commit("three apps");
        let data = tempfile::tempdir().expect("data");
        let config = || engine_config(&fleet, &repo, data.path(), ApprovalGate::default());

        // Writable: automation, operator syncs and self-heal all write.
        let (engine, task) = start(config()).await.expect("engine starts");
        let mut events = engine.subscribe();
        engine
            .wait_for(|snapshot| {
                ["auto", "heal"].iter().all(|app| {
                    snapshot
                        .app(app)
                        .is_some_and(|row| row.sync == SyncStatus::Synced)
                })
            })
            .await
            .expect("auto-synced");
        let automated = dev_writes(&fleet).mutating;
        assert!(automated > 0, "automation wrote nothing");
        sync(&engine, "web", false).await;
        assert!(finished(&mut events, "web", false).await.succeeded());
        let synced = dev_writes(&fleet).mutating;
        assert!(synced > automated, "an operator's sync wrote nothing");
        repo.write("apps/web/cm.yaml", config_map("web", "slow"));
        repo.commit("web goes slow");
        engine
            .send(Command::Refresh {
                app: None,
                hard: false,
            })
            .await
            .expect("refresh");
        engine
            .wait_for(|snapshot| {
                snapshot
                    .app("web")
                    .is_some_and(|row| row.sync == SyncStatus::OutOfSync)
            })
            .await
            .expect("web's new revision seen");
        sync(&engine, "web", false).await;
        assert!(finished(&mut events, "web", false).await.succeeded());
        let before_drift = dev_writes(&fleet).mutating;
        drift(&fleet, "heal", "hand-edited").await;
        let healed = finished(&mut events, "heal", false).await;
        assert!(healed.succeeded(), "{healed:?}");
        assert!(
            dev_writes(&fleet).mutating > before_drift + 1,
            "self-heal wrote nothing"
        );
        stop(engine, task).await;

        // A new revision for the auto-synced app, to be auto-synced.
        repo.write("apps/auto/cm.yaml", config_map("auto", "slow"));
        repo.commit("auto goes slow");

        // Read-only clients under an engine that would write.
        let baseline = dev_writes(&fleet);
        let mut readonly = config();
        readonly.cluster_settings.readonly = true;
        let (engine, task) = start(readonly).await.expect("read-only engine starts");
        let mut events = engine.subscribe();
        let attempt = finished(&mut events, "auto", false).await;
        assert!(refused(&attempt), "auto-sync: {attempt:?}");
        engine
            .wait_for(|snapshot| {
                snapshot
                    .app("heal")
                    .is_some_and(|row| row.sync == SyncStatus::Synced)
            })
            .await
            .expect("heal is in sync");
        drift(&fleet, "heal", "edited again").await;
        let attempt = finished(&mut events, "heal", false).await;
        assert!(refused(&attempt), "self-heal: {attempt:?}");
        sync(&engine, "web", false).await;
        let attempt = finished(&mut events, "web", false).await;
        assert!(refused(&attempt), "sync: {attempt:?}");
        // The refused sync is in the history as Failed: the rollback goes to
        // the newest successful revision before it.
        let target = fleetdeck::engine::state::rollback_entry(
            &fleetdeck::engine::state::StateStore::open(
                data.path().join("fleetdeck").join("state"),
            )
            .expect("state store")
            .history("web")
            .expect("history"),
            None,
        )
        .expect("a rollback target");
        engine
            .send(Command::Rollback {
                app: "web".into(),
                history_id: None,
                prune: false,
                by: "alice".into(),
            })
            .await
            .expect("send rollback");
        let attempt = finished(&mut events, "web", false).await;
        assert!(refused(&attempt), "rollback: {attempt:?}");
        assert_eq!(attempt.revision, target.revision, "the rollback's target");
        // A server-side dry run is allowed: it stores nothing.
        sync(&engine, "web", true).await;
        let preview = finished(&mut events, "web", true).await;
        assert!(preview.succeeded(), "dry run: {preview:?}");
        for command in [
            Command::Approve {
                app: "auto".into(),
                by: "alice".into(),
            },
            Command::Pause {
                scope: PauseScope::App("web".into()),
                duration: Duration::from_secs(600),
                reason: "read-only test".into(),
                by: "alice".into(),
            },
            Command::Resume {
                target: ResumeTarget::Scope(PauseScope::App("web".into())),
                by: "alice".into(),
            },
            Command::Cancel {
                app: "web".into(),
                by: "alice".into(),
            },
            Command::Refresh {
                app: None,
                hard: true,
            },
        ] {
            engine.send(command).await.expect("send");
        }
        // Commands are handled in order: once the answer to this one
        // arrives, the ones above were dealt with.
        engine
            .send(Command::Describe { app: "web".into() })
            .await
            .expect("describe");
        next_event(&mut events, |event| match event {
            EngineEvent::AppDetail(detail) if detail.app == "web" => Some(()),
            _ => None,
        })
        .await;
        let generation = engine.snapshot().generation;
        engine
            .wait_for(|snapshot| snapshot.generation >= generation + 2)
            .await
            .expect("the hard refresh ran");
        let counts = dev_writes(&fleet);
        assert_eq!(
            counts.mutating,
            baseline.mutating + 1,
            "only the hand edit wrote (it was made with a writable client)"
        );
        assert!(counts.dry_run > baseline.dry_run, "the dry run was sent");
        stop(engine, task).await;

        // Writable again: a rollback writes. The refused one is the newest
        // entry, so the first sync is named.
        let store =
            fleetdeck::engine::state::StateStore::open(data.path().join("fleetdeck").join("state"))
                .expect("state store");
        let first_sync = store
            .history("web")
            .expect("history")
            .iter()
            .find(|entry| entry.revision == first)
            .map(|entry| entry.id);
        assert!(first_sync.is_some(), "web's first sync is in the history");
        let before = dev_writes(&fleet).mutating;
        let (engine, task) = start(config()).await.expect("engine starts again");
        let mut events = engine.subscribe();
        engine
            .wait_for(|snapshot| snapshot.app("web").is_some())
            .await
            .expect("web is known");
        engine
            .send(Command::Rollback {
                app: "web".into(),
                history_id: first_sync,
                prune: false,
                by: "alice".into(),
            })
            .await
            .expect("send rollback");
        let rollback = finished(&mut events, "web", false).await;
        assert!(rollback.succeeded(), "{rollback:?}");
        assert!(dev_writes(&fleet).mutating > before, "the rollback wrote");
        stop(engine, task).await;
        fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

/// What `--readonly` on the engine's configuration does (the CLI's and
/// the UI's way): the engine refuses kindly, and its clients are read-only
/// too.
#[tokio::test]
async fn a_readonly_engine_sends_no_write() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let fleet_dir = tempfile::tempdir().expect("tempdir");
        let fleet = dev_fleet(fleet_dir.path()).await;
        let repo = TestRepo::new();
        repo.git().remote("origin", REPO_URL).expect("origin");
        repo.write("argocd/auto.yaml", application("auto", true))
            .write("apps/auto/cm.yaml", config_map("auto", "fast"));
        repo.commit("an auto-synced app");
        let data = tempfile::tempdir().expect("data");
        let mut config = engine_config(&fleet, &repo, data.path(), ApprovalGate::default());
        config.readonly = true;
        let (engine, task) = start(config).await.expect("engine starts");
        let mut events = engine.subscribe();
        let seen = engine
            .wait_for(|snapshot| {
                snapshot
                    .app("auto")
                    .is_some_and(|row| row.sync == SyncStatus::OutOfSync)
            })
            .await
            .expect("auto is out of sync")
            .generation;
        sync(&engine, "auto", false).await;
        let reason = next_event(&mut events, |event| match event {
            EngineEvent::Rejected { reason, .. } => Some(reason),
            _ => None,
        })
        .await;
        assert!(reason.contains("read-only"), "{reason}");
        engine
            .wait_for(|snapshot| snapshot.generation >= seen + 3)
            .await
            .expect("more refreshes");
        assert_eq!(dev_writes(&fleet).mutating, 0);
        stop(engine, task).await;
        fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

/// Runs the fleetdeck binary off the async threads (the fleet is served
/// from this process).
async fn run_cli(home: &Home, repo: &TestRepo, fleet: &Fleet, args: &[&str]) -> Output {
    let mut all = vec![
        "--repo".to_string(),
        repo.path().display().to_string(),
        "--kubeconfig".to_string(),
        fleet.kubeconfig_path().display().to_string(),
    ];
    all.extend(args.iter().map(ToString::to_string));
    let refs: Vec<&str> = all.iter().map(String::as_str).collect();
    let mut command = home.command(&refs);
    tokio::task::spawn_blocking(move || command.output().expect("run fleetdeck"))
        .await
        .expect("runner")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_with_readonly_sends_no_write() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let fleet_dir = tempfile::tempdir().expect("tempdir");
        let fleet = dev_fleet(fleet_dir.path()).await;
        let repo = TestRepo::new();
        repo.git().remote("origin", REPO_URL).expect("origin");
        repo.write("argocd/web.yaml", application("web", false))
            .write("apps/web/cm.yaml", config_map("web", "fast"));
        repo.commit("web");
        let home = Home::new();
        let run = |args: &'static [&'static str]| run_cli(&home, &repo, &fleet, args);

        let refused = run(&["--readonly", "sync", "web"]).await;
        assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
        assert!(
            stderr(&refused).contains("read-only"),
            "{}",
            stderr(&refused)
        );
        assert_eq!(dev_writes(&fleet), WriteCounts::default());

        let synced = run(&["sync", "web"]).await;
        assert_eq!(synced.status.code(), Some(0), "{}", stderr(&synced));
        assert!(dev_writes(&fleet).mutating > 0, "a sync writes");
        repo.write("apps/web/cm.yaml", config_map("web", "slow"));
        repo.commit("web goes slow");
        // A preview is a server-side dry run: allowed, nothing stored (the
        // namespace exists now, so the server is asked).
        let before_preview = dev_writes(&fleet);
        let preview = run(&["--readonly", "sync", "web", "--dry-run"]).await;
        assert_eq!(preview.status.code(), Some(0), "{}", stderr(&preview));
        let counts = dev_writes(&fleet);
        assert_eq!(counts.mutating, before_preview.mutating);
        assert!(counts.dry_run > before_preview.dry_run, "{counts:?}");
        let second = run(&["sync", "web"]).await;
        assert_eq!(second.status.code(), Some(0), "{}", stderr(&second));
        let before_rollback = dev_writes(&fleet).mutating;

        let refused = run(&["--readonly", "rollback", "web"]).await;
        assert_ne!(refused.status.code(), Some(0), "{}", stdout(&refused));
        assert!(
            stderr(&refused).contains("read-only"),
            "{}",
            stderr(&refused)
        );
        assert_eq!(dev_writes(&fleet).mutating, before_rollback);
        let rolled = run(&["rollback", "web"]).await;
        assert_eq!(rolled.status.code(), Some(0), "{}", stderr(&rolled));
        assert!(
            dev_writes(&fleet).mutating > before_rollback,
            "a rollback writes"
        );
        fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

fn demo_settings(dir: &Path, readonly: bool) -> Settings {
    let paths = ProjectPaths {
        config_file: dir.join("config").join("config.yaml"),
        data_dir: dir.join("data"),
        state_dir: dir.join("state"),
        default_kubeconfig: dir.join("kube").join("config"),
    };
    let args = GlobalArgs {
        readonly,
        ..GlobalArgs::default()
    };
    Settings::resolve(&args, &paths).expect("settings")
}

/// `fleetdeck --readonly demo`: the whole fleet is shown, nothing is
/// written, the scripted approval is not sent and the scripted hand edit is
/// refused by its client (and reaches the cluster when writable).
#[tokio::test]
async fn the_demo_in_readonly_mode_writes_nothing() {
    sandbox();
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = demo_settings(dir.path(), true);
    let options = DemoOptions {
        refresh_interval: Duration::from_secs(1),
        ..DemoOptions::default()
    };
    let session = DemoSession::start(&settings, options)
        .await
        .expect("demo starts");
    let outcome = tokio::time::timeout(TEST_TIMEOUT, async {
        let engine = session.engine();
        let shown = engine
            .wait_for(|snapshot| {
                snapshot.clusters.len() == 5
                    && snapshot.clusters.iter().all(|cluster| {
                        matches!(cluster.connection, ConnectionState::Connected { .. })
                    })
                    && !snapshot.apps.is_empty()
                    && snapshot
                        .apps
                        .iter()
                        .all(|app| app.sync == SyncStatus::OutOfSync)
            })
            .await
            .expect("the fleet is shown")
            .generation;
        assert!(engine.snapshot().readonly);
        // Several Git polls, each followed by automation's decisions.
        engine
            .wait_for(|snapshot| snapshot.generation >= shown + 3)
            .await
            .expect("more refreshes");
        let script = session.script_log().borrow().clone();
        assert!(
            script.iter().any(|event| event.text.contains("read-only")),
            "{script:#?}"
        );
        let kubeconfig = session.kubeconfig_path();
        let readonly = ClusterSettings {
            readonly: true,
            ..ClusterSettings::default()
        };
        let refusal = scale_by_hand(kubeconfig, readonly)
            .await
            .expect_err("a read-only hand edit");
        assert!(
            matches!(&refusal, ClusterError::ReadOnly { cluster, verb: "scale", .. } if cluster == DRIFT_CLUSTER),
            "{refusal}"
        );
        for (cluster, counts) in session.fleet().write_counts() {
            assert_eq!(counts.mutating, 0, "{cluster}");
        }
        // Writable, the same hand edit reaches the cluster (where nothing
        // was synced, so there is nothing to scale).
        let writable = scale_by_hand(kubeconfig, ClusterSettings::default())
            .await
            .expect_err("nothing to scale");
        assert!(writable.is_not_found(), "{writable}");
        let staging = session.fleet().cluster(DRIFT_CLUSTER).expect("staging");
        assert_eq!(staging.write_counts().mutating, 1);
    })
    .await;
    session.shutdown().await.expect("clean shutdown");
    outcome.expect("timed out");
}
