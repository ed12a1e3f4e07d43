//! The engine's configuration from the command line and config file: the
//! repositories (opened and fetched), the fleet, limits, timeouts and the
//! operator roles (also checked here for the CLI's own write commands).

use std::sync::Arc;
use std::time::Duration;

use color_eyre::eyre::{WrapErr, eyre};

use super::app_target::{cluster_settings, fleet_registry};
use super::load::open_and_fetch;
use super::settings::Settings;
use crate::engine::policy::approval::ApprovalGate;
use crate::engine::policy::duration_text::{MAX_TIME_BOX, parse_duration};
use crate::engine::policy::label_match::TextSelector;
use crate::engine::reconciler::{CatalogSource, EngineConfig, GitSource};
use crate::engine::render::RenderCache;
use crate::engine::schedule::TimeZones;
use crate::engine::source::{RepoCache, RepoPath};
use crate::engine::state::DEFAULT_ROLLBACK_PAUSE;
use crate::engine::sync::SyncTimeouts;

/// Renders kept in memory: one per (repo, commit, path, options).
const RENDER_CACHE_ENTRIES: usize = 512;

/// `automation`: whether the engine may start automated syncs (the
/// controller) or only observe (`status`).
pub async fn engine_config(
    settings: &Settings,
    refresh_interval: Duration,
    automation: bool,
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
        git: GitSource::new(
            catalogs,
            cache,
            settings.render_tools.clone(),
            RenderCache::new(RENDER_CACHE_ENTRIES),
        ),
        registry,
        kubeconfig,
        cluster_settings: cluster_settings(settings),
        refresh_interval,
        fetch: true,
        readonly: settings.readonly,
        state_dir: Some(settings.paths.app_state_dir()),
        automation,
        approval: approval_gate(settings)?,
        roles: settings.config.role_book(),
        time_zones: TimeZones::from_dir(zoneinfo_dir()),
        sync_timeouts: SyncTimeouts {
            wave: sync
                .wave_timeout_seconds
                .map_or(defaults.wave, Duration::from_secs),
            hook: sync
                .hook_timeout_seconds
                .map_or(defaults.hook, Duration::from_secs),
            poll: defaults.poll,
        },
        rollback_pause: rollback_pause(settings)?,
    })
}

/// How long a rollback pauses the app (config `sync.rollbackPause`).
pub fn rollback_pause(settings: &Settings) -> color_eyre::Result<Duration> {
    match settings.config.sync.rollback_pause.as_deref() {
        None => Ok(DEFAULT_ROLLBACK_PAUSE),
        Some("0") => Ok(Duration::ZERO),
        Some(text) => parse_duration(text, MAX_TIME_BOX)
            .map_err(|error| eyre!("sync.rollbackPause: `{text}`: {error}")),
    }
}

/// The approval gate from the config; a selector that does not parse is an
/// error naming it (a gate silently off would let production sync).
fn approval_gate(settings: &Settings) -> color_eyre::Result<ApprovalGate> {
    let config = &settings.config.approval;
    let mut cluster_selectors = Vec::new();
    for text in &config.cluster_selectors {
        cluster_selectors.push(
            TextSelector::parse(text)
                .map_err(|error| eyre!("approval.clusterSelectors: `{text}`: {error}"))?,
        );
    }
    Ok(ApprovalGate {
        cluster_selectors,
        projects: config.projects.clone(),
    })
}

/// Where IANA time zones are read from (sync windows with `timeZone`):
/// `$TZDIR`, else the system's zoneinfo.
fn zoneinfo_dir() -> std::path::PathBuf {
    std::env::var_os("TZDIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("/usr/share/zoneinfo"))
}
