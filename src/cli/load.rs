//! Opening the configured repositories and reading their Argo CD resources,
//! shared by the subcommands that need them.

use std::sync::Arc;

use color_eyre::eyre::{WrapErr, eyre};

use super::settings::Settings;
use crate::config::RepoConfig;
use crate::engine::error_chain::error_chain;
use crate::engine::render::{RepoCatalog, load_catalog};
use crate::engine::source::{Repo, RepoCache, RepoKind, RepoPath};

/// One repository's resources, with the repository kept open for renders.
#[derive(Debug)]
pub struct LoadedCatalog {
    pub repo: Arc<Repo>,
    pub catalog: RepoCatalog,
}

/// Opens every configured repository (fetching remote ones) and reads its
/// Argo CD resources. A repository that cannot be read fails the command:
/// listing a fleet with a repository silently missing would mislead.
pub async fn load_catalogs(settings: &Settings) -> color_eyre::Result<Vec<LoadedCatalog>> {
    let repos = Arc::new(RepoCache::new(settings.repo_cache_dir()?));
    let mut loaded = Vec::new();
    for config in settings.require_repos()? {
        loaded.push(load_one(repos.clone(), config.clone()).await?);
    }
    Ok(loaded)
}

/// Opens one repository and reads its catalog, off the async threads (git2
/// blocks).
pub async fn load_one(
    repos: Arc<RepoCache>,
    config: RepoConfig,
) -> color_eyre::Result<LoadedCatalog> {
    tokio::task::spawn_blocking(move || {
        let repo = open_and_fetch(&repos, &config.url)?;
        let path = RepoPath::new(&config.path)
            .wrap_err_with(|| format!("invalid --path '{}'", config.path))?;
        let catalog = load_catalog(&repo, &config.revision, &path)?;
        Ok(LoadedCatalog { repo, catalog })
    })
    .await
    .map_err(|join| eyre!("repository loader stopped: {join}"))?
}

/// Opens a repository; a remote one is brought up to date first. A failed
/// fetch of a repository that was cloned before is a warning, not an error:
/// during an incident the last known state of Git beats no state at all.
pub fn open_and_fetch(repos: &RepoCache, location: &str) -> color_eyre::Result<Arc<Repo>> {
    let repo = repos.open(location)?;
    if repo.kind() == RepoKind::Remote {
        eprintln!("fetching {}", repo.name());
        if let Err(error) = repo.fetch() {
            eprintln!(
                "warning: {}; using the copy fetched earlier ({})",
                error_chain(&error),
                repo.path().display()
            );
            tracing::warn!(repo = repo.name(), error = %error_chain(&error), "fetch failed");
        }
    }
    Ok(repo)
}
