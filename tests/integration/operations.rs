//! The operations layer against the simulated fleet: one path for every
//! caller — roles, the app's lock (two layers on one state directory stand
//! in for two processes), write-ahead audit, history, rollback hold, the
//! lease check before each wave, and pause / resume / approve.

use std::sync::Arc;
use std::time::Duration;

use fleetdeck::engine::model::{Application, ApplicationSpec};
use fleetdeck::engine::operations::{
    ApproveAsk, Initiator, OperationError, OperationKind, Operations, PauseAsk, SyncSpec,
};
use fleetdeck::engine::policy::pause::PauseScope;
use fleetdeck::engine::policy::roles::{ActionTarget, Grant, Role, RoleBook};
use fleetdeck::engine::state::{AuditLog, AuditRecord, ResumeTarget, StateStore};
use fleetdeck::engine::sync::{
    Acquired, AppLocks, CancelSignal, LockClaim, LockError, LockLease, OperationPhase,
    ProgressSink, SyncRequest,
};

use super::engine_sync::{TestCluster, manifests, request, test_cluster};

const TEST_TIMEOUT: Duration = Duration::from_secs(60);

const CONFIG: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  mode: fast\n";

fn spec(cluster: &TestCluster, initiator: Initiator, kind: OperationKind) -> SyncSpec {
    let sync: SyncRequest = request("web", "shop", manifests(CONFIG));
    SyncSpec {
        app: Application::new("web", ApplicationSpec::default()),
        rendered: Arc::new(Vec::new()),
        client: cluster.client.clone(),
        request: sync,
        initiator,
        kind,
        reason: "release 7".to_string(),
    }
}

fn to_target() -> OperationKind {
    OperationKind::Sync {
        to_target_revision: true,
    }
}

fn audit(dir: &std::path::Path) -> Vec<AuditRecord> {
    AuditLog::open(dir).expect("audit").read().expect("read")
}

async fn within_timeout<F: std::future::Future<Output = ()>>(body: F) {
    tokio::time::timeout(TEST_TIMEOUT, body)
        .await
        .expect("test timed out");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_is_locked_written_ahead_recorded_and_released() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let operations =
            Operations::for_state_dir(dir.path(), RoleBook::default()).expect("operations");
        // Another layer on the same directory: another process.
        let elsewhere =
            Operations::for_state_dir(dir.path(), RoleBook::default()).expect("operations");

        let started = operations
            .start(spec(&cluster, Initiator::operator("alice"), to_target()))
            .expect("free");
        assert_eq!(operations.running().len(), 1);
        assert_eq!(
            operations.running_on("web").map(|running| running.operator),
            Some("alice".to_string())
        );
        for other in [&operations, &elsewhere] {
            match other.start(spec(&cluster, Initiator::operator("bob"), to_target())) {
                Err(OperationError::Locked {
                    holder: Some(holder),
                    ..
                }) => assert_eq!(holder.operator, "alice"),
                other => panic!("expected Locked naming alice, got {other:?}"),
            }
        }
        assert!(
            audit(dir.path()).is_empty(),
            "a refusal is not an operation"
        );

        let report = started
            .run(ProgressSink::none(), CancelSignal::never())
            .await
            .expect("runs");
        assert_eq!(
            report.outcome.phase,
            OperationPhase::Succeeded,
            "{report:?}"
        );
        assert!(report.warnings.is_empty(), "{report:?}");
        assert_eq!(report.history.as_ref().map(|entry| entry.id), Some(1));
        assert!(operations.running().is_empty());

        let records = audit(dir.path());
        let results: Vec<&str> = records.iter().map(|r| r.result.as_str()).collect();
        assert_eq!(results.len(), 2, "{records:?}");
        assert_eq!(results[0], "started");
        assert!(results[1].starts_with("Succeeded: "), "{records:?}");
        assert!(
            records
                .iter()
                .all(|r| r.operator == "alice" && r.action == "sync" && r.reason == "release 7")
        );

        // Released: the other process may sync now.
        let report = elsewhere
            .sync(
                spec(&cluster, Initiator::operator("bob"), to_target()),
                ProgressSink::none(),
                CancelSignal::never(),
            )
            .await
            .expect("free again");
        assert!(report.interrupted.is_none(), "a clean release is not stale");
        assert_eq!(report.history.map(|entry| entry.id), Some(2));
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_read_only_refuse_operators_but_automation_skips_roles() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let roles = RoleBook::new(
            Role::Readonly,
            [("alice".to_string(), Grant::new(Role::Sync))],
        );
        let operations = Operations::for_state_dir(dir.path(), roles).expect("operations");

        match operations.start(spec(&cluster, Initiator::operator("carol"), to_target())) {
            Err(OperationError::Refused(refusal)) => {
                assert_eq!(refusal.needs, Role::Sync);
                assert_eq!(refusal.operator, "carol");
            }
            other => panic!("expected Refused, got {other:?}"),
        }
        let mut prune = spec(&cluster, Initiator::operator("alice"), to_target());
        prune.request.prune = true;
        assert!(
            matches!(operations.start(prune), Err(OperationError::Refused(_))),
            "prune needs admin"
        );
        let mut dry = spec(&cluster, Initiator::operator("carol"), to_target());
        dry.request.dry_run = true;
        let report = operations
            .sync(dry, ProgressSink::none(), CancelSignal::never())
            .await
            .expect("a dry run is a read");
        assert!(report.history.is_none());
        assert!(audit(dir.path()).is_empty(), "dry runs are not audited");

        let report = operations
            .sync(
                spec(&cluster, Initiator::automation("auto-sync"), to_target()),
                ProgressSink::none(),
                CancelSignal::never(),
            )
            .await
            .expect("automation is not an operator");
        assert!(report.succeeded(), "{report:?}");
        let records = audit(dir.path());
        assert!(
            records
                .iter()
                .all(|r| r.operator == "automated" && r.action == "auto-sync"),
            "{records:?}"
        );

        let readonly = operations.clone().readonly(true);
        assert!(matches!(
            readonly.start(spec(
                &cluster,
                Initiator::automation("self-heal"),
                to_target()
            )),
            Err(OperationError::ReadOnly { .. })
        ));
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_pins_and_pauses_the_app() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let dir = tempfile::tempdir().expect("tempdir");
        let operations = Operations::for_state_dir(dir.path(), RoleBook::default())
            .expect("operations")
            .with_rollback_pause(Duration::from_secs(600));
        let first = operations
            .sync(
                spec(&cluster, Initiator::operator("alice"), to_target()),
                ProgressSink::none(),
                CancelSignal::never(),
            )
            .await
            .expect("sync")
            .history
            .expect("recorded");
        let report = operations
            .sync(
                spec(
                    &cluster,
                    Initiator::operator("alice"),
                    OperationKind::Rollback(Box::new(first.clone())),
                ),
                ProgressSink::none(),
                CancelSignal::never(),
            )
            .await
            .expect("rollback");
        let hold = report.hold.expect("held");
        assert_eq!(hold.pin.history_id, first.id);
        assert_eq!(
            hold.pause.map(|pause| pause.scope),
            Some(PauseScope::App("web".to_string()))
        );
        let store = StateStore::open(dir.path()).expect("store");
        assert_eq!(
            store.pin("web").expect("pin").map(|pin| pin.by),
            Some("alice".into())
        );
        let actions: Vec<String> = audit(dir.path()).into_iter().map(|r| r.action).collect();
        assert_eq!(actions, ["sync", "sync", "rollback", "rollback"]);
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

/// A lock that is lost as soon as it is taken: a Lease that failed to renew.
#[derive(Debug)]
struct LostAtOnce;

#[derive(Debug)]
struct LostLease;

impl LockLease for LostLease {
    fn still_held(&self) -> bool {
        false
    }
}

impl AppLocks for LostAtOnce {
    fn try_lock(&self, _claim: &LockClaim) -> Result<Acquired, LockError> {
        Ok(Acquired {
            lease: Box::new(LostLease),
            stale: None,
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_lock_stops_the_sync_before_its_first_wave() {
    within_timeout(async {
        let cluster = test_cluster().await;
        let operations = Operations::with_locks(RoleBook::default(), Arc::new(LostAtOnce));
        let report = operations
            .sync(
                spec(&cluster, Initiator::operator("alice"), to_target()),
                ProgressSink::none(),
                CancelSignal::never(),
            )
            .await
            .expect("runs");
        assert_eq!(report.outcome.phase, OperationPhase::Failed);
        assert!(
            report.outcome.message.contains("operation lock was lost"),
            "{}",
            report.outcome.message
        );
        assert!(report.outcome.results.is_empty(), "nothing was applied");
        cluster.fleet.shutdown().await.expect("shutdown");
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_approve_are_authorised_acted_and_audited() {
    within_timeout(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let roles = RoleBook::new(
            Role::Readonly,
            [
                ("alice".to_string(), Grant::new(Role::Admin)),
                ("bob".to_string(), Grant::new(Role::Sync)),
            ],
        );
        let operations = Operations::for_state_dir(dir.path(), roles).expect("operations");
        let ask = PauseAsk::new(
            PauseScope::App("web".into()),
            "db migration",
            Duration::from_secs(600),
        );
        assert!(matches!(
            operations.pause("carol", ask.clone()).await,
            Err(OperationError::Refused(_))
        ));
        let pause = operations.pause("bob", ask).await.expect("pause");
        let freeze = PauseAsk::new(PauseScope::Fleet, "freeze", Duration::from_secs(600));
        assert!(
            matches!(
                operations.pause("bob", freeze).await,
                Err(OperationError::Refused(_))
            ),
            "a freeze needs admin"
        );
        let resumed = operations
            .resume("bob", ResumeTarget::Id(pause.id.clone()))
            .await
            .expect("resume");
        assert_eq!(resumed.len(), 1);
        assert!(matches!(
            operations
                .resume("bob", ResumeTarget::Id(pause.id.clone()))
                .await,
            Err(OperationError::NoMatchingPause)
        ));
        let approve = ApproveAsk {
            app: "web".into(),
            revision: "abc123".into(),
            target: ActionTarget::app("web", "default", Some("prod".into())),
        };
        assert!(matches!(
            operations.approve("bob", approve.clone()).await,
            Err(OperationError::Refused(_))
        ));
        let approval = operations.approve("alice", approve).await.expect("approve");
        let store = StateStore::open(dir.path()).expect("store");
        assert_eq!(store.load("web").expect("state").approval, Some(approval));
        let actions: Vec<(String, String)> = audit(dir.path())
            .into_iter()
            .map(|r| (r.operator, r.action))
            .collect();
        let expected = [("bob", "pause"), ("bob", "resume"), ("alice", "approve")]
            .map(|(who, what)| (who.to_string(), what.to_string()));
        assert_eq!(actions, expected);
    })
    .await;
}
