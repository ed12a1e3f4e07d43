//! The engine's watch-fed live caches against a simulated fleet: a change
//! made on a cluster by someone else reaches the snapshot with the Git poll
//! an hour away (only a watch can explain it), and a cluster that goes away
//! turns only its own apps Unknown, then comes back with its watches
//! resumed.

use std::sync::Arc;
use std::time::Duration;

use fleetdeck::engine::api::{Command, ConnectionState, EngineEvent, EngineHandle, FleetSnapshot};
use fleetdeck::engine::cluster::{
    ClusterChoice, ClusterRegistry, ClusterSettings, read_kubeconfig,
};
use fleetdeck::engine::diff::SyncStatus;
use fleetdeck::engine::manifest::ObjectKey;
use fleetdeck::engine::reconciler::{CatalogSource, EngineConfig, GitSource, start};
use fleetdeck::engine::render::{RenderCache, RenderTools};
use fleetdeck::engine::source::{RepoCache, RepoPath};
use fleetdeck::engine::sync::SyncTimeouts;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};

use super::support::TestRepo;

const TEST_TIMEOUT: Duration = Duration::from_secs(90);
const REPO_URL: &str = "https://git.example.com/platform/live.git";

fn application(name: &str, cluster: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n  project: default\n  source:\n    repoURL: {REPO_URL}\n    path: apps/{name}\n  destination:\n    name: {cluster}\n    namespace: {name}\n  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )
}

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  mode: fast\n")
}

struct Setup {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    fleet: Fleet,
    _repo: TestRepo,
    engine: EngineHandle,
}

/// Two clusters, one app on each (`web` on dev, `api` on prod), a Git poll
/// every hour and no automation: whatever changes in a snapshot came from
/// a watch (or from the sync the test asked for).
async fn setup() -> Setup {
    let fleet_dir = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::start(
        FleetSpec::new(fleet_dir.path().join("kubeconfig"))
            .cluster(ClusterSpec::new("dev"))
            .cluster(ClusterSpec::new("prod"))
            .controllers(SimSpeed::times(40)),
    )
    .await
    .expect("fleet");
    let repo = TestRepo::new();
    // The Applications name the repository by this URL; the engine serves
    // it from the local clone that has it as a remote.
    repo.git().remote("origin", REPO_URL).expect("origin");
    repo.write("argocd/web.yaml", application("web", "dev"))
        .write("argocd/api.yaml", application("api", "prod"))
        .write("apps/web/cm.yaml", config_map("web"))
        .write("apps/api/cm.yaml", config_map("api"));
    repo.commit("two apps");
    let data = tempfile::tempdir().expect("tempdir");
    let cache = Arc::new(RepoCache::new(data.path().join("repos")));
    let local = cache
        .open(&repo.path().display().to_string())
        .expect("open repo");
    let kubeconfig = read_kubeconfig(fleet.kubeconfig_path()).expect("kubeconfig");
    let choices: Vec<ClusterChoice> = ["dev", "prod"]
        .iter()
        .map(|context| ClusterChoice {
            context: context.to_string(),
            ..ClusterChoice::default()
        })
        .collect();
    let registry = ClusterRegistry::from_kubeconfig(&kubeconfig, &choices, None).expect("registry");
    let config = EngineConfig {
        cluster_settings: ClusterSettings {
            request_timeout: Duration::from_secs(3),
            ..ClusterSettings::default()
        },
        refresh_interval: Duration::from_secs(3600),
        automation: false,
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
    };
    let (engine, _task) = start(config).await.expect("engine starts");
    Setup {
        _dirs: (fleet_dir, data),
        fleet,
        _repo: repo,
        engine,
    }
}

fn app_is(snapshot: &FleetSnapshot, app: &str, sync: SyncStatus) -> bool {
    snapshot.app(app).is_some_and(|row| row.sync == sync)
}

/// Syncs `apps` and waits until they show Synced.
async fn sync(engine: &EngineHandle, apps: &[&str]) {
    let mut events = engine.subscribe();
    for app in apps {
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
    while finished < apps.len() {
        if let Ok(EngineEvent::OperationFinished { outcome, .. }) = events.recv().await {
            assert!(outcome.succeeded(), "{outcome:#?}");
            finished += 1;
        }
    }
    engine
        .wait_for(|snapshot| {
            apps.iter()
                .all(|app| app_is(snapshot, app, SyncStatus::Synced))
        })
        .await
        .expect("synced");
}

/// Someone edits `app`'s ConfigMap on `cluster` by hand.
async fn edit(fleet: &Fleet, cluster: &str, app: &str, value: &str) {
    let client = super::engine_sync::client_for(fleet.kubeconfig_path(), cluster).await;
    let key = ObjectKey {
        group: String::new(),
        kind: "ConfigMap".into(),
        namespace: app.into(),
        name: app.into(),
    };
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
async fn a_live_change_reaches_the_snapshot_without_waiting_for_a_poll() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        let engine = &setup.engine;
        let first = engine
            .wait_for(|snapshot| snapshot.generation > 0)
            .await
            .expect("first snapshot");
        assert!(
            app_is(&first, "web", SyncStatus::OutOfSync),
            "{:?}",
            first.app("web")
        );
        sync(engine, &["web", "api"]).await;

        edit(&setup.fleet, "dev", "web", "slow").await;
        let drifted = engine
            .wait_for(|snapshot| app_is(snapshot, "web", SyncStatus::OutOfSync))
            .await
            .expect("the edit shows");
        assert!(
            app_is(&drifted, "api", SyncStatus::Synced),
            "the other cluster's app is untouched"
        );
        // And back: the watch reports the repair as well.
        edit(&setup.fleet, "dev", "web", "fast").await;
        engine
            .wait_for(|snapshot| app_is(snapshot, "web", SyncStatus::Synced))
            .await
            .expect("the repair shows");
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

#[tokio::test]
async fn a_cluster_going_away_makes_only_its_apps_unknown_and_its_watches_resume() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let setup = setup().await;
        let engine = &setup.engine;
        engine
            .wait_for(|snapshot| snapshot.generation > 0)
            .await
            .expect("first snapshot");
        sync(engine, &["web", "api"]).await;

        let prod = setup.fleet.cluster("prod").expect("prod");
        prod.go_down().await;
        let down = engine
            .wait_for(|snapshot| app_is(snapshot, "api", SyncStatus::Unknown))
            .await
            .expect("prod's app unknown");
        let api = down.app("api").expect("api");
        assert!(api.conditions[0].contains("prod"), "{:?}", api.conditions);
        assert!(
            app_is(&down, "web", SyncStatus::Synced),
            "dev's app is unaffected: {:?}",
            down.app("web")
        );
        engine
            .wait_for(|snapshot| {
                matches!(
                    snapshot.cluster("prod").map(|cluster| &cluster.connection),
                    Some(ConnectionState::Unreachable { .. })
                )
            })
            .await
            .expect("prod unreachable");

        prod.come_up().await.expect("back up");
        engine
            .wait_for(|snapshot| {
                app_is(snapshot, "api", SyncStatus::Synced)
                    && matches!(
                        snapshot.cluster("prod").map(|cluster| &cluster.connection),
                        Some(ConnectionState::Connected { .. })
                    )
            })
            .await
            .expect("prod recovers");
        // The watches resumed: a change on prod shows again.
        edit(&setup.fleet, "prod", "api", "slow").await;
        engine
            .wait_for(|snapshot| app_is(snapshot, "api", SyncStatus::OutOfSync))
            .await
            .expect("a change after the outage shows");
        engine.send(Command::Shutdown).await.expect("shutdown");
        setup.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}
