//! Pause and resume through the layer: authorise → act (the shared pause
//! file) → audit, for the CLI and the actor alike.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;

use super::error::OperationError;
use super::layer::{Operations, append, blocking};
use crate::engine::policy::pause::{Pause, PauseRequest, PauseScope};
use crate::engine::policy::roles::{ActionTarget, OperatorAction};
use crate::engine::state::{AuditRecord, ResumeTarget};

/// A pause an operator asks for.
#[derive(Debug, Clone)]
pub struct PauseAsk {
    pub scope: PauseScope,
    pub reason: String,
    pub duration: Duration,
    /// What the role check knows of the apps paused: by default only what
    /// the scope says; a caller that knows an app's project and cluster
    /// passes them, so a scoped role can hold.
    pub target: ActionTarget,
}

impl PauseAsk {
    pub fn new(scope: PauseScope, reason: impl Into<String>, duration: Duration) -> Self {
        PauseAsk {
            target: ActionTarget::of_pause_scope(&scope),
            scope,
            reason: reason.into(),
            duration,
        }
    }

    pub fn with_target(mut self, target: ActionTarget) -> Self {
        self.target = target;
        self
    }
}

impl Operations {
    /// Sets a pause and audits it; returns the pause with its id.
    pub async fn pause(&self, operator: &str, ask: PauseAsk) -> Result<Pause, OperationError> {
        let PauseAsk {
            scope,
            reason,
            duration,
            target,
        } = ask;
        self.refuse_if_readonly("pausing")?;
        self.authorise(operator, OperatorAction::pause(&scope), &target)?;
        let store = self
            .pauses
            .clone()
            .ok_or(OperationError::NoStateDirectory {
                what: "a pause could not be kept",
            })?;
        let audit = self.audit.clone();
        let operator = operator.to_string();
        let label = scope.to_string();
        blocking("pause", &label, move || {
            let now = Timestamp::now();
            let pause = store.add(
                PauseRequest {
                    scope,
                    reason,
                    owner: operator.clone(),
                    duration,
                },
                now,
            )?;
            let record = AuditRecord {
                at: now,
                operator,
                action: "pause".to_string(),
                target: pause.scope.to_string(),
                revision: String::new(),
                reason: pause.reason.clone(),
                result: format!("{} until {}", pause.id, pause.expires_at),
            };
            append(audit.as_deref(), &record).map_err(|source| OperationError::NotAudited {
                action: "pause".to_string(),
                target: record.target.clone(),
                source,
            })?;
            Ok(pause)
        })
        .await?
    }

    /// Ends the pauses `target` selects, each audited; a resume that
    /// matches nothing is [`OperationError::NoMatchingPause`]. The role is
    /// checked against the scope of what would be lifted (by id, that
    /// pause's scope).
    pub async fn resume(
        &self,
        operator: &str,
        target: ResumeTarget,
    ) -> Result<Vec<Pause>, OperationError> {
        self.refuse_if_readonly("resuming")?;
        let store = self
            .pauses
            .clone()
            .ok_or(OperationError::NoStateDirectory {
                what: "there are no pauses",
            })?;
        let label = match &target {
            ResumeTarget::Id(id) => id.clone(),
            ResumeTarget::Scope(scope) => scope.to_string(),
        };
        let lifted = match &target {
            ResumeTarget::Scope(scope) => Some(scope.clone()),
            ResumeTarget::Id(id) => {
                let (store, id) = (store.clone(), id.clone());
                blocking("resume", &label, move || {
                    store.list(Timestamp::now()).map(|pauses| {
                        pauses
                            .into_iter()
                            .find(|pause| pause.id == id)
                            .map(|pause| pause.scope)
                    })
                })
                .await??
            }
        };
        if let Some(scope) = &lifted {
            self.authorise(
                operator,
                OperatorAction::resume(scope),
                &ActionTarget::of_pause_scope(scope),
            )?;
        }
        let audit = self.audit.clone();
        let operator = operator.to_string();
        blocking("resume", &label, move || {
            let now = Timestamp::now();
            let removed = store.resume(&target, now)?;
            if removed.is_empty() {
                return Err(OperationError::NoMatchingPause);
            }
            for pause in &removed {
                let record = AuditRecord {
                    at: now,
                    operator: operator.clone(),
                    action: "resume".to_string(),
                    target: pause.scope.to_string(),
                    revision: String::new(),
                    reason: pause.reason.clone(),
                    result: format!("{} (set by {}) ended", pause.id, pause.owner),
                };
                append(audit.as_deref(), &record).map_err(|source| OperationError::NotAudited {
                    action: "resume".to_string(),
                    target: record.target.clone(),
                    source,
                })?;
            }
            Ok(removed)
        })
        .await?
    }
}
