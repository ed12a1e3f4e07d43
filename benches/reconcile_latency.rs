//! End-to-end latency of the engine's event-driven reconciler against a
//! simulated cluster (kube-rs over HTTPS, the sim's real watch protocol).
//!
//! - Live change → snapshot: another client scales a synced Deployment; the
//!   time until the engine's snapshot shows the app OutOfSync. The Git poll
//!   is an hour away, so only the watch → dirty mark → recompute path can
//!   explain it. p50 / p90 over 20 samples. Aim: p50 under 1 s.
//! - New commit + Refresh → automated sync start: a commit changes an
//!   automated app's ConfigMap, a Refresh command is sent; the time until
//!   `OperationStarted` (initiated by automation). p50 over 10 samples.
//!   Aim: p50 under 2 s.
//!
//! Printed, not asserted (a loaded machine is not a failing build). Run
//! with `cargo bench --bench reconcile_latency`.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleetdeck::engine::api::{Command, EngineEvent, EngineHandle};
use fleetdeck::engine::cluster::{
    ClusterChoice, ClusterRegistry, ClusterSettings, connect, read_kubeconfig,
};
use fleetdeck::engine::diff::SyncStatus;
use fleetdeck::engine::manifest::ObjectKey;
use fleetdeck::engine::reconciler::{CatalogSource, EngineConfig, GitSource, start};
use fleetdeck::engine::render::{RenderCache, RenderTools};
use fleetdeck::engine::source::{RepoCache, RepoPath};
use fleetdeck::engine::sync::SyncTimeouts;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};

const REPO_URL: &str = "https://git.example.com/platform/bench.git";
const LIVE_SAMPLES: usize = 20;
const COMMIT_SAMPLES: usize = 10;
/// A guard against a hang, not a measurement.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);

const WEB_APP: &str = "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/bench.git
    path: apps/web
  destination:
    name: dev
    namespace: web
  syncPolicy:
    syncOptions: [CreateNamespace=true]
";

const WEB_DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: registry.example/web:1.0.0
";

const AUTO_APP: &str = "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: auto
spec:
  project: default
  source:
    repoURL: https://git.example.com/platform/bench.git
    path: apps/auto
  destination:
    name: dev
    namespace: auto
  syncPolicy:
    automated: {}
    syncOptions: [CreateNamespace=true]
";

fn config_map(round: usize) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: auto\ndata:\n  round: \"{round}\"\n"
    )
}

/// Writes `files` in the working tree of `dir` and commits them on HEAD.
fn commit(repo: &git2::Repository, files: &[(&str, String)], message: &str) {
    let workdir = repo.workdir().expect("a working tree");
    let mut index = repo.index().expect("index");
    for (path, contents) in files {
        let full = workdir.join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("dirs");
        std::fs::write(&full, contents).expect("write");
        index.add_path(Path::new(path)).expect("add");
    }
    index.write().expect("index write");
    let tree = repo
        .find_tree(index.write_tree().expect("tree"))
        .expect("find tree");
    let signature = git2::Signature::now("bench", "bench@example.invalid").expect("signature");
    let parent = repo.head().ok().and_then(|head| head.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        message,
        &tree,
        &parents,
    )
    .expect("commit");
}

fn percentile(samples: &mut [Duration], fraction: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * fraction).round() as usize;
    samples[index]
}

async fn within<T>(what: &str, future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(STEP_TIMEOUT, future)
        .await
        .unwrap_or_else(|_| panic!("{what} took over {STEP_TIMEOUT:?}"))
}

async fn wait_sync(engine: &EngineHandle, app: &str, sync: SyncStatus) {
    within(&format!("{app} {sync:?}"), async {
        engine
            .wait_for(|snapshot| snapshot.app(app).is_some_and(|row| row.sync == sync))
            .await
            .expect("engine running");
    })
    .await;
}

async fn run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fleet = Fleet::start(
        FleetSpec::new(dir.path().join("kubeconfig"))
            .cluster(ClusterSpec::new("dev"))
            .controllers(SimSpeed::times(40)),
    )
    .await
    .expect("fleet");
    let repo_dir = dir.path().join("repo");
    let repo = git2::Repository::init(&repo_dir).expect("init");
    repo.remote("origin", REPO_URL).expect("origin");
    commit(
        &repo,
        &[
            ("argocd/web.yaml", WEB_APP.to_string()),
            ("apps/web/deployment.yaml", WEB_DEPLOYMENT.to_string()),
            ("argocd/auto.yaml", AUTO_APP.to_string()),
            ("apps/auto/cm.yaml", config_map(0)),
        ],
        "two apps",
    );

    let cache = Arc::new(RepoCache::new(dir.path().join("repos")));
    let local = cache
        .open(&repo_dir.display().to_string())
        .expect("open repo");
    let kubeconfig = read_kubeconfig(fleet.kubeconfig_path()).expect("kubeconfig");
    let choices = vec![ClusterChoice {
        context: "dev".to_string(),
        ..ClusterChoice::default()
    }];
    let registry = ClusterRegistry::from_kubeconfig(&kubeconfig, &choices, None).expect("registry");
    let settings = ClusterSettings {
        request_timeout: Duration::from_secs(5),
        ..ClusterSettings::default()
    };
    let config = EngineConfig {
        cluster_settings: settings,
        refresh_interval: Duration::from_secs(3600),
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
                RenderCache::new(64),
            ),
            registry,
            kubeconfig.clone(),
        )
    };
    let (engine, _task) = start(config).await.expect("engine starts");
    // A sync sent before the first Git pass would find no such app.
    within(
        "the first snapshot",
        engine.wait_for(|snapshot| snapshot.generation > 0),
    )
    .await
    .expect("engine running");
    engine
        .send(Command::Sync {
            app: "web".to_string(),
            prune: false,
            dry_run: false,
            resources: Vec::new(),
            initiated_by: "bench".to_string(),
        })
        .await
        .expect("send");
    wait_sync(&engine, "web", SyncStatus::Synced).await;
    wait_sync(&engine, "auto", SyncStatus::Synced).await;

    // Live change → OutOfSync in the snapshot.
    let client = connect(&kubeconfig, "dev", "bench-client", settings)
        .await
        .expect("client");
    let deployment = ObjectKey {
        group: "apps".into(),
        kind: "Deployment".into(),
        namespace: "web".into(),
        name: "web".into(),
    };
    let scale = |replicas: i32| {
        let (client, deployment) = (client.clone(), deployment.clone());
        async move {
            client
                .scale("apps/v1", &deployment, replicas, "bench")
                .await
                .expect("scale");
        }
    };
    let mut live = Vec::with_capacity(LIVE_SAMPLES);
    for _ in 0..LIVE_SAMPLES {
        let started = Instant::now();
        scale(3).await;
        wait_sync(&engine, "web", SyncStatus::OutOfSync).await;
        live.push(started.elapsed());
        scale(2).await;
        wait_sync(&engine, "web", SyncStatus::Synced).await;
    }

    // New commit + Refresh → automated OperationStarted.
    let mut commits = Vec::with_capacity(COMMIT_SAMPLES);
    for round in 1..=COMMIT_SAMPLES {
        // Subscribed afresh: no event of an earlier round is read as this one's.
        let mut events = engine.subscribe();
        commit(
            &repo,
            &[("apps/auto/cm.yaml", config_map(round))],
            "next round",
        );
        let started = Instant::now();
        engine
            .send(Command::Refresh {
                app: None,
                hard: false,
            })
            .await
            .expect("send");
        within("an automated sync start", async {
            loop {
                if let Ok(EngineEvent::OperationStarted {
                    app, initiated_by, ..
                }) = events.recv().await
                    && app == "auto"
                    && initiated_by == "automated"
                {
                    break;
                }
            }
        })
        .await;
        commits.push(started.elapsed());
        within("the automated sync's end", async {
            loop {
                if let Ok(EngineEvent::OperationFinished { app, .. }) = events.recv().await
                    && app == "auto"
                {
                    break;
                }
            }
        })
        .await;
    }

    println!(
        "live change -> OutOfSync in snapshot ({} samples): p50 {:?}, p90 {:?} (aim: p50 < 1 s)",
        live.len(),
        percentile(&mut live, 0.5),
        percentile(&mut live, 0.9)
    );
    println!(
        "commit + Refresh -> automated OperationStarted ({} samples): p50 {:?}, p90 {:?} (aim: p50 < 2 s)",
        commits.len(),
        percentile(&mut commits, 0.5),
        percentile(&mut commits, 0.9)
    );
    engine.send(Command::Shutdown).await.expect("shutdown");
    fleet.shutdown().await.expect("fleet shutdown");
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too,
    // and a quick run is fine there.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}
