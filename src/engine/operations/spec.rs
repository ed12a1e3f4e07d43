//! What a caller asks the operations layer to run: a [`SyncSpec`] (the
//! app, its render, its cluster, the request) and who asks
//! ([`Initiator`]), which decides the role check and the audit's words.

use std::sync::Arc;

use crate::engine::cluster::ClusterClient;
use crate::engine::model::Application;
use crate::engine::policy::roles::{ActionTarget, OperatorAction};
use crate::engine::render::RenderedSource;
use crate::engine::state::{HistoryEntry, InitiatedBy};
use crate::engine::sync::SyncRequest;

/// The operator name automation's operations are recorded under.
pub const AUTOMATED: &str = "automated";

/// Who asks for an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Initiator {
    /// A person (CLI, UI): their role is checked.
    Operator(String),
    /// The engine's own automation: roles do not apply (the Application's
    /// sync policy and the pauses already decided). `action` names it in
    /// the audit: `auto-sync`, `self-heal`.
    Automation { action: String },
}

impl Initiator {
    pub fn operator(name: impl Into<String>) -> Self {
        Initiator::Operator(name.into())
    }

    pub fn automation(action: impl Into<String>) -> Self {
        Initiator::Automation {
            action: action.into(),
        }
    }

    /// The name audit records and lock claims carry.
    pub fn name(&self) -> &str {
        match self {
            Initiator::Operator(name) => name,
            Initiator::Automation { .. } => AUTOMATED,
        }
    }

    pub fn initiated_by(&self) -> InitiatedBy {
        match self {
            Initiator::Operator(name) => InitiatedBy::operator(name.clone()),
            Initiator::Automation { .. } => InitiatedBy::Automated,
        }
    }
}

/// What the operation does to the app.
#[derive(Debug, Clone, PartialEq)]
pub enum OperationKind {
    /// A sync of the rendered revision. `to_target_revision` is false when
    /// the operator named another revision: such a sync keeps a rollback
    /// pin, a sync to the target lifts it.
    Sync { to_target_revision: bool },
    /// A sync of an earlier history entry's revision (rendered at it);
    /// afterwards the app is pinned there and its automation paused.
    Rollback(Box<HistoryEntry>),
}

/// One sync or rollback, ready to run.
#[derive(Debug, Clone)]
pub struct SyncSpec {
    pub app: Application,
    /// The render `request.desired` was taken from (history records its
    /// sources).
    pub rendered: Arc<Vec<RenderedSource>>,
    pub client: ClusterClient,
    pub request: SyncRequest,
    pub initiator: Initiator,
    pub kind: OperationKind,
    /// Why, in the operator's words (or automation's), for the audit.
    pub reason: String,
}

impl SyncSpec {
    pub fn app_name(&self) -> &str {
        self.app.name()
    }

    /// The word the audit and the lock claim use.
    pub fn action(&self) -> String {
        match (&self.kind, &self.initiator) {
            (OperationKind::Rollback(_), _) => "rollback".to_string(),
            (OperationKind::Sync { .. }, Initiator::Automation { action }) => action.clone(),
            (OperationKind::Sync { .. }, Initiator::Operator(_)) if self.request.prune => {
                "sync+prune".to_string()
            }
            (OperationKind::Sync { .. }, Initiator::Operator(_)) => "sync".to_string(),
        }
    }

    /// The role an operator needs; `None` for dry runs (they are reads).
    pub fn operator_action(&self) -> Option<OperatorAction> {
        if self.request.dry_run {
            return None;
        }
        Some(match self.kind {
            OperationKind::Rollback(_) => OperatorAction::Rollback,
            OperationKind::Sync { .. } => OperatorAction::sync(self.request.prune),
        })
    }

    /// The app, its project and its cluster, for the role check.
    pub fn role_target(&self) -> ActionTarget {
        ActionTarget::app(
            self.app.name(),
            self.app.project(),
            Some(self.client.name().to_string()),
        )
    }

    pub fn to_target_revision(&self) -> bool {
        matches!(
            self.kind,
            OperationKind::Sync {
                to_target_revision: true
            }
        )
    }
}
