//! Where an Application deploys to (and, in an AppProject, where its
//! Applications may deploy to): a cluster by API server URL or by name, and a
//! namespace.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::ValidationError;

/// Argo CD treats an empty string as unset for every field, so they are plain
/// strings and empty ones are not serialized.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Which cluster a destination names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterRef<'a> {
    Server(&'a str),
    Name(&'a str),
}

impl Destination {
    pub fn is_empty(&self) -> bool {
        self.server.is_empty()
            && self.name.is_empty()
            && self.namespace.is_empty()
            && self.extra.is_empty()
    }

    /// The cluster, when exactly one of `server` and `name` is set.
    pub fn cluster(&self) -> Option<ClusterRef<'_>> {
        match (self.server.is_empty(), self.name.is_empty()) {
            (false, true) => Some(ClusterRef::Server(&self.server)),
            (true, false) => Some(ClusterRef::Name(&self.name)),
            _ => None,
        }
    }

    /// Argo CD's rule for an Application destination: a cluster by server
    /// URL or by name, not both.
    pub(crate) fn validate_for_application(&self, path: &str) -> Vec<ValidationError> {
        match (self.server.is_empty(), self.name.is_empty()) {
            (true, true) => vec![ValidationError::new(
                path,
                "needs the cluster's server URL or its name",
            )],
            (false, false) => vec![ValidationError::new(
                path,
                "can't have both server and name; set only one",
            )],
            _ => Vec::new(),
        }
    }
}
