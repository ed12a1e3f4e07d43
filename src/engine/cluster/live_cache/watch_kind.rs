//! One kind's watch on one cluster: kube-runtime's [`watcher`] (list, then
//! watch from the list's resourceVersion, resumed from the last one seen
//! after a disconnect, relisted after a 410 Gone) feeding the cluster's
//! [`CacheStore`], marking the apps each event touches dirty, and telling
//! [`CacheHealth`] how the connection fares.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::api::{Api, DynamicObject, TypeMeta};
use kube::runtime::watcher::{self, Event, watcher};
use serde_json::Value;

use super::Shared;
use super::backoff::RetryDelay;
use super::health::KindId;
use super::store::CacheStore;
use super::strip::strip;
use crate::engine::cluster::{ClusterError, ResourceInfo};
use crate::engine::conventions::tracking::APP_LABEL;
use crate::engine::manifest::ObjectKey;

/// Page size of the initial list (the watcher pages it).
const LIST_PAGE: u32 = 500;
const FIRST_RETRY: Duration = Duration::from_millis(200);
const MAX_RETRY: Duration = Duration::from_secs(5);

/// How a kind is watched.
#[derive(Debug, Clone)]
pub struct KindWatch {
    pub info: ResourceInfo,
    /// Only objects carrying the app label (managed kinds); `false` for the
    /// child kinds, whose objects (a Deployment's Pods) carry none.
    pub labelled: bool,
}

impl KindWatch {
    pub fn id(&self) -> KindId {
        (
            self.info.resource.group.clone(),
            self.info.resource.kind.clone(),
        )
    }
}

/// Runs until aborted (the cache dropped, or the kind no longer served).
pub async fn watch_kind(shared: Arc<Shared>, watch: KindWatch) {
    let kind = watch.id();
    let client = match shared.client.kube_client() {
        Ok(client) => client.clone(),
        // Only a connected cluster's discovery starts watches; should one
        // start anyway, the cluster shows unreachable for the reason.
        Err(error) => {
            let changed = shared.health.disconnected(&kind, error.to_string());
            shared.state_changed(changed);
            return;
        }
    };
    let api: Api<DynamicObject> = Api::all_with(client, &watch.info.resource);
    let mut config = watcher::Config::default().page_size(LIST_PAGE);
    if watch.labelled {
        config = config.labels(APP_LABEL);
    }
    let stream = watcher(api, config);
    futures::pin_mut!(stream);
    let mut retry = RetryDelay::new(FIRST_RETRY, MAX_RETRY);
    // The objects of a list in progress, swapped in whole when it ends.
    let mut listing: Option<Vec<Value>> = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(event) => {
                retry.reset();
                let answered = shared.health.answered(&kind);
                shared.state_changed(answered);
                apply_event(&shared, &watch, &kind, event, &mut listing);
            }
            Err(error) => {
                report(&shared, &watch, &kind, error);
                tokio::time::sleep(retry.next_delay()).await;
            }
        }
    }
}

fn apply_event(
    shared: &Shared,
    watch: &KindWatch,
    kind: &KindId,
    event: Event<DynamicObject>,
    listing: &mut Option<Vec<Value>>,
) {
    match event {
        Event::Init => *listing = Some(Vec::new()),
        Event::InitApply(object) => {
            if let (Some(list), Some(value)) = (listing.as_mut(), shared.keep(watch, object)) {
                list.push(value);
            }
        }
        Event::InitDone => {
            let objects = listing.take().unwrap_or_default();
            let apps = shared.write().replace_kind(&kind.0, &kind.1, objects);
            shared.dirty.mark_apps(apps);
            let listed = shared.health.listed(kind);
            shared.state_changed(listed);
        }
        Event::Apply(object) => {
            let key = object_key(watch, &object);
            let apps = match shared.keep(watch, object) {
                Some(value) => shared.write().apply(value),
                // No longer tracked nor owned: no longer the cache's.
                None => shared.write().delete(&key),
            };
            shared.dirty.mark_apps(apps);
        }
        Event::Delete(object) => {
            let key = object_key(watch, &object);
            let apps = shared.write().delete(&key);
            shared.dirty.mark_apps(apps);
        }
    }
}

fn object_key(watch: &KindWatch, object: &DynamicObject) -> ObjectKey {
    ObjectKey {
        group: watch.info.resource.group.clone(),
        kind: watch.info.resource.kind.clone(),
        namespace: object.metadata.namespace.clone().unwrap_or_default(),
        name: object.metadata.name.clone().unwrap_or_default(),
    }
}

impl Shared {
    /// The object as the cache keeps it (typed, stripped), or `None` when it
    /// is not worth keeping.
    fn keep(&self, watch: &KindWatch, mut object: DynamicObject) -> Option<Value> {
        // Items of a list come without their type; the diff needs it.
        object.types = Some(TypeMeta {
            api_version: watch.info.resource.api_version.clone(),
            kind: watch.info.resource.kind.clone(),
        });
        let mut value = match serde_json::to_value(object) {
            Ok(value) => value,
            Err(error) => {
                tracing::warn!(cluster = %self.cluster, kind = %watch.info.resource.kind, %error, "watched object skipped");
                return None;
            }
        };
        if !CacheStore::worth_keeping(&value) {
            return None;
        }
        strip(&mut value, &self.kept_managers());
        Some(value)
    }
}

/// Sorts a watch failure: the connection (the cluster is unreachable), the
/// server refusing the kind (reported, not waited for), or a passing
/// trouble the watcher recovers from itself (a 410 relists).
fn report(shared: &Shared, watch: &KindWatch, kind: &KindId, error: watcher::Error) {
    let operation = || format!("watch {}", watch.info.resource.plural);
    let (failure, listing) = match error {
        watcher::Error::InitialListFailed(error) => (
            ClusterError::from_kube(&shared.cluster, operation(), error),
            true,
        ),
        watcher::Error::WatchStartFailed(error) | watcher::Error::WatchFailed(error) => (
            ClusterError::from_kube(&shared.cluster, operation(), error),
            false,
        ),
        other => {
            tracing::debug!(cluster = %shared.cluster, kind = %kind.1, error = %other, "watch restarts");
            return;
        }
    };
    let changed = match failure.status_code() {
        Some(403 | 404) => shared.health.refused(kind, failure.to_string()),
        Some(_) => shared.health.disconnected(kind, failure.to_string()),
        None if failure.is_unreachable() => shared.health.disconnected(kind, failure.to_string()),
        // A list that cannot be read (not valid objects): the kind is
        // reported unreadable rather than waited for forever.
        None if listing => shared.health.refused(kind, failure.to_string()),
        None => {
            tracing::warn!(cluster = %shared.cluster, kind = %kind.1, error = %failure, "watch event unreadable");
            false
        }
    };
    shared.state_changed(changed);
}
