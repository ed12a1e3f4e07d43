//! [`Operations`]: the layer's state — roles, locks, the stores it writes
//! — shared by every operation it runs. Cheap to clone (everything is
//! behind an `Arc`), so spawned operations carry their own copy.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::error::OperationError;
use super::running::{RunningOperation, RunningSet};
use crate::engine::policy::roles::{ActionTarget, OperatorAction, RoleBook};
use crate::engine::state::{
    AuditLog, AuditRecord, DEFAULT_ROLLBACK_PAUSE, FileLocks, PauseStore, StateStore,
};
use crate::engine::sync::{AppLocks, OperationLocks};

#[derive(Debug, Clone)]
pub struct Operations {
    pub(super) roles: Arc<RoleBook>,
    pub(super) locks: Arc<dyn AppLocks>,
    pub(super) store: Option<Arc<StateStore>>,
    pub(super) audit: Option<Arc<AuditLog>>,
    pub(super) pauses: Option<Arc<PauseStore>>,
    /// How long a rollback pauses the app's automation (zero: not at all).
    pub(super) rollback_pause: Duration,
    /// Refuses everything that writes (dry runs excepted).
    pub(super) readonly: bool,
    pub(super) running: RunningSet,
}

impl Operations {
    /// A layer without state: locks in this process's memory, no audit, no
    /// history, no pauses (tests, a throw-away engine).
    pub fn in_memory(roles: RoleBook) -> Self {
        Operations::with_locks(roles, Arc::new(OperationLocks::default()))
    }

    /// A layer with the given locks and no stores yet.
    pub fn with_locks(roles: RoleBook, locks: Arc<dyn AppLocks>) -> Self {
        Operations {
            roles: Arc::new(roles),
            locks,
            store: None,
            audit: None,
            pauses: None,
            rollback_pause: DEFAULT_ROLLBACK_PAUSE,
            readonly: false,
            running: RunningSet::default(),
        }
    }

    /// Everything kept under one state directory: its lock files (shared
    /// with every fleetdeck process using the directory), history, audit
    /// log and pauses.
    pub fn for_state_dir(state_dir: &Path, roles: RoleBook) -> Result<Self, OperationError> {
        let store = StateStore::open(state_dir)?;
        let audit = AuditLog::open(state_dir).map_err(OperationError::Audit)?;
        let pauses = PauseStore::open(state_dir)?;
        Ok(
            Operations::with_locks(roles, Arc::new(FileLocks::in_state_dir(state_dir)))
                .with_store(Arc::new(store))
                .with_audit(Arc::new(audit))
                .with_pauses(Arc::new(pauses)),
        )
    }

    pub fn with_store(mut self, store: Arc<StateStore>) -> Self {
        self.store = Some(store);
        self
    }

    pub fn with_audit(mut self, audit: Arc<AuditLog>) -> Self {
        self.audit = Some(audit);
        self
    }

    pub fn with_pauses(mut self, pauses: Arc<PauseStore>) -> Self {
        self.pauses = Some(pauses);
        self
    }

    pub fn with_rollback_pause(mut self, pause: Duration) -> Self {
        self.rollback_pause = pause;
        self
    }

    pub fn readonly(mut self, readonly: bool) -> Self {
        self.readonly = readonly;
        self
    }

    pub fn state(&self) -> Option<&Arc<StateStore>> {
        self.store.as_ref()
    }

    /// The operations running now, by app.
    pub fn running(&self) -> Vec<RunningOperation> {
        self.running.list()
    }

    /// The operation running on `app`, if this layer runs one.
    pub fn running_on(&self, app: &str) -> Option<RunningOperation> {
        self.running.get(app)
    }

    /// The role check every operator action passes.
    pub(super) fn authorise(
        &self,
        operator: &str,
        action: OperatorAction,
        target: &ActionTarget,
    ) -> Result<(), OperationError> {
        self.roles
            .check(operator, action, target)
            .map_err(OperationError::Refused)
    }

    pub(super) fn refuse_if_readonly(&self, action: &str) -> Result<(), OperationError> {
        if self.readonly {
            return Err(OperationError::ReadOnly {
                action: action.to_string(),
            });
        }
        Ok(())
    }
}

/// Appends to the audit log, if there is one (blocking: call from the
/// blocking pool).
pub(super) fn append(
    audit: Option<&AuditLog>,
    record: &AuditRecord,
) -> Result<(), crate::engine::state::AuditError> {
    match audit {
        Some(log) => log.append(record),
        None => Ok(()),
    }
}

/// Runs blocking file work off the async threads.
pub(super) async fn blocking<T: Send + 'static>(
    what: &'static str,
    target: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, OperationError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|join| OperationError::Stopped {
            what,
            target: target.to_string(),
            reason: join.to_string(),
        })
}
