//! The engine's configuration from the command line and config file: the
//! repositories (opened and fetched), the fleet, limits and timeouts.

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{WrapErr, eyre};

use super::app_target::{cluster_settings, fleet_registry};
use super::load::open_and_fetch;
use super::settings::Settings;
use crate::engine::reconciler::{CatalogSource, EngineConfig, GitSource};
use crate::engine::render::RenderCache;
use crate::engine::source::{RepoCache, RepoPath};
use crate::engine::sync::SyncTimeouts;

/// Renders kept in memory: one per (repo, commit, path, options).
const RENDER_CACHE_ENTRIES: usize = 512;

pub async fn engine_config(
    settings: &Settings,
    refresh_interval: Duration,
) -> color_eyre::Result<EngineConfig> {
    let cache = Arc::new(RepoCache::new(settings.repo_cache_dir()?));
    let mut catalogs = Vec::new();
    for repo in settings.require_repos()? {
        let opened = {
            let cache = cache.clone();
            let url = repo.url.clone();
            tokio::task::spawn_blocking(move || open_and_fetch(&cache, &url))
                .await
                .map_err(|join| eyre!("repository loader stopped: {join}"))??
        };
        catalogs.push(CatalogSource {
            repo: opened,
            revision: repo.revision.clone(),
            path: RepoPath::new(&repo.path)
                .wrap_err_with(|| format!("invalid path '{}'", repo.path))?,
        });
    }
    let (kubeconfig, registry) = fleet_registry(settings)?;
    let defaults = SyncTimeouts::default();
    let sync = &settings.config.sync;
    Ok(EngineConfig {
        git: GitSource {
            catalogs,
            cache,
            tools: settings.render_tools.clone(),
            renders: RenderCache::new(RENDER_CACHE_ENTRIES),
        },
        registry,
        kubeconfig,
        cluster_settings: cluster_settings(settings),
        refresh_interval,
        fetch: true,
        readonly: settings.readonly,
        state_dir: Some(settings.paths.app_state_dir()),
        sync_timeouts: SyncTimeouts {
            wave: sync
                .wave_timeout_seconds
                .map_or(defaults.wave, Duration::from_secs),
            hook: sync
                .hook_timeout_seconds
                .map_or(defaults.hook, Duration::from_secs),
            poll: defaults.poll,
        },
    })
}
