//! The objects of one cluster as the watches last reported them, indexed so
//! that one event costs one app: by identity, by the app a tracking id names,
//! by uid and by owner uid (a Pod's event is its Deployment's app's).
//!
//! Tracked objects are kept whole (the diff reads them), as JSON text: a
//! `serde_json::Value` tree costs about ten times its text in heap (a 3 KB
//! Deployment is 28 KB of small maps), and an app's view, which used to
//! deep-clone the tree, parses the text for about the same time. An
//! untracked object is kept only as its [`OwnedObject`] summary, since only
//! the resource tree reads it. Untracked objects are kept only when owned, so the cache never
//! holds a whole object an app does not track: an untracked object at an
//! identity an app wants (one a sync would adopt) is seen by syncs, which
//! list the cluster, and shows as Missing here until it is adopted.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde_json::Value;

use crate::engine::cluster::{LiveObjects, OwnedObject};
use crate::engine::conventions::tracking::TrackingId;
use crate::engine::manifest::ObjectKey;

/// How far up ownerReferences an event is followed to find its app, and how
/// far down an app's view collects children (Deployment → ReplicaSet → Pod,
/// CronJob → Job → Pod), with room to spare and a guard against cycles.
const MAX_DEPTH: usize = 5;

#[derive(Debug)]
struct Entry {
    /// The whole object as JSON text, when tracked.
    text: Option<Box<str>>,
    /// The summary, when owned.
    owned: Option<Arc<OwnedObject>>,
    /// The app the tracking id names, when it names this very object.
    app: Option<String>,
    uid: Option<String>,
    owners: Vec<String>,
}

impl Entry {
    fn new(object: Value) -> (ObjectKey, Entry) {
        let key = ObjectKey::of(&object);
        let tracking = TrackingId::of(&object);
        let app = match &tracking {
            Some(Ok(id)) if id.key == key => Some(id.app.clone()),
            _ => None,
        };
        let uid = object["metadata"]["uid"].as_str().map(str::to_string);
        let owned = OwnedObject::of(&object).map(Arc::new);
        let owners = owned
            .as_ref()
            .map(|owned| owned.owners.clone())
            .unwrap_or_default();
        let entry = Entry {
            text: tracking
                .is_some()
                .then(|| object.to_string().into_boxed_str()),
            owned,
            app,
            uid,
            owners,
        };
        (key, entry)
    }
}

/// What a cluster's watches hold. Not thread-safe by itself: the cache
/// keeps it behind a lock that watch tasks take for one event at a time.
#[derive(Debug, Default)]
pub struct CacheStore {
    objects: HashMap<ObjectKey, Entry>,
    by_app: HashMap<String, HashSet<ObjectKey>>,
    by_uid: HashMap<String, ObjectKey>,
    by_owner: HashMap<String, HashSet<ObjectKey>>,
}

impl CacheStore {
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// Whether an object is worth keeping: the app's own objects (tracked)
    /// and anything owned (a tracked object's descendants are among them).
    /// A standalone untracked Pod in another team's namespace is not.
    pub fn worth_keeping(object: &Value) -> bool {
        TrackingId::of(object).is_some()
            || object["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|owners| !owners.is_empty())
    }

    /// Adds or replaces an object; returns the apps whose view changed (its
    /// app before and after, and its top owner's app).
    pub fn apply(&mut self, object: Value) -> BTreeSet<String> {
        let (key, entry) = Entry::new(object);
        let mut apps = self.remove(&key);
        self.insert(key.clone(), entry);
        self.apps_of(&key, &mut apps);
        apps
    }

    /// Removes an object; returns the apps whose view changed.
    pub fn delete(&mut self, key: &ObjectKey) -> BTreeSet<String> {
        self.remove(key)
    }

    /// Replaces every object of one kind (a watch's initial list, or its
    /// relist after a 410): what the list lacks is gone. Returns the apps
    /// whose objects of the kind were there before or are there now.
    pub fn replace_kind(
        &mut self,
        group: &str,
        kind: &str,
        objects: Vec<Value>,
    ) -> BTreeSet<String> {
        let old: Vec<ObjectKey> = self
            .objects
            .keys()
            .filter(|key| key.group == group && key.kind == kind)
            .cloned()
            .collect();
        let mut apps = BTreeSet::new();
        for key in &old {
            apps.extend(self.remove(key));
        }
        for object in objects {
            apps.extend(self.apply(object));
        }
        apps
    }

    /// The objects one app's status needs, as a [`LiveObjects`]: those its
    /// tracking id names, those at the identities it wants (which a sync
    /// would adopt), and their descendants for the resource tree.
    pub fn view(&self, app: &str, wanted: &[ObjectKey]) -> LiveObjects {
        let mut keys: Vec<&ObjectKey> = self.by_app.get(app).into_iter().flatten().collect();
        keys.extend(wanted.iter().filter(|key| self.objects.contains_key(*key)));
        let mut seen: HashSet<&ObjectKey> = HashSet::new();
        let mut objects = Vec::new();
        let mut owned = Vec::new();
        let mut level: Vec<&ObjectKey> = keys;
        for _ in 0..=MAX_DEPTH {
            let mut next = Vec::new();
            for key in level {
                if !seen.insert(key) {
                    continue;
                }
                let Some(entry) = self.objects.get(key) else {
                    continue;
                };
                if let Some(text) = &entry.text {
                    match serde_json::from_str(text) {
                        Ok(object) => objects.push(object),
                        // Text written from a `Value` a moment ago reads
                        // back; should it ever not, the app shows the object
                        // as Missing rather than stop.
                        Err(error) => tracing::error!(%key, %error, "cached object unreadable"),
                    }
                }
                if let Some(summary) = &entry.owned {
                    owned.push(Arc::clone(summary));
                }
                if let Some(children) = entry.uid.as_ref().and_then(|uid| self.by_owner.get(uid)) {
                    next.extend(children.iter());
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        LiveObjects::from_parts(objects, owned)
    }

    fn insert(&mut self, key: ObjectKey, entry: Entry) {
        if let Some(app) = &entry.app {
            self.by_app
                .entry(app.clone())
                .or_default()
                .insert(key.clone());
        }
        if let Some(uid) = &entry.uid {
            self.by_uid.insert(uid.clone(), key.clone());
        }
        for owner in &entry.owners {
            self.by_owner
                .entry(owner.clone())
                .or_default()
                .insert(key.clone());
        }
        self.objects.insert(key, entry);
    }

    /// Takes an object out of every index; returns the apps it touched.
    fn remove(&mut self, key: &ObjectKey) -> BTreeSet<String> {
        let mut apps = BTreeSet::new();
        if !self.objects.contains_key(key) {
            return apps;
        }
        self.apps_of(key, &mut apps);
        let Some(entry) = self.objects.remove(key) else {
            return apps;
        };
        if let Some(app) = &entry.app
            && let Some(keys) = self.by_app.get_mut(app)
        {
            keys.remove(key);
            if keys.is_empty() {
                self.by_app.remove(app);
            }
        }
        if let Some(uid) = &entry.uid
            && self.by_uid.get(uid) == Some(key)
        {
            self.by_uid.remove(uid);
        }
        for owner in &entry.owners {
            if let Some(children) = self.by_owner.get_mut(owner) {
                children.remove(key);
                if children.is_empty() {
                    self.by_owner.remove(owner);
                }
            }
        }
        apps
    }

    /// The apps an object counts for: its own (tracking id) and that of
    /// every tracked ancestor, following ownerReferences up.
    fn apps_of(&self, key: &ObjectKey, apps: &mut BTreeSet<String>) {
        let mut level = vec![key];
        for _ in 0..=MAX_DEPTH {
            let mut next = Vec::new();
            for key in level {
                let Some(entry) = self.objects.get(key) else {
                    continue;
                };
                if let Some(app) = &entry.app {
                    apps.insert(app.clone());
                }
                next.extend(entry.owners.iter().filter_map(|uid| self.by_uid.get(uid)));
            }
            if next.is_empty() {
                return;
            }
            level = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(kind: &str, name: &str, app: Option<&str>, owner: Option<&str>) -> Value {
        let (api_version, group) = match kind {
            "Deployment" | "ReplicaSet" => ("apps/v1", "apps"),
            _ => ("v1", ""),
        };
        let mut object = json!({
            "apiVersion": api_version, "kind": kind,
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}")},
        });
        if let Some(app) = app {
            object["metadata"]["annotations"] = json!({
                crate::engine::conventions::tracking::TRACKING_ANNOTATION:
                    format!("{app}:{group}/{kind}:shop/{name}")
            });
        }
        if let Some(owner) = owner {
            object["metadata"]["ownerReferences"] =
                json!([{"uid": format!("uid-{owner}"), "kind": "X", "name": owner}]);
        }
        object
    }

    fn key(kind: &str, name: &str) -> ObjectKey {
        ObjectKey::of(&object(kind, name, None, None))
    }

    fn names(apps: BTreeSet<String>) -> Vec<String> {
        apps.into_iter().collect()
    }

    fn deployment_tree() -> CacheStore {
        let mut store = CacheStore::default();
        store.apply(object("Deployment", "web", Some("web"), None));
        store.apply(object("ReplicaSet", "web-1", None, Some("web")));
        store.apply(object("Pod", "web-1-a", None, Some("web-1")));
        store.apply(object("ConfigMap", "api", Some("api"), None));
        store
    }

    #[test]
    fn a_tracked_object_marks_its_app() {
        let mut store = deployment_tree();
        let apps = store.apply(object("ConfigMap", "api", Some("api"), None));
        assert_eq!(names(apps), ["api"]);
    }

    #[test]
    fn a_grandchild_marks_its_top_owners_app() {
        let mut store = deployment_tree();
        let apps = store.apply(object("Pod", "web-1-b", None, Some("web-1")));
        assert_eq!(names(apps), ["web"]);
        let apps = store.delete(&key("Pod", "web-1-a"));
        assert_eq!(names(apps), ["web"], "a deleted Pod still counts for web");
    }

    #[test]
    fn a_child_whose_owner_is_unknown_marks_nothing() {
        let mut store = deployment_tree();
        let apps = store.apply(object("Pod", "stray", None, Some("nobody")));
        assert!(apps.is_empty());
    }

    #[test]
    fn retracking_an_object_marks_both_apps() {
        let mut store = deployment_tree();
        let apps = store.apply(object("ConfigMap", "api", Some("web"), None));
        // The annotation names another object's identity: now it is web's
        // by name only if the key matches, which it does here.
        assert_eq!(names(apps), ["api", "web"]);
    }

    #[test]
    fn a_copy_of_a_tracked_object_is_not_the_apps() {
        let mut store = CacheStore::default();
        let mut copy = object("ConfigMap", "copy", None, None);
        copy["metadata"]["annotations"] = json!({
            crate::engine::conventions::tracking::TRACKING_ANNOTATION: "web:/ConfigMap:shop/web"
        });
        assert!(store.apply(copy).is_empty());
        assert!(store.view("web", &[]).is_empty());
    }

    #[test]
    fn an_apps_view_holds_its_objects_whole_and_descendants_summarised() {
        let mut store = deployment_tree();
        store.apply(object("ConfigMap", "adopt-me", None, Some("elsewhere")));
        store.apply(object("ConfigMap", "web-settings", Some("web"), None));
        let view = store.view(
            "web",
            &[
                key("ConfigMap", "web-settings"),
                key("ConfigMap", "adopt-me"),
                key("Secret", "absent"),
            ],
        );
        assert_eq!(view.len(), 2, "the Deployment and the ConfigMap, whole");
        assert!(view.get(&key("ConfigMap", "web-settings")).is_some());
        assert!(
            view.get(&key("Pod", "web-1-a")).is_none(),
            "an untracked child is not kept whole"
        );
        assert!(
            view.get(&key("ConfigMap", "adopt-me")).is_none(),
            "nor an untracked object the app wants"
        );
        assert!(view.get(&key("ConfigMap", "api")).is_none(), "api's object");
        let replica_sets: Vec<_> = view.children("uid-web").collect();
        assert_eq!(replica_sets.len(), 1);
        assert_eq!(replica_sets[0].key, key("ReplicaSet", "web-1"));
        let pods: Vec<_> = view.children("uid-web-1").collect();
        assert_eq!(pods.len(), 1);
        assert_eq!(pods[0].key, key("Pod", "web-1-a"));
    }

    #[test]
    fn a_relist_drops_what_is_gone_and_marks_its_apps() {
        let mut store = deployment_tree();
        let apps = store.replace_kind(
            "",
            "ConfigMap",
            vec![object("ConfigMap", "new", Some("new"), None)],
        );
        assert_eq!(names(apps), ["api", "new"]);
        assert!(store.view("api", &[]).is_empty());
        assert_eq!(store.len(), 4);
    }

    #[test]
    fn only_tracked_or_owned_objects_are_worth_keeping() {
        assert!(CacheStore::worth_keeping(&object(
            "Pod",
            "a",
            None,
            Some("rs")
        )));
        assert!(CacheStore::worth_keeping(&object(
            "Pod",
            "b",
            Some("web"),
            None
        )));
        assert!(!CacheStore::worth_keeping(&object("Pod", "c", None, None)));
    }
}
