//! `Health`: one assessment — a status plus the human message explaining it.

use serde::{Deserialize, Serialize};

use super::status::HealthStatus;

/// The health of one object, as Argo CD's `HealthStatus` struct carries it:
/// a status and a message (empty when the check has nothing to say).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Health {
    pub status: HealthStatus,
    #[serde(default)]
    pub message: String,
}

impl Health {
    pub fn new(status: HealthStatus, message: impl Into<String>) -> Self {
        Health {
            status,
            message: message.into(),
        }
    }

    pub fn healthy(message: impl Into<String>) -> Self {
        Health::new(HealthStatus::Healthy, message)
    }

    pub fn suspended(message: impl Into<String>) -> Self {
        Health::new(HealthStatus::Suspended, message)
    }

    pub fn progressing(message: impl Into<String>) -> Self {
        Health::new(HealthStatus::Progressing, message)
    }

    pub fn missing(message: impl Into<String>) -> Self {
        Health::new(HealthStatus::Missing, message)
    }

    pub fn degraded(message: impl Into<String>) -> Self {
        Health::new(HealthStatus::Degraded, message)
    }

    pub fn unknown(message: impl Into<String>) -> Self {
        Health::new(HealthStatus::Unknown, message)
    }
}

impl Health {
    /// Argo's answer for a known kind at an API version its check does not
    /// read (e.g. `apps/v1beta2` Deployments): the check fails, and a failed
    /// check is reported as `Unknown` with the error as message.
    pub(crate) fn unsupported_version(kind: &str, gvk: impl std::fmt::Display) -> Self {
        Health::unknown(format!("unsupported {kind} GVK: {gvk}"))
    }
}

impl Health {
    /// A status a resource reports about itself (an Argo Rollout's
    /// `status.phase`), taken as is when it is one of the six health codes;
    /// anything else is `Unknown`, as Argo CD treats an invalid status a
    /// health script returns.
    pub(crate) fn reported(status: &str, message: &str) -> Self {
        match status.parse::<HealthStatus>() {
            Ok(status) => Health::new(status, message),
            Err(invalid) => Health::unknown(invalid.to_string()),
        }
    }
}
