//! Whole repositories and whole Applications: the Argo CD resources a repo
//! holds at a revision, and every source of one Application rendered.
//!
//! These functions are synchronous (git2); async callers run them in
//! `spawn_blocking`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::source_render::{SourceType, detect_source_type, directory_options, render_source_as};
use super::{
    DirectoryOptions, FileError, RenderCache, RenderContext, RenderError, RenderKey, RenderTools,
    ToolError, load_directory,
};
use crate::engine::manifest::Manifest;
use crate::engine::model::{Application, ApplicationSource, Catalog};
use crate::engine::source::{CommitId, Repo, RepoPath, RepoResolver, SourceTree};

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

/// Renders every source of `app` with no external tools (Helm sources fail
/// with "helm binary not found"). See [`render_application_with`].
pub fn render_application(
    app: &Application,
    repos: &dyn RepoResolver,
    cache: &RenderCache,
) -> Result<Vec<RenderedSource>, AppRenderError> {
    render_application_with(app, repos, cache, &RenderTools::default())
}

/// Renders every source of `app` (a `ref`-only source of a multi-source app
/// contributes no objects, as in Argo CD), running external binaries from
/// `tools`. Renders are served from `cache` when the same (repo, commit,
/// path, options) was rendered before.
pub fn render_application_with(
    app: &Application,
    repos: &dyn RepoResolver,
    cache: &RenderCache,
    tools: &RenderTools,
) -> Result<Vec<RenderedSource>, AppRenderError> {
    render_sources(app, repos, cache, tools, CacheUse::Reuse)
}

/// Renders every source of `app` like [`render_application_with`], but
/// runs every renderer again whatever `cache` holds and caches the new
/// renders in place of the old (a hard refresh).
pub fn render_application_again(
    app: &Application,
    repos: &dyn RepoResolver,
    cache: &RenderCache,
    tools: &RenderTools,
) -> Result<Vec<RenderedSource>, AppRenderError> {
    render_sources(app, repos, cache, tools, CacheUse::Replace)
}

/// Whether a cached render may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CacheUse {
    Reuse,
    Replace,
}

fn render_sources(
    app: &Application,
    repos: &dyn RepoResolver,
    cache: &RenderCache,
    tools: &RenderTools,
    cache_use: CacheUse,
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
        if source.is_helm_chart() {
            // A chart repository is not Git: refuse before trying to clone it.
            return Err(fail(
                ToolError::RemoteChart {
                    repo_url: source.repo_url.clone(),
                    chart: source.chart.clone(),
                    version: revision.clone(),
                }
                .into(),
            ));
        }
        let repo = repos
            .repo_for(&source.repo_url)
            .map_err(|e| fail(e.into()))?;
        let commit = repo.resolve(&revision).map_err(|e| fail(e.into()))?;
        let path = RepoPath::new(&source.path).map_err(|e| fail(e.into()))?;
        let refs = resolve_refs(app, source, repos).map_err(fail)?;
        let tree = repo.tree(commit).map_err(|e| fail(e.into()))?;
        // The type decides which Application facts and tools belong in the
        // key; listing one directory is cheap next to any render.
        let source_type = detect_source_type(&tree, source, &path).map_err(fail)?;
        let facts = AppFacts {
            name: app.name(),
            namespace: &app.spec.destination.namespace,
        };
        let key = RenderKey {
            repo: repo.name().to_string(),
            commit,
            path: path.clone(),
            options: cache_options(source, source_type, &facts, tools, &refs),
        };
        // Value files of `$ref` sources are read only on a miss: a hit needs
        // their commits (in the key), not their contents.
        let render = || {
            let ref_files = refs.read()?;
            let context = RenderContext {
                app_name: facts.name,
                namespace: facts.namespace,
                tools,
                ref_files: &ref_files,
            };
            render_source_as(&tree, source, &path, source_type, &context)
        };
        let manifests = match cache_use {
            CacheUse::Reuse => cache.get_or_render(key, render),
            CacheUse::Replace => cache.render_again(key, render),
        }
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

/// The Application facts a Helm render defaults from (release name,
/// namespace).
struct AppFacts<'a> {
    name: &'a str,
    namespace: &'a str,
}

/// One `$ref/...` value file of a source: where it is, resolved to a commit.
struct ResolvedRef {
    /// The text written in `valueFiles` (`$values/env/prod.yaml`).
    written: String,
    ref_name: String,
    file: String,
    repo: Arc<Repo>,
    commit: CommitId,
}

/// The `$ref/...` value files of one source, resolved (cheap) but not read.
#[derive(Default)]
struct ResolvedRefs {
    refs: Vec<ResolvedRef>,
}

impl ResolvedRefs {
    /// `(ref, repository, commit)` per ref used, once each: part of the cache
    /// key, as a new commit of a values repo changes the render.
    fn commits(&self) -> Vec<(&str, &str, String)> {
        let mut commits: Vec<(&str, &str, String)> = Vec::new();
        for found in &self.refs {
            let entry = (
                found.ref_name.as_str(),
                found.repo.name(),
                found.commit.to_string(),
            );
            if !commits.contains(&entry) {
                commits.push(entry);
            }
        }
        commits
    }

    /// The files' contents, keyed by the text written in `valueFiles`. A
    /// missing file is left out; the Helm renderer reports it (or skips it
    /// under ignoreMissingValueFiles) like any other value file.
    fn read(&self) -> Result<BTreeMap<String, Vec<u8>>, RenderError> {
        let mut files = BTreeMap::new();
        for found in &self.refs {
            let tree = found.repo.tree(found.commit)?;
            if let Some(bytes) = tree.read_file(&RepoPath::new(&found.file)?)? {
                files.insert(found.written.clone(), bytes);
            }
        }
        Ok(files)
    }
}

fn resolve_refs(
    app: &Application,
    source: &ApplicationSource,
    repos: &dyn RepoResolver,
) -> Result<ResolvedRefs, RenderError> {
    let mut resolved = ResolvedRefs::default();
    for (ref_name, file) in source.referenced_value_files() {
        let written = format!("${ref_name}/{file}");
        let Some(defining) = app
            .sources()
            .iter()
            .find(|other| other.ref_name == ref_name)
        else {
            return Err(ToolError::UnknownValuesRef {
                file: written,
                ref_name: ref_name.to_string(),
            }
            .into());
        };
        let repo = repos.repo_for(&defining.repo_url)?;
        let commit = repo.resolve(defining.target_revision_or_head())?;
        resolved.refs.push(ResolvedRef {
            written,
            ref_name: ref_name.to_string(),
            file: file.to_string(),
            repo,
            commit,
        });
    }
    Ok(resolved)
}

/// Everything besides (repo, commit, path) that changes a render's output:
/// the source's options and, for Helm, the Application facts it defaults
/// from (release name, namespace) and the commits of `$ref` sources, plus
/// the external binary used. Directory and native Kustomize keys hold no
/// app facts, so many apps rendering one path share a render.
fn cache_options(
    source: &ApplicationSource,
    source_type: SourceType,
    facts: &AppFacts<'_>,
    tools: &RenderTools,
    refs: &ResolvedRefs,
) -> String {
    let helm = source_type == SourceType::Helm;
    let kustomize = source_type == SourceType::Kustomize;
    let options = serde_json::json!({
        "directory": directory_options(source),
        "kustomize": &source.kustomize,
        "helm": &source.helm,
        "app": if helm { facts.name } else { "" },
        "namespace": if helm { facts.namespace } else { "" },
        "refs": refs.commits(),
        "helmBinary": if helm { tools.helm.as_ref() } else { None },
        "kustomizeBinary": if kustomize { tools.kustomize.as_ref() } else { None },
    });
    options.to_string()
}
