//! Approving a gated app's revision through the layer: authorise → save
//! the approval in the app's state → audit.

use k8s_openapi::jiff::Timestamp;

use super::error::OperationError;
use super::layer::{Operations, append, blocking};
use crate::engine::policy::roles::{ActionTarget, OperatorAction};
use crate::engine::state::{Approval, AuditRecord};

/// An approval an operator gives.
#[derive(Debug, Clone)]
pub struct ApproveAsk {
    pub app: String,
    /// The revision the app renders now: a later one needs approving
    /// again.
    pub revision: String,
    /// The app, its project and (when known) its cluster.
    pub target: ActionTarget,
}

impl Operations {
    pub async fn approve(
        &self,
        operator: &str,
        ask: ApproveAsk,
    ) -> Result<Approval, OperationError> {
        let ApproveAsk {
            app,
            revision,
            target,
        } = ask;
        self.refuse_if_readonly("approving")?;
        self.authorise(operator, OperatorAction::Approve, &target)?;
        let store = self.store.clone().ok_or(OperationError::NoStateDirectory {
            what: "an approval could not be kept",
        })?;
        let audit = self.audit.clone();
        let operator = operator.to_string();
        let label = app.clone();
        blocking("approve", &label, move || {
            let approval = Approval {
                revision: revision.clone(),
                by: operator.clone(),
                at: Timestamp::now(),
            };
            store.set_approval(&app, approval.clone())?;
            append(
                audit.as_deref(),
                &AuditRecord {
                    at: approval.at,
                    operator,
                    action: "approve".to_string(),
                    target: app.clone(),
                    revision,
                    reason: String::new(),
                    result: "done".to_string(),
                },
            )
            .map_err(|source| OperationError::NotAudited {
                action: "approve".to_string(),
                target: app,
                source,
            })?;
            Ok(approval)
        })
        .await?
    }
}
