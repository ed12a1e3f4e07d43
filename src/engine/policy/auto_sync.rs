//! The automated sync decision, as Argo CD makes it, plus fleetdeck's
//! gates: given what is known about one app, should the controller sync it
//! now, wait, or hold back — and why.
//!
//! Rules, in order:
//! 1. Only automated apps, only when OutOfSync, never while an operation
//!    runs. Anything else is [`AutoSyncDecision::None`].
//! 2. An empty render with `prune` and without `allowEmpty` never syncs (it
//!    would delete everything); a difference made only of resources to
//!    prune does not sync without `prune`.
//! 3. A revision is synced once: a new one syncs at once; a failed one is
//!    retried only as `syncPolicy.retry` allows (limit and backoff); one
//!    already synced is re-synced only by self-heal, with the self-heal
//!    backoff (2 s, ×3, at most 5 min).
//! 4. Gates, strongest first: a rollback pin, a pause, a pending approval
//!    (not for self-heal: the revision is already deployed), a sync window.
//!    A gated app still shows its drift; the caller reports that.
//!
//! Pure: the clock is a parameter and memory is updated by the caller (see
//! [`AutoSyncMemory`]).

mod memory;

use std::fmt;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use serde::Serialize;

use crate::engine::source::short_revision;

pub use self::memory::{
    AttemptResult, AutoSyncMemory, AutomatedAttempt, SelfHealRun, SyncedRevision,
};
use super::approval::ApprovalState;
use super::backoff::{
    Backoff, DEFAULT_SELF_HEAL_BACKOFF, DEFAULT_SELF_HEAL_COOLDOWN, RetryLimit, RetryPolicy,
};
use super::duration_text::later;
use super::pause::{Pause, in_force, pause_reason};
use crate::engine::diff::SyncStatus;
use crate::engine::model::sync_policy::AutomatedSync;
use crate::engine::state::RollbackPin;

/// `syncPolicy.automated`, when automated sync is on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomatedPolicy {
    pub prune: bool,
    pub self_heal: bool,
    pub allow_empty: bool,
}

impl AutomatedPolicy {
    /// From `Application::automated_sync()` (already `None` when off).
    pub fn from_model(automated: Option<&AutomatedSync>) -> Option<Self> {
        automated.map(|automated| AutomatedPolicy {
            prune: automated.prune,
            self_heal: automated.self_heal,
            allow_empty: automated.allow_empty,
        })
    }
}

/// The self-heal backoff and when its count starts again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfHealPolicy {
    pub backoff: Backoff,
    pub cooldown: Duration,
}

impl Default for SelfHealPolicy {
    fn default() -> Self {
        SelfHealPolicy {
            backoff: DEFAULT_SELF_HEAL_BACKOFF,
            cooldown: DEFAULT_SELF_HEAL_COOLDOWN,
        }
    }
}

/// What the last comparison found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observed {
    pub sync_status: SyncStatus,
    /// The revision the desired state was rendered from.
    pub revision: String,
    /// The render produced no objects.
    pub render_empty: bool,
    /// Every difference is a live resource to prune (nothing to apply).
    pub only_prune_needed: bool,
    /// A sync operation is running for the app.
    pub operation_running: bool,
}

/// Everything the decision looks at for one app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoSyncInput {
    /// `None` when automated sync is off.
    pub automated: Option<AutomatedPolicy>,
    pub retry: RetryPolicy,
    pub self_heal: SelfHealPolicy,
    pub observed: Observed,
    pub memory: AutoSyncMemory,
    /// The pauses covering the app (expired ones are ignored).
    pub pauses: Vec<Pause>,
    pub pin: Option<RollbackPin>,
    /// Why a sync window forbids automated sync now, if one does.
    pub window_block: Option<String>,
    pub approval: ApprovalState,
}

/// Why an automated sync runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SyncReason {
    NewRevision,
    SelfHeal,
    /// Retry number `n` (1 = first retry) of a failed revision.
    Retry(u32),
}

impl fmt::Display for SyncReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyncReason::NewRevision => f.write_str("new revision"),
            SyncReason::SelfHeal => f.write_str("self-heal"),
            SyncReason::Retry(n) => write!(f, "retry {n}"),
        }
    }
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum AutoSyncDecision {
    /// Nothing to do.
    None,
    /// Sync `revision` now.
    Sync {
        revision: String,
        prune: bool,
        reason: SyncReason,
    },
    /// A backoff holds the next attempt until `until`; decide again then.
    Wait { until: Timestamp, reason: String },
    /// Automation would act but may not.
    Blocked { reason: String },
    /// A gated app: `revision` waits for an operator's approval.
    AwaitingApproval { revision: String },
}

/// What rules 1–3 call for, before the gates.
enum Plan {
    Nothing,
    Refuse(String),
    Act {
        reason: SyncReason,
        not_before: Timestamp,
        waiting_for: String,
    },
}

/// Decides for one app at `now`.
pub fn decide(input: &AutoSyncInput, now: Timestamp) -> AutoSyncDecision {
    let Some(automated) = input.automated else {
        return AutoSyncDecision::None;
    };
    let (reason, not_before, waiting_for) = match plan(input, automated, now) {
        Plan::Nothing => return AutoSyncDecision::None,
        Plan::Refuse(reason) => return AutoSyncDecision::Blocked { reason },
        Plan::Act {
            reason,
            not_before,
            waiting_for,
        } => (reason, not_before, waiting_for),
    };
    let revision = &input.observed.revision;
    if let Some(pin) = &input.pin {
        return AutoSyncDecision::Blocked {
            reason: format!(
                "rolled back to {} by {}: automated sync is off until the app is unpinned",
                short_revision(&pin.revision),
                pin.by
            ),
        };
    }
    if let Some(reason) = pause_reason(&in_force(&input.pauses, now), now) {
        return AutoSyncDecision::Blocked { reason };
    }
    // Approval is for deploying a revision; re-applying the one deployed
    // (self-heal, or a retry after a failed repair) needs none.
    if !input.memory.is_synced(revision) && !input.approval.allows(revision) {
        return AutoSyncDecision::AwaitingApproval {
            revision: revision.clone(),
        };
    }
    if let Some(reason) = &input.window_block {
        return AutoSyncDecision::Blocked {
            reason: reason.clone(),
        };
    }
    if now < not_before {
        return AutoSyncDecision::Wait {
            until: not_before,
            reason: waiting_for,
        };
    }
    AutoSyncDecision::Sync {
        revision: revision.clone(),
        prune: automated.prune,
        reason,
    }
}

fn plan(input: &AutoSyncInput, automated: AutomatedPolicy, now: Timestamp) -> Plan {
    let observed = &input.observed;
    if observed.sync_status != SyncStatus::OutOfSync || observed.operation_running {
        return Plan::Nothing;
    }
    let revision = observed.revision.as_str();
    if observed.render_empty && automated.prune && !automated.allow_empty {
        return Plan::Refuse(format!(
            "{} renders no resources: automated sync with prune would delete them all (allowEmpty is off)",
            short_revision(revision)
        ));
    }
    if observed.only_prune_needed && !automated.prune {
        return Plan::Refuse(
            "only resources to prune differ, and automated prune is off".to_string(),
        );
    }
    let memory = &input.memory;
    if let Some(failed) = memory.pending_failure(revision) {
        return retry_plan(&input.retry, failed);
    }
    if memory.is_synced(revision) {
        return if automated.self_heal {
            self_heal_plan(&input.self_heal, memory, revision, now)
        } else {
            Plan::Nothing
        };
    }
    Plan::Act {
        reason: SyncReason::NewRevision,
        not_before: Timestamp::MIN,
        waiting_for: String::new(),
    }
}

fn retry_plan(retry: &RetryPolicy, failed: &AutomatedAttempt) -> Plan {
    let n = failed.attempts.max(1);
    if !retry.allows(n) {
        let limit = match retry.limit {
            RetryLimit::Count(0) => "no retries are configured".to_string(),
            RetryLimit::Count(limit) => format!("the retry limit is {limit}"),
            RetryLimit::Unlimited => "retries are unlimited".to_string(),
        };
        return Plan::Refuse(format!(
            "automated sync of {} failed {} (attempts: {}) and {limit}: sync by hand or push a new revision",
            short_revision(&failed.revision),
            if n == 1 { "once" } else { "repeatedly" },
            failed.attempts
        ));
    }
    let of = match retry.limit {
        RetryLimit::Count(limit) => format!("/{limit}"),
        RetryLimit::Unlimited => String::new(),
    };
    Plan::Act {
        reason: SyncReason::Retry(n),
        not_before: later(failed.last_attempt_at, retry.delay(n)),
        waiting_for: format!(
            "retry {n}{of} of {} after a failed sync",
            short_revision(&failed.revision)
        ),
    }
}

fn self_heal_plan(
    policy: &SelfHealPolicy,
    memory: &AutoSyncMemory,
    revision: &str,
    now: Timestamp,
) -> Plan {
    let last = memory.last_operation_at();
    let attempts = memory.self_heal.attempts_at(policy.cooldown, now);
    let not_before = match last {
        Some(last) => later(last, policy.backoff.delay(attempts)),
        None => Timestamp::MIN,
    };
    Plan::Act {
        reason: SyncReason::SelfHeal,
        not_before,
        waiting_for: format!(
            "self-heal backoff: repair {} of {}",
            attempts.saturating_add(1),
            short_revision(revision)
        ),
    }
}

#[cfg(test)]
mod tests;
