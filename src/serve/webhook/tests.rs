//! The receiver against a stand-in engine: a snapshot of three apps and a
//! command channel, so what each delivery queues is seen exactly.

use std::sync::Mutex;

use super::*;
use crate::engine::api::{AppSnapshot, AutomationState, HealthStatus, SourceSummary, SyncStatus};

fn app(name: &str, repo: &str, revision: &str) -> AppSnapshot {
    AppSnapshot {
        name: name.to_string(),
        project: "default".to_string(),
        application_set: None,
        parent_app: None,
        cluster: Some("dev".to_string()),
        namespace: name.to_string(),
        sync: SyncStatus::Synced,
        health: HealthStatus::Healthy,
        revision: None,
        commit: None,
        automated: false,
        conditions: Vec::new(),
        resources: Vec::new(),
        automation: None,
        paused: Vec::new(),
        automation_state: AutomationState::Manual,
        labels: Default::default(),
        source: Some(SourceSummary {
            repo_url: repo.to_string(),
            path: format!("apps/{name}"),
            chart: String::new(),
            target_revision: revision.to_string(),
        }),
        destination: "dev".to_string(),
        auto_prune: false,
        self_heal: false,
        last_sync: None,
        pinned_revision: None,
    }
}

const GITHUB_PUSH: &str = r#"{"ref":"refs/heads/main","repository":{"html_url":"https://github.com/org/web","clone_url":"https://github.com/org/web.git","ssh_url":"git@github.com:org/web.git","default_branch":"main"}}"#;

struct Rig {
    webhooks: Webhooks,
    commands: mpsc::Receiver<Command>,
    notes: Arc<Mutex<Vec<WebhookNote>>>,
    _snapshots: watch::Sender<Arc<FleetSnapshot>>,
}

fn rig(catalogs: Vec<WatchedRepo>) -> Rig {
    let snapshot = FleetSnapshot {
        apps: Arc::new(
            [
                app("web", "https://github.com/Org/Web.git", "HEAD"),
                app("web-release", "git@github.com:org/web.git", "release"),
                app("api", "https://github.com/org/api.git", "main"),
            ]
            .into_iter()
            .map(Arc::new)
            .collect(),
        ),
        ..FleetSnapshot::default()
    };
    let (snapshot_tx, snapshots) = watch::channel(Arc::new(snapshot));
    let (command_tx, commands) = mpsc::channel(16);
    let notes = Arc::new(Mutex::new(Vec::new()));
    let sink = notes.clone();
    let secrets = WebhookSecrets {
        github: Secret::new("gh-secret"),
        gitlab: Secret::new("gl-token"),
        bitbucket_server: Secret::new("bb-secret"),
    };
    Rig {
        webhooks: Webhooks::new(
            secrets,
            catalogs,
            snapshots,
            command_tx,
            Arc::new(move |note| sink.lock().expect("notes").push(note)),
        ),
        commands,
        notes,
        _snapshots: snapshot_tx,
    }
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, value.parse().expect("header value"));
    }
    map
}

fn queued(commands: &mut mpsc::Receiver<Command>) -> Vec<Command> {
    std::iter::from_fn(|| commands.try_recv().ok()).collect()
}

fn refresh(app: &str) -> Command {
    Command::Refresh {
        app: Some(app.to_string()),
        hard: false,
    }
}

#[tokio::test]
async fn a_signed_github_push_refreshes_only_the_apps_following_the_pushed_branch() {
    let mut rig = rig(Vec::new());
    let signature = sign_sha256(b"gh-secret", GITHUB_PUSH.as_bytes());
    let (status, _) = rig
        .webhooks
        .receive(
            &headers(&[
                ("X-GitHub-Event", "push"),
                ("X-Hub-Signature-256", &signature),
            ]),
            GITHUB_PUSH.as_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queued(&mut rig.commands), [refresh("web")]);
    let notes = rig.notes.lock().expect("notes");
    assert!(
        matches!(&notes[..], [WebhookNote::Refreshed { apps, fleet: false, .. }] if apps == &["web"])
    );
}

#[tokio::test]
async fn an_unsigned_or_badly_signed_push_is_refused_and_refreshes_nothing() {
    let mut rig = rig(Vec::new());
    let wrong = sign_sha256(b"guess", GITHUB_PUSH.as_bytes());
    for attempt in [
        headers(&[("X-GitHub-Event", "push")]),
        headers(&[("X-GitHub-Event", "push"), ("X-Hub-Signature-256", &wrong)]),
        headers(&[("X-Gitlab-Event", "Push Hook"), ("X-Gitlab-Token", "nope")]),
        headers(&[("X-Event-Key", "repo:refs_changed")]),
    ] {
        let (status, body) = rig.webhooks.receive(&attempt, GITHUB_PUSH.as_bytes()).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert!(
            !body.contains("gh-secret") && !body.contains("gl-token"),
            "{body}"
        );
    }
    assert_eq!(queued(&mut rig.commands), []);
    let notes = rig.notes.lock().expect("notes");
    assert_eq!(notes.len(), 4);
    assert!(
        notes
            .iter()
            .all(|note| matches!(note, WebhookNote::Refused { .. }))
    );
}

#[tokio::test]
async fn gitlab_and_bitbucket_server_pushes_are_authenticated_their_own_way() {
    let mut rig = rig(Vec::new());
    let gitlab = r#"{"ref":"refs/heads/release","project":{"git_http_url":"https://github.com/org/web.git","default_branch":"main"}}"#;
    let (status, _) = rig
        .webhooks
        .receive(
            &headers(&[
                ("X-Gitlab-Event", "Push Hook"),
                ("X-Gitlab-Token", "gl-token"),
            ]),
            gitlab.as_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queued(&mut rig.commands), [refresh("web-release")]);

    let bitbucket = r#"{"repository":{"links":{"clone":[{"href":"ssh://git@github.com:7999/org/api.git"}]}},"changes":[{"ref":{"id":"refs/heads/main"}}]}"#;
    let signature = sign_sha256(b"bb-secret", bitbucket.as_bytes());
    let (status, _) = rig
        .webhooks
        .receive(
            &headers(&[
                ("X-Event-Key", "repo:refs_changed"),
                ("X-Hub-Signature", &signature),
            ]),
            bitbucket.as_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(queued(&mut rig.commands), [refresh("api")]);
}

#[tokio::test]
async fn a_push_to_a_catalog_refreshes_the_whole_fleet_once() {
    let mut rig = rig(vec![WatchedRepo {
        url: "https://github.com/org/web".to_string(),
        revision: String::new(),
    }]);
    let signature = sign_sha256(b"gh-secret", GITHUB_PUSH.as_bytes());
    let (status, _) = rig
        .webhooks
        .receive(
            &headers(&[
                ("X-GitHub-Event", "push"),
                ("X-Hub-Signature-256", &signature),
            ]),
            GITHUB_PUSH.as_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        queued(&mut rig.commands),
        [Command::Refresh {
            app: None,
            hard: false
        }]
    );
}

#[tokio::test]
async fn other_events_and_unknown_senders_refresh_nothing() {
    let mut rig = rig(Vec::new());
    let ping = r#"{"zen":"Keep it simple."}"#;
    let signature = sign_sha256(b"gh-secret", ping.as_bytes());
    let (status, _) = rig
        .webhooks
        .receive(
            &headers(&[
                ("X-GitHub-Event", "ping"),
                ("X-Hub-Signature-256", &signature),
            ]),
            ping.as_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = rig.webhooks.receive(&HeaderMap::new(), b"{}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(queued(&mut rig.commands), []);
}

#[test]
fn a_secret_never_shows_in_debug_output() {
    let secrets = WebhookSecrets {
        github: Secret::new("hunter2"),
        ..WebhookSecrets::default()
    };
    assert!(!format!("{secrets:?}").contains("hunter2"));
    assert_eq!(Secret::new("  "), None);
}
