//! The audit records an operation leaves, written ahead: `started` before
//! the first write to the cluster, the outcome after, and `interrupted`
//! for an operation whose process died holding the app's lock (written by
//! the next operation on the app, from what the dead one's lock claimed).

use k8s_openapi::jiff::Timestamp;

use crate::engine::state::AuditRecord;
use crate::engine::sync::{LockClaim, SyncOutcome};

/// The `result` of a start record.
pub const STARTED: &str = "started";
/// How an interrupted operation's `result` begins.
pub const INTERRUPTED: &str = "interrupted";

/// Written before anything is sent to the cluster.
pub fn start_record(claim: &LockClaim) -> AuditRecord {
    AuditRecord {
        at: claim.since,
        operator: claim.operator.clone(),
        action: claim.action.clone(),
        target: claim.app.clone(),
        revision: claim.revision.clone(),
        reason: claim.reason.clone(),
        result: STARTED.to_string(),
    }
}

/// How the operation ended (`Succeeded: ...`, `Failed: ...`).
pub fn outcome_record(claim: &LockClaim, outcome: &SyncOutcome, at: Timestamp) -> AuditRecord {
    AuditRecord {
        at,
        result: format!("{:?}: {}", outcome.phase, outcome.message),
        ..start_record(claim)
    }
}

/// The dead holder's operation, closed: who, what and when it started,
/// and who found it.
pub fn interrupted_record(stale: &LockClaim, found_by: &LockClaim) -> AuditRecord {
    AuditRecord {
        at: found_by.since,
        result: format!(
            "{INTERRUPTED}: {} started at {} and never finished (its process is gone); \
             found when {} started {}",
            stale.holder(),
            stale.since,
            found_by.holder(),
            found_by.action
        ),
        ..start_record(stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sync::OperationPhase;

    fn claim(operator: &str, pid: u32, second: i64) -> LockClaim {
        LockClaim {
            app: "web".into(),
            operator: operator.into(),
            action: "sync".into(),
            revision: "abc123".into(),
            reason: "release 7".into(),
            dry_run: false,
            host: "build-7".into(),
            pid,
            process_started_at: None,
            since: Timestamp::from_second(1_767_225_600 + second).expect("time"),
        }
    }

    #[test]
    fn start_outcome_and_interruption_say_who_what_and_how_it_ended() {
        let alice = claim("alice", 4242, 0);
        let start = start_record(&alice);
        assert_eq!(
            (start.operator.as_str(), start.action.as_str()),
            ("alice", "sync")
        );
        assert_eq!(
            (start.revision.as_str(), start.reason.as_str()),
            ("abc123", "release 7")
        );
        assert_eq!(start.result, "started");

        let outcome = SyncOutcome {
            app: "web".into(),
            cluster: "dev".into(),
            revision: "abc123".into(),
            dry_run: false,
            phase: OperationPhase::Failed,
            message: "hook failed".into(),
            results: Vec::new(),
        };
        let done = outcome_record(&alice, &outcome, Timestamp::UNIX_EPOCH);
        assert_eq!(done.result, "Failed: hook failed");
        assert_eq!(done.at, Timestamp::UNIX_EPOCH);

        let bob = claim("bob", 77, 60);
        let interrupted = interrupted_record(&alice, &bob);
        assert_eq!(
            interrupted.operator, "alice",
            "recorded as the dead operation"
        );
        assert_eq!(interrupted.revision, "abc123");
        assert_eq!(interrupted.at, bob.since);
        assert!(
            interrupted.result.starts_with(
                "interrupted: alice@build-7 (pid 4242) started at 2026-01-01T00:00:00Z"
            ),
            "{}",
            interrupted.result
        );
        assert!(
            interrupted
                .result
                .ends_with("found when bob@build-7 (pid 77) started sync")
        );
    }
}
