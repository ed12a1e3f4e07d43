//! The AppProject rules a sync is held to, carried in every
//! [`SyncRequest`](super::SyncRequest) so that [`run_sync`](super::run_sync)
//! refuses a violating sync before its first write, whoever asked for it
//! (the engine's automation, an operator in the TUI, `fleetdeck sync` or
//! `rollback`).

use std::sync::Arc;

use crate::engine::cluster::ClusterClient;
use crate::engine::diff::ResourceScope;
use crate::engine::manifest::Manifest;
use crate::engine::model::Application;
use crate::engine::policy::project_rules::{
    ProjectRules, ProjectViolation, ResolvedDestination, check,
};

#[derive(Debug, Clone)]
pub struct ProjectGuard {
    pub rules: Arc<ProjectRules>,
    /// The repo URL of every source of the app.
    pub source_repos: Vec<String>,
    /// Whether the destination cluster is the hub (it then also answers to
    /// `https://kubernetes.default.svc` in project destinations).
    pub hub: bool,
}

impl ProjectGuard {
    pub fn for_application(app: &Application, rules: ProjectRules, hub: bool) -> Self {
        ProjectGuard {
            rules: Arc::new(rules),
            source_repos: app
                .sources()
                .iter()
                .map(|source| source.repo_url.clone())
                .collect(),
            hub,
        }
    }

    /// Objects synced without an Application (tests, benchmarks) under
    /// Argo CD's built-in `default` project, which permits everything.
    pub fn implicit_default() -> Self {
        ProjectGuard {
            rules: Arc::new(ProjectRules::ImplicitDefault),
            source_repos: Vec::new(),
            hub: false,
        }
    }

    /// The violations of writing `placed` (objects in their final
    /// namespaces) to `cluster`, the cluster the sync really talks to.
    pub fn violations(
        &self,
        cluster: &ClusterClient,
        destination_namespace: &str,
        placed: &[Manifest],
        scope: &dyn ResourceScope,
    ) -> Vec<ProjectViolation> {
        let destination = ResolvedDestination {
            cluster: cluster.name().to_string(),
            server: cluster.server().to_string(),
            hub: self.hub,
            namespace: destination_namespace.to_string(),
        };
        let repos: Vec<&str> = self.source_repos.iter().map(String::as_str).collect();
        check(&self.rules, &repos, &destination, placed, scope)
    }
}
