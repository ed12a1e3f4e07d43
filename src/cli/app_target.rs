//! What the per-app commands (`get`, `diff`, `sync`, `history`,
//! `rollback`) start from: the Application found in the repositories,
//! rendered, and a client for the cluster its destination names.

use std::path::PathBuf;

use color_eyre::eyre::{WrapErr, eyre};

use super::load::{LoadedCatalog, find_application, load_catalogs, render_app};
use super::settings::Settings;
use crate::engine::cluster::{
    ClusterChoice, ClusterClient, ClusterEntry, ClusterRegistry, ClusterSettings,
    IN_CLUSTER_CONTEXT, connect, read_kubeconfig,
};
use kube::config::Kubeconfig;

use crate::engine::model::Application;
use crate::engine::policy::project_rules::ProjectRules;
use crate::engine::render::RenderedSource;
use crate::engine::sync::ProjectGuard;

pub struct AppTarget {
    pub app: Application,
    pub sources: Vec<RenderedSource>,
    /// The rules of the app's project, as Git defines them.
    pub project: ProjectRules,
    pub cluster: ClusterEntry,
    pub client: ClusterClient,
}

impl AppTarget {
    /// Every rendered object, all sources together.
    pub fn desired(&self) -> Vec<crate::engine::manifest::Manifest> {
        self.sources
            .iter()
            .flat_map(|source| source.manifests.iter().cloned())
            .collect()
    }

    /// What a sync of this target is held to.
    pub fn project_guard(&self) -> ProjectGuard {
        ProjectGuard::for_application(&self.app, self.project.clone(), self.cluster.hub)
    }

    /// The rendered commit (of the first source), for messages.
    pub fn revision(&self) -> String {
        self.sources
            .first()
            .map(|source| source.commit.to_string())
            .unwrap_or_default()
    }
}

/// Loads, renders (at `source_revision` when given, instead of each
/// source's `targetRevision`) and connects.
pub async fn load_target(
    settings: &Settings,
    app_name: &str,
    source_revision: Option<&str>,
) -> color_eyre::Result<AppTarget> {
    let catalogs = load_catalogs(settings).await?;
    let mut app = find_application(settings, &catalogs, app_name).await?;
    if let Some(revision) = source_revision {
        app.pin_git_sources(revision);
    }
    let sources = render_app(settings, &catalogs, app.clone())
        .await
        .wrap_err_with(|| format!("cannot render app {app_name}"))?;
    let project = project_rules(&catalogs, &app);
    let (cluster, client) = connect_destination(settings, &app).await?;
    Ok(AppTarget {
        app,
        sources,
        project,
        cluster,
        client,
    })
}

/// The rules of `app`'s project from the loaded repositories (the first
/// repository that defines it).
pub fn project_rules(catalogs: &[LoadedCatalog], app: &Application) -> ProjectRules {
    ProjectRules::for_app(app, |name| {
        catalogs
            .iter()
            .find_map(|loaded| loaded.catalog.catalog.project(name))
            .map(|located| &located.value)
    })
}

pub fn kubeconfig_path(settings: &Settings) -> PathBuf {
    settings
        .kubeconfig
        .clone()
        .unwrap_or_else(|| settings.paths.default_kubeconfig.clone())
}

/// The cluster of the app's destination, from the fleet in the kubeconfig.
pub async fn connect_destination(
    settings: &Settings,
    app: &Application,
) -> color_eyre::Result<(ClusterEntry, ClusterClient)> {
    let (kubeconfig, registry) = fleet_registry(settings)?;
    let entry = registry
        .resolve(&app.spec.destination)
        .map_err(|error| eyre!("app {}: {error}", app.name()))?
        .clone();
    let client = connect(
        &kubeconfig,
        &entry.context,
        &entry.name,
        cluster_settings(settings),
    )
    .await?;
    Ok((entry, client))
}

/// The fleet: the configured contexts (all of the kubeconfig's when none
/// is configured) and the hub.
///
/// In a pod, the pod's own cluster joins as the `in-cluster` context (the
/// hub unless --hub says otherwise), and a kubeconfig is optional.
pub fn fleet_registry(settings: &Settings) -> color_eyre::Result<(Kubeconfig, ClusterRegistry)> {
    let path = kubeconfig_path(settings);
    let in_cluster = super::in_cluster::detect();
    let kubeconfig = match &in_cluster {
        Some(in_cluster) if !path.exists() => in_cluster.kubeconfig(),
        Some(in_cluster) => in_cluster.add_to(read_kubeconfig(&path)?),
        None => read_kubeconfig(&path)?,
    };
    let hub = settings
        .hub
        .as_deref()
        .or(in_cluster.as_ref().map(|_| IN_CLUSTER_CONTEXT));
    let choices: Vec<ClusterChoice> = settings
        .clusters
        .iter()
        .map(|cluster| ClusterChoice {
            context: cluster.context.clone(),
            name: cluster.name.clone(),
            labels: cluster.labels.clone(),
        })
        .collect();
    let registry = ClusterRegistry::from_kubeconfig(&kubeconfig, &choices, hub)
        .wrap_err_with(|| format!("in kubeconfig {}", path.display()))?;
    Ok((kubeconfig, registry))
}

/// The API limits from the config, defaults elsewhere; read-only when
/// `--readonly` or the config says so (every client the CLI makes comes
/// from here, so none can write then).
pub fn cluster_settings(settings: &Settings) -> ClusterSettings {
    let api = &settings.config.api;
    let defaults = ClusterSettings::default();
    ClusterSettings {
        qps: api.qps.unwrap_or(defaults.qps),
        burst: api.burst.unwrap_or(defaults.burst),
        request_timeout: api
            .timeout_seconds
            .map_or(defaults.request_timeout, std::time::Duration::from_secs),
        readonly: settings.readonly,
    }
}
