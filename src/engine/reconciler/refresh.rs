//! The Git half of a refresh, run as its own task so the actor keeps
//! answering commands meanwhile: read the catalogs, expand the
//! ApplicationSets, render every app. Nothing here talks to a cluster;
//! the live side comes from the watch-fed caches.
//!
//! Apps render in parallel batches (one worker per core; see
//! [`GitSource::render_batch`]), each app's result its own. Rendering an
//! app whose source resolves to the same commit, path and options costs a
//! render-cache lookup, so a poll that finds no new commit
//! is cheap, and [`same_render`] tells which apps a pass changed. A hard
//! refresh renders the apps it covers anew. Each app's commit subject and
//! author come from the commit cache (Git is read once per commit).

use std::collections::HashMap;
use std::sync::Arc;

use super::git_source::GitSource;
use super::hard_refresh::HardRefresh;
use crate::engine::appset::{AppSetSummary, GeneratorClusters};
use crate::engine::error_chain::error_chain;
use crate::engine::model::{AppProject, Application, ApplicationSet};
use crate::engine::render::RenderedSource;
use crate::engine::source::CommitInfo;

/// One app's render, or why it failed (in words, for its conditions).
pub type RenderOutcome = Result<Arc<Vec<RenderedSource>>, String>;

/// What one pass found.
#[derive(Debug, Default)]
pub struct RefreshResult {
    pub apps: Vec<Application>,
    pub problems: Vec<String>,
    pub renders: HashMap<String, RenderOutcome>,
    /// Generated app → the ApplicationSet that generated it.
    pub owners: HashMap<String, String>,
    pub projects: HashMap<String, AppProject>,
    /// Child app → the app whose render holds it (app of apps).
    pub parents: HashMap<String, String>,
    /// App → why it is not what its ApplicationSet generates now.
    pub notes: HashMap<String, String>,
    /// The ApplicationSets written in Git (their strategies order syncs).
    pub application_sets: Vec<ApplicationSet>,
    /// App → the commit its (first) source rendered.
    pub commits: HashMap<String, CommitInfo>,
    /// What this pass rendered anew.
    pub hard: HardRefresh,
    /// Those sets as the front ends show them.
    pub set_summaries: Vec<AppSetSummary>,
}

pub async fn refresh(
    git: Arc<GitSource>,
    generator_clusters: GeneratorClusters,
    fetch: bool,
    hard: HardRefresh,
) -> RefreshResult {
    let rendering = tokio::task::spawn_blocking(move || {
        if hard.is_all() {
            git.renders.clear();
        }
        let started = std::time::Instant::now();
        let loaded = git.load(fetch, &generator_clusters);
        let loaded_at = started.elapsed();
        let covered = |name: &str| hard.covers(name);
        let rendered = git.render_fleet(loaded.apps, &generator_clusters, &covered);
        tracing::debug!(
            apps = rendered.renders.len(),
            load = ?loaded_at,
            render = ?started.elapsed().saturating_sub(loaded_at),
            "git pass: catalogs loaded, apps rendered"
        );
        let mut owners = loaded.owners;
        owners.extend(rendered.owners);
        let mut projects = loaded.projects;
        for project in rendered.projects {
            // A project in Git wins over one an app renders.
            projects
                .entry(project.metadata.name.clone())
                .or_insert(project);
        }
        let mut problems = loaded.problems;
        problems.extend(rendered.problems);
        let mut apps = Vec::with_capacity(rendered.renders.len());
        let mut renders = HashMap::with_capacity(rendered.renders.len());
        for (app, outcome) in rendered.renders {
            renders.insert(app.name().to_string(), outcome.map(Arc::new));
            apps.push(app);
        }
        apps.sort_by(|a, b| a.name().cmp(b.name()));
        let commits = commit_infos(&git, &renders);
        RefreshResult {
            apps,
            problems,
            renders,
            owners,
            projects,
            parents: rendered.parents,
            notes: loaded.notes,
            application_sets: loaded.application_sets,
            commits,
            hard,
            set_summaries: loaded.set_summaries,
        }
    });
    match rendering.await {
        Ok(result) => result,
        Err(join) => RefreshResult {
            problems: vec![format!("the renderer stopped: {join}")],
            ..RefreshResult::default()
        },
    }
}

/// Each rendered app's commit, from the commit cache. A commit that
/// cannot be read leaves the app without a subject (logged; the render
/// read the same commit moments ago, so this is rare and harmless).
fn commit_infos(
    git: &GitSource,
    renders: &HashMap<String, RenderOutcome>,
) -> HashMap<String, CommitInfo> {
    let mut commits = HashMap::with_capacity(renders.len());
    for (app, outcome) in renders {
        let Some(source) = outcome.as_ref().ok().and_then(|sources| sources.first()) else {
            continue;
        };
        match git.commit_info(&source.repo_url, &source.commit.to_string()) {
            Ok(Some(info)) => {
                commits.insert(app.clone(), info);
            }
            Ok(None) => {}
            Err(error) => {
                tracing::debug!(app = %app, error = %error_chain(&error), "no commit subject");
            }
        }
    }
    commits
}

/// Whether two renders of an app are the same (same commit, path,
/// revision and manifests): the Git pass's test of what it changed.
pub(super) fn same_render(old: Option<&RenderOutcome>, new: Option<&RenderOutcome>) -> bool {
    match (old, new) {
        (Some(Ok(old)), Some(Ok(new))) => {
            Arc::ptr_eq(old, new)
                || (old.len() == new.len()
                    && old.iter().zip(new.iter()).all(|(old, new)| {
                        old.commit == new.commit
                            && old.path == new.path
                            && old.repo_url == new.repo_url
                            && old.revision == new.revision
                            && (Arc::ptr_eq(&old.manifests, &new.manifests)
                                || old.manifests == new.manifests)
                    }))
        }
        (Some(Err(old)), Some(Err(new))) => old == new,
        (None, None) => true,
        _ => false,
    }
}
