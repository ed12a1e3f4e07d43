//! Which kinds a cluster serves, and how: group/kind → plural, scope, verbs.
//!
//! Asked once per cluster and kept; a lookup that misses refreshes it (a
//! CRD applied a moment ago serves its custom resources now). Refreshes are
//! serialised and coalesced, so a burst of misses costs one discovery.

use std::collections::HashMap;
use std::sync::RwLock;

use kube::Client;
use kube::core::ApiResource;
use kube::discovery::{Discovery, Scope};
use tokio::sync::Mutex;

use super::error::ClusterError;
use crate::engine::conventions::scope::ResourceScope;

/// One served kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceInfo {
    /// The preferred version's resource (plural, version).
    pub resource: ApiResource,
    pub namespaced: bool,
    pub verbs: Vec<String>,
}

impl ResourceInfo {
    pub fn supports(&self, verb: &str) -> bool {
        self.verbs.iter().any(|served| served == verb)
    }

    /// The resource at a given `apiVersion` (an object may be written in
    /// any served version, not only the preferred one).
    pub fn at_api_version(&self, api_version: &str) -> ApiResource {
        let version = api_version
            .rsplit_once('/')
            .map_or(api_version, |(_, version)| version);
        ApiResource {
            version: version.to_string(),
            api_version: api_version.to_string(),
            ..self.resource.clone()
        }
    }
}

#[derive(Debug, Default)]
pub struct DiscoveryCache {
    known: RwLock<Known>,
    refreshing: Mutex<()>,
}

#[derive(Debug, Default)]
struct Known {
    /// Bumped by every refresh, so a waiter can tell one happened.
    generation: u64,
    by_group_kind: HashMap<(String, String), ResourceInfo>,
}

impl DiscoveryCache {
    /// The kind's resource, refreshing once on a miss. `None`: not served.
    pub async fn resolve(
        &self,
        client: &Client,
        cluster: &str,
        group: &str,
        kind: &str,
    ) -> Result<Option<ResourceInfo>, ClusterError> {
        let (found, generation) = self.lookup(group, kind);
        if found.is_some() {
            return Ok(found);
        }
        self.refresh_if_older(client, cluster, generation).await?;
        Ok(self.lookup(group, kind).0)
    }

    /// Every served kind (after a first discovery, if none ran yet).
    pub async fn all(
        &self,
        client: &Client,
        cluster: &str,
    ) -> Result<Vec<ResourceInfo>, ClusterError> {
        let generation = self.read().generation;
        if generation == 0 {
            self.refresh_if_older(client, cluster, generation).await?;
        }
        let known = self.read();
        let mut all: Vec<ResourceInfo> = known.by_group_kind.values().cloned().collect();
        all.sort_by(|a, b| {
            (&a.resource.group, &a.resource.kind).cmp(&(&b.resource.group, &b.resource.kind))
        });
        Ok(all)
    }

    /// Forgets everything (the next lookup runs discovery again).
    pub fn invalidate(&self) {
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        known.by_group_kind.clear();
        known.generation = 0;
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Known> {
        self.known.read().unwrap_or_else(|p| p.into_inner())
    }

    fn lookup(&self, group: &str, kind: &str) -> (Option<ResourceInfo>, u64) {
        let known = self.read();
        let found = known
            .by_group_kind
            .get(&(group.to_string(), kind.to_string()))
            .cloned();
        (found, known.generation)
    }

    /// Runs discovery unless another caller refreshed since `seen`.
    async fn refresh_if_older(
        &self,
        client: &Client,
        cluster: &str,
        seen: u64,
    ) -> Result<(), ClusterError> {
        let _only_one = self.refreshing.lock().await;
        if self.read().generation != seen {
            return Ok(());
        }
        let discovery = match Discovery::new(client.clone()).run_aggregated().await {
            Ok(discovery) => discovery,
            // Servers before 1.30 have no aggregated discovery.
            Err(_) => Discovery::new(client.clone())
                .run()
                .await
                .map_err(|error| ClusterError::from_kube(cluster, "discovery".into(), error))?,
        };
        let mut by_group_kind = HashMap::new();
        for group in discovery.groups() {
            for (resource, capabilities) in group.recommended_resources() {
                let info = ResourceInfo {
                    namespaced: capabilities.scope == Scope::Namespaced,
                    verbs: capabilities.operations.clone(),
                    resource,
                };
                by_group_kind.insert(
                    (info.resource.group.clone(), info.resource.kind.clone()),
                    info,
                );
            }
        }
        let mut known = self.known.write().unwrap_or_else(|p| p.into_inner());
        known.generation = seen.max(known.generation) + 1;
        known.by_group_kind = by_group_kind;
        Ok(())
    }
}

/// What discovery has seen answers scope questions for the diff; unknown
/// kinds fall through to the app's CRDs and the built-in table.
impl ResourceScope for DiscoveryCache {
    fn is_namespaced(&self, group: &str, kind: &str) -> Option<bool> {
        self.lookup(group, kind).0.map(|info| info.namespaced)
    }
}
