//! A demo fleet as plain data: the snapshot the UI tests, the snapshot
//! benches and the views' tests render, and [`model_on`], a model showing
//! any screen of it (for screenshots). Public (not `cfg(test)`) so that
//! benches, integration tests and other modules' tests build the same
//! fleet; it holds no I/O.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::api::{
    AppDetail, AppSnapshot, AutomationState, Change, ClusterSnapshot, CommitInfo, ConnectionState,
    EngineEvent, Health, HealthStatus, HistoryEntry, InitiatedBy, LastSync, ObjectKey,
    OperationPhase, OperationSnapshot, Pause, PauseScope, ResourceCounts, ResourceDiff,
    ResourceNode, ResourceResult, ResourceSummary, ResourceSyncStatus, ResultCode, ResultPhase,
    SourceSummary, SyncOutcome, SyncPhase, SyncResult, SyncStatus, Timestamp,
};
use crate::engine::api::{
    AppSetSummary, AppStepState, ApplicationsSync, GeneratorKindSummary, GeneratorSummary,
    RollingPlan, RollingState, RolloutSnapshot, SetStrategy, StepState,
};

use super::keymap::Keymap;
use super::model::{Model, Screen};
use super::msg::Msg;
use super::theme::Theme;
use super::update::update;

/// 2026-11-22 14:00:00 UTC: the fixtures' "now".
pub fn demo_now() -> Timestamp {
    Timestamp::from_second(1_795_356_000).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn after(seconds: u64) -> Timestamp {
    demo_now()
        .checked_add(Duration::from_secs(seconds))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

fn before(seconds: u64) -> Timestamp {
    demo_now()
        .checked_sub(Duration::from_secs(seconds))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The commit every demo app renders now.
const CURRENT: &str = "4f9c2e1a7b3d5c6e8f0a1b2c3d4e5f6a7b8c9d0e";

/// A commit as the engine describes it, authored `seconds` before
/// [`demo_now`]; `None` only if `sha` were not a full commit id.
fn commit(sha: &str, subject: &str, author: &str, seconds: u64) -> Option<CommitInfo> {
    Some(CommitInfo {
        id: sha.parse().ok()?,
        subject: subject.to_string(),
        author_name: author.to_string(),
        author_email: format!("{}@example.com", author.to_lowercase().replace(' ', ".")),
        time: before(seconds).as_second(),
        offset_minutes: 60,
    })
}

/// The current commit's subject and author.
fn current_commit() -> Option<CommitInfo> {
    commit(
        CURRENT,
        "Raise web-frontend to 3 replicas for the sale",
        "Carol Diaz",
        25 * 60,
    )
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

fn cluster(name: &str, hub: bool, env: &str, reachable: bool) -> ClusterSnapshot {
    ClusterSnapshot {
        name: name.to_string(),
        context: name.to_string(),
        server: format!("https://{name}.example:6443"),
        labels: labels(&[("env", env)]),
        hub,
        connection: if reachable {
            ConnectionState::Connected {
                version: "v1.34.1".into(),
                since: "2026-11-22T13:00:00Z".into(),
            }
        } else {
            ConnectionState::Unreachable {
                error: "connection refused".into(),
                since: "2026-11-22T13:58:00Z".into(),
            }
        },
    }
}

fn key(kind: &str, namespace: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: if kind == "Deployment" {
            "apps".into()
        } else {
            String::new()
        },
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

/// A key of an object the engine found owned by another (not in Git).
fn owned(kind: &str, group: &str, namespace: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: group.into(),
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn pod(namespace: &str, name: &str, health: HealthStatus) -> ResourceNode {
    ResourceNode {
        key: owned("Pod", "", namespace, name),
        sync: None,
        health: Some(Health::new(health, "")),
        children: Vec::new(),
    }
}

/// One app with sensible defaults; the demo adjusts fields after.
pub fn app(name: &str, project: &str, cluster: &str) -> AppSnapshot {
    let namespace = name.split('-').next().unwrap_or(name).to_string();
    AppSnapshot {
        name: name.to_string(),
        project: project.to_string(),
        application_set: None,
        cluster: Some(cluster.to_string()),
        namespace: namespace.clone(),
        sync: SyncStatus::Synced,
        health: HealthStatus::Healthy,
        revision: Some(CURRENT.into()),
        commit: current_commit(),
        automated: true,
        conditions: Vec::new(),
        resources: vec![
            ResourceSummary {
                key: key("Service", &namespace, name),
                sync: ResourceSyncStatus::Synced,
                health: Some(HealthStatus::Healthy),
            },
            ResourceSummary {
                key: key("Deployment", &namespace, name),
                sync: ResourceSyncStatus::Synced,
                health: Some(HealthStatus::Healthy),
            },
        ],
        automation: Some("auto-sync on".into()),
        paused: Vec::new(),
        automation_state: AutomationState::On,
        labels: labels(&[("team", project), ("tier", "web")]),
        source: Some(SourceSummary {
            repo_url: "https://git.example/platform/deploy.git".into(),
            path: format!("apps/{name}"),
            chart: String::new(),
            target_revision: "main".into(),
        }),
        destination: cluster.to_string(),
        auto_prune: false,
        self_heal: true,
        last_sync: Some(LastSync {
            revision: CURRENT.into(),
            at: "2026-11-22T13:48:00Z".into(),
            initiated_by: "automated".into(),
            result: "Succeeded".into(),
        }),
        pinned_revision: None,
        parent_app: None,
    }
}

/// The pause the demo fleet carries: alice holds guestbook-dev for 23
/// more minutes.
pub fn demo_pause() -> Pause {
    Pause {
        id: "p1".into(),
        scope: PauseScope::App("guestbook-dev".into()),
        reason: "db migration".into(),
        owner: "alice".into(),
        created_at: before(7 * 60),
        expires_at: after(23 * 60),
    }
}

/// A small fleet with one of everything an operator meets: a pause, drift
/// on production, a degraded and a progressing app with a running
/// operation, an approval gate, a sync window, a manual app and an
/// unreachable cluster.
pub fn demo_snapshot() -> crate::engine::api::FleetSnapshot {
    let clusters = vec![
        cluster("hub", true, "infra", true),
        cluster("prod-eu", false, "prod", true),
        cluster("staging", false, "staging", true),
        cluster("dev", false, "dev", true),
        cluster("edge-1", false, "edge", false),
    ];
    let mut apps = Vec::new();

    let mut guestbook_dev = app("guestbook-dev", "demo", "dev");
    guestbook_dev.automation_state = AutomationState::Paused;
    guestbook_dev.automation =
        Some("paused by alice until 14:23 UTC (23m left): db migration".into());
    guestbook_dev.paused = vec!["paused 23m left by alice: db migration".into()];
    guestbook_dev.sync = SyncStatus::OutOfSync;
    guestbook_dev.application_set = Some("guestbook".into());
    apps.push(guestbook_dev);

    let mut guestbook_prod = app("guestbook-prod", "demo", "prod-eu");
    guestbook_prod.sync = SyncStatus::OutOfSync;
    guestbook_prod.automated = false;
    guestbook_prod.automation = None;
    guestbook_prod.automation_state = AutomationState::Manual;
    guestbook_prod.labels.insert("env".into(), "prod".into());
    guestbook_prod.resources[1].sync = ResourceSyncStatus::OutOfSync;
    guestbook_prod.application_set = Some("guestbook".into());
    apps.push(guestbook_prod);

    let mut payments = app("payments-api", "payments", "prod-eu");
    payments.health = HealthStatus::Degraded;
    payments.conditions = vec!["Deployment payments/payments-api: 0/3 replicas ready".into()];
    payments.labels.insert("env".into(), "prod".into());
    payments.labels.insert("tier".into(), "api".into());
    apps.push(payments);

    let mut web = app("web-frontend", "shop", "staging");
    web.health = HealthStatus::Progressing;
    web.automation_state = AutomationState::Syncing;
    web.automation = Some("syncing (self-heal)".into());
    let web_operation = OperationSnapshot {
        phase: OperationPhase::Running,
        message: "waiting for Deployment web/web-frontend to become healthy".into(),
        initiated_by: "automated".into(),
        dry_run: false,
        started_at: "2026-11-22T13:59:20Z".into(),
        results: vec![
            ResourceResult {
                key: key("ConfigMap", "web", "web-frontend-config"),
                phase: SyncPhase::Sync,
                wave: 0,
                change: Change::Update,
                status: ResultCode::Synced,
                hook: false,
                message: "configured".into(),
            },
            ResourceResult {
                key: key("Deployment", "web", "web-frontend"),
                phase: SyncPhase::Sync,
                wave: 1,
                change: Change::Update,
                status: ResultCode::Synced,
                hook: false,
                message: "configured".into(),
            },
        ],
    };
    apps.push(web);

    let mut billing = app("billing-worker", "payments", "prod-eu");
    billing.sync = SyncStatus::OutOfSync;
    billing.automation_state = AutomationState::AwaitingApproval;
    billing.automation = Some("awaiting approval of 9e8d7c6".into());
    billing.labels.insert("env".into(), "prod".into());
    billing.labels.insert("tier".into(), "worker".into());
    apps.push(billing);

    let mut reports = app("reports", "analytics", "staging");
    reports.automation_state = AutomationState::Window;
    reports.automation = Some("blocked by deny window weekdays 13:00-15:00".into());
    apps.push(reports);

    let mut edge = app("edge-cache", "platform", "edge-1");
    edge.sync = SyncStatus::Unknown;
    edge.health = HealthStatus::Unknown;
    edge.conditions = vec!["cluster edge-1 is unreachable: connection refused".into()];
    edge.last_sync = None;
    apps.push(edge);

    let mut monitoring = app("monitoring", "platform", "hub");
    monitoring.automated = false;
    monitoring.automation = None;
    monitoring.automation_state = AutomationState::Manual;
    monitoring.application_set = Some("platform-addons".into());
    apps.push(monitoring);

    let mut cert = app("cert-manager", "platform", "hub");
    cert.application_set = Some("platform-addons".into());
    cert.health = HealthStatus::Suspended;
    apps.push(cert);

    apps.sort_by(|a, b| a.name.cmp(&b.name));
    crate::engine::api::FleetSnapshot {
        generation: 7,
        observed_at: "2026-11-22T14:00:00Z".into(),
        clusters,
        apps: std::sync::Arc::new(apps.into_iter().map(std::sync::Arc::new).collect()),
        operations: std::collections::BTreeMap::from([(
            "web-frontend".to_string(),
            std::sync::Arc::new(web_operation),
        )]),
        queue_depth: 0,
        problems: Default::default(),
        readonly: false,
        pauses: vec![demo_pause()],
        rollouts: std::sync::Arc::new(vec![guestbook_rollout()]),
        application_sets: std::sync::Arc::new(demo_application_sets()),
    }
}

fn generator(kind: GeneratorKindSummary, apps: Option<usize>) -> GeneratorSummary {
    GeneratorSummary {
        kind,
        selector: None,
        apps,
    }
}

fn list(elements: usize) -> GeneratorSummary {
    generator(
        GeneratorKindSummary::List {
            elements: Some(elements),
        },
        None,
    )
}

/// The demo repository's sets: the guestbook on dev and production
/// clusters (rolled out dev first), the platform add-ons on the hub, and
/// the services matrix, whose template a commit broke.
pub fn demo_application_sets() -> Vec<AppSetSummary> {
    let set = |name: &str, project: &str, generators, apps| AppSetSummary {
        name: name.into(),
        namespace: Some("argocd".into()),
        project: Some(project.into()),
        generators,
        apps,
        applications_sync: None,
        preserve_resources_on_deletion: false,
        strategy: SetStrategy::AllAtOnce,
        error: None,
        skipped: Vec::new(),
    };
    let mut guestbook = set(
        "guestbook",
        "demo",
        vec![generator(
            GeneratorKindSummary::Clusters {
                selector: Some("env in (dev,prod)".into()),
                clusters: Some(2),
                values: Vec::new(),
            },
            Some(2),
        )],
        2,
    );
    guestbook.strategy = SetStrategy::RollingSync { steps: 2 };
    let mut addons = set(
        "platform-addons",
        "platform",
        vec![generator(
            GeneratorKindSummary::List { elements: Some(2) },
            Some(2),
        )],
        2,
    );
    addons.applications_sync = Some(ApplicationsSync::CreateUpdate);
    addons.preserve_resources_on_deletion = true;
    let mut services = set(
        "services",
        "services",
        vec![generator(
            GeneratorKindSummary::Matrix {
                generators: vec![list(3), list(2)],
            },
            None,
        )],
        0,
    );
    services.error = Some(
        "ApplicationSet services generates an invalid Application order-{{region}} \
         (service=order, env=staging): metadata.name: \"order-{{region}}\" is not a valid \
         Kubernetes name (lower case letters, digits, '-' and '.')"
            .into(),
    );
    vec![guestbook, addons, services]
}

/// The guestbook's RollingSync: dev first, where alice's pause holds it;
/// production waits.
fn guestbook_rollout() -> RolloutSnapshot {
    let holding = "waiting for guestbook-dev (paused)";
    RolloutSnapshot {
        application_set: "guestbook".into(),
        plan: RollingPlan {
            steps: vec![
                StepState {
                    index: 0,
                    apps: vec!["guestbook-dev".into()],
                    state: RollingState::Progressing,
                    max_update: 1,
                    reason: Some(format!("0/1 Healthy; {holding}")),
                },
                StepState {
                    index: 1,
                    apps: vec!["guestbook-prod".into()],
                    state: RollingState::Waiting,
                    max_update: 1,
                    reason: Some(holding.into()),
                },
            ],
            app_states: [
                (
                    "guestbook-dev".to_string(),
                    AppStepState {
                        step: Some(0),
                        state: RollingState::Progressing,
                    },
                ),
                (
                    "guestbook-prod".to_string(),
                    AppStepState {
                        step: Some(1),
                        state: RollingState::Waiting,
                    },
                ),
            ]
            .into(),
            sync_now: Vec::new(),
        },
    }
}

/// A fleet of `apps` apps over 100 clusters, with statuses spread
/// deterministically: the scale benches' and tests' fleet.
pub fn fleet_of(apps: usize) -> crate::engine::api::FleetSnapshot {
    let mut snapshot = demo_snapshot();
    snapshot.clusters = (0..100)
        .map(|index| {
            let env = if index % 4 == 0 { "prod" } else { "staging" };
            cluster(
                &format!("cluster-{index:03}"),
                index == 0,
                env,
                index % 37 != 5,
            )
        })
        .collect();
    let projects = ["payments", "shop", "platform", "analytics", "search"];
    snapshot.apps = (0..apps)
        .map(|index| {
            let cluster = format!("cluster-{:03}", index % 100);
            let mut app = app(
                &format!("svc-{index:05}"),
                projects[index % projects.len()],
                &cluster,
            );
            app.labels.insert("shard".into(), format!("{}", index % 10));
            if index % 7 == 0 {
                app.sync = SyncStatus::OutOfSync;
            }
            if index % 11 == 0 {
                app.health = HealthStatus::Degraded;
            } else if index % 13 == 0 {
                app.health = HealthStatus::Progressing;
            }
            std::sync::Arc::new(app)
        })
        .collect::<Vec<_>>()
        .into();
    snapshot
}

/// Details for an app of the demo fleet: a drifted Deployment, a
/// ConfigMap gone from Git (prune removes it) and three syncs of history.
pub fn demo_detail(app: &str) -> AppDetail {
    let namespace = app.split('-').next().unwrap_or(app).to_string();
    let diff = |kind: &str, name: &str, status: ResourceSyncStatus, prune: bool| {
        ResourceDiff {
        key: key(kind, &namespace, name),
        origin: None,
        status,
        tracked: true,
        tracked_by_other_app: None,
        requires_pruning: prune,
        affects_app_status: true,
        diff: match status {
            ResourceSyncStatus::Synced => None,
            ResourceSyncStatus::Extraneous => Some(format!(
                "--- live\n+++ git\n@@ -1,5 +0,0 @@\n-apiVersion: v1\n-kind: ConfigMap\n-metadata:\n-  name: {name}\n-  namespace: {namespace}\n"
            )),
            _ => Some(
                "--- live\n+++ git\n@@ -6,7 +6,7 @@\n   namespace: web\n spec:\n-  replicas: 2\n+  replicas: 3\n   selector:\n     matchLabels:\n@@ -21,3 +21,3 @@\n       containers:\n-        - image: web:1.4.1\n+        - image: web:1.4.2\n"
                    .to_string(),
            ),
        },
        drifted_paths: if status == ResourceSyncStatus::OutOfSync {
            vec!["spec.replicas".into()]
        } else {
            Vec::new()
        },
    }
    };
    let history = |id: u64, revision: &str, minutes_ago: u64| HistoryEntry {
        id,
        revision: revision.into(),
        source: SourceSummary {
            repo_url: "https://git.example/platform/deploy.git".into(),
            path: format!("apps/{app}"),
            chart: String::new(),
            target_revision: "main".into(),
        },
        sources: Vec::new(),
        revisions: Vec::new(),
        deployed_at: before(minutes_ago * 60),
        initiated_by: if id == 2 {
            InitiatedBy::operator("bob")
        } else {
            InitiatedBy::Automated
        },
        result: SyncResult::new(ResultPhase::Succeeded, "successfully synced"),
        resources: ResourceCounts {
            synced: 3,
            pruned: 0,
            prune_skipped: 0,
            failed: 0,
        },
    };
    AppDetail {
        app: app.to_string(),
        diffs: vec![
            diff("Service", app, ResourceSyncStatus::Synced, false),
            diff("Deployment", app, ResourceSyncStatus::OutOfSync, false),
            diff(
                "ConfigMap",
                &format!("{app}-legacy"),
                ResourceSyncStatus::Extraneous,
                true,
            ),
        ],
        tree: vec![
            ResourceNode {
                key: key("Service", &namespace, app),
                sync: Some(ResourceSyncStatus::Synced),
                health: Some(Health::new(HealthStatus::Healthy, "")),
                children: Vec::new(),
            },
            ResourceNode {
                key: key("Deployment", &namespace, app),
                sync: Some(ResourceSyncStatus::OutOfSync),
                health: Some(Health::new(
                    HealthStatus::Progressing,
                    "1 of 2 updated replicas are available",
                )),
                children: vec![ResourceNode {
                    key: owned("ReplicaSet", "apps", &namespace, &format!("{app}-7d9f8")),
                    sync: None,
                    health: Some(Health::new(HealthStatus::Progressing, "")),
                    children: vec![
                        pod(
                            &namespace,
                            &format!("{app}-7d9f8-x2x4q"),
                            HealthStatus::Healthy,
                        ),
                        pod(
                            &namespace,
                            &format!("{app}-7d9f8-9kq7z"),
                            HealthStatus::Progressing,
                        ),
                    ],
                }],
            },
            ResourceNode {
                key: key("ConfigMap", &namespace, &format!("{app}-legacy")),
                sync: Some(ResourceSyncStatus::Extraneous),
                health: None,
                children: Vec::new(),
            },
        ],
        history: vec![
            history(1, FIRST, 3 * 24 * 60),
            history(2, SECOND, 26 * 60),
            history(3, CURRENT, 12),
        ],
        commits: [
            commit(
                FIRST,
                "Add web-frontend behind the edge cache",
                "Alice Martin",
                3 * 24 * 3600 + 1800,
            ),
            commit(
                SECOND,
                "Pin the frontend image to web:1.4.1",
                "Bob Stone",
                26 * 3600 + 600,
            ),
            current_commit(),
        ]
        .into_iter()
        .flatten()
        .map(|info| (info.id.to_string(), info))
        .collect(),
        errors: Vec::new(),
    }
}

/// The engine's answer to a dry run of `app` (the resources of
/// [`demo_detail`]): the Deployment updated, the Service unchanged, and the
/// legacy ConfigMap deleted with prune or kept without.
pub fn demo_dry_run(app: &str, prune: bool) -> EngineEvent {
    let namespace = app.split('-').next().unwrap_or(app).to_string();
    let result = |kind: &str, name: &str, change: Change| ResourceResult {
        key: key(kind, &namespace, name),
        phase: SyncPhase::Sync,
        wave: 0,
        change,
        status: match change {
            Change::Prune => ResultCode::Pruned,
            Change::Keep => ResultCode::PruneSkipped,
            _ => ResultCode::Synced,
        },
        hook: false,
        message: String::new(),
    };
    let legacy = format!("{app}-legacy");
    EngineEvent::OperationFinished {
        app: app.to_string(),
        outcome: SyncOutcome {
            app: app.to_string(),
            cluster: "dev".into(),
            revision: "4f9c2e1a7b3d".into(),
            dry_run: true,
            phase: OperationPhase::Succeeded,
            message: "dry run: nothing was changed".into(),
            results: vec![
                result("Service", app, Change::Unchanged),
                result("Deployment", app, Change::Update),
                result(
                    "ConfigMap",
                    &legacy,
                    if prune { Change::Prune } else { Change::Keep },
                ),
            ],
        },
    }
}
/// The demo history's older commits.
const FIRST: &str = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
const SECOND: &str = "7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b";

/// Engine events of a busy quarter hour, oldest first, each with how many
/// seconds before [`demo_now`] it came: what the audit screen shows.
pub fn demo_events() -> Vec<(u64, EngineEvent)> {
    vec![
        (
            840,
            EngineEvent::OperatorAction {
                operator: "alice".into(),
                action: "pause".into(),
                target: "guestbook-dev".into(),
                detail: "1h: db migration".into(),
            },
        ),
        (
            120,
            EngineEvent::ClusterConnection {
                cluster: "edge-1".into(),
                state: ConnectionState::Unreachable {
                    error: "connection refused".into(),
                    since: "2026-11-22T13:58:00Z".into(),
                },
            },
        ),
        (
            60,
            EngineEvent::Rejected {
                command: "sync guestbook-prod".into(),
                reason: "manual sync of a production app needs a confirmed operator".into(),
            },
        ),
        (
            40,
            EngineEvent::OperationStarted {
                app: "web-frontend".into(),
                initiated_by: "automated".into(),
                dry_run: false,
            },
        ),
        (
            10,
            EngineEvent::Warning {
                message: "repo https://git.example/platform/deploy.git: fetch took 12s".into(),
            },
        ),
    ]
}

/// The app the per-app screens of [`model_on`] show when the screen names
/// none that is in the demo fleet.
pub const DEMO_APP: &str = "web-frontend";

/// A model of the demo fleet showing `screen`, as an operator would have
/// reached it: the engine's details of the screen's app (or
/// [`DEMO_APP`]) received, [`demo_events`] in the audit log, the cursor
/// on the second row of the lists that have one. The terminal size is
/// 80×24; set `width`/`height` (or send `Msg::Resize`) for another.
/// For screenshots and tests; the shipped themes and keymaps are built in,
/// so it cannot fail.
pub fn model_on(screen: Screen) -> Model {
    let theme = Theme::by_name("default").unwrap_or_else(|_| Theme::plain());
    let keymap = Keymap::by_name("default").unwrap_or_else(|_| Keymap::empty());
    let mut model = Model::new(
        "alice",
        Arc::new(demo_snapshot()),
        theme,
        keymap,
        demo_now(),
    );
    for (seconds, event) in demo_events() {
        update(&mut model, Msg::Tick(before(seconds)));
        update(&mut model, Msg::Engine(event));
    }
    update(&mut model, Msg::Tick(demo_now()));
    let app = screen.app().unwrap_or(DEMO_APP).to_string();
    update(
        &mut model,
        Msg::Engine(EngineEvent::AppDetail(Box::new(demo_detail(&app)))),
    );
    model.back = vec![Screen::Applications];
    model.screen = screen;
    model.status = None;
    match &model.screen {
        Screen::Clusters => model
            .clusters_view
            .scroll
            .select(1, model.snapshot.clusters.len()),
        Screen::History { .. } => model.history_view.scroll.select(1, 3),
        Screen::AppSets => {
            let index = model.appset_index.clone();
            model.appsets_view.focus_next();
            model.appsets_view.down(&index);
        }
        _ => {}
    }
    update(
        &mut model,
        Msg::Resize {
            width: 80,
            height: 24,
        },
    );
    model
}
