//! `fleetdeck demo`: the demo repository's history and apps, a whole demo
//! session against the simulated fleet (first rollout, the broken app, a
//! hand edit healed by self-heal), and the binary's `--no-tui --fresh`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleetdeck::cli::demo::content::{
    BROKEN_APP, GUESTBOOK_CLUSTERS, REPO_URL, SERVICE_ENVS, SERVICES,
};
use fleetdeck::cli::demo::paths::DemoPaths;
use fleetdeck::cli::demo::repo::{AUTHOR_EMAIL, AUTHOR_NAME, open_or_build};
use fleetdeck::cli::demo::script::{
    DRIFT_APP, DRIFT_CLUSTER, DRIFT_DEPLOYMENT, DRIFT_NAMESPACE, ScriptTiming,
};
use fleetdeck::cli::demo::{DemoOptions, DemoSession};
use fleetdeck::cli::{GlobalArgs, ProjectPaths, Settings};
use fleetdeck::engine::api::{AppSnapshot, AutomationState, ConnectionState, FleetSnapshot};
use fleetdeck::engine::appset::{ClusterInfo, GeneratorClusters};
use fleetdeck::engine::diff::SyncStatus;
use fleetdeck::engine::health::HealthStatus;
use fleetdeck::engine::manifest::ObjectKey;
use fleetdeck::engine::policy::sync_window::{WindowTarget, evaluate};
use fleetdeck::engine::reconciler::{CatalogSource, GitSource};
use fleetdeck::engine::render::{RenderCache, RenderTools, render_application_with};
use fleetdeck::engine::schedule::TimeZones;
use fleetdeck::engine::source::{LocalFirstResolver, RepoCache, RepoPath};
use fleetdeck::engine::state::StateStore;
use k8s_openapi::jiff::Timestamp;

use super::support::sandbox;

/// A guard against hangs: the broken app needs its 30 s progress deadline
/// (simulated at human pace) before it is Degraded.
const SESSION_TIMEOUT: Duration = Duration::from_secs(180);
const REPO_TIMEOUT: Duration = Duration::from_secs(60);

/// Every app the demo repository defines, generated ones included.
fn expected_apps() -> Vec<String> {
    let mut apps = vec!["monitoring".to_string()];
    for cluster in GUESTBOOK_CLUSTERS {
        apps.push(format!("ingress-{cluster}"));
        apps.push(format!("{cluster}-guestbook"));
    }
    for service in SERVICES {
        for env in SERVICE_ENVS {
            apps.push(format!("{service}-{env}"));
        }
    }
    apps.sort();
    apps
}

/// The demo fleet as the clusters generator sees it (the hub in-cluster).
fn demo_clusters() -> GeneratorClusters {
    let cluster = |name: &str, env: &str| {
        ClusterInfo::new(name, format!("https://{name}.example:6443")).with_label("env", env)
    };
    let mut hub = cluster("hub", "hub");
    hub.in_cluster = true;
    GeneratorClusters::new([
        hub,
        cluster("dev", "dev"),
        cluster("staging", "staging"),
        cluster("prod-eu", "prod"),
        cluster("prod-us", "prod"),
    ])
}

#[tokio::test]
async fn the_demo_repository_has_history_and_every_app_renders() {
    tokio::time::timeout(REPO_TIMEOUT, async {
        sandbox();
        let data = tempfile::tempdir().expect("tempdir");
        let path = DemoPaths::under(data.path()).repo();
        let built = tokio::task::spawn_blocking({
            let path = path.clone();
            move || open_or_build(&path)
        })
        .await
        .expect("join")
        .expect("demo repo builds");
        assert!(built.created);
        assert!(!path.with_extension("partial").exists());

        let git = git2::Repository::open(&path).expect("a git repository");
        let mut walk = git.revwalk().expect("revwalk");
        walk.push_head().expect("HEAD");
        let commits: Vec<git2::Commit<'_>> = walk
            .map(|id| git.find_commit(id.expect("id")).expect("commit"))
            .collect();
        assert!(commits.len() >= 4, "{} commits", commits.len());
        assert_eq!(commits[0].id().to_string(), built.head);
        for commit in &commits {
            assert_eq!(commit.author().name().ok(), Some(AUTHOR_NAME));
            assert_eq!(commit.author().email().ok(), Some(AUTHOR_EMAIL));
            assert!(
                commit
                    .summary()
                    .ok()
                    .flatten()
                    .is_some_and(|summary| summary.len() > 10)
            );
        }
        let origin = git.find_remote("origin").expect("origin");
        assert_eq!(origin.url().ok(), Some(REPO_URL));

        // Reused, not rebuilt, on the next run.
        let again = open_or_build(&path).expect("reopens");
        assert!(!again.created);
        assert_eq!(again.head, built.head);

        let cache = Arc::new(RepoCache::new(data.path().join("repos")));
        let repo = cache
            .open(&path.display().to_string())
            .expect("open demo repo");
        let source = GitSource::new(
            vec![CatalogSource {
                repo: repo.clone(),
                revision: "HEAD".to_string(),
                path: RepoPath::new("argocd").expect("path"),
            }],
            cache.clone(),
            RenderTools::default(),
            RenderCache::new(64),
        );
        let loaded = tokio::task::spawn_blocking(move || source.load(false, &demo_clusters()))
            .await
            .expect("join");
        assert!(loaded.problems.is_empty(), "{:#?}", loaded.problems);
        let names: Vec<String> = loaded
            .apps
            .iter()
            .map(|app| app.name().to_string())
            .collect();
        assert_eq!(names, expected_apps());
        assert_eq!(
            loaded.owners.get("payment-production").map(String::as_str),
            Some("services")
        );
        assert_eq!(
            loaded.owners.get("prod-us-guestbook").map(String::as_str),
            Some("guestbook")
        );
        let mut projects: Vec<&String> = loaded.projects.keys().collect();
        projects.sort();
        assert_eq!(projects, ["platform", "services"]);
        let services = &loaded.projects["services"];
        assert_eq!(services.spec.sync_windows.len(), 1);
        // Inside the nightly freeze, the services on production wait and
        // nothing else does.
        let night: Timestamp = "2026-12-08T02:00:00Z".parse().expect("time");
        for app in &loaded.apps {
            let windows = &loaded.projects[app.project()].spec.sync_windows;
            let verdict = evaluate(
                windows,
                &WindowTarget::of(app),
                night,
                &TimeZones::without_database(),
            )
            .expect("windows evaluate");
            let frozen = app.project() == "services"
                && ["prod-eu", "prod-us"].contains(&app.spec.destination.name.as_str());
            assert_eq!(
                verdict.blocking_reason.is_some(),
                frozen,
                "{} at 02:00 UTC: {:?}",
                app.name(),
                verdict.blocking_reason
            );
        }

        let apps = loaded.apps;
        let rendered = tokio::task::spawn_blocking(move || {
            let mut resolver = LocalFirstResolver::new(&cache);
            resolver.alias_with_remotes(repo);
            apps.iter()
                .map(|app| {
                    let sources = render_application_with(
                        app,
                        &resolver,
                        &RenderCache::new(4),
                        &RenderTools::default(),
                    )
                    .unwrap_or_else(|error| panic!("{} renders: {error}", app.name()));
                    let manifests: Vec<_> = sources
                        .iter()
                        .flat_map(|source| source.manifests.iter().cloned())
                        .collect();
                    (app.name().to_string(), manifests)
                })
                .collect::<Vec<_>>()
        })
        .await
        .expect("join");
        for (app, manifests) in &rendered {
            assert!(
                manifests.iter().any(|m| m.kind() == "Deployment"),
                "{app} has no Deployment"
            );
        }
        let image_of = |app: &str| {
            let (_, manifests) = rendered.iter().find(|(name, _)| name == app).expect(app);
            let deployment = manifests
                .iter()
                .find(|m| m.kind() == "Deployment")
                .expect("deployment");
            deployment.object["spec"]["template"]["spec"]["containers"][0]["image"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(
            image_of("dev-guestbook"),
            "registry.example.com/web/guestbook:1.1.0"
        );
        assert!(image_of(BROKEN_APP).ends_with(":missing"));
        assert!(image_of("payment-production").ends_with(":1.4.0"));
    })
    .await
    .expect("timed out");
}

fn settings_in(dir: &Path) -> Settings {
    let paths = ProjectPaths {
        config_file: dir.join("config").join("config.yaml"),
        data_dir: dir.join("data"),
        state_dir: dir.join("state"),
        default_kubeconfig: dir.join("kube").join("config"),
    };
    Settings::resolve(&GlobalArgs::default(), &paths).expect("settings")
}

/// Blocked by the production change freeze (01:00-04:00 UTC): the engine
/// says so, and the app waits. Anything else must be running.
fn frozen(app: &AppSnapshot) -> bool {
    app.automation_state == AutomationState::Window
}

fn settled(snapshot: &FleetSnapshot) -> bool {
    let connected = snapshot.clusters.len() == 5
        && snapshot
            .clusters
            .iter()
            .all(|cluster| matches!(cluster.connection, ConnectionState::Connected { .. }));
    let names: Vec<&str> = snapshot.apps.iter().map(|app| app.name.as_str()).collect();
    connected
        && names == expected_apps()
        && snapshot.apps.iter().all(|app| {
            if app.name == BROKEN_APP {
                app.health == HealthStatus::Degraded
            } else {
                (app.sync == SyncStatus::Synced && app.health == HealthStatus::Healthy)
                    || frozen(app)
            }
        })
}

fn describe(snapshot: &FleetSnapshot) -> String {
    snapshot
        .apps
        .iter()
        .map(|app| {
            format!(
                "{}: {:?}/{:?} {:?} {:?}",
                app.name, app.sync, app.health, app.automation, app.conditions
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn live_replicas(kubeconfig: &Path) -> Option<i64> {
    let client = super::engine_sync::client_for(kubeconfig, DRIFT_CLUSTER).await;
    let key = ObjectKey {
        group: "apps".into(),
        kind: "Deployment".into(),
        namespace: DRIFT_NAMESPACE.into(),
        name: DRIFT_DEPLOYMENT.into(),
    };
    let live = client.get("apps/v1", &key).await.ok()??;
    live["spec"]["replicas"].as_i64()
}

#[tokio::test]
async fn a_demo_session_rolls_out_breaks_one_app_and_heals_a_hand_edit() {
    sandbox();
    let dir = tempfile::tempdir().expect("tempdir");
    let settings = settings_in(dir.path());
    let options = DemoOptions {
        fresh: false,
        refresh_interval: Duration::from_secs(1),
        script: ScriptTiming {
            approve_first_rollout: true,
            drift_after: Some(Duration::from_secs(1)),
        },
    };
    let started = Instant::now();
    let session = DemoSession::start(&settings, options)
        .await
        .expect("demo starts");
    let outcome = tokio::time::timeout(SESSION_TIMEOUT, async {
        assert!(session.repo().created);
        let demo_root = dir.path().join("data").join("demo");
        assert_eq!(session.paths().root, demo_root);
        assert_eq!(session.kubeconfig_path(), demo_root.join("kubeconfig"));
        let engine = session.engine();

        // The drift is made once the guestbook on staging is up.
        let mut script = session.script_log();
        let drift = script
            .wait_for(|events| events.iter().any(|event| event.app.as_deref() == Some(DRIFT_APP)))
            .await
            .expect("script log")
            .iter()
            .find(|event| event.app.as_deref() == Some(DRIFT_APP))
            .cloned()
            .expect("drift event");
        assert!(!drift.failed, "{drift}");
        let drifted_at = started.elapsed();
        let approvals = session
            .script_log()
            .borrow()
            .iter()
            .filter(|event| event.text.starts_with("approved the first production rollout"))
            .count();
        assert_eq!(approvals, 1, "{:#?}", *session.script_log().borrow());

        // Self-heal puts Git's replica count back (bounded by the timeout).
        let store = StateStore::open(session.paths().state()).expect("state store");
        let healed_at = loop {
            let replicas = live_replicas(session.kubeconfig_path()).await;
            let automated_syncs = store
                .history(DRIFT_APP)
                .expect("history")
                .iter()
                // The engine records automation as the initiator "automated".
                .filter(|entry| entry.initiated_by.to_string() == "automated")
                .count();
            let synced = engine
                .snapshot()
                .app(DRIFT_APP)
                .is_some_and(|app| app.sync == SyncStatus::Synced);
            if replicas == Some(1) && automated_syncs >= 2 && synced {
                break started.elapsed();
            }
            assert_ne!(replicas, None, "the drift target disappeared");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };

        let mut snapshots = engine.watch();
        let last = snapshots.borrow().clone();
        let waited = snapshots.wait_for(|snapshot| settled(snapshot)).await;
        let settled_at = started.elapsed();
        let snapshot = waited.map(|s| s.clone()).unwrap_or(last);
        assert!(settled(&snapshot), "{}", describe(&snapshot));
        // The demo's two ApplicationSets, as the ApplicationSets view shows them.
        let guestbook = snapshot.application_set("guestbook").expect("guestbook set");
        let clusters = GUESTBOOK_CLUSTERS.len();
        assert_eq!(
            guestbook.generators[0].lines(),
            [(
                0,
                format!(
                    "clusters: selector env in (dev,staging,prod) ({clusters} clusters) → {clusters} apps"
                )
            )]
        );
        let services = snapshot.application_set("services").expect("services set");
        assert_eq!(
            services.generators[0].kind.to_string(),
            "matrix: list(3) × list(2)"
        );
        assert_eq!(
            (services.apps, services.error.as_deref()),
            (SERVICES.len() * SERVICE_ENVS.len(), None)
        );
        assert_eq!(services.project.as_deref(), Some("services"));
        eprintln!(
            "demo timings: drift made at {drifted_at:?}, healed at {healed_at:?}, fleet settled (all Synced+Healthy, {BROKEN_APP} Degraded) at {settled_at:?}"
        );
    })
    .await;
    let describe_last = describe(&session.engine().snapshot());
    session.shutdown().await.expect("clean shutdown");
    outcome.unwrap_or_else(|_| panic!("timed out; last snapshot:\n{describe_last}"));
}

fn data_dir(home: &Path) -> PathBuf {
    home.join("data").join("fleetdeck")
}

#[test]
fn the_binary_runs_headless_rebuilds_with_fresh_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::sync::mpsc::{RecvTimeoutError, channel};

    let home = tempfile::tempdir().expect("home");
    let data = data_dir(home.path());
    let stale = data.join("demo").join("repo");
    std::fs::create_dir_all(&stale).expect("stale demo dir");
    std::fs::write(stale.join("not-a-repo"), "left from an older run").expect("write");
    let keep = data.join("keep.txt");
    std::fs::write(&keep, "not the demo's").expect("write");

    // Without --fresh the stale directory is refused with a hint.
    let refused = super::support::fleetdeck_command(home.path())
        .args(["demo", "--no-tui"])
        .output()
        .expect("run fleetdeck demo");
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("--fresh"), "{message}");

    let mut child = super::support::fleetdeck_command(home.path())
        .args(["demo", "--no-tui", "--fresh"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fleetdeck demo");
    let (lines_tx, lines_rx) = channel();
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    for (stream, reader) in [
        ("out", Box::new(stdout) as Box<dyn std::io::Read + Send>),
        ("err", Box::new(stderr)),
    ] {
        let lines_tx = lines_tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(reader).lines().map_while(Result::ok) {
                if lines_tx.send((stream, line)).is_err() {
                    break;
                }
            }
        });
    }
    // Wait for the banner and a first status line with apps in it.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    let mut status = None;
    while Instant::now() < deadline && status.is_none() {
        match lines_rx.recv_timeout(Duration::from_millis(200)) {
            Ok((stream, line)) => {
                if stream == "err" && line.starts_with("fleet: 15 apps") {
                    status = Some(line.clone());
                }
                seen.push(format!("{stream}: {line}"));
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
    let transcript = seen.join("\n");
    let kubeconfig = data.join("demo").join("kubeconfig");
    assert!(status.is_some(), "no status line:\n{transcript}");
    assert!(
        transcript.contains(&format!(
            "kubectl --kubeconfig {} --context dev get pods -A",
            kubeconfig.display()
        )),
        "{transcript}"
    );
    assert!(transcript.contains("built now"), "{transcript}");
    assert!(
        !stale.join("not-a-repo").exists(),
        "--fresh kept the old repo"
    );
    assert!(keep.exists(), "--fresh deleted outside <data>/demo");
    assert!(git2::Repository::open(&stale).is_ok());

    let terminated = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(terminated.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = child.try_wait().expect("wait") {
            break exit;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("fleetdeck demo did not stop after SIGTERM:\n{transcript}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit:?}\n{transcript}");
}
