//! The clusters of the fleet and which one an Application's destination
//! means.
//!
//! A cluster is a kubeconfig context under a fleet name (the context name
//! unless configured otherwise). Destinations match as in Argo CD: by
//! `name`, or by `server` URL; `https://kubernetes.default.svc` is the hub
//! (the cluster fleetdeck runs "in", by default the current context).

use std::collections::BTreeMap;

use kube::config::Kubeconfig;
use serde::Serialize;

use crate::engine::appset::{ClusterInfo, GeneratorClusters};
use crate::engine::model::destination::Destination;

pub use crate::engine::conventions::in_cluster::IN_CLUSTER_SERVER;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterEntry {
    pub name: String,
    pub context: String,
    /// The API server URL from the kubeconfig.
    pub server: String,
    pub labels: BTreeMap<String, String>,
    pub hub: bool,
}

/// A configured cluster: a context, optionally renamed and labelled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterChoice {
    pub context: String,
    pub name: Option<String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    #[error("kubeconfig has no context `{0}`")]
    UnknownContext(String),
    #[error("the hub `{0}` is not a cluster of the fleet")]
    UnknownHub(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("destination has both `server` ({server}) and `name` ({name}); give one")]
    Ambiguous { server: String, name: String },
    #[error("destination has neither `server` nor `name`")]
    Empty,
    #[error("no cluster named `{name}` in the fleet (known: {known})")]
    UnknownName { name: String, known: String },
    #[error("no cluster of the fleet has server {server} (known: {known})")]
    UnknownServer { server: String, known: String },
    #[error("destination {IN_CLUSTER_SERVER} means the hub, and no hub is set (pass --hub)")]
    NoHub,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClusterRegistry {
    entries: Vec<ClusterEntry>,
}

impl ClusterRegistry {
    /// The fleet from a kubeconfig: the chosen contexts (every context when
    /// none is chosen); the hub is `hub` (a cluster or context name), else
    /// the current context when it is part of the fleet.
    pub fn from_kubeconfig(
        kubeconfig: &Kubeconfig,
        chosen: &[ClusterChoice],
        hub: Option<&str>,
    ) -> Result<ClusterRegistry, RegistryError> {
        let choices: Vec<ClusterChoice> = if chosen.is_empty() {
            kubeconfig
                .contexts
                .iter()
                .map(|context| ClusterChoice {
                    context: context.name.clone(),
                    ..ClusterChoice::default()
                })
                .collect()
        } else {
            chosen.to_vec()
        };
        let mut entries = Vec::new();
        for choice in choices {
            let context = kubeconfig
                .contexts
                .iter()
                .find(|context| context.name == choice.context)
                .ok_or_else(|| RegistryError::UnknownContext(choice.context.clone()))?;
            let cluster_name = context
                .context
                .as_ref()
                .map(|c| c.cluster.as_str())
                .unwrap_or_default();
            let server = kubeconfig
                .clusters
                .iter()
                .find(|cluster| cluster.name == cluster_name)
                .and_then(|cluster| cluster.cluster.as_ref())
                .and_then(|cluster| cluster.server.clone())
                .unwrap_or_default();
            entries.push(ClusterEntry {
                name: choice
                    .name
                    .clone()
                    .unwrap_or_else(|| choice.context.clone()),
                context: choice.context,
                server,
                labels: choice.labels,
                hub: false,
            });
        }
        let hub = match hub {
            Some(hub) => Some(
                entries
                    .iter()
                    .position(|entry| entry.name == hub || entry.context == hub)
                    .ok_or_else(|| RegistryError::UnknownHub(hub.to_string()))?,
            ),
            None => kubeconfig
                .current_context
                .as_deref()
                .and_then(|current| entries.iter().position(|entry| entry.context == current)),
        };
        if let Some(hub) = hub {
            entries[hub].hub = true;
        }
        Ok(ClusterRegistry { entries })
    }

    /// The clusters as ApplicationSet cluster generators see them (the hub
    /// as Argo CD's in-cluster cluster).
    pub fn generator_clusters(&self) -> GeneratorClusters {
        GeneratorClusters::new(self.entries.iter().map(|entry| ClusterInfo {
            name: entry.name.clone(),
            server: entry.server.clone(),
            labels: entry.labels.clone(),
            annotations: BTreeMap::new(),
            in_cluster: entry.hub,
        }))
    }

    pub fn clusters(&self) -> &[ClusterEntry] {
        &self.entries
    }

    pub fn by_name(&self, name: &str) -> Option<&ClusterEntry> {
        self.entries.iter().find(|entry| entry.name == name)
    }

    pub fn hub(&self) -> Option<&ClusterEntry> {
        self.entries.iter().find(|entry| entry.hub)
    }

    /// The cluster an Application's destination names.
    pub fn resolve(&self, destination: &Destination) -> Result<&ClusterEntry, DestinationError> {
        let known = || {
            self.entries
                .iter()
                .map(|entry| format!("{} ({})", entry.name, entry.server))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match (destination.server.as_str(), destination.name.as_str()) {
            ("", "") => Err(DestinationError::Empty),
            (server, name) if !server.is_empty() && !name.is_empty() => {
                Err(DestinationError::Ambiguous {
                    server: server.to_string(),
                    name: name.to_string(),
                })
            }
            ("", name) => self
                .by_name(name)
                .ok_or_else(|| DestinationError::UnknownName {
                    name: name.to_string(),
                    known: known(),
                }),
            (server, _) if server.trim_end_matches('/') == IN_CLUSTER_SERVER => {
                self.hub().ok_or(DestinationError::NoHub)
            }
            (server, _) => self
                .entries
                .iter()
                .find(|entry| entry.server.trim_end_matches('/') == server.trim_end_matches('/'))
                .ok_or_else(|| DestinationError::UnknownServer {
                    server: server.to_string(),
                    known: known(),
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kubeconfig() -> Kubeconfig {
        serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Config", "current-context": "hub",
            "clusters": [
                {"name": "hub", "cluster": {"server": "https://127.0.0.1:6443"}},
                {"name": "prod", "cluster": {"server": "https://prod.example:6443/"}}
            ],
            "contexts": [
                {"name": "hub", "context": {"cluster": "hub", "user": "u"}},
                {"name": "prod-admin", "context": {"cluster": "prod", "user": "u"}}
            ],
            "users": [{"name": "u", "user": {"token": "t"}}]
        }))
        .expect("kubeconfig")
    }

    fn destination(server: &str, name: &str) -> Destination {
        serde_json::from_value(serde_json::json!({"server": server, "name": name}))
            .expect("destination")
    }

    #[test]
    fn destinations_resolve_by_name_server_and_in_cluster_url() {
        let registry = ClusterRegistry::from_kubeconfig(
            &kubeconfig(),
            &[
                ClusterChoice {
                    context: "hub".into(),
                    ..ClusterChoice::default()
                },
                ClusterChoice {
                    context: "prod-admin".into(),
                    name: Some("prod".into()),
                    ..ClusterChoice::default()
                },
            ],
            None,
        )
        .expect("registry");
        assert_eq!(
            registry
                .resolve(&destination("", "prod"))
                .map(|c| c.context.as_str()),
            Ok("prod-admin")
        );
        assert_eq!(
            registry
                .resolve(&destination("https://prod.example:6443", ""))
                .map(|c| c.name.as_str()),
            Ok("prod")
        );
        assert_eq!(
            registry
                .resolve(&destination(IN_CLUSTER_SERVER, ""))
                .map(|c| c.name.as_str()),
            Ok("hub"),
            "the current context is the hub"
        );
        assert!(matches!(
            registry.resolve(&destination("", "staging")),
            Err(DestinationError::UnknownName { .. })
        ));
        assert!(matches!(
            registry.resolve(&destination("https://x", "prod")),
            Err(DestinationError::Ambiguous { .. })
        ));
    }

    #[test]
    fn every_context_is_a_cluster_when_none_is_chosen_and_an_unknown_hub_is_an_error() {
        let registry = ClusterRegistry::from_kubeconfig(&kubeconfig(), &[], Some("prod-admin"))
            .expect("registry");
        assert_eq!(registry.clusters().len(), 2);
        assert_eq!(
            registry.hub().map(|hub| hub.name.as_str()),
            Some("prod-admin")
        );
        assert_eq!(
            ClusterRegistry::from_kubeconfig(&kubeconfig(), &[], Some("nope")),
            Err(RegistryError::UnknownHub("nope".into()))
        );
    }
}
