//! `AutoSyncMemory`: what the controller remembers between decisions about
//! one app — its last automated attempt, the last revision synced, and its
//! run of self-heal repairs — and the pure rules for updating it after an
//! operation. The lead keeps one per app (in memory, or in the state store
//! so a restart does not re-sync a revision that already failed).

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::{SelfHealPolicy, SyncReason};
use crate::engine::policy::duration_text::later;

/// How an automated attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttemptResult {
    Succeeded,
    Failed,
}

/// The last automated attempt at one revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomatedAttempt {
    pub revision: String,
    pub result: AttemptResult,
    /// Attempts at this revision so far: 1 for the first, +1 per retry.
    pub attempts: u32,
    /// When the last of them finished.
    pub last_attempt_at: Timestamp,
}

/// A revision deployed successfully (by automation or an operator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncedRevision {
    pub revision: String,
    pub at: Timestamp,
}

/// The current run of self-heal repairs of the synced revision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelfHealRun {
    /// Repairs so far; the backoff before the next is
    /// `Backoff::delay(attempts)`.
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutoSyncMemory {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt: Option<AutomatedAttempt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_synced: Option<SyncedRevision>,
    #[serde(default)]
    pub self_heal: SelfHealRun,
}

impl SelfHealRun {
    /// The repairs that count at `now`: none once the app has gone a whole
    /// `cooldown` without one (it stayed healed, so the next repair goes at
    /// once and the backoff starts again).
    pub fn attempts_at(&self, cooldown: Duration, now: Timestamp) -> u32 {
        match self.last_at {
            Some(at) if later(at, cooldown) <= now => 0,
            _ => self.attempts,
        }
    }
}

impl AutoSyncMemory {
    /// Notes an automated sync of `revision`, started for `reason`, that
    /// ended at `at`; `policy` is the self-heal policy the decision used
    /// (its cooldown ends a run of repairs).
    pub fn record_automated(
        &mut self,
        revision: &str,
        reason: &SyncReason,
        result: AttemptResult,
        at: Timestamp,
        policy: &SelfHealPolicy,
    ) {
        let attempts = match reason {
            SyncReason::Retry(n) => n.saturating_add(1),
            SyncReason::NewRevision | SyncReason::SelfHeal => 1,
        };
        match reason {
            SyncReason::SelfHeal => {
                let before = self.self_heal.attempts_at(policy.cooldown, at);
                self.self_heal.attempts = before.saturating_add(1);
                self.self_heal.last_at = Some(at);
            }
            // A new revision starts a new run of repairs.
            SyncReason::NewRevision => self.self_heal = SelfHealRun::default(),
            SyncReason::Retry(_) => {}
        }
        self.last_attempt = Some(AutomatedAttempt {
            revision: revision.to_string(),
            result,
            attempts,
            last_attempt_at: at,
        });
        if result == AttemptResult::Succeeded {
            self.note_synced(revision, at);
        }
    }

    /// Notes a sync an operator ran. A success makes `revision` the synced
    /// one (so automation will not sync it again, and a failed automated
    /// attempt at it is forgotten); a failure changes nothing automation
    /// relies on.
    pub fn record_manual(&mut self, revision: &str, result: AttemptResult, at: Timestamp) {
        if result == AttemptResult::Succeeded {
            self.note_synced(revision, at);
        }
    }

    fn note_synced(&mut self, revision: &str, at: Timestamp) {
        let new_revision = self
            .last_synced
            .as_ref()
            .is_none_or(|synced| synced.revision != revision);
        if new_revision {
            self.self_heal = SelfHealRun::default();
        }
        self.last_synced = Some(SyncedRevision {
            revision: revision.to_string(),
            at,
        });
    }

    /// The failed automated attempt at `revision` not since superseded by
    /// a successful sync of it, if any.
    pub fn pending_failure(&self, revision: &str) -> Option<&AutomatedAttempt> {
        let attempt = self.last_attempt.as_ref()?;
        let superseded = self.last_synced.as_ref().is_some_and(|synced| {
            synced.revision == revision && synced.at >= attempt.last_attempt_at
        });
        (attempt.revision == revision && attempt.result == AttemptResult::Failed && !superseded)
            .then_some(attempt)
    }

    /// Whether `revision` is the one last deployed successfully.
    pub fn is_synced(&self, revision: &str) -> bool {
        self.last_synced
            .as_ref()
            .is_some_and(|synced| synced.revision == revision)
    }

    /// When the last operation automation knows of finished.
    pub fn last_operation_at(&self) -> Option<Timestamp> {
        let attempt = self.last_attempt.as_ref().map(|a| a.last_attempt_at);
        let synced = self.last_synced.as_ref().map(|s| s.at);
        attempt.max(synced).max(self.self_heal.last_at)
    }
}
