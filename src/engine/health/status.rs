//! `HealthStatus`: the six health codes and the order Argo CD ranks them in.
//!
//! Argo CD (gitops-engine `pkg/health/health.go`) lists the codes from most
//! to least healthy and `IsWorse(current, new)` compares their positions:
//!
//! `Healthy < Suspended < Progressing < Missing < Degraded < Unknown`
//!
//! The variants are declared in that order so the derived `Ord` *is* Argo's
//! severity: an application's health is the `max` of its resources'. Note
//! that `Unknown` ranks worst, above `Degraded`: a resource whose health
//! cannot be assessed must not let the app look better than it may be.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A resource's (or an application's) health, spelled as Argo CD spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HealthStatus {
    /// Fully healthy.
    Healthy,
    /// Paused or suspended on purpose (a paused Deployment, a suspended Job).
    Suspended,
    /// Not healthy yet but still expected to become healthy.
    Progressing,
    /// In Git but absent from the cluster.
    Missing,
    /// Failed, or did not become healthy in time.
    Degraded,
    /// Health could not be assessed.
    Unknown,
}

impl HealthStatus {
    /// Every status from most to least healthy (Argo's `healthOrder`).
    pub const ALL: [HealthStatus; 6] = [
        HealthStatus::Healthy,
        HealthStatus::Suspended,
        HealthStatus::Progressing,
        HealthStatus::Missing,
        HealthStatus::Degraded,
        HealthStatus::Unknown,
    ];

    /// Argo CD's `IsWorse(self, other)`: whether `other` is a worse condition
    /// than `self`.
    pub fn is_worse(self, other: HealthStatus) -> bool {
        other > self
    }

    /// The worse of two statuses.
    pub fn worst(self, other: HealthStatus) -> HealthStatus {
        self.max(other)
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "Healthy",
            HealthStatus::Suspended => "Suspended",
            HealthStatus::Progressing => "Progressing",
            HealthStatus::Missing => "Missing",
            HealthStatus::Degraded => "Degraded",
            HealthStatus::Unknown => "Unknown",
        }
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the six health codes (compared exactly, as
/// Argo CD validates the status a health script returns).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{0:?} is not a health status (expected one of Healthy, Suspended, Progressing, Missing, Degraded, Unknown)"
)]
pub struct UnknownHealthStatus(pub String);

impl FromStr for HealthStatus {
    type Err = UnknownHealthStatus;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        HealthStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| UnknownHealthStatus(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_follows_argo_health_order() {
        use HealthStatus::*;
        let mut shuffled = [Unknown, Healthy, Degraded, Missing, Progressing, Suspended];
        shuffled.sort();
        assert_eq!(shuffled, HealthStatus::ALL);
        assert!(Healthy.is_worse(Suspended));
        assert!(Suspended.is_worse(Progressing));
        assert!(Progressing.is_worse(Missing));
        assert!(Missing.is_worse(Degraded));
        assert!(Degraded.is_worse(Unknown));
        assert!(!Unknown.is_worse(Degraded));
        assert!(!Degraded.is_worse(Degraded));
        assert_eq!(Degraded.worst(Progressing), Degraded);
    }

    #[test]
    fn parses_and_prints_argo_spelling() {
        for status in HealthStatus::ALL {
            assert_eq!(status.to_string().parse::<HealthStatus>(), Ok(status));
        }
        assert!("healthy".parse::<HealthStatus>().is_err());
        assert_eq!(
            serde_json::to_string(&HealthStatus::Progressing)
                .ok()
                .as_deref(),
            Some("\"Progressing\"")
        );
    }
}
