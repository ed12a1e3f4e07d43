//! Opening the configured repositories and reading their Argo CD resources,
//! shared by the subcommands that need them.

use std::sync::Arc;

use color_eyre::eyre::{WrapErr, bail, eyre};

use super::settings::Settings;
use crate::config::RepoConfig;
use crate::engine::error_chain::error_chain;
use crate::engine::model::{Application, Located};
use crate::engine::render::{
    RenderCache, RenderedSource, RepoCatalog, load_catalog, render_application_with,
};
use crate::engine::source::{LocalFirstResolver, Repo, RepoCache, RepoKind, RepoPath};

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

/// The one Application named `app_name` across the loaded repositories; an
/// unknown name lists where it was looked for, a name defined twice lists
/// both places.
pub fn find_application(
    catalogs: &[LoadedCatalog],
    app_name: &str,
) -> color_eyre::Result<Application> {
    let mut found: Vec<(Located<Application>, &str)> = Vec::new();
    for loaded in catalogs {
        for located in &loaded.catalog.catalog.applications {
            if located.value.name() == app_name {
                found.push((located.clone(), loaded.repo.name()));
            }
        }
    }
    match found.as_slice() {
        [(app, _)] => Ok(app.value.clone()),
        [] => {
            let mut message = format!("no Application named '{app_name}'");
            for loaded in catalogs {
                let catalog = &loaded.catalog;
                message.push_str(&format!(
                    "\n  searched {} @ {} under '{}'",
                    catalog.repo, catalog.revision, catalog.path
                ));
                for problem in catalog.problems() {
                    message.push_str(&format!("\n  could not read: {problem}"));
                }
            }
            bail!(message);
        }
        several => {
            let places: Vec<String> = several
                .iter()
                .map(|(app, repo)| format!("{repo}: {}", app.origin))
                .collect();
            bail!(
                "Application '{app_name}' is defined more than once:\n  {}",
                places.join("\n  ")
            );
        }
    }
}

/// Renders `app` off the async threads, serving its `repoURL`s from the
/// loaded repositories where they name them. Fetch warnings go to stderr.
pub async fn render_app(
    settings: &Settings,
    catalogs: &[LoadedCatalog],
    app: Application,
) -> color_eyre::Result<Vec<RenderedSource>> {
    let cache_dir = settings.repo_cache_dir()?;
    let catalog_repos: Vec<_> = catalogs.iter().map(|loaded| loaded.repo.clone()).collect();
    let tools = settings.render_tools.clone();
    let (sources, warnings) = tokio::task::spawn_blocking(move || {
        let cache = RepoCache::new(cache_dir);
        let mut resolver = LocalFirstResolver::new(&cache);
        for repo in catalog_repos {
            resolver.alias_with_remotes(repo);
        }
        let rendered = render_application_with(&app, &resolver, &RenderCache::new(16), &tools);
        (rendered, resolver.warnings())
    })
    .await
    .map_err(|join| eyre!("renderer stopped: {join}"))?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    Ok(sources?)
}
