//! Whole repositories and whole Applications: the Argo CD resources a repo
//! holds at a revision, and every source of one Application rendered.
//!
//! These functions are synchronous (git2); async callers run them in
//! `spawn_blocking`.

use std::sync::Arc;

use serde::Serialize;

use super::source_render::{directory_options, render_source};
use super::{DirectoryOptions, FileError, RenderCache, RenderError, RenderKey, load_directory};
use crate::engine::manifest::Manifest;
use crate::engine::model::{Application, Catalog};
use crate::engine::source::{CommitId, Repo, RepoPath, RepoResolver};

/// The Argo CD resources found under a path of a repository at one commit.
#[derive(Debug, Clone)]
pub struct RepoCatalog {
    /// The repository's display name (path or URL).
    pub repo: String,
    /// The revision as asked for (`HEAD`, `main`, a tag...).
    pub revision: String,
    pub commit: CommitId,
    pub path: RepoPath,
    pub catalog: Catalog,
    /// Files under the path that are not valid YAML or not objects. The
    /// resources of every other file are still in `catalog`.
    pub file_errors: Vec<FileError>,
}

impl RepoCatalog {
    /// Every problem found, file-level and resource-level, as messages that
    /// name the file.
    pub fn problems(&self) -> Vec<String> {
        self.file_errors
            .iter()
            .map(ToString::to_string)
            .chain(self.catalog.errors.iter().map(ToString::to_string))
            .collect()
    }
}

/// Reads every Argo CD resource under `path` (recursively) at `revision`.
/// Broken files are collected, not fatal, so one bad file never hides the
/// rest of the fleet.
pub fn load_catalog(
    repo: &Repo,
    revision: &str,
    path: &RepoPath,
) -> Result<RepoCatalog, RenderError> {
    let commit = repo.resolve(revision)?;
    let tree = repo.tree(commit)?;
    let options = DirectoryOptions {
        recurse: true,
        ..DirectoryOptions::default()
    };
    let load = load_directory(&tree, path, &options)?;
    Ok(RepoCatalog {
        repo: repo.name().to_string(),
        revision: revision.to_string(),
        commit,
        path: path.clone(),
        catalog: Catalog::from_manifests(load.manifests),
        file_errors: load.errors,
    })
}

/// One rendered source of an Application.
#[derive(Debug, Clone, Serialize)]
pub struct RenderedSource {
    pub repo_url: String,
    pub revision: String,
    pub commit: CommitId,
    pub path: RepoPath,
    #[serde(skip)]
    pub manifests: Arc<Vec<Manifest>>,
}

/// A render of an Application that failed, naming the app and the source.
#[derive(Debug, thiserror::Error)]
pub enum AppRenderError {
    #[error("application {app}: {}", describe(.errors))]
    Invalid {
        app: String,
        errors: Vec<crate::engine::model::ValidationError>,
    },
    #[error("application {app}, source {repo_url} ({revision}): {source}")]
    Source {
        app: String,
        repo_url: String,
        revision: String,
        #[source]
        source: Box<RenderError>,
    },
}

fn describe(errors: &[crate::engine::model::ValidationError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Renders every source of `app` (a `ref`-only source of a multi-source app
/// contributes no objects, as in Argo CD). Renders are served from `cache`
/// when the same (repo, commit, path, options) was rendered before.
pub fn render_application(
    app: &Application,
    repos: &dyn RepoResolver,
    cache: &RenderCache,
) -> Result<Vec<RenderedSource>, AppRenderError> {
    let errors = app.validate();
    if !errors.is_empty() {
        return Err(AppRenderError::Invalid {
            app: app.name().to_string(),
            errors,
        });
    }
    let mut rendered = Vec::new();
    for source in app.sources() {
        if source.path.is_empty() && source.chart.is_empty() {
            continue;
        }
        let revision = source.target_revision_or_head().to_string();
        let fail = |error: RenderError| AppRenderError::Source {
            app: app.name().to_string(),
            repo_url: source.repo_url.clone(),
            revision: revision.clone(),
            source: Box::new(error),
        };
        let repo = repos
            .repo_for(&source.repo_url)
            .map_err(|e| fail(e.into()))?;
        let commit = repo.resolve(&revision).map_err(|e| fail(e.into()))?;
        let path = RepoPath::new(&source.path).map_err(|e| fail(e.into()))?;
        let key = RenderKey {
            repo: repo.name().to_string(),
            commit,
            path: path.clone(),
            options: cache_options(source),
        };
        let manifests = cache
            .get_or_render(key, || -> Result<_, RenderError> {
                let tree = repo.tree(commit)?;
                render_source(&tree, source)
            })
            .map_err(fail)?;
        rendered.push(RenderedSource {
            repo_url: source.repo_url.clone(),
            revision,
            commit,
            path,
            manifests,
        });
    }
    Ok(rendered)
}

/// Everything besides (repo, commit, path) that changes a render's output.
fn cache_options(source: &crate::engine::model::ApplicationSource) -> String {
    let options: (DirectoryOptions, _, _) =
        (directory_options(source), &source.kustomize, &source.helm);
    serde_json::to_string(&options).unwrap_or_default()
}
