//! What happened, as it happens: operation progress, cluster connections,
//! commands the engine refused.

use serde::Serialize;

use super::snapshot::{AppDetail, ConnectionState};
use crate::engine::sync::{SyncOutcome, SyncProgress};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "camelCase")]
pub enum EngineEvent {
    OperationStarted {
        app: String,
        initiated_by: String,
        dry_run: bool,
    },
    OperationProgress {
        app: String,
        progress: SyncProgress,
    },
    OperationFinished {
        app: String,
        outcome: SyncOutcome,
    },
    ClusterConnection {
        cluster: String,
        state: ConnectionState,
    },
    /// A command the engine would not carry out, and why.
    Rejected {
        command: String,
        reason: String,
    },
    /// Something worth an operator's attention that is not an operation.
    Warning {
        message: String,
    },
    /// An operator action the engine carried out (pause, resume, approve,
    /// rollback, cancel), as the audit log has it.
    OperatorAction {
        operator: String,
        action: String,
        target: String,
        detail: String,
    },
    /// The answer to a Describe command.
    AppDetail(Box<AppDetail>),
}
