//! One refresh pass, run as its own task so the actor keeps answering
//! commands meanwhile: read Git, ask every cluster if it is there, render
//! every app and compare it with its cluster.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use futures::StreamExt;

use super::app_of_apps::render_with_children;
use super::git_source::GitSource;
use super::observe::{observe_app, unknown_app};
use crate::engine::api::{AppSnapshot, ConnectionState};
use crate::engine::cluster::{ClusterClient, ClusterRegistry};
use crate::engine::error_chain::error_chain;
use crate::engine::model::{AppProject, Application, ApplicationSet};
use crate::engine::policy::project_rules::ProjectRules;
use crate::engine::render::RenderedSource;
use crate::engine::sync::ProjectGuard;

/// Apps compared at once (each is a handful of small label-selected lists).
const CONCURRENT_APPS: usize = 8;

/// What one pass found.
#[derive(Debug, Default)]
pub struct RefreshResult {
    pub apps: Vec<Application>,
    pub problems: Vec<String>,
    pub renders: HashMap<String, Arc<Vec<RenderedSource>>>,
    pub projects: HashMap<String, AppProject>,
    pub application_sets: Vec<ApplicationSet>,
    pub rows: BTreeMap<String, AppSnapshot>,
    pub connections: HashMap<String, Result<String, String>>,
}

/// What the blocking half of a pass produced.
#[derive(Default)]
struct Rendered {
    renders: Vec<(Application, Result<Vec<RenderedSource>, String>)>,
    problems: Vec<String>,
    owners: HashMap<String, String>,
    projects: HashMap<String, AppProject>,
    parents: HashMap<String, String>,
    notes: HashMap<String, String>,
    application_sets: Vec<ApplicationSet>,
}

pub async fn refresh(
    git: Arc<GitSource>,
    registry: ClusterRegistry,
    clients: HashMap<String, ClusterClient>,
    fetch: bool,
) -> RefreshResult {
    let rendering = {
        let git = git.clone();
        let generator_clusters = registry.generator_clusters();
        tokio::task::spawn_blocking(move || {
            let loaded = git.load(fetch, &generator_clusters);
            let rendered = render_with_children(
                loaded.apps,
                |app| git.render(app).map_err(|error| error_chain(&error)),
                |sets, taken| git.expand_sets(sets, &generator_clusters, taken),
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
            Rendered {
                renders: rendered.renders,
                problems,
                owners,
                projects,
                parents: rendered.parents,
                notes: loaded.notes,
                application_sets: loaded.application_sets,
            }
        })
    };
    let probing = futures::future::join_all(clients.iter().map(|(name, client)| async move {
        (
            name.clone(),
            client.probe().await.map_err(|error| error.to_string()),
        )
    }));
    let (rendered, connections) = tokio::join!(rendering, probing);
    let mut result = RefreshResult {
        connections: connections.into_iter().collect(),
        ..RefreshResult::default()
    };
    let Rendered {
        renders,
        problems,
        owners,
        projects,
        parents,
        notes,
        application_sets,
    } = match rendered {
        Ok(done) => done,
        Err(join) => Rendered {
            problems: vec![format!("the renderer stopped: {join}")],
            ..Rendered::default()
        },
    };
    result.projects = projects;
    result.problems = problems;
    result.application_sets = application_sets;

    let mut to_observe = Vec::new();
    for (app, rendered) in renders {
        let cluster = registry
            .resolve(&app.spec.destination)
            .map(|entry| entry.name.clone());
        let row = match (&rendered, &cluster) {
            (Err(error), cluster) => Some(unknown_app(
                &app,
                cluster.clone().ok(),
                format!("render failed: {error}"),
            )),
            (_, Err(error)) => Some(unknown_app(&app, None, error.to_string())),
            (Ok(_), Ok(name)) => match result.connections.get(name) {
                Some(Err(error)) => Some(unknown_app(&app, Some(name.clone()), error.clone())),
                _ => None,
            },
        };
        if let Ok(sources) = rendered {
            result
                .renders
                .insert(app.name().to_string(), Arc::new(sources));
        }
        match row {
            Some(row) => {
                result.rows.insert(row.name.clone(), row);
            }
            None => {
                let cluster = cluster.unwrap_or_default();
                let rules = ProjectRules::for_app(&app, |name| result.projects.get(name));
                let hub = registry.by_name(&cluster).is_some_and(|entry| entry.hub);
                let guard = ProjectGuard::for_application(&app, rules, hub);
                to_observe.push((app.clone(), cluster, guard));
            }
        }
        result.apps.push(app);
    }

    let renders = &result.renders;
    let clients = &clients;
    let observed: Vec<AppSnapshot> = futures::stream::iter(to_observe)
        .map(|(app, cluster, guard)| async move {
            let sources = renders.get(app.name()).cloned().unwrap_or_default();
            match clients.get(&cluster) {
                Some(client) => observe_app(&app, &sources, client, &guard).await,
                None => unknown_app(
                    &app,
                    Some(cluster.clone()),
                    format!("no client for cluster {cluster}"),
                ),
            }
        })
        .buffer_unordered(CONCURRENT_APPS)
        .collect()
        .await;
    for row in observed {
        result.rows.insert(row.name.clone(), row);
    }
    for row in result.rows.values_mut() {
        row.application_set = owners.get(&row.name).cloned();
        row.parent_app = parents.get(&row.name).cloned();
        if let Some(note) = notes.get(&row.name) {
            row.conditions.push(note.clone());
        }
    }
    result
}

/// The connection state a probe result means, keeping `since` when the
/// state did not change.
pub fn connection_state(
    probe: &Result<String, String>,
    previous: &ConnectionState,
    now: &str,
) -> ConnectionState {
    match (probe, previous) {
        (
            Ok(version),
            ConnectionState::Connected {
                version: old,
                since,
            },
        ) if version == old => ConnectionState::Connected {
            version: version.clone(),
            since: since.clone(),
        },
        (Ok(version), _) => ConnectionState::Connected {
            version: version.clone(),
            since: now.to_string(),
        },
        (Err(error), ConnectionState::Unreachable { since, .. }) => ConnectionState::Unreachable {
            error: error.clone(),
            since: since.clone(),
        },
        (Err(error), _) => ConnectionState::Unreachable {
            error: error.clone(),
            since: now.to_string(),
        },
    }
}
