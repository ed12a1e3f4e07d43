//! The Git side of the fleet: which repositories hold the Applications, and
//! rendering them. Blocking (git2); the actor runs it in `spawn_blocking`.

use std::sync::Arc;

use crate::engine::error_chain::error_chain;
use crate::engine::model::Application;
use crate::engine::render::{
    AppRenderError, RenderCache, RenderTools, RenderedSource, load_catalog, render_application_with,
};
use crate::engine::source::{LocalFirstResolver, Repo, RepoCache, RepoKind, RepoPath};

/// One repository and where in it the Argo CD resources live.
#[derive(Debug, Clone)]
pub struct CatalogSource {
    pub repo: Arc<Repo>,
    pub revision: String,
    pub path: RepoPath,
}

#[derive(Debug)]
pub struct GitSource {
    pub catalogs: Vec<CatalogSource>,
    /// Where repositories named by `repoURL`s (and not by a catalog) are cloned.
    pub cache: Arc<RepoCache>,
    pub tools: RenderTools,
    pub renders: RenderCache,
}

/// The Applications found, and what could not be read.
#[derive(Debug, Default)]
pub struct LoadedApps {
    pub apps: Vec<Application>,
    pub problems: Vec<String>,
}

impl GitSource {
    /// Reads every catalog (fetching remote repositories first when
    /// `fetch`). A repository that fails is a problem, not the end: the
    /// others' apps are still there.
    pub fn load(&self, fetch: bool) -> LoadedApps {
        let mut loaded = LoadedApps::default();
        for source in &self.catalogs {
            if fetch
                && source.repo.kind() == RepoKind::Remote
                && let Err(error) = source.repo.fetch()
            {
                loaded.problems.push(format!(
                    "{}: fetch failed, using the last fetched state: {}",
                    source.repo.name(),
                    error_chain(&error)
                ));
            }
            match load_catalog(&source.repo, &source.revision, &source.path) {
                Ok(catalog) => {
                    loaded.problems.extend(catalog.problems());
                    loaded.apps.extend(
                        catalog
                            .catalog
                            .applications
                            .into_iter()
                            .map(|located| located.value),
                    );
                }
                Err(error) => {
                    loaded
                        .problems
                        .push(format!("{}: {}", source.repo.name(), error_chain(&error)))
                }
            }
        }
        loaded.apps.sort_by(|a, b| a.name().cmp(b.name()));
        loaded
    }

    /// Renders one app, its `repoURL`s served from the catalogs' local
    /// repositories where they name them.
    pub fn render(&self, app: &Application) -> Result<Vec<RenderedSource>, AppRenderError> {
        let mut resolver = LocalFirstResolver::new(&self.cache);
        for source in &self.catalogs {
            resolver.alias_with_remotes(source.repo.clone());
        }
        render_application_with(app, &resolver, &self.renders, &self.tools)
    }
}
