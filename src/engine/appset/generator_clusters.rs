//! [`GeneratorClusters`]: the clusters the fleet knows, as the clusters
//! generator sees them (built from the cluster registry
//! by the engine, or by hand in tests).
//!
//! A plain input type so the generator stays pure: the caller (the engine's
//! fleet state, a test) builds it from whatever holds the clusters. The hub
//! is Argo CD's in-cluster cluster: applications reach it as
//! `https://kubernetes.default.svc`, named `in-cluster` unless given a name.

use std::collections::BTreeMap;

pub use crate::engine::conventions::in_cluster::{IN_CLUSTER_NAME, IN_CLUSTER_SERVER};

/// One cluster of the fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterInfo {
    pub name: String,
    pub server: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    /// The hub: the cluster fleetdeck (Argo CD) itself runs in.
    pub in_cluster: bool,
}

impl ClusterInfo {
    pub fn new(name: impl Into<String>, server: impl Into<String>) -> Self {
        ClusterInfo {
            name: name.into(),
            server: server.into(),
            ..ClusterInfo::default()
        }
    }

    /// The hub as Argo CD names it.
    pub fn hub() -> Self {
        ClusterInfo {
            name: IN_CLUSTER_NAME.into(),
            server: IN_CLUSTER_SERVER.into(),
            in_cluster: true,
            ..ClusterInfo::default()
        }
    }

    pub fn with_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    pub fn with_annotation(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.annotations.insert(key.into(), value.into());
        self
    }

    /// The name templates see (`in-cluster` for an unnamed hub).
    pub fn param_name(&self) -> &str {
        if self.in_cluster && self.name.is_empty() {
            IN_CLUSTER_NAME
        } else {
            &self.name
        }
    }

    /// The server URL templates see: the hub is always
    /// `https://kubernetes.default.svc`, whatever fleetdeck connects to.
    pub fn param_server(&self) -> &str {
        if self.in_cluster {
            IN_CLUSTER_SERVER
        } else {
            &self.server
        }
    }

    /// Argo CD lists the in-cluster cluster without a cluster secret unless
    /// one was written for it; such a hub has no labels or annotations and
    /// only an empty selector includes it. A hub with labels stands for one
    /// registered with a secret and is selected like any other cluster.
    pub(crate) fn is_unregistered_hub(&self) -> bool {
        self.in_cluster && self.labels.is_empty() && self.annotations.is_empty()
    }
}

/// The fleet's clusters, in generator order: an unregistered hub first
/// (as Argo CD lists it), then the others by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratorClusters {
    clusters: Vec<ClusterInfo>,
}

impl GeneratorClusters {
    pub fn new(clusters: impl IntoIterator<Item = ClusterInfo>) -> Self {
        let mut clusters: Vec<ClusterInfo> = clusters.into_iter().collect();
        clusters.sort_by(|a, b| {
            (!a.is_unregistered_hub(), a.param_name())
                .cmp(&(!b.is_unregistered_hub(), b.param_name()))
        });
        GeneratorClusters { clusters }
    }

    pub fn clusters(&self) -> &[ClusterInfo] {
        &self.clusters
    }

    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_first_then_by_name() {
        let registry = GeneratorClusters::new([
            ClusterInfo::new("zeta", "https://z"),
            ClusterInfo::hub(),
            ClusterInfo::new("alpha", "https://a"),
        ]);
        let names: Vec<_> = registry
            .clusters()
            .iter()
            .map(ClusterInfo::param_name)
            .collect();
        assert_eq!(names, ["in-cluster", "alpha", "zeta"]);
        let hub = ClusterInfo {
            server: "https://127.0.0.1:6443".into(),
            ..ClusterInfo::hub()
        };
        assert_eq!(hub.param_server(), IN_CLUSTER_SERVER);
    }
}
