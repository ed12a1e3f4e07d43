//! One cluster's object store: objects as JSON values keyed by (group/plural, namespace,
//! name), one resourceVersion counter for the whole cluster (as etcd's revision), and a
//! bounded history of watch events so a watch can resume from a recent resourceVersion
//! (older ones get 410 Expired) plus a broadcast channel for live watchers. It also
//! indexes what garbage collection needs — uids, owner → dependents, terminating
//! objects, uids removed since the last collection — so a delete costs its cascade,
//! not a scan of the cluster.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::broadcast;

use super::meta;

/// What happened to an object, as a watch event type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

/// One change, kept in the history and sent to live watchers.
#[derive(Debug)]
pub(crate) struct WatchRecord {
    pub resource_version: u64,
    pub storage_key: String,
    pub namespace: String,
    pub event: EventType,
    pub object: Arc<Value>,
    /// The object before a modification, so a filtered watch can tell an object that
    /// left its selector (sent as DELETED) from one that entered it (ADDED).
    pub previous: Option<Arc<Value>>,
}

/// A watch that asked for a resourceVersion older than the retained history.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expired {
    pub requested: u64,
    pub oldest: u64,
}

type Objects = BTreeMap<(String, String), Arc<Value>>;

/// (storage key, namespace, name) of a stored object.
pub(crate) type ObjectRef = (String, String, String);

pub(crate) struct Store {
    objects: HashMap<String, Objects>,
    resource_version: u64,
    history: VecDeque<Arc<WatchRecord>>,
    history_limit: usize,
    /// A watch from a resourceVersion at or above this is served from `history`.
    oldest_resumable: u64,
    events: broadcast::Sender<Arc<WatchRecord>>,
    uid_seed: blake3::Hash,
    uid_counter: u64,
    uids: HashMap<String, ObjectRef>,
    /// Owner uid → objects whose ownerReferences name it.
    dependents: HashMap<String, BTreeSet<ObjectRef>>,
    /// Objects with a deletionTimestamp.
    terminating: BTreeSet<ObjectRef>,
    /// Uids removed since garbage collection last looked.
    vanished: Vec<String>,
}

impl Store {
    pub fn new(cluster: &str, history_limit: usize) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let mut hasher = blake3::Hasher::new();
        hasher.update(cluster.as_bytes());
        hasher.update(&nanos.to_le_bytes());
        hasher.update(&std::process::id().to_le_bytes());
        let (events, _) = broadcast::channel(history_limit.clamp(64, 65536));
        Store {
            objects: HashMap::new(),
            resource_version: 0,
            history: VecDeque::new(),
            history_limit: history_limit.max(1),
            oldest_resumable: 0,
            events,
            uid_seed: hasher.finalize(),
            uid_counter: 0,
            uids: HashMap::new(),
            dependents: HashMap::new(),
            terminating: BTreeSet::new(),
            vanished: Vec::new(),
        }
    }

    fn index(&mut self, at: &ObjectRef, object: &Value) {
        let uid = meta::uid(object);
        if !uid.is_empty() {
            self.uids.insert(uid.to_string(), at.clone());
        }
        for owner in meta::owner_uids(object) {
            self.dependents
                .entry(owner.to_string())
                .or_default()
                .insert(at.clone());
        }
        if meta::is_terminating(object) {
            self.terminating.insert(at.clone());
        }
    }

    fn unindex(&mut self, at: &ObjectRef, object: &Value) {
        let uid = meta::uid(object);
        if self.uids.get(uid) == Some(at) {
            self.uids.remove(uid);
        }
        for owner in meta::owner_uids(object) {
            if let Some(dependents) = self.dependents.get_mut(owner) {
                dependents.remove(at);
                if dependents.is_empty() {
                    self.dependents.remove(owner);
                }
            }
        }
        self.terminating.remove(at);
    }

    pub fn uid_exists(&self, uid: &str) -> bool {
        self.uids.contains_key(uid)
    }

    /// Objects whose ownerReferences name `owner_uid`.
    pub fn dependents_of(&self, owner_uid: &str) -> Vec<ObjectRef> {
        self.dependents
            .get(owner_uid)
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Objects being deleted (with a deletionTimestamp).
    pub fn terminating(&self) -> Vec<ObjectRef> {
        self.terminating.iter().cloned().collect()
    }

    /// Uids of objects removed since the last call.
    pub fn take_vanished(&mut self) -> Vec<String> {
        std::mem::take(&mut self.vanished)
    }

    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    /// A fresh, unique UUID-formatted uid.
    pub fn new_uid(&mut self) -> String {
        self.uid_counter += 1;
        let mut hasher = blake3::Hasher::new();
        hasher.update(self.uid_seed.as_bytes());
        hasher.update(&self.uid_counter.to_le_bytes());
        let hex = hasher.finalize().to_hex();
        let h = hex.as_str();
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[0..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }

    pub fn get(&self, storage_key: &str, namespace: &str, name: &str) -> Option<Arc<Value>> {
        self.objects
            .get(storage_key)?
            .get(&(namespace.to_string(), name.to_string()))
            .cloned()
    }

    /// Objects of one resource, sorted by (namespace, name); all namespaces if `None`.
    pub fn list(&self, storage_key: &str, namespace: Option<&str>) -> Vec<Arc<Value>> {
        let Some(objects) = self.objects.get(storage_key) else {
            return Vec::new();
        };
        match namespace {
            None => objects.values().cloned().collect(),
            Some(ns) => objects
                .range((ns.to_string(), String::new())..)
                .take_while(|((n, _), _)| n == ns)
                .map(|(_, v)| v.clone())
                .collect(),
        }
    }

    /// Storage keys that currently hold at least one object.
    pub fn storage_keys(&self) -> Vec<String> {
        self.objects
            .iter()
            .filter(|(_, objects)| !objects.is_empty())
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// Store a created or updated object: assigns the next resourceVersion and records
    /// an ADDED or MODIFIED event.
    pub fn put(&mut self, storage_key: &str, mut object: Value) -> Arc<Value> {
        self.resource_version += 1;
        let rv = self.resource_version;
        meta::meta_mut(&mut object).insert("resourceVersion".into(), rv.to_string().into());
        let namespace = meta::namespace(&object).to_string();
        let name = meta::name(&object).to_string();
        let object = Arc::new(object);
        let previous = self
            .objects
            .entry(storage_key.to_string())
            .or_default()
            .insert((namespace.clone(), name.clone()), object.clone());
        let at = (storage_key.to_string(), namespace.clone(), name);
        if let Some(previous) = &previous {
            self.unindex(&at, previous);
        }
        self.index(&at, &object);
        let event = if previous.is_some() {
            EventType::Modified
        } else {
            EventType::Added
        };
        self.record(WatchRecord {
            resource_version: rv,
            storage_key: storage_key.to_string(),
            namespace,
            event,
            object: object.clone(),
            previous,
        });
        object
    }

    /// Remove an object for good: the DELETED event carries a new resourceVersion.
    pub fn remove(&mut self, storage_key: &str, namespace: &str, name: &str) -> Option<Arc<Value>> {
        let removed = self
            .objects
            .get_mut(storage_key)?
            .remove(&(namespace.to_string(), name.to_string()))?;
        let at = (
            storage_key.to_string(),
            namespace.to_string(),
            name.to_string(),
        );
        self.unindex(&at, &removed);
        self.vanished.push(meta::uid(&removed).to_string());
        self.resource_version += 1;
        let rv = self.resource_version;
        let mut last = (*removed).clone();
        meta::meta_mut(&mut last).insert("resourceVersion".into(), rv.to_string().into());
        let last = Arc::new(last);
        self.record(WatchRecord {
            resource_version: rv,
            storage_key: storage_key.to_string(),
            namespace: namespace.to_string(),
            event: EventType::Deleted,
            object: last.clone(),
            previous: Some(removed),
        });
        Some(last)
    }

    /// Replace everything with `objects` (storage key, object) as a state file holds
    /// them, keeping each object's uid and resourceVersion. The cluster's counter goes
    /// on from the highest stored resourceVersion, and the watch history starts empty
    /// there: a watch from an older version gets 410 Expired and re-lists, as after an
    /// etcd compaction. Objects without a resourceVersion get the next ones.
    pub fn restore(&mut self, objects: Vec<(String, Value)>) {
        self.objects.clear();
        self.uids.clear();
        self.dependents.clear();
        self.terminating.clear();
        self.vanished.clear();
        self.history.clear();
        let highest = objects
            .iter()
            .filter_map(|(_, object)| meta::resource_version(object).parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        self.resource_version = self.resource_version.max(highest);
        for (storage_key, mut object) in objects {
            if meta::resource_version(&object).parse::<u64>().is_err() {
                self.resource_version += 1;
                let rv = self.resource_version.to_string();
                meta::meta_mut(&mut object).insert("resourceVersion".into(), rv.into());
            }
            let at = (
                storage_key.clone(),
                meta::namespace(&object).to_string(),
                meta::name(&object).to_string(),
            );
            self.index(&at, &object);
            self.objects
                .entry(storage_key)
                .or_default()
                .insert((at.1, at.2), Arc::new(object));
        }
        self.oldest_resumable = self.resource_version;
    }

    fn record(&mut self, record: WatchRecord) {
        let record = Arc::new(record);
        self.history.push_back(record.clone());
        while self.history.len() > self.history_limit {
            if let Some(dropped) = self.history.pop_front() {
                self.oldest_resumable = dropped.resource_version;
            }
        }
        // No receiver is fine: nobody watches.
        let _ = self.events.send(record);
    }

    /// Events after `since` (for a resumed watch), or `Expired` if they are no longer
    /// all retained. Subscribe while holding the store lock so no event falls in between.
    pub fn history_since(&self, since: u64) -> Result<Vec<Arc<WatchRecord>>, Expired> {
        if since < self.oldest_resumable {
            return Err(Expired {
                requested: since,
                oldest: self.oldest_resumable,
            });
        }
        let start = self
            .history
            .partition_point(|record| record.resource_version <= since);
        Ok(self.history.range(start..).cloned().collect())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<WatchRecord>> {
        self.events.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}})
    }

    #[test]
    fn one_counter_for_the_cluster() {
        let mut store = Store::new("t", 10);
        let a = store.put("/configmaps", cm("a"));
        let b = store.put("/secrets", cm("b"));
        assert_eq!(meta::resource_version(&a), "1");
        assert_eq!(meta::resource_version(&b), "2");
        let gone = store
            .remove("/configmaps", "default", "a")
            .expect("removed");
        assert_eq!(meta::resource_version(&gone), "3");
        assert!(store.get("/configmaps", "default", "a").is_none());
        assert_eq!(store.list("/secrets", Some("default")).len(), 1);
        assert!(store.list("/secrets", Some("other")).is_empty());
    }

    #[test]
    fn history_is_bounded_and_old_versions_expire() {
        let mut store = Store::new("t", 3);
        for i in 0..6 {
            store.put("/configmaps", cm(&format!("c{i}")));
        }
        assert_eq!(store.history_since(3).expect("retained").len(), 3);
        assert_eq!(store.history_since(5).expect("retained").len(), 1);
        let expired = store.history_since(1).expect_err("expired");
        assert_eq!(expired.oldest, 3);
    }

    #[test]
    fn owner_and_terminating_indexes_follow_writes() {
        let mut store = Store::new("t", 10);
        let mut pod = cm("p");
        pod["metadata"]["uid"] = json!("u-pod");
        pod["metadata"]["ownerReferences"] = json!([{"uid": "u-rs"}]);
        store.put("/pods", pod.clone());
        assert!(store.uid_exists("u-pod"));
        assert_eq!(store.dependents_of("u-rs").len(), 1);
        pod["metadata"]["ownerReferences"] = json!([]);
        pod["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        store.put("/pods", pod);
        assert!(store.dependents_of("u-rs").is_empty());
        assert_eq!(store.terminating().len(), 1);
        store.remove("/pods", "default", "p");
        assert!(store.terminating().is_empty() && !store.uid_exists("u-pod"));
        assert_eq!(store.take_vanished(), ["u-pod"]);
        assert!(store.take_vanished().is_empty());
    }

    #[test]
    fn restore_keeps_versions_and_counts_on() {
        let mut store = Store::new("t", 10);
        store.put("/configmaps", cm("seeded"));
        let mut kept = cm("kept");
        kept["metadata"]["resourceVersion"] = json!("41");
        kept["metadata"]["uid"] = json!("u-kept");
        store.restore(vec![
            ("/configmaps".into(), kept),
            ("/configmaps".into(), cm("fresh")),
        ]);
        assert!(store.get("/configmaps", "default", "seeded").is_none());
        let kept = store.get("/configmaps", "default", "kept").expect("kept");
        assert_eq!(meta::resource_version(&kept), "41");
        assert!(store.uid_exists("u-kept"));
        let fresh = store.get("/configmaps", "default", "fresh").expect("fresh");
        assert_eq!(meta::resource_version(&fresh), "42");
        let next = store.put("/configmaps", cm("next"));
        assert_eq!(meta::resource_version(&next), "43");
        assert_eq!(store.history_since(42).expect("resumable").len(), 1);
        assert_eq!(store.history_since(41).expect_err("expired").oldest, 42);
    }

    #[test]
    fn uids_are_unique_and_uuid_shaped() {
        let mut store = Store::new("t", 3);
        let a = store.new_uid();
        let b = store.new_uid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.matches('-').count(), 4);
    }
}
