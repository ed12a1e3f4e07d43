//! Watch: a chunked stream of newline-delimited WatchEvents (ADDED / MODIFIED / DELETED /
//! BOOKMARK / ERROR). A watch from a resourceVersion replays the retained history after
//! it (410 Expired as an ERROR event when it is older than the history), a watch without
//! one starts with synthetic ADDED events for the current state; `sendInitialEvents`
//! ends the initial state with the `k8s.io/initial-events-end` bookmark. Objects moving
//! in or out of a selector are sent as ADDED / DELETED, as the real watch cache does.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

use super::resource_kinds::ResourceKind;
use super::selectors::{FieldSelector, LabelSelector};
use super::server::{ApiRequest, ClusterState};
use super::status_error::ApiError;
use super::store::{EventType, WatchRecord};
use super::table::table;
use super::write::{Served, present};

/// How often an idle watch that asked for bookmarks gets one.
const BOOKMARK_INTERVAL: Duration = Duration::from_secs(10);
/// Longest watch when the client gives no timeoutSeconds.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(1800);

/// One watch event line.
#[derive(serde::Serialize)]
struct EventLine<'a> {
    #[serde(rename = "type")]
    event: &'a str,
    object: Served<'a>,
}

/// What one watch selects and how it encodes objects.
struct Filter {
    kind: ResourceKind,
    namespace: Option<String>,
    labels: LabelSelector,
    fields: FieldSelector,
    as_table: bool,
}

impl Filter {
    fn matches(&self, object: &Value) -> bool {
        self.labels.matches(object) && self.fields.matches(object)
    }

    fn encode(&self, event: &str, object: &Value) -> Bytes {
        let mut line = if self.as_table {
            let object = table(
                &self.kind,
                &[present(&self.kind, object)],
                "Object",
                json!({}),
            );
            serde_json::to_vec(&json!({"type": event, "object": object}))
        } else {
            // Serialised from the stored object: every watcher encodes every event.
            let api_version = self.kind.api_version();
            serde_json::to_vec(&EventLine {
                event,
                object: Served {
                    api_version: &api_version,
                    object,
                },
            })
        }
        .unwrap_or_default();
        line.push(b'\n');
        Bytes::from(line)
    }

    fn bookmark(&self, resource_version: u64, initial_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": resource_version.to_string()});
        if initial_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({"kind": self.kind.kind, "apiVersion": self.kind.api_version(),
            "metadata": metadata});
        let mut line =
            serde_json::to_vec(&json!({"type": "BOOKMARK", "object": object})).unwrap_or_default();
        line.push(b'\n');
        Bytes::from(line)
    }

    /// The event this watch sees for a store change, if any.
    fn translate(&self, record: &WatchRecord) -> Option<Bytes> {
        if record.storage_key != self.kind.storage_key() {
            return None;
        }
        if let Some(ns) = &self.namespace
            && record.namespace != *ns
        {
            return None;
        }
        let now = self.matches(&record.object);
        let before = record.previous.as_deref().map(|p| self.matches(p));
        let event = match (record.event, before, now) {
            (EventType::Added, _, true) => "ADDED",
            (EventType::Modified, Some(true), true) => "MODIFIED",
            (EventType::Modified, _, true) => "ADDED",
            (EventType::Modified, Some(true), false) => "DELETED",
            (EventType::Deleted, Some(true), _) => "DELETED",
            _ => return None,
        };
        Some(self.encode(event, &record.object))
    }
}

struct WatchState {
    pending: VecDeque<Bytes>,
    receiver: broadcast::Receiver<Arc<WatchRecord>>,
    filter: Filter,
    last_rv: u64,
    deadline: Instant,
    bookmarks: bool,
    next_bookmark: Instant,
    shutdown: tokio::sync::watch::Receiver<bool>,
    /// Changes when a fault drops every open watch.
    dropped: tokio::sync::watch::Receiver<u64>,
    done: bool,
}

fn stream_response(state: WatchState) -> Response {
    let stream = futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(chunk) = state.pending.pop_front() {
                return Some((Ok::<Bytes, Infallible>(chunk), state));
            }
            if state.done || *state.shutdown.borrow() {
                return None;
            }
            let bookmark_at = if state.bookmarks {
                state.next_bookmark.min(state.deadline)
            } else {
                state.deadline
            };
            tokio::select! {
                received = state.receiver.recv() => match received {
                    Ok(record) => {
                        state.last_rv = state.last_rv.max(record.resource_version);
                        if let Some(chunk) = state.filter.translate(&record) {
                            state.pending.push_back(chunk);
                        }
                    }
                    // A slow watcher that fell behind, or the cluster stopping: end the
                    // watch; the client re-watches from its last resourceVersion.
                    Err(RecvError::Lagged(_)) | Err(RecvError::Closed) => state.done = true,
                },
                _ = tokio::time::sleep_until(bookmark_at) => {
                    if state.bookmarks {
                        state.pending.push_back(state.filter.bookmark(state.last_rv, false));
                        state.next_bookmark = Instant::now() + BOOKMARK_INTERVAL;
                    }
                    if Instant::now() >= state.deadline {
                        state.done = true;
                    }
                }
                _ = state.shutdown.changed() => state.done = true,
                _ = state.dropped.changed() => state.done = true,
            }
        }
    });
    let mut response = Response::new(Body::from_stream(stream));
    *response.status_mut() = StatusCode::OK;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub(crate) fn watch(
    cluster: Arc<ClusterState>,
    kind: &ResourceKind,
    namespace: Option<&str>,
    request: &ApiRequest,
    as_table: bool,
) -> Result<Response, ApiError> {
    let params = &request.params;
    let filter = Filter {
        kind: kind.clone(),
        namespace: namespace.map(str::to_string),
        labels: LabelSelector::parse(params.get("labelSelector").unwrap_or_default())
            .map_err(ApiError::bad_request)?,
        fields: FieldSelector::parse(params.get("fieldSelector").unwrap_or_default())
            .map_err(ApiError::bad_request)?,
        as_table,
    };
    let timeout = match params.get("timeoutSeconds") {
        Some(text) => Duration::from_secs(
            text.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid timeoutSeconds: {text}")))?,
        ),
        None => DEFAULT_TIMEOUT,
    };
    let requested_rv = match params.get("resourceVersion").filter(|rv| !rv.is_empty()) {
        Some(text) => Some(
            text.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resourceVersion: {text}")))?,
        ),
        None => None,
    };
    let send_initial = params.flag("sendInitialEvents");
    let bookmarks = params.flag("allowWatchBookmarks");

    // Gather under the lock (cheap Arc clones), encode after releasing it: a large
    // initial state must not stall the cluster's other requests.
    let synthetic = send_initial || matches!(requested_rv, None | Some(0));
    let (initial, replay, receiver, current) = {
        let store = cluster.lock();
        let current = store.resource_version();
        let mut initial = Vec::new();
        let mut replay = Ok(Vec::new());
        if synthetic {
            initial = store.list(&kind.storage_key(), namespace);
        } else if let Some(since) = requested_rv {
            replay = store.history_since(since);
        }
        (initial, replay, store.subscribe(), current)
    };
    let mut pending: VecDeque<Bytes> = initial
        .iter()
        .filter(|object| filter.matches(object))
        .map(|object| filter.encode("ADDED", object))
        .collect();
    if synthetic && send_initial && bookmarks {
        pending.push_back(filter.bookmark(current, true));
    }
    match replay {
        Ok(records) => pending.extend(records.iter().filter_map(|r| filter.translate(r))),
        Err(expired) => {
            let status = ApiError::expired(expired.requested, expired.oldest).to_status();
            let mut line =
                serde_json::to_vec(&json!({"type": "ERROR", "object": status})).unwrap_or_default();
            line.push(b'\n');
            pending.push_back(Bytes::from(line));
            return Ok(stream_response(WatchState {
                pending,
                receiver,
                filter,
                last_rv: current,
                deadline: Instant::now(),
                bookmarks: false,
                next_bookmark: Instant::now(),
                shutdown: cluster.shutdown.clone(),
                dropped: cluster.faults.watch_epoch(),
                done: true,
            }));
        }
    }
    let last_rv = current;
    let now = Instant::now();
    Ok(stream_response(WatchState {
        pending,
        receiver,
        filter,
        last_rv,
        deadline: now + timeout,
        bookmarks,
        next_bookmark: now + BOOKMARK_INTERVAL,
        shutdown: cluster.shutdown.clone(),
        dropped: cluster.faults.watch_epoch(),
        done: false,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resource_kinds::builtin;

    fn record(event: EventType, before: Option<&str>, now: &str) -> WatchRecord {
        let cm = |app: &str| {
            Arc::new(json!({"apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "c", "namespace": "default", "labels": {"app": app}}}))
        };
        WatchRecord {
            resource_version: 7,
            storage_key: "/configmaps".into(),
            namespace: "default".into(),
            event,
            object: cm(now),
            previous: before.map(cm),
        }
    }

    fn event_type(chunk: Option<Bytes>) -> Option<String> {
        let value: Value = serde_json::from_slice(&chunk?).ok()?;
        value["type"].as_str().map(str::to_string)
    }

    #[test]
    fn objects_entering_and_leaving_a_selector() {
        let filter = Filter {
            kind: builtin("", "v1", "configmaps").expect("kind").clone(),
            namespace: Some("default".into()),
            labels: LabelSelector::parse("app=web").expect("selector"),
            fields: FieldSelector::default(),
            as_table: false,
        };
        let cases = [
            (EventType::Added, None, "web", Some("ADDED")),
            (EventType::Added, None, "db", None),
            (EventType::Modified, Some("web"), "web", Some("MODIFIED")),
            (EventType::Modified, Some("db"), "web", Some("ADDED")),
            (EventType::Modified, Some("web"), "db", Some("DELETED")),
            (EventType::Modified, Some("db"), "db", None),
            (EventType::Deleted, Some("web"), "web", Some("DELETED")),
        ];
        for (event, before, now, expected) in cases {
            let got = event_type(filter.translate(&record(event, before, now)));
            assert_eq!(got.as_deref(), expected, "{event:?} {before:?} -> {now}");
        }
        let mut other_namespace = record(EventType::Added, None, "web");
        other_namespace.namespace = "team".into();
        assert!(filter.translate(&other_namespace).is_none());
        let bookmark: Value =
            serde_json::from_slice(&filter.bookmark(9, true)).expect("bookmark json");
        assert_eq!(bookmark["object"]["metadata"]["resourceVersion"], "9");
        assert_eq!(
            bookmark["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
            "true"
        );
    }
}
