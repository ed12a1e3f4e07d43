//! Deletion and garbage collection: propagation policies (Background, Foreground,
//! Orphan), finalizers with deletionTimestamp (an object stays until its finalizers are
//! gone), ownerReference cascades, Namespaces and CRDs that empty themselves before they
//! go. The real collector is asynchronous; this one runs to a fixed point inside the
//! write that triggered it (under the store lock), which keeps tests deterministic.

use std::sync::Arc;

use serde_json::{Value, json};

use super::meta;
use super::resource_kinds::kinds_of_crd;
use super::server::CRD_STORAGE;
use super::store::{ObjectRef, Store};

pub(crate) const FOREGROUND: &str = "foregroundDeletion";
pub(crate) const ORPHAN: &str = "orphan";

/// `propagationPolicy` of a delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Propagation {
    Background,
    Foreground,
    Orphan,
}

impl Propagation {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "Background" => Some(Propagation::Background),
            "Foreground" => Some(Propagation::Foreground),
            "Orphan" => Some(Propagation::Orphan),
            _ => None,
        }
    }
}

/// What a delete did.
#[derive(Debug)]
pub(crate) enum Deletion {
    /// The object is gone (its last state).
    Removed(Arc<Value>),
    /// The object is terminating, waiting for finalizers (its current state).
    Pending(Arc<Value>),
}

/// Storage key of the resources a CRD defines.
fn crd_storage(crd: &Value) -> Option<String> {
    kinds_of_crd(crd)
        .first()
        .map(|kind| kind.storage_key())
        .or_else(|| {
            let spec = &crd["spec"];
            Some(format!(
                "{}/{}",
                spec["group"].as_str()?,
                spec["names"]["plural"].as_str()?
            ))
        })
}

/// Namespaces and CRDs always pass through Terminating: their contents go first.
fn empties_first(storage_key: &str) -> bool {
    storage_key == "/namespaces" || storage_key == CRD_STORAGE
}

/// Begin deleting one object (no collection pass).
fn begin_delete(
    store: &mut Store,
    storage_key: &str,
    namespace: &str,
    name: &str,
    propagation: Propagation,
) -> Option<Deletion> {
    let object = store.get(storage_key, namespace, name)?;
    if meta::is_terminating(&object) {
        return Some(Deletion::Pending(object));
    }
    let mut finalizers = meta::finalizers(&object);
    let extra = match propagation {
        Propagation::Background => None,
        Propagation::Foreground => Some(FOREGROUND),
        Propagation::Orphan => Some(ORPHAN),
    };
    if let Some(extra) = extra
        && !finalizers.iter().any(|f| f == extra)
    {
        finalizers.push(extra.to_string());
    }
    if finalizers.is_empty() && !empties_first(storage_key) {
        return store
            .remove(storage_key, namespace, name)
            .map(Deletion::Removed);
    }
    let mut terminating = (*object).clone();
    meta::set_finalizers(&mut terminating, finalizers);
    let metadata = meta::meta_mut(&mut terminating);
    metadata.insert("deletionTimestamp".into(), Value::String(meta::now()));
    metadata.insert("deletionGracePeriodSeconds".into(), json!(0));
    if storage_key == "/namespaces"
        && let Some(map) = terminating.as_object_mut()
    {
        map.insert("status".into(), json!({"phase": "Terminating"}));
    }
    Some(Deletion::Pending(store.put(storage_key, terminating)))
}

/// Delete an object with a propagation policy and collect what follows from it.
pub(crate) fn delete_object(
    store: &mut Store,
    storage_key: &str,
    namespace: &str,
    name: &str,
    propagation: Propagation,
) -> Option<Deletion> {
    let outcome = begin_delete(store, storage_key, namespace, name, propagation)?;
    collect(store);
    Some(match outcome {
        Deletion::Pending(object) => match store.get(storage_key, namespace, name) {
            Some(current) if meta::uid(&current) == meta::uid(&object) => {
                Deletion::Pending(current)
            }
            _ => Deletion::Removed(object),
        },
        removed => removed,
    })
}

/// Run garbage collection to a fixed point: process the finalizers the server owns
/// (`foregroundDeletion`, `orphan`), empty terminating Namespaces and CRDs, remove
/// terminating objects without finalizers, and delete dependents whose owners are all
/// gone. Driven by the store's indexes: the work is proportional to the cascade.
pub(crate) fn collect(store: &mut Store) {
    // Every round makes progress or ends; the bound only guards against a logic error.
    for _ in 0..100_000 {
        let mut progress = false;
        for at in store.terminating() {
            progress |= finish_terminating(store, &at);
        }
        for uid in store.take_vanished() {
            for (key, namespace, name) in store.dependents_of(&uid) {
                let Some(dependent) = store.get(&key, &namespace, &name) else {
                    continue;
                };
                let orphaned = meta::owner_uids(&dependent)
                    .iter()
                    .all(|owner| !store.uid_exists(owner));
                if orphaned && !meta::is_terminating(&dependent) {
                    begin_delete(store, &key, &namespace, &name, Propagation::Background);
                    progress = true;
                }
            }
        }
        if !progress {
            return;
        }
    }
    tracing::warn!("garbage collection did not reach a fixed point");
}

/// Advance one terminating object; true if anything changed.
fn finish_terminating(store: &mut Store, at: &ObjectRef) -> bool {
    let (key, namespace, name) = at;
    let Some(current) = store.get(key, namespace, name) else {
        return false;
    };
    let mut progress = false;
    let mut finalizers = meta::finalizers(&current);
    let uid = meta::uid(&current).to_string();
    if finalizers.iter().any(|f| f == ORPHAN) {
        for (dep_key, dep_namespace, dep_name) in store.dependents_of(&uid) {
            let Some(dependent) = store.get(&dep_key, &dep_namespace, &dep_name) else {
                continue;
            };
            let mut updated = (*dependent).clone();
            let metadata = meta::meta_mut(&mut updated);
            if let Some(Value::Array(refs)) = metadata.get_mut("ownerReferences") {
                refs.retain(|r| r["uid"].as_str() != Some(uid.as_str()));
                if refs.is_empty() {
                    metadata.remove("ownerReferences");
                }
            }
            store.put(&dep_key, updated);
        }
        finalizers.retain(|f| f != ORPHAN);
    } else if finalizers.iter().any(|f| f == FOREGROUND) {
        let dependents = store.dependents_of(&uid);
        for (dep_key, dep_namespace, dep_name) in &dependents {
            let waiting_already = store
                .get(dep_key, dep_namespace, dep_name)
                .is_none_or(|d| meta::is_terminating(&d));
            if !waiting_already {
                begin_delete(
                    store,
                    dep_key,
                    dep_namespace,
                    dep_name,
                    Propagation::Foreground,
                );
                progress = true;
            }
        }
        if dependents.is_empty() {
            finalizers.retain(|f| f != FOREGROUND);
        }
    }
    let contents_left = if key == "/namespaces" {
        empty_namespace(store, name, &mut progress)
    } else if key == CRD_STORAGE {
        empty_crd(store, &current, &mut progress)
    } else {
        false
    };
    if finalizers.is_empty() && !contents_left {
        store.remove(key, namespace, name);
        return true;
    }
    if finalizers != meta::finalizers(&current) {
        let mut updated = (*current).clone();
        meta::set_finalizers(&mut updated, finalizers);
        store.put(key, updated);
        return true;
    }
    progress
}

/// Delete everything in a terminating namespace; true while something is left.
fn empty_namespace(store: &mut Store, namespace: &str, changed: &mut bool) -> bool {
    let mut left = false;
    // Cluster-scoped objects live under the empty namespace, never listed here.
    for key in store.storage_keys() {
        for object in store.list(&key, Some(namespace)) {
            left = true;
            if !meta::is_terminating(&object) {
                begin_delete(
                    store,
                    &key,
                    namespace,
                    meta::name(&object),
                    Propagation::Background,
                );
                *changed = true;
            }
        }
    }
    left
}

/// Delete every custom resource of a terminating CRD; true while some are left.
fn empty_crd(store: &mut Store, crd: &Value, changed: &mut bool) -> bool {
    let Some(key) = crd_storage(crd) else {
        return false;
    };
    let objects = store.list(&key, None);
    for object in &objects {
        if !meta::is_terminating(object) {
            begin_delete(
                store,
                &key,
                meta::namespace(object),
                meta::name(object),
                Propagation::Background,
            );
            *changed = true;
        }
    }
    !objects.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(store: &mut Store, key: &str, name: &str, uid: &str, owner: Option<&str>) {
        let mut object = json!({"metadata": {"name": name, "namespace": "ns", "uid": uid}});
        if let Some(owner) = owner {
            object["metadata"]["ownerReferences"] =
                json!([{"apiVersion": "apps/v1", "kind": "Deployment", "name": "d", "uid": owner}]);
        }
        store.put(key, object);
    }

    fn store_with_chain() -> Store {
        let mut store = Store::new("t", 100);
        put(&mut store, "apps/deployments", "d", "u1", None);
        put(&mut store, "apps/replicasets", "rs", "u2", Some("u1"));
        put(&mut store, "/pods", "p", "u3", Some("u2"));
        store
    }

    #[test]
    fn background_deletes_the_whole_chain() {
        let mut store = store_with_chain();
        let outcome = delete_object(
            &mut store,
            "apps/deployments",
            "ns",
            "d",
            Propagation::Background,
        );
        assert!(matches!(outcome, Some(Deletion::Removed(_))));
        assert!(store.get("apps/replicasets", "ns", "rs").is_none());
        assert!(store.get("/pods", "ns", "p").is_none());
    }

    #[test]
    fn orphan_keeps_dependents_without_the_reference() {
        let mut store = store_with_chain();
        let outcome = delete_object(
            &mut store,
            "apps/deployments",
            "ns",
            "d",
            Propagation::Orphan,
        );
        assert!(matches!(outcome, Some(Deletion::Removed(_))));
        let rs = store
            .get("apps/replicasets", "ns", "rs")
            .expect("orphaned rs");
        assert!(rs["metadata"].get("ownerReferences").is_none());
        assert!(store.get("/pods", "ns", "p").is_some());
    }

    #[test]
    fn foreground_waits_for_finalized_dependents() {
        let mut store = store_with_chain();
        let mut pod = (*store.get("/pods", "ns", "p").expect("pod")).clone();
        meta::set_finalizers(&mut pod, vec!["example.com/hold".into()]);
        store.put("/pods", pod);
        let outcome = delete_object(
            &mut store,
            "apps/deployments",
            "ns",
            "d",
            Propagation::Foreground,
        );
        let Some(Deletion::Pending(deployment)) = outcome else {
            panic!("deployment should wait for its pod");
        };
        assert!(meta::is_terminating(&deployment));
        let pod = store.get("/pods", "ns", "p").expect("pod still there");
        assert!(meta::is_terminating(&pod));
        let mut released = (*pod).clone();
        meta::set_finalizers(&mut released, vec![]);
        store.put("/pods", released);
        collect(&mut store);
        assert!(store.get("/pods", "ns", "p").is_none());
        assert!(store.get("apps/deployments", "ns", "d").is_none());
    }
}
