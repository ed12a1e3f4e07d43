use std::time::Duration;

use serde_json::json;

use super::*;
use crate::engine::policy::duration_text::MAX_TIME_BOX;
use crate::engine::policy::pause::{PauseRequest, PauseScope};

const REV: &str = "0123456789abcdef0123456789abcdef01234567";
const POLICY: SelfHealPolicy = SelfHealPolicy {
    backoff: DEFAULT_SELF_HEAL_BACKOFF,
    cooldown: DEFAULT_SELF_HEAL_COOLDOWN,
};
const NEXT: &str = "fedcba9876543210fedcba9876543210fedcba98";

fn at(second: i64) -> Timestamp {
    // 2026-11-22 14:00:00 UTC.
    Timestamp::from_second(1_795_356_000 + second).unwrap()
}

fn input() -> AutoSyncInput {
    AutoSyncInput {
        automated: Some(AutomatedPolicy::default()),
        retry: RetryPolicy::NONE,
        self_heal: SelfHealPolicy::default(),
        observed: Observed {
            sync_status: SyncStatus::OutOfSync,
            revision: REV.into(),
            render_empty: false,
            only_prune_needed: false,
            operation_running: false,
        },
        memory: AutoSyncMemory::default(),
        pauses: Vec::new(),
        pin: None,
        window_block: None,
        approval: ApprovalState::default(),
    }
}

fn sync(reason: SyncReason) -> AutoSyncDecision {
    AutoSyncDecision::Sync {
        revision: REV.into(),
        prune: false,
        reason,
    }
}

fn blocked_reason(decision: AutoSyncDecision) -> String {
    match decision {
        AutoSyncDecision::Blocked { reason } => reason,
        other => panic!("expected Blocked, got {other:?}"),
    }
}

fn synced(revision: &str, second: i64) -> AutoSyncMemory {
    let mut memory = AutoSyncMemory::default();
    memory.record_automated(
        revision,
        &SyncReason::NewRevision,
        AttemptResult::Succeeded,
        at(second),
        &POLICY,
    );
    memory
}

fn pause(scope: PauseScope, minutes: u64) -> Pause {
    PauseRequest {
        scope,
        reason: "db migration".into(),
        owner: "alice".into(),
        duration: Duration::from_secs(minutes * 60),
    }
    .into_pause("p1".into(), at(0), MAX_TIME_BOX)
    .unwrap()
}

#[test]
fn nothing_to_do_unless_automated_out_of_sync_and_idle() {
    assert_eq!(decide(&input(), at(0)), sync(SyncReason::NewRevision));
    let mut manual = input();
    manual.automated = None;
    assert_eq!(decide(&manual, at(0)), AutoSyncDecision::None);
    for status in [SyncStatus::Synced, SyncStatus::Unknown] {
        let mut app = input();
        app.observed.sync_status = status;
        assert_eq!(decide(&app, at(0)), AutoSyncDecision::None, "{status:?}");
    }
    let mut busy = input();
    busy.observed.operation_running = true;
    assert_eq!(decide(&busy, at(0)), AutoSyncDecision::None);
}

#[test]
fn a_new_revision_syncs_once_and_prunes_only_when_asked() {
    let mut app = input();
    app.automated = Some(AutomatedPolicy {
        prune: true,
        ..AutomatedPolicy::default()
    });
    assert_eq!(
        decide(&app, at(0)),
        AutoSyncDecision::Sync {
            revision: REV.into(),
            prune: true,
            reason: SyncReason::NewRevision
        }
    );
    // Synced once: drift of the same revision is left alone without
    // self-heal, even much later.
    app.memory = synced(REV, 10);
    assert_eq!(decide(&app, at(20)), AutoSyncDecision::None);
    assert_eq!(decide(&app, at(86_400)), AutoSyncDecision::None);
    // An operator's sync counts as well.
    let mut app = input();
    app.memory
        .record_manual(REV, AttemptResult::Succeeded, at(5));
    assert_eq!(decide(&app, at(6)), AutoSyncDecision::None);
    // The next commit syncs.
    app.observed.revision = NEXT.into();
    assert!(matches!(
        decide(&app, at(7)),
        AutoSyncDecision::Sync { revision, reason: SyncReason::NewRevision, .. } if revision == NEXT
    ));
}

#[test]
fn a_failed_revision_is_retried_only_as_the_policy_allows() {
    let mut app = input();
    app.memory.record_automated(
        REV,
        &SyncReason::NewRevision,
        AttemptResult::Failed,
        at(0),
        &POLICY,
    );
    // No retry strategy: never again.
    let reason = blocked_reason(decide(&app, at(3600)));
    assert!(
        reason.contains("automated sync of 0123456 failed once"),
        "{reason}"
    );
    assert!(reason.contains("no retries are configured"), "{reason}");

    // limit 2, backoff 5s ×2: waits 5s, retries, waits 10s, retries, stops.
    app.retry = RetryPolicy {
        limit: RetryLimit::Count(2),
        ..RetryPolicy::NONE
    };
    assert_eq!(
        decide(&app, at(1)),
        AutoSyncDecision::Wait {
            until: at(5),
            reason: "retry 1/2 of 0123456 after a failed sync".into()
        }
    );
    assert_eq!(decide(&app, at(5)), sync(SyncReason::Retry(1)));
    app.memory.record_automated(
        REV,
        &SyncReason::Retry(1),
        AttemptResult::Failed,
        at(8),
        &POLICY,
    );
    assert_eq!(app.memory.last_attempt.as_ref().unwrap().attempts, 2);
    assert!(
        matches!(decide(&app, at(17)), AutoSyncDecision::Wait { until, .. } if until == at(18))
    );
    assert_eq!(decide(&app, at(18)), sync(SyncReason::Retry(2)));
    app.memory.record_automated(
        REV,
        &SyncReason::Retry(2),
        AttemptResult::Failed,
        at(20),
        &POLICY,
    );
    let reason = blocked_reason(decide(&app, at(10_000)));
    assert!(reason.contains("the retry limit is 2"), "{reason}");
    assert!(reason.contains("attempts: 3"), "{reason}");

    // A new commit is a new chance.
    app.observed.revision = NEXT.into();
    assert!(matches!(
        decide(&app, at(10_001)),
        AutoSyncDecision::Sync {
            reason: SyncReason::NewRevision,
            ..
        }
    ));
}

#[test]
fn a_successful_retry_or_manual_sync_ends_the_retries() {
    let mut app = input();
    app.retry = RetryPolicy {
        limit: RetryLimit::Unlimited,
        ..RetryPolicy::NONE
    };
    app.memory.record_automated(
        REV,
        &SyncReason::NewRevision,
        AttemptResult::Failed,
        at(0),
        &POLICY,
    );
    app.memory
        .record_manual(REV, AttemptResult::Succeeded, at(2));
    assert_eq!(decide(&app, at(60)), AutoSyncDecision::None);
    // A failed manual sync changes nothing automation relies on.
    let mut app = input();
    app.memory = synced(REV, 0);
    app.memory.record_manual(NEXT, AttemptResult::Failed, at(5));
    assert_eq!(decide(&app, at(6)), AutoSyncDecision::None);
}

#[test]
fn self_heal_repairs_drift_with_a_growing_backoff() {
    let mut app = input();
    app.automated = Some(AutomatedPolicy {
        self_heal: true,
        ..AutomatedPolicy::default()
    });
    app.memory = synced(REV, 0);
    // The first repair goes at once.
    assert_eq!(decide(&app, at(1)), sync(SyncReason::SelfHeal));
    app.memory.record_automated(
        REV,
        &SyncReason::SelfHeal,
        AttemptResult::Succeeded,
        at(1),
        &POLICY,
    );
    // Then 2 s after the last repair, then 6 s, 18 s...
    assert_eq!(
        decide(&app, at(2)),
        AutoSyncDecision::Wait {
            until: at(3),
            reason: "self-heal backoff: repair 2 of 0123456".into()
        }
    );
    assert_eq!(decide(&app, at(3)), sync(SyncReason::SelfHeal));
    app.memory.record_automated(
        REV,
        &SyncReason::SelfHeal,
        AttemptResult::Succeeded,
        at(3),
        &POLICY,
    );
    assert!(matches!(decide(&app, at(4)), AutoSyncDecision::Wait { until, .. } if until == at(9)));
    for second in [9, 27, 81, 243, 543] {
        assert_eq!(decide(&app, at(second)), sync(SyncReason::SelfHeal));
        app.memory.record_automated(
            REV,
            &SyncReason::SelfHeal,
            AttemptResult::Succeeded,
            at(second),
            &POLICY,
        );
    }
    // Capped at five minutes...
    assert_eq!(app.memory.self_heal.attempts, 7);
    assert!(
        matches!(decide(&app, at(544)), AutoSyncDecision::Wait { until, .. } if until == at(843))
    );
    // ...and after staying healed for the cooldown (330 s), the count
    // starts again: this repair is the first of a new run, so the next one
    // waits only 2 s.
    let healed = 543 + 330;
    assert_eq!(decide(&app, at(healed)), sync(SyncReason::SelfHeal));
    app.memory.record_automated(
        REV,
        &SyncReason::SelfHeal,
        AttemptResult::Succeeded,
        at(healed),
        &POLICY,
    );
    assert_eq!(app.memory.self_heal.attempts, 1);
    assert_eq!(
        decide(&app, at(healed + 1)),
        AutoSyncDecision::Wait {
            until: at(healed + 2),
            reason: "self-heal backoff: repair 2 of 0123456".into()
        }
    );
    // A new revision ends the run.
    app.memory.record_automated(
        NEXT,
        &SyncReason::NewRevision,
        AttemptResult::Succeeded,
        at(900),
        &POLICY,
    );
    assert_eq!(app.memory.self_heal, SelfHealRun::default());
}

#[test]
fn empty_renders_and_prune_only_differences_need_their_flags() {
    let mut app = input();
    app.observed.render_empty = true;
    // Without prune an empty render deletes nothing: it may sync.
    assert_eq!(decide(&app, at(0)), sync(SyncReason::NewRevision));
    app.automated = Some(AutomatedPolicy {
        prune: true,
        ..AutomatedPolicy::default()
    });
    let reason = blocked_reason(decide(&app, at(0)));
    assert!(reason.contains("0123456 renders no resources"), "{reason}");
    app.automated = Some(AutomatedPolicy {
        prune: true,
        allow_empty: true,
        ..AutomatedPolicy::default()
    });
    assert!(matches!(
        decide(&app, at(0)),
        AutoSyncDecision::Sync { prune: true, .. }
    ));

    let mut app = input();
    app.observed.only_prune_needed = true;
    let reason = blocked_reason(decide(&app, at(0)));
    assert!(reason.contains("automated prune is off"), "{reason}");
}

#[test]
fn a_pause_blocks_with_who_why_and_until_when() {
    let mut app = input();
    app.pauses = vec![pause(PauseScope::App("web".into()), 30)];
    assert_eq!(
        blocked_reason(decide(&app, at(7 * 60))),
        "paused by alice until 14:30 UTC (23m left): db migration"
    );
    // It ends by itself.
    assert_eq!(decide(&app, at(30 * 60)), sync(SyncReason::NewRevision));
    // A pause also holds back self-heal and retries, not only new revisions.
    app.automated = Some(AutomatedPolicy {
        self_heal: true,
        ..AutomatedPolicy::default()
    });
    app.memory = synced(REV, 0);
    assert!(matches!(
        decide(&app, at(60)),
        AutoSyncDecision::Blocked { .. }
    ));
    // Nothing to do stays nothing to do, paused or not.
    app.observed.sync_status = SyncStatus::Synced;
    assert_eq!(decide(&app, at(60)), AutoSyncDecision::None);
}

#[test]
fn gates_apply_strongest_first() {
    let mut app = input();
    app.pin = Some(RollbackPin {
        revision: NEXT.into(),
        history_id: 3,
        pinned_at: at(0),
        by: "bob".into(),
    });
    app.pauses = vec![pause(PauseScope::Fleet, 60)];
    app.approval = ApprovalState {
        gated: true,
        approved_revision: None,
    };
    app.window_block = Some("blocked by deny window 0 22 * * * for 1h".into());
    assert_eq!(
        blocked_reason(decide(&app, at(0))),
        "rolled back to fedcba9 by bob: automated sync is off until the app is unpinned"
    );
    app.pin = None;
    assert!(blocked_reason(decide(&app, at(0))).starts_with("paused by alice"));
    app.pauses.clear();
    assert_eq!(
        decide(&app, at(0)),
        AutoSyncDecision::AwaitingApproval {
            revision: REV.into()
        }
    );
    app.approval.approved_revision = Some(REV.into());
    assert_eq!(
        blocked_reason(decide(&app, at(0))),
        "blocked by deny window 0 22 * * * for 1h"
    );
    app.window_block = None;
    assert_eq!(decide(&app, at(0)), sync(SyncReason::NewRevision));
    // An approval is for one revision.
    app.observed.revision = NEXT.into();
    assert_eq!(
        decide(&app, at(0)),
        AutoSyncDecision::AwaitingApproval {
            revision: NEXT.into()
        }
    );
}

#[test]
fn self_heal_needs_no_new_approval_but_respects_windows() {
    let mut app = input();
    app.automated = Some(AutomatedPolicy {
        self_heal: true,
        ..AutomatedPolicy::default()
    });
    app.memory = synced(REV, 0);
    app.approval = ApprovalState {
        gated: true,
        approved_revision: None,
    };
    assert_eq!(decide(&app, at(1)), sync(SyncReason::SelfHeal));
    app.window_block = Some("blocked by window".into());
    assert_eq!(blocked_reason(decide(&app, at(1))), "blocked by window");
}

#[test]
fn a_retry_of_a_failed_repair_needs_no_new_approval() {
    let mut app = input();
    app.automated = Some(AutomatedPolicy {
        self_heal: true,
        ..AutomatedPolicy::default()
    });
    app.retry = RetryPolicy {
        limit: RetryLimit::Count(1),
        ..RetryPolicy::NONE
    };
    app.memory = synced(REV, 0);
    app.memory.record_automated(
        REV,
        &SyncReason::SelfHeal,
        AttemptResult::Failed,
        at(10),
        &POLICY,
    );
    app.approval = ApprovalState {
        gated: true,
        approved_revision: Some(NEXT.into()),
    };
    assert_eq!(decide(&app, at(15)), sync(SyncReason::Retry(1)));
    // But a failed first deployment of an unapproved revision is held.
    let mut fresh = input();
    fresh.retry = app.retry;
    fresh.memory.record_automated(
        REV,
        &SyncReason::NewRevision,
        AttemptResult::Failed,
        at(10),
        &POLICY,
    );
    fresh.approval = app.approval.clone();
    assert_eq!(
        decide(&fresh, at(15)),
        AutoSyncDecision::AwaitingApproval {
            revision: REV.into()
        }
    );
}

#[test]
fn decisions_and_inputs_serialize_for_snapshots() {
    assert_eq!(
        serde_json::to_value(sync(SyncReason::Retry(2))).unwrap(),
        json!({"kind": "sync", "revision": REV, "prune": false, "reason": {"retry": 2}})
    );
    assert_eq!(
        serde_json::to_value(AutoSyncDecision::Wait {
            until: at(5),
            reason: "x".into()
        })
        .unwrap(),
        json!({"kind": "wait", "until": "2026-11-22T14:00:05Z", "reason": "x"})
    );
    assert_eq!(
        serde_json::to_value(AutoSyncDecision::None).unwrap(),
        json!({"kind": "none"})
    );
    assert_eq!(
        serde_json::to_value(SyncReason::SelfHeal).unwrap(),
        json!("selfHeal")
    );
    let value = serde_json::to_value(input()).unwrap();
    assert_eq!(value["observed"]["syncStatus"], json!("OutOfSync"));
    let memory = synced(REV, 0);
    let text = serde_json::to_string(&memory).unwrap();
    assert_eq!(
        serde_json::from_str::<AutoSyncMemory>(&text).unwrap(),
        memory
    );
    assert_eq!(SyncReason::Retry(3).to_string(), "retry 3");
}

#[test]
fn automated_policy_comes_from_the_model() {
    let model: AutomatedSync =
        serde_json::from_value(json!({"prune": true, "selfHeal": true})).unwrap();
    assert_eq!(
        AutomatedPolicy::from_model(Some(&model)),
        Some(AutomatedPolicy {
            prune: true,
            self_heal: true,
            allow_empty: false
        })
    );
    assert_eq!(AutomatedPolicy::from_model(None), None);
}
