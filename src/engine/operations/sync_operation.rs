//! A sync or rollback through the layer: [`Operations::start`] authorises
//! and takes the app's lock (at once, no blocking I/O); the returned
//! [`StartedOperation`] runs the rest when asked, in whatever task the
//! caller picks.

use std::sync::Arc;

use k8s_openapi::jiff::Timestamp;

use super::error::OperationError;
use super::layer::{Operations, append, blocking};
use super::process_identity::this_process;
use super::records::{interrupted_record, outcome_record, start_record};
use super::report::OperationReport;
use super::running::{RunningEntry, RunningOperation};
use super::spec::{OperationKind, SyncSpec};
use crate::engine::error_chain::error_chain;
use crate::engine::model::Application;
use crate::engine::render::RenderedSource;
use crate::engine::state::{HistoryEntry, InitiatedBy, NewSync, RollbackHold, hold_after_rollback};
use crate::engine::sync::{
    CancelSignal, LockClaim, LockLease, OperationPhase, ProgressSink, SyncOutcome,
    run_sync_with_lease,
};

/// An operation that holds its app's lock and has not run yet. Dropping
/// it releases the lock without doing anything.
#[derive(Debug)]
pub struct StartedOperation {
    operations: Operations,
    spec: SyncSpec,
    claim: LockClaim,
    stale: Option<LockClaim>,
    lease: Box<dyn LockLease>,
    _running: RunningEntry,
}

impl Operations {
    /// Authorises the operation and takes its app's lock. Refusals come
    /// back at once: [`OperationError::Refused`] (role),
    /// [`OperationError::ReadOnly`], [`OperationError::Locked`] (naming
    /// the holder).
    pub fn start(&self, spec: SyncSpec) -> Result<StartedOperation, OperationError> {
        let action = spec.action();
        if !spec.request.dry_run {
            self.refuse_if_readonly(&action)?;
        }
        if let (Some(needs), Some(operator)) = (spec.operator_action(), operator_of(&spec)) {
            self.authorise(operator, needs, &spec.role_target())?;
        }
        let process = this_process();
        let claim = LockClaim {
            app: spec.app_name().to_string(),
            operator: spec.initiator.name().to_string(),
            action,
            revision: spec.request.revision.clone(),
            reason: spec.reason.clone(),
            dry_run: spec.request.dry_run,
            host: process.host.clone(),
            pid: process.pid,
            process_started_at: process.started_at,
            since: Timestamp::now(),
        };
        let acquired = self.locks.try_lock(&claim)?;
        let running = self.running.enter(RunningOperation {
            app: claim.app.clone(),
            cluster: spec.client.name().to_string(),
            operator: claim.operator.clone(),
            action: claim.action.clone(),
            revision: claim.revision.clone(),
            dry_run: claim.dry_run,
            since: claim.since,
        });
        Ok(StartedOperation {
            operations: self.clone(),
            spec,
            claim,
            // A dry run that died changed nothing and left no start record.
            stale: acquired.stale.filter(|stale| !stale.dry_run),
            lease: acquired.lease,
            _running: running,
        })
    }

    /// [`start`](Self::start) and [`StartedOperation::run`] in one.
    pub async fn sync(
        &self,
        spec: SyncSpec,
        progress: ProgressSink,
        cancel: CancelSignal,
    ) -> Result<OperationReport, OperationError> {
        self.start(spec)?.run(progress, cancel).await
    }
}

/// The operator whose role applies; automation has none.
fn operator_of(spec: &SyncSpec) -> Option<&str> {
    match &spec.initiator {
        super::spec::Initiator::Operator(name) => Some(name),
        super::spec::Initiator::Automation { .. } => None,
    }
}

impl StartedOperation {
    /// What this operation's lock claims (who, what, since when).
    pub fn claim(&self) -> &LockClaim {
        &self.claim
    }

    /// An earlier operation found dead holding the lock; [`run`](Self::run)
    /// records it as interrupted first.
    pub fn interrupted(&self) -> Option<&LockClaim> {
        self.stale.as_ref()
    }

    /// Writes the start ahead, runs the sync, then records its outcome,
    /// history and (after a rollback) pin and pause. The lock is released
    /// once all of that is on disk. An `Err` means nothing was sent to the
    /// cluster; trouble after the sync ran is in the report's warnings.
    pub async fn run(
        self,
        progress: ProgressSink,
        cancel: CancelSignal,
    ) -> Result<OperationReport, OperationError> {
        let StartedOperation {
            operations,
            spec,
            claim,
            stale,
            lease,
            _running,
        } = self;
        let app = claim.app.clone();
        if !claim.dry_run {
            let audit = operations.audit.clone();
            let (start_claim, stale_claim) = (claim.clone(), stale.clone());
            blocking("write-ahead audit", &app, move || {
                let log = audit.as_deref();
                if let Some(stale) = &stale_claim {
                    append(log, &interrupted_record(stale, &start_claim)).map_err(|source| {
                        OperationError::StartNotAudited {
                            action: start_claim.action.clone(),
                            target: start_claim.app.clone(),
                            source,
                        }
                    })?;
                }
                append(log, &start_record(&start_claim)).map_err(|source| {
                    OperationError::StartNotAudited {
                        action: start_claim.action.clone(),
                        target: start_claim.app.clone(),
                        source,
                    }
                })
            })
            .await??;
        }
        let SyncSpec {
            app: application,
            rendered,
            client,
            request,
            initiator,
            kind,
            reason: _,
        } = spec;
        let outcome =
            run_sync_with_lease(&client, request, lease.as_ref(), &progress, cancel).await;
        let after = AfterSync {
            application,
            rendered,
            initiated_by: initiator.initiated_by(),
            to_target_revision: matches!(
                kind,
                OperationKind::Sync {
                    to_target_revision: true
                }
            ),
            rollback: match kind {
                OperationKind::Rollback(entry) => Some(entry),
                OperationKind::Sync { .. } => None,
            },
        };
        let recorded = {
            let operations = operations.clone();
            let outcome = outcome.clone();
            let claim = claim.clone();
            blocking("record", &app, move || {
                record_after(&operations, &after, &claim, &outcome)
            })
            .await
        };
        // Released only now: the next operation sees this one's history.
        drop(lease);
        let (history, hold, warnings) = match recorded {
            Ok(recorded) => recorded,
            Err(error) => (None, None, vec![error_chain(&error)]),
        };
        Ok(OperationReport {
            outcome,
            history,
            hold,
            interrupted: stale,
            warnings,
        })
    }
}

type Recorded = (Option<HistoryEntry>, Option<RollbackHold>, Vec<String>);

/// What the bookkeeping after a sync needs of its spec.
struct AfterSync {
    application: Application,
    rendered: Arc<Vec<RenderedSource>>,
    initiated_by: InitiatedBy,
    to_target_revision: bool,
    rollback: Option<Box<HistoryEntry>>,
}

/// Audit, history, pin and pause after the sync (blocking). Each step is
/// tried whatever the others did; failures become warnings.
fn record_after(
    operations: &Operations,
    after: &AfterSync,
    claim: &LockClaim,
    outcome: &SyncOutcome,
) -> Recorded {
    let mut warnings = Vec::new();
    if outcome.dry_run {
        return (None, None, warnings);
    }
    let now = Timestamp::now();
    if let Err(error) = append(
        operations.audit.as_deref(),
        &outcome_record(claim, outcome, now),
    ) {
        warnings.push(format!(
            "the outcome of {} {} could not be audited: {}",
            claim.action,
            claim.app,
            error_chain(&error)
        ));
    }
    let history = operations.store.as_ref().and_then(|store| {
        let entry = NewSync::from_outcome(
            &after.application,
            &after.rendered,
            outcome,
            after.initiated_by.clone(),
            after.to_target_revision,
        )?;
        match store.record_sync_for(&after.application, entry) {
            Ok(recorded) => Some(recorded),
            Err(error) => {
                warnings.push(format!(
                    "the {} of {} could not be recorded in its history: {}",
                    claim.action,
                    claim.app,
                    error_chain(&error)
                ));
                None
            }
        }
    });
    let hold = match (&after.rollback, operations.store.as_ref()) {
        (Some(entry), Some(store)) if outcome.phase != OperationPhase::Error => {
            match hold_after_rollback(
                store,
                operations.pauses.as_deref(),
                &claim.app,
                entry,
                &claim.operator,
                operations.rollback_pause,
                now,
            ) {
                Ok(hold) => Some(hold),
                Err(error) => {
                    warnings.push(error_chain(&error));
                    None
                }
            }
        }
        _ => None,
    };
    (history, hold, warnings)
}
