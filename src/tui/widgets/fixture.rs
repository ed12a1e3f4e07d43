//! A small fleet for the widget tests: four clusters in every connection
//! state, apps from two ApplicationSets and by hand, one app looked at
//! closely (tree, diffs, history), and engine events for the audit log.

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::engine::api::{
    AppDetail, AppSnapshot, AutomationState, Change, ClusterSnapshot, CommitInfo, ConnectionState,
    EngineEvent, FleetSnapshot, Health, HealthStatus, HistoryEntry, InitiatedBy, ObjectKey,
    OperationPhase, ResourceCounts, ResourceDiff, ResourceNode, ResourceResult, ResourceSyncStatus,
    ResultCode, ResultPhase, SourceSummary, SyncOutcome, SyncPhase, SyncProgress, SyncResult,
    SyncStatus,
};
use crate::engine::api::{
    AppSetSummary, ApplicationsSync, GeneratorKindSummary, GeneratorSummary, SetStrategy,
};
use crate::tui::theme::Theme;

pub fn theme() -> Theme {
    Theme::by_name("default").expect("the default theme parses")
}

/// Draws with a [`TestBackend`] of `width` × `height` and returns the
/// backend for a snapshot.
pub fn draw(width: u16, height: u16, render: impl FnOnce(Rect, &mut Buffer)) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| {
            let area = frame.area();
            render(area, frame.buffer_mut());
        })
        .expect("draw");
    terminal.backend().clone()
}

/// The whole buffer as text, one line per row, for `contains` checks.
pub fn text(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// The first cell at or after `(0, 0)` (row by row) where `needle` starts.
pub fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    for y in 0..buffer.area.height {
        let mut line = String::new();
        let mut columns = Vec::new();
        for x in 0..buffer.area.width {
            columns.push((line.len(), x));
            line.push_str(buffer[(x, y)].symbol());
        }
        if let Some(byte) = line.find(needle) {
            let x = columns
                .iter()
                .rev()
                .find(|(start, _)| *start <= byte)
                .map_or(0, |(_, x)| *x);
            return Some((x, y));
        }
    }
    None
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
        .collect()
}

pub fn key(group: &str, kind: &str, namespace: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: group.into(),
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn cluster(name: &str, server: &str, hub: bool, connection: ConnectionState) -> ClusterSnapshot {
    ClusterSnapshot {
        name: name.into(),
        context: name.into(),
        server: server.into(),
        labels: map(&[(
            "env",
            if name.contains("prod") {
                "prod"
            } else {
                "staging"
            },
        )]),
        hub,
        connection,
    }
}

pub fn clusters() -> Vec<ClusterSnapshot> {
    vec![
        cluster(
            "hub",
            "https://127.0.0.1:6443",
            true,
            ConnectionState::Connected {
                version: "v1.31.2".into(),
                since: "2026-11-22T01:02:03Z".into(),
            },
        ),
        cluster(
            "prod-eu",
            "https://prod-eu.k8s.example.com",
            false,
            ConnectionState::Connected {
                version: "v1.30.5".into(),
                since: "2026-11-21T23:59:00Z".into(),
            },
        ),
        cluster(
            "prod-us",
            "https://prod-us.k8s.example.com",
            false,
            ConnectionState::Unreachable {
                error: "dial tcp 10.0.3.7:443: connect: connection refused".into(),
                since: "2026-11-22T02:47:10Z".into(),
            },
        ),
        cluster(
            "staging",
            "https://staging.k8s.example.com",
            false,
            ConnectionState::Unknown,
        ),
    ]
}

pub fn app(
    name: &str,
    set: Option<&str>,
    cluster: &str,
    sync: SyncStatus,
    health: HealthStatus,
) -> AppSnapshot {
    AppSnapshot {
        name: name.into(),
        project: "default".into(),
        application_set: set.map(Into::into),
        cluster: Some(cluster.into()),
        namespace: "shop".into(),
        sync,
        health,
        revision: Some("4f9c2e1d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e".into()),
        commit: Some(commit(
            "4f9c2e1d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e",
            "Roll out guestbook 2.3 to every region",
            "Dana Ops",
            "2026-11-22T02:30:00Z",
        )),
        automated: true,
        conditions: Vec::new(),
        resources: Vec::new(),
        automation: Some("auto-sync on".into()),
        paused: Vec::new(),
        automation_state: AutomationState::On,
        labels: BTreeMap::new(),
        source: None,
        destination: cluster.into(),
        auto_prune: false,
        self_heal: true,
        last_sync: None,
        pinned_revision: None,
        parent_app: None,
    }
}

pub fn fleet() -> FleetSnapshot {
    use HealthStatus::*;
    use SyncStatus::*;
    FleetSnapshot {
        generation: 7,
        observed_at: "2026-11-22T03:00:00Z".into(),
        clusters: clusters(),
        apps: std::sync::Arc::new(
            [
                app("cart-prod-eu", Some("cart"), "prod-eu", Synced, Healthy),
                app(
                    "cart-prod-us",
                    Some("cart"),
                    "prod-us",
                    SyncStatus::Unknown,
                    HealthStatus::Unknown,
                ),
                app(
                    "cart-staging",
                    Some("cart"),
                    "staging",
                    OutOfSync,
                    Progressing,
                ),
                app("guestbook", None, "prod-eu", OutOfSync, Degraded),
                app("ingress-hub", None, "hub", Synced, Healthy),
                app("web-prod-eu", Some("web"), "prod-eu", OutOfSync, Healthy),
                app("web-prod-us", Some("web"), "prod-us", OutOfSync, Degraded),
                app("web-staging", Some("web"), "staging", Synced, Suspended),
            ]
            .into_iter()
            .map(std::sync::Arc::new)
            .collect(),
        ),
        operations: Default::default(),
        queue_depth: 0,
        problems: Default::default(),
        readonly: false,
        pauses: Vec::new(),
        rollouts: Default::default(),
        application_sets: std::sync::Arc::new(vec![cart_set(), web_set()]),
    }
}

fn generator(kind: GeneratorKindSummary, apps: Option<usize>) -> GeneratorSummary {
    GeneratorSummary {
        kind,
        selector: None,
        apps,
    }
}

/// A list over three clusters.
fn cart_set() -> AppSetSummary {
    AppSetSummary {
        name: "cart".into(),
        namespace: Some("argocd".into()),
        project: Some("default".into()),
        generators: vec![generator(
            GeneratorKindSummary::List { elements: Some(3) },
            Some(3),
        )],
        apps: 3,
        applications_sync: Some(ApplicationsSync::CreateUpdate),
        preserve_resources_on_deletion: true,
        strategy: SetStrategy::AllAtOnce,
        error: None,
        skipped: Vec::new(),
    }
}

/// Every workload cluster times one web tier.
fn web_set() -> AppSetSummary {
    AppSetSummary {
        name: "web".into(),
        namespace: None,
        project: Some("default".into()),
        generators: vec![generator(
            GeneratorKindSummary::Matrix {
                generators: vec![
                    generator(
                        GeneratorKindSummary::Clusters {
                            selector: Some("tier=workload".into()),
                            clusters: Some(3),
                            values: Vec::new(),
                        },
                        None,
                    ),
                    generator(GeneratorKindSummary::List { elements: Some(1) }, None),
                ],
            },
            Some(3),
        )],
        apps: 3,
        applications_sync: None,
        preserve_resources_on_deletion: false,
        strategy: SetStrategy::AllAtOnce,
        error: None,
        skipped: Vec::new(),
    }
}

fn node(
    key: ObjectKey,
    sync: Option<ResourceSyncStatus>,
    health: Option<(HealthStatus, &str)>,
    children: Vec<ResourceNode>,
) -> ResourceNode {
    ResourceNode {
        key,
        sync,
        health: health.map(|(status, message)| Health::new(status, message)),
        children,
    }
}

/// guestbook: a Deployment mid-rollout with a crashing Pod, a Service in
/// sync, a ConfigMap gone from Git and a Secret not created yet.
pub fn tree() -> Vec<ResourceNode> {
    use HealthStatus::*;
    use ResourceSyncStatus::*;
    let pod = |name: &str, health: HealthStatus, message: &str| {
        node(
            key("", "Pod", "shop", name),
            None,
            Some((health, message)),
            Vec::new(),
        )
    };
    vec![
        node(
            key("", "ConfigMap", "shop", "legacy-flags"),
            Some(Extraneous),
            None,
            Vec::new(),
        ),
        node(
            key("apps", "Deployment", "shop", "guestbook-ui"),
            Some(OutOfSync),
            Some((
                Degraded,
                "Deployment \"guestbook-ui\" exceeded its progress deadline",
            )),
            vec![
                node(
                    key("apps", "ReplicaSet", "shop", "guestbook-ui-5d9f7c"),
                    None,
                    Some((Healthy, "")),
                    vec![pod("guestbook-ui-5d9f7c-abcde", Healthy, "")],
                ),
                node(
                    key("apps", "ReplicaSet", "shop", "guestbook-ui-7b4c9d"),
                    None,
                    Some((Degraded, "")),
                    vec![
                        pod(
                            "guestbook-ui-7b4c9d-fghij",
                            Degraded,
                            "back-off 5m0s restarting failed container=ui",
                        ),
                        pod(
                            "guestbook-ui-7b4c9d-klmno",
                            Progressing,
                            "ContainerCreating",
                        ),
                    ],
                ),
            ],
        ),
        node(
            key("", "Secret", "shop", "guestbook-db"),
            Some(ResourceSyncStatus::Missing),
            Some((HealthStatus::Missing, "")),
            Vec::new(),
        ),
        node(
            key("", "Service", "shop", "guestbook-ui"),
            Some(Synced),
            Some((Healthy, "")),
            Vec::new(),
        ),
    ]
}

fn diff(
    key: ObjectKey,
    status: ResourceSyncStatus,
    text: Option<&str>,
    paths: &[&str],
) -> ResourceDiff {
    ResourceDiff {
        key,
        origin: None,
        status,
        tracked: status != ResourceSyncStatus::Missing,
        tracked_by_other_app: None,
        requires_pruning: status == ResourceSyncStatus::Extraneous,
        affects_app_status: true,
        diff: text.map(Into::into),
        drifted_paths: paths.iter().map(|path| (*path).to_owned()).collect(),
    }
}

pub fn diffs() -> Vec<ResourceDiff> {
    use ResourceSyncStatus::*;
    vec![
        diff(
            key("", "ConfigMap", "shop", "legacy-flags"),
            Extraneous,
            Some(
                "--- live/ConfigMap/shop/legacy-flags\n+++ desired/ConfigMap/shop/legacy-flags\n\
                 @@ -1,5 +0,0 @@\n-apiVersion: v1\n-data:\n-  beta: \"true\"\n-kind: ConfigMap\n\
                 -metadata: {name: legacy-flags, namespace: shop}\n",
            ),
            &[],
        ),
        diff(
            key("apps", "Deployment", "shop", "guestbook-ui"),
            OutOfSync,
            Some(
                "--- live/Deployment.apps/shop/guestbook-ui\n+++ desired/Deployment.apps/shop/guestbook-ui\n\
                 @@ -3,7 +3,7 @@\n metadata:\n   name: guestbook-ui\n spec:\n-  replicas: 2\n+  replicas: 3\n   \
                 template:\n     spec:\n       containers:\n@@ -12,4 +12,4 @@\n       - name: ui\n-        \
                 image: guestbook:1.4 # <old & \"quoted\">\n+        image: guestbook:1.5\n         ports:\n",
            ),
            &[
                "spec.replicas",
                "spec.template.spec.containers[name=ui].image",
            ],
        ),
        diff(
            key("", "Secret", "shop", "guestbook-db"),
            Missing,
            Some(
                "--- live/Secret/shop/guestbook-db\n+++ desired/Secret/shop/guestbook-db\n\
                 @@ -0,0 +1,4 @@\n+apiVersion: v1\n+data:\n+  password: '++++++++'\n+kind: Secret\n",
            ),
            &[],
        ),
        diff(
            key("", "Service", "shop", "guestbook-ui"),
            Synced,
            None,
            &[],
        ),
    ]
}

fn entry(
    id: u64,
    revision: &str,
    deployed_at: &str,
    by: InitiatedBy,
    phase: ResultPhase,
    message: &str,
    counts: ResourceCounts,
) -> HistoryEntry {
    HistoryEntry {
        id,
        revision: revision.into(),
        source: SourceSummary {
            repo_url: "https://git.example.com/shop/guestbook.git".into(),
            path: "deploy/prod".into(),
            chart: String::new(),
            target_revision: "main".into(),
        },
        sources: Vec::new(),
        revisions: Vec::new(),
        deployed_at: deployed_at.parse().expect("fixture timestamp"),
        initiated_by: by,
        result: SyncResult::new(phase, message),
        resources: counts,
    }
}

/// Oldest first, as the engine keeps it.
pub fn history() -> Vec<HistoryEntry> {
    let counts = |synced, pruned, failed| ResourceCounts {
        synced,
        pruned,
        prune_skipped: 0,
        failed,
    };
    vec![
        entry(
            3,
            "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
            "2026-11-20T09:15:00Z",
            InitiatedBy::Automated,
            ResultPhase::Succeeded,
            "successfully synced (all tasks run)",
            counts(4, 0, 0),
        ),
        entry(
            4,
            "1b2c3d4e5f60718293a4b5c6d7e8f90123456789",
            "2026-11-21T14:02:00Z",
            InitiatedBy::operator("alice"),
            ResultPhase::Succeeded,
            "successfully synced (all tasks run)",
            counts(4, 1, 0),
        ),
        entry(
            5,
            "2c3d4e5f60718293a4b5c6d7e8f9012345678901",
            "2026-11-22T02:40:00Z",
            InitiatedBy::Automated,
            ResultPhase::Failed,
            "one or more objects failed to apply: Deployment.apps/shop/guestbook-ui: admission webhook denied the request",
            counts(3, 0, 1),
        ),
        entry(
            6,
            "2c3d4e5f60718293a4b5c6d7e8f9012345678901",
            "2026-11-22T02:55:00Z",
            InitiatedBy::operator("bob"),
            ResultPhase::Terminated,
            "terminated by bob",
            counts(1, 0, 0),
        ),
    ]
}

/// A commit as the engine describes it; `at` is RFC 3339.
pub fn commit(sha: &str, subject: &str, author: &str, at: &str) -> CommitInfo {
    CommitInfo {
        id: sha.parse().expect("a full commit id"),
        subject: subject.into(),
        author_name: author.into(),
        author_email: format!("{}@example.com", author.to_lowercase().replace(' ', ".")),
        time: at
            .parse::<crate::engine::api::Timestamp>()
            .expect("an RFC 3339 time")
            .as_second(),
        offset_minutes: 0,
    }
}

/// The subjects and authors of the history's commits, by revision.
pub fn commits() -> BTreeMap<String, CommitInfo> {
    [
        commit(
            "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
            "Add the guestbook UI and its Redis",
            "Alice Martin",
            "2026-11-20T09:01:00Z",
        ),
        commit(
            "1b2c3d4e5f60718293a4b5c6d7e8f90123456789",
            "Drop the legacy ConfigMap",
            "Alice Martin",
            "2026-11-21T13:50:00Z",
        ),
        commit(
            "2c3d4e5f60718293a4b5c6d7e8f9012345678901",
            "Require the new admission label on guestbook-ui",
            "Bob Stone",
            "2026-11-22T02:31:00Z",
        ),
    ]
    .into_iter()
    .map(|info| (info.id.to_string(), info))
    .collect()
}

pub fn detail() -> AppDetail {
    AppDetail {
        app: "guestbook".into(),
        diffs: diffs(),
        tree: tree(),
        history: history(),
        commits: commits(),
        errors: Vec::new(),
    }
}

pub fn guestbook() -> AppSnapshot {
    app(
        "guestbook",
        None,
        "prod-eu",
        SyncStatus::OutOfSync,
        HealthStatus::Degraded,
    )
}

pub fn events() -> Vec<EngineEvent> {
    let result = ResourceResult {
        key: key("apps", "Deployment", "shop", "guestbook-ui"),
        phase: SyncPhase::Sync,
        wave: 0,
        change: Change::Update,
        status: ResultCode::SyncFailed,
        hook: false,
        message: "admission webhook denied the request".into(),
    };
    vec![
        EngineEvent::ClusterConnection {
            cluster: "prod-eu".into(),
            state: ConnectionState::Connected {
                version: "v1.30.5".into(),
                since: "2026-11-22T02:39:00Z".into(),
            },
        },
        EngineEvent::OperationStarted {
            app: "guestbook".into(),
            initiated_by: "automated".into(),
            dry_run: false,
        },
        EngineEvent::OperationProgress {
            app: "guestbook".into(),
            progress: SyncProgress::Planned {
                app: "guestbook".into(),
                tasks: 4,
                steps: 2,
            },
        },
        EngineEvent::OperationProgress {
            app: "guestbook".into(),
            progress: SyncProgress::Resource(result.clone()),
        },
        EngineEvent::OperationFinished {
            app: "guestbook".into(),
            outcome: SyncOutcome {
                app: "guestbook".into(),
                cluster: "prod-eu".into(),
                revision: "2c3d4e5f60718293a4b5c6d7e8f9012345678901".into(),
                dry_run: false,
                phase: OperationPhase::Failed,
                message: "one or more objects failed to apply".into(),
                results: vec![result],
            },
        },
        EngineEvent::ClusterConnection {
            cluster: "prod-us".into(),
            state: ConnectionState::Unreachable {
                error: "dial tcp 10.0.3.7:443: connect: connection refused".into(),
                since: "2026-11-22T02:47:10Z".into(),
            },
        },
        EngineEvent::Rejected {
            command: "prune guestbook".into(),
            reason: "auto-prune is off and the sync window denies manual syncs".into(),
        },
        EngineEvent::Warning {
            message: "repo https://git.example.com/shop/guestbook.git: fetch took 12s".into(),
        },
        EngineEvent::OperatorAction {
            operator: "bob".into(),
            action: "pause".into(),
            target: "guestbook".into(),
            detail: "1h: investigating the crash loop".into(),
        },
        EngineEvent::AppDetail(Box::new(detail())),
    ]
}
