//! Recomputing the status of some apps from the live caches, as a task of
//! its own (diffs of many apps are CPU work: they run on the blocking pool,
//! and the actor keeps answering commands).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::observe::{observe_app, unknown_app};
use super::refresh::RenderOutcome;
use crate::engine::api::AppSnapshot;
use crate::engine::cluster::{ClusterRegistry, LiveCache};
use crate::engine::model::Application;
use crate::engine::policy::project_rules::ProjectRules;
use crate::engine::source::CommitInfo;
use crate::engine::sync::ProjectGuard;

/// One app to recompute, with its render.
pub struct AppInput {
    pub app: Application,
    pub render: Option<RenderOutcome>,
    /// The rules of the app's project, shown as conditions when broken.
    pub project: ProjectRules,
    /// The rendered commit's subject and author (from the Git pass: the
    /// recompute never reads Git).
    pub commit: Option<CommitInfo>,
}

/// The apps' rows. Caches still listing are waited for first, up to
/// `settle` (a first status from half a list would be false drift); past
/// that their apps are Unknown until the lists finish.
pub async fn recompute(
    inputs: Vec<AppInput>,
    registry: ClusterRegistry,
    caches: Arc<HashMap<String, Arc<LiveCache>>>,
    settle: Duration,
) -> Vec<AppSnapshot> {
    let waits = caches.values().map(|cache| cache.settled());
    let _ = tokio::time::timeout(settle, futures::future::join_all(waits)).await;
    let computing = tokio::task::spawn_blocking(move || {
        inputs
            .iter()
            .map(|input| row(input, &registry, &caches))
            .collect::<Vec<_>>()
    });
    computing.await.unwrap_or_default()
}

fn row(
    input: &AppInput,
    registry: &ClusterRegistry,
    caches: &HashMap<String, Arc<LiveCache>>,
) -> AppSnapshot {
    let mut row = observe(input, registry, caches);
    // The subject goes with the revision the row shows, never another.
    row.commit = input
        .commit
        .as_ref()
        .filter(|commit| row.revision.as_deref() == Some(commit.id.to_string().as_str()))
        .cloned();
    row
}

fn observe(
    input: &AppInput,
    registry: &ClusterRegistry,
    caches: &HashMap<String, Arc<LiveCache>>,
) -> AppSnapshot {
    let app = &input.app;
    let cluster = registry
        .resolve(&app.spec.destination)
        .map(|entry| entry.name.clone());
    match (&input.render, cluster) {
        (None, cluster) => unknown_app(app, cluster.ok(), "not rendered yet".to_string()),
        (Some(Err(error)), cluster) => {
            unknown_app(app, cluster.ok(), format!("render failed: {error}"))
        }
        (Some(Ok(_)), Err(error)) => unknown_app(app, None, error.to_string()),
        (Some(Ok(sources)), Ok(name)) => match caches.get(&name) {
            Some(cache) => {
                let hub = registry.by_name(&name).is_some_and(|entry| entry.hub);
                let guard = ProjectGuard::for_application(app, input.project.clone(), hub);
                observe_app(app, sources, cache, &guard)
            }
            None => unknown_app(
                app,
                Some(name.clone()),
                format!("no client for cluster {name}"),
            ),
        },
    }
}
