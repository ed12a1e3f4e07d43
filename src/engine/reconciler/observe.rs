//! One observation of one app: its render and its status in its cluster's
//! live cache, turned into the snapshot row the front ends show. No API
//! call: everything comes from the cache.

use crate::engine::api::{AppSnapshot, AutomationState, ResourceSummary};
use crate::engine::cluster::{CacheState, ClusterClient, LiveCache, LiveObjects};
use crate::engine::diff::{CompareOptions, SyncStatus};
use crate::engine::health::HealthStatus;
use crate::engine::manifest::Manifest;
use crate::engine::model::Application;
use crate::engine::render::RenderedSource;
use crate::engine::state::SourceSummary;
use crate::engine::status::{AppStatus, app_status};
use crate::engine::sync::{ProjectGuard, place_in_destination};

/// A row for an app whose status cannot be known (render failed, no such
/// cluster, cluster unreachable), saying why.
pub fn unknown_app(app: &Application, cluster: Option<String>, condition: String) -> AppSnapshot {
    let mut row = base_row(app, cluster);
    row.conditions.push(condition);
    row
}

/// What a row says before the app is compared: the app as written in Git.
pub(super) fn base_row(app: &Application, cluster: Option<String>) -> AppSnapshot {
    let destination = &app.spec.destination;
    let automated = app.automated_sync();
    AppSnapshot {
        name: app.name().to_string(),
        project: app.project().to_string(),
        application_set: None,
        parent_app: None,
        cluster,
        namespace: destination.namespace.clone(),
        sync: SyncStatus::Unknown,
        health: HealthStatus::Unknown,
        revision: None,
        commit: None,
        automated: app.is_automated(),
        conditions: Vec::new(),
        resources: Vec::new(),
        automation: None,
        paused: Vec::new(),
        automation_state: AutomationState::default(),
        labels: app.metadata.labels.clone(),
        source: app.sources().first().map(SourceSummary::from),
        destination: if destination.server.is_empty() {
            destination.name.clone()
        } else {
            destination.server.clone()
        },
        auto_prune: automated.is_some_and(|policy| policy.prune),
        self_heal: automated.is_some_and(|policy| policy.self_heal),
        last_sync: None,
        pinned_revision: None,
    }
}

/// Compares the rendered app with what its cluster's cache holds; a cache
/// that cannot be believed (the cluster unreachable, the first lists still
/// running) makes the app Unknown, saying why. What its project forbids is
/// shown as conditions, so an operator sees it before asking for a sync
/// that the engine would refuse.
pub fn observe_app(
    app: &Application,
    rendered: &[RenderedSource],
    cache: &LiveCache,
    project: &ProjectGuard,
) -> AppSnapshot {
    let cluster = cache.client();
    if let Err(condition) = cache_ready(cache) {
        return unknown_app(app, Some(cluster.name().to_string()), condition);
    }
    let placed = Placed::new(app, rendered, cluster);
    let (status, live) = judge(app, &placed, cache);
    let mut conditions: Vec<String> = project
        .violations(
            cluster,
            &placed.options.destination_namespace,
            &placed.manifests,
            placed.options.scope.as_ref(),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
    conditions.extend(status.diff.errors.iter().map(ToString::to_string));
    conditions.extend(
        live.unreadable
            .iter()
            .map(|kind| format!("cannot read {kind}")),
    );
    let mut row = base_row(app, Some(cluster.name().to_string()));
    row.sync = status.diff.status;
    row.health = status.health;
    row.revision = rendered.first().map(|source| source.commit.to_string());
    row.conditions = conditions;
    row.resources = status
        .tree
        .iter()
        .map(|node| ResourceSummary {
            key: node.key.clone(),
            sync: node
                .sync
                .unwrap_or(crate::engine::diff::ResourceSyncStatus::Synced),
            health: node.health.as_ref().map(|health| health.status),
        })
        .collect();
    row
}

/// The app's full status (diff, health, tree) from its cluster's cache,
/// with the cached objects it was judged on; the error says in words why
/// the cache cannot be believed now.
pub fn look_in_cache(
    app: &Application,
    rendered: &[RenderedSource],
    cache: &LiveCache,
) -> Result<(AppStatus, LiveObjects), String> {
    cache_ready(cache)?;
    let placed = Placed::new(app, rendered, cache.client());
    Ok(judge(app, &placed, cache))
}

/// Why the cache's picture cannot be believed now, if it cannot.
fn cache_ready(cache: &LiveCache) -> Result<(), String> {
    let name = cache.client().name();
    match cache.state() {
        CacheState::Ready { .. } => Ok(()),
        CacheState::Syncing => Err(format!("cluster {name}: the live cache is still listing")),
        CacheState::Unreachable { error } => Err(format!("cluster {name}: {error}")),
    }
}

/// The render as a sync would apply it (in the destination namespace),
/// with the options it is compared under: computed once per observation
/// and shared by the diff and the project rules.
struct Placed {
    options: CompareOptions,
    manifests: Vec<Manifest>,
}

impl Placed {
    fn new(app: &Application, rendered: &[RenderedSource], cluster: &ClusterClient) -> Placed {
        let options =
            CompareOptions::for_application(app).with_scope(std::sync::Arc::new(cluster.clone()));
        let desired: Vec<_> = rendered
            .iter()
            .flat_map(|source| source.manifests.iter().cloned())
            .collect();
        let manifests = place_in_destination(&desired, &options);
        Placed { options, manifests }
    }
}

/// Compares the placed render with the app's objects in the cache.
fn judge(app: &Application, placed: &Placed, cache: &LiveCache) -> (AppStatus, LiveObjects) {
    let wanted: Vec<_> = placed.manifests.iter().map(Manifest::key).collect();
    // A kind the cache does not watch may have been served since (its CRD
    // applied by the last sync): discovery looks again, at a bounded pace.
    if wanted
        .iter()
        .any(|key| !cache.watches(&key.group, &key.kind))
    {
        cache.rediscover();
    }
    let live = cache.view(app.name(), &wanted);
    let status = app_status(&placed.manifests, &live, &placed.options);
    (status, live)
}
