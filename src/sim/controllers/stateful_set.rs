//! StatefulSet controller: Pods named `<statefulset>-<ordinal>` for ordinals
//! `0..replicas`, owned through a controller ownerReference and labelled with the
//! template's labels plus `controller-revision-hash` (`<statefulset>-<template hash>`),
//! `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index`.
//!
//! - OrderedReady (the default podManagementPolicy): the next ordinal is created only
//!   once every lower one is Ready, and scaling down removes the highest ordinal first,
//!   one at a time, while the rest are Ready. Parallel creates and removes all at once.
//! - RollingUpdate (the default updateStrategy): once every Pod is Ready, the highest
//!   ordinal not at the update revision (and at or above `partition`) is deleted and
//!   recreated from the new template, one at a time; a Pod below the partition is
//!   recreated at the current revision. OnDelete replaces nothing (Pods deleted by hand
//!   come back at the update revision).
//! - volumeClaimTemplates: a claim `<template>-<statefulset>-<ordinal>` is created
//!   before its Pod and mounted by it (owned by the StatefulSet only when
//!   `persistentVolumeClaimRetentionPolicy.whenDeleted` is Delete, as Kubernetes).
//! - Failed Pods are deleted and recreated.
//!
//! Status: observedGeneration, replicas, readyReplicas, availableReplicas (Ready Pods;
//! no minReadySeconds), currentReplicas, updatedReplicas, currentRevision,
//! updateRevision, collisionCount 0. The current revision becomes the update revision
//! when every Pod is updated and Ready. Revisions are template hashes; the templates of
//! the current and update revisions are kept in the controllers' memory instead of
//! ControllerRevision objects (so after the simulator restarts, the old template is
//! gone and a Pod below the partition is recreated from the new one).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Value, json};

use super::super::garbage_collector::{Propagation, delete_object};
use super::super::meta;
use super::super::resource_kinds::ResourceKind;
use super::super::store::Store;
use super::replica_set::is_ready;
use super::{
    CONTROLLER_MANAGER, Memory, Pass, controlled_by, controller_ref, create, desired_replicas,
    kind, node_name, safe_hash, write,
};

pub(crate) const REVISION_HASH: &str = "controller-revision-hash";
const POD_NAME: &str = "statefulset.kubernetes.io/pod-name";
const POD_INDEX: &str = "apps.kubernetes.io/pod-index";

/// The kinds this controller touches.
struct Kinds {
    sts: &'static ResourceKind,
    pod: &'static ResourceKind,
    pvc: &'static ResourceKind,
}

/// `<statefulset>-<hash of the pod template>`, the revision name.
fn update_revision(sts: &Value) -> String {
    format!(
        "{}-{}",
        meta::name(sts),
        safe_hash(&sts["spec"]["template"], 10)
    )
}

/// The ordinal of a Pod named `<statefulset>-<n>`.
fn ordinal(sts_name: &str, pod: &Value) -> Option<i64> {
    meta::name(pod)
        .strip_prefix(sts_name)?
        .strip_prefix('-')?
        .parse()
        .ok()
        .filter(|n: &i64| *n >= 0)
}

fn revision_of(pod: &Value) -> &str {
    pod["metadata"]["labels"][REVISION_HASH]
        .as_str()
        .unwrap_or_default()
}

fn claim_name(template: &Value, sts: &Value, ordinal: i64) -> String {
    format!("{}-{}-{ordinal}", meta::name(template), meta::name(sts))
}

/// The claim for `template` at `ordinal`.
fn claim_for(sts: &Value, template: &Value, ordinal: i64) -> Value {
    let mut metadata = template["metadata"].clone();
    if !metadata.is_object() {
        metadata = json!({});
    }
    metadata["name"] = json!(claim_name(template, sts, ordinal));
    metadata["namespace"] = json!(meta::namespace(sts));
    // Kubernetes labels claims with the StatefulSet's selector.
    for (key, value) in sts["spec"]["selector"]["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
    {
        metadata["labels"][key] = value.clone();
    }
    if sts["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] == "Delete" {
        metadata["ownerReferences"] = controller_ref(sts);
    }
    let mut spec = template["spec"].clone();
    if spec["volumeMode"].is_null() {
        spec["volumeMode"] = json!("Filesystem");
    }
    json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata, "spec": spec})
}

/// The Pod at `ordinal` from `template` (of revision `revision`).
fn pod_for(sts: &Value, template: &Value, ordinal: i64, revision: &str, nodes: u32) -> Value {
    let name = format!("{}-{ordinal}", meta::name(sts));
    let mut metadata = template["metadata"].clone();
    if !metadata.is_object() {
        metadata = json!({});
    }
    metadata["labels"][REVISION_HASH] = json!(revision);
    metadata["labels"][POD_NAME] = json!(name);
    metadata["labels"][POD_INDEX] = json!(ordinal.to_string());
    metadata["name"] = json!(name);
    metadata["namespace"] = json!(meta::namespace(sts));
    metadata["ownerReferences"] = controller_ref(sts);
    if let Some(map) = metadata.as_object_mut() {
        map.remove("generateName");
    }
    let mut spec = template["spec"].clone();
    let node = u32::try_from(ordinal.rem_euclid(i64::from(nodes.max(1)))).unwrap_or(0);
    for (field, default) in [
        ("restartPolicy", json!("Always")),
        ("dnsPolicy", json!("ClusterFirst")),
        ("schedulerName", json!("default-scheduler")),
        ("terminationGracePeriodSeconds", json!(30)),
        ("hostname", json!(name)),
        ("nodeName", json!(node_name(node))),
    ] {
        if spec[field].is_null() {
            spec[field] = default;
        }
    }
    if let Some(service) = sts["spec"]["serviceName"]
        .as_str()
        .filter(|s| !s.is_empty())
    {
        spec["subdomain"] = json!(service);
    }
    let mut volumes = spec["volumes"].as_array().cloned().unwrap_or_default();
    for claim in sts["spec"]["volumeClaimTemplates"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let volume = meta::name(claim);
        if volumes.iter().any(|v| v["name"] == volume) {
            continue;
        }
        volumes.push(json!({"name": volume,
            "persistentVolumeClaim": {"claimName": claim_name(claim, sts, ordinal)}}));
    }
    if !volumes.is_empty() {
        spec["volumes"] = Value::Array(volumes);
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec})
}

fn delete(store: &mut Store, kinds: &Kinds, namespace: &str, pod: &Value) {
    delete_object(
        store,
        &kinds.pod.storage_key(),
        namespace,
        meta::name(pod),
        Propagation::Background,
    );
}

/// The StatefulSet's Pods by ordinal (terminating ones and strangers left out).
fn pods_by_ordinal(store: &Store, kinds: &Kinds, sts: &Value) -> BTreeMap<i64, Arc<Value>> {
    let name = meta::name(sts);
    controlled_by(store, kinds.pod, meta::namespace(sts), meta::uid(sts))
        .into_iter()
        .filter(|p| !meta::is_terminating(p))
        .filter_map(|p| ordinal(name, &p).map(|n| (n, p)))
        .collect()
}

fn kinds() -> Option<Kinds> {
    Some(Kinds {
        sts: kind("apps", "statefulsets")?,
        pod: kind("", "pods")?,
        pvc: kind("", "persistentvolumeclaims")?,
    })
}

/// Manage every StatefulSet's Pods (one step each), then write its status.
pub(crate) fn reconcile(store: &mut Store, memory: &mut Memory, pass: &Pass) {
    let Some(kinds) = kinds() else {
        return;
    };
    for sts in store.list(&kinds.sts.storage_key(), None) {
        if meta::is_terminating(&sts) {
            continue;
        }
        let revisions = memory
            .statefulset_revisions
            .entry(meta::uid(&sts).to_string())
            .or_default();
        revisions
            .entry(update_revision(&sts))
            .or_insert_with(|| sts["spec"]["template"].clone());
        manage_pods(store, &kinds, &sts, pass.nodes, revisions);
        if let Some(status) = write_status(store, &kinds, &sts) {
            // Only the current and update revisions can still be needed.
            revisions.retain(|revision, _| {
                status["currentRevision"] == revision.as_str()
                    || status["updateRevision"] == revision.as_str()
            });
        }
    }
}

/// Only refresh status (Pods that became Ready earlier in the pass); Pods are managed
/// once per pass, so a deletion is seen before the next one.
pub(crate) fn reconcile_status(store: &mut Store) {
    let Some(kinds) = kinds() else {
        return;
    };
    for sts in store.list(&kinds.sts.storage_key(), None) {
        if !meta::is_terminating(&sts) {
            write_status(store, &kinds, &sts);
        }
    }
}

/// Create, delete and replace Pods: one step of what Kubernetes does per sync.
/// `revisions` holds the templates of known revisions by name.
fn manage_pods(
    store: &mut Store,
    kinds: &Kinds,
    sts: &Value,
    nodes: u32,
    revisions: &HashMap<String, Value>,
) {
    let namespace = meta::namespace(sts).to_string();
    let desired = desired_replicas(sts);
    let ordered = sts["spec"]["podManagementPolicy"] != "Parallel";
    let revision = update_revision(sts);
    let strategy = &sts["spec"]["updateStrategy"];
    let on_delete = strategy["type"] == "OnDelete";
    let partition = strategy["rollingUpdate"]["partition"]
        .as_i64()
        .unwrap_or(0)
        .max(0);
    // Below the partition, Pods are (re)created at the current revision when its
    // template is known.
    let current = sts["status"]["currentRevision"]
        .as_str()
        .and_then(|name| revisions.get(name).map(|template| (name, template)));
    let mut pods = pods_by_ordinal(store, kinds, sts);

    // Failed Pods are replaced.
    let failed: Vec<i64> = pods
        .iter()
        .filter(|(_, p)| p["status"]["phase"] == "Failed")
        .map(|(n, _)| *n)
        .collect();
    for n in failed {
        if let Some(pod) = pods.remove(&n) {
            delete(store, kinds, &namespace, &pod);
        }
    }

    // Create what is missing, in order.
    for n in 0..desired {
        match pods.get(&n) {
            Some(pod) => {
                if ordered && !is_ready(pod) {
                    return;
                }
            }
            None => {
                for template in sts["spec"]["volumeClaimTemplates"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    let claim = claim_name(template, sts, n);
                    if store
                        .get(&kinds.pvc.storage_key(), &namespace, &claim)
                        .is_none()
                    {
                        create(
                            store,
                            kinds.pvc,
                            claim_for(sts, template, n),
                            CONTROLLER_MANAGER,
                        );
                    }
                }
                let (pod_revision, template) = match current {
                    Some(current) if !on_delete && n < partition => current,
                    _ => (revision.as_str(), &sts["spec"]["template"]),
                };
                create(
                    store,
                    kinds.pod,
                    pod_for(sts, template, n, pod_revision, nodes),
                    CONTROLLER_MANAGER,
                );
                if ordered {
                    return;
                }
            }
        }
    }

    // Scale down: the highest ordinal first.
    let condemned: Vec<Arc<Value>> = pods
        .range(desired..)
        .rev()
        .map(|(_, p)| p.clone())
        .collect();
    if !condemned.is_empty() {
        if ordered {
            let all_ready = pods.values().all(|p| is_ready(p));
            if all_ready {
                delete(store, kinds, &namespace, &condemned[0]);
            }
        } else {
            for pod in &condemned {
                delete(store, kinds, &namespace, pod);
            }
        }
        return;
    }
    if pods.len() < usize::try_from(desired).unwrap_or(0) {
        return;
    }

    // Rolling update: highest ordinal first, one at a time, every Pod Ready.
    if on_delete {
        return;
    }
    for n in (partition..desired).rev() {
        let Some(pod) = pods.get(&n) else {
            return;
        };
        if revision_of(pod) != revision {
            if pods.values().all(|p| is_ready(p)) {
                delete(store, kinds, &namespace, pod);
            }
            return;
        }
        if !is_ready(pod) {
            return;
        }
    }
}

/// Write the status from the Pods as they are now; the status written (or already there).
fn write_status(store: &mut Store, kinds: &Kinds, sts: &Value) -> Option<Value> {
    let namespace = meta::namespace(sts).to_string();
    let current = store.get(&kinds.sts.storage_key(), &namespace, meta::name(sts))?;
    let pods = pods_by_ordinal(store, kinds, &current);
    let update = update_revision(&current);
    let previous = current["status"]["currentRevision"]
        .as_str()
        .filter(|r| !r.is_empty())
        .unwrap_or(&update)
        .to_string();
    let count = |f: &dyn Fn(&Value) -> bool| -> i64 {
        i64::try_from(pods.values().filter(|p| f(p)).count()).unwrap_or(i64::MAX)
    };
    let replicas = count(&|_| true);
    let ready = count(&|p| is_ready(p));
    let updated = count(&|p| revision_of(p) == update);
    let desired = desired_replicas(&current);
    let (current_revision, current_replicas) =
        if updated == desired && replicas == desired && ready == desired {
            (update.clone(), updated)
        } else {
            (previous.clone(), count(&|p| revision_of(p) == previous))
        };
    let mut status = json!({
        "observedGeneration": current["metadata"]["generation"],
        "replicas": replicas,
        "readyReplicas": ready,
        "currentReplicas": current_replicas,
        "updatedReplicas": updated,
        "availableReplicas": ready,
        "currentRevision": current_revision,
        "updateRevision": update,
        "collisionCount": 0,
    });
    if let Some(map) = status.as_object_mut() {
        // Zero counts the API server's encoding omits.
        map.retain(|k, v| {
            !(matches!(
                k.as_str(),
                "readyReplicas" | "currentReplicas" | "updatedReplicas"
            ) && v == &json!(0))
        });
    }
    if current["status"] == status {
        return Some(status);
    }
    let mut new = (*current).clone();
    new["status"] = status.clone();
    write(store, kinds.sts, &current, new, CONTROLLER_MANAGER, true)?;
    Some(status)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::super::write::{create_internal, seed_namespaces};
    use super::super::{Memory, reconcile_pass};
    use super::*;

    fn store_with(spec: Value) -> Store {
        let mut store = Store::new("unit", 1_000);
        seed_namespaces(&mut store);
        let mut sts = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "db", "namespace": "default"},
            "spec": {"replicas": 3, "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": {"metadata": {"labels": {"app": "db"}},
                    "spec": {"containers": [{"name": "db", "image": "db:1"}]}}}});
        for (key, value) in spec.as_object().into_iter().flatten() {
            sts["spec"][key] = value.clone();
        }
        let kind = kind("apps", "statefulsets").expect("kind");
        create_internal(&mut store, kind, sts, "test").expect("create");
        store
    }

    /// Passes one simulated second apart from `*second`, recording the pod names seen
    /// after each pass.
    fn run(
        store: &mut Store,
        memory: &mut Memory,
        second: &mut u64,
        seconds: u64,
    ) -> Vec<Vec<String>> {
        let mut seen = Vec::new();
        for _ in 0..seconds {
            reconcile_pass(store, memory, &Pass::at(Duration::from_secs(*second), 3));
            *second += 1;
            seen.push(pod_names(store));
        }
        seen
    }

    fn pod_names(store: &Store) -> Vec<String> {
        let mut names: Vec<String> = store
            .list("/pods", Some("default"))
            .iter()
            .map(|p| meta::name(p).to_string())
            .collect();
        names.sort();
        names
    }

    fn sts(store: &Store) -> Value {
        (*store
            .get("apps/statefulsets", "default", "db")
            .expect("sts"))
        .clone()
    }

    fn set_spec(store: &mut Store, field: &str, value: Value) {
        let kind = kind("apps", "statefulsets").expect("kind");
        let old = sts(store);
        let mut new = old.clone();
        new["spec"][field] = value;
        write(store, kind, &old, new, "test", false).expect("write");
    }

    #[test]
    fn ordered_ready_creates_pods_one_after_another() {
        let mut store = store_with(json!({}));
        let (mut memory, mut second) = (Memory::default(), 0);
        let seen = run(&mut store, &mut memory, &mut second, 15);
        assert_eq!(seen[0], ["db-0"]);
        // db-1 appears only after db-0 was Ready (start 2 s + ready 1 s).
        let first_with = |name: &str| {
            seen.iter()
                .position(|names| names.iter().any(|n| n == name))
        };
        let (one, two) = (
            first_with("db-1").expect("db-1"),
            first_with("db-2").expect("db-2"),
        );
        assert!(one >= 3 && two >= one + 3, "{seen:?}");
        let done = sts(&store);
        let status = &done["status"];
        assert_eq!(status["readyReplicas"], 3, "{done:#}");
        assert_eq!(status["currentRevision"], status["updateRevision"]);
        assert_eq!(status["currentReplicas"], 3);
        assert_eq!(status["observedGeneration"], 1);
        let pod = store.get("/pods", "default", "db-1").expect("pod");
        assert_eq!(
            pod["metadata"]["labels"][REVISION_HASH],
            status["updateRevision"]
        );
        assert_eq!(pod["metadata"]["labels"][POD_NAME], "db-1");
        assert_eq!(pod["spec"]["nodeName"], "sim-node-2");
        assert_eq!(pod["spec"]["subdomain"], "db");
        assert_eq!(
            pod["metadata"]["ownerReferences"][0]["uid"],
            done["metadata"]["uid"]
        );
        // Settled: nothing more is written.
        let rv = done["metadata"]["resourceVersion"].clone();
        run(&mut store, &mut memory, &mut second, 5);
        assert_eq!(sts(&store)["metadata"]["resourceVersion"], rv);
    }

    #[test]
    fn parallel_creates_all_and_scale_down_removes_the_highest_first() {
        let mut store = store_with(json!({"podManagementPolicy": "Parallel"}));
        let (mut memory, mut second) = (Memory::default(), 0);
        let seen = run(&mut store, &mut memory, &mut second, 5);
        assert_eq!(seen[0], ["db-0", "db-1", "db-2"]);
        set_spec(&mut store, "replicas", json!(1));
        run(&mut store, &mut memory, &mut second, 1);
        assert_eq!(pod_names(&store), ["db-0"]);

        let mut ordered = store_with(json!({"replicas": 3}));
        let (mut memory, mut second) = (Memory::default(), 0);
        run(&mut ordered, &mut memory, &mut second, 12);
        set_spec(&mut ordered, "replicas", json!(1));
        let seen = run(&mut ordered, &mut memory, &mut second, 2);
        assert_eq!(seen[0], ["db-0", "db-1"], "db-2 goes first");
        assert_eq!(seen[1], ["db-0"]);
        assert_eq!(sts(&ordered)["status"]["replicas"], 1);
    }

    #[test]
    fn rolling_update_replaces_from_the_highest_ordinal_within_the_partition() {
        let mut store = store_with(json!({
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}}));
        let (mut memory, mut second) = (Memory::default(), 0);
        run(&mut store, &mut memory, &mut second, 12);
        let old_revision = sts(&store)["status"]["updateRevision"].clone();
        set_spec(
            &mut store,
            "template",
            json!({"metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "db", "image": "db:2"}]}}),
        );
        let revision_at = |store: &Store, name: &str| {
            store
                .get("/pods", "default", name)
                .map(|p| p["metadata"]["labels"][REVISION_HASH].clone())
        };
        run(&mut store, &mut memory, &mut second, 1);
        let rolling = sts(&store);
        assert_ne!(rolling["status"]["updateRevision"], old_revision);
        assert_eq!(rolling["status"]["currentRevision"], old_revision);
        assert!(
            revision_at(&store, "db-2").is_none_or(|r| r == rolling["status"]["updateRevision"])
        );
        assert_eq!(
            revision_at(&store, "db-1"),
            Some(old_revision.clone()),
            "one at a time"
        );
        run(&mut store, &mut memory, &mut second, 12);
        let done = sts(&store);
        let update = done["status"]["updateRevision"].clone();
        assert_eq!(revision_at(&store, "db-2"), Some(update.clone()));
        assert_eq!(revision_at(&store, "db-1"), Some(update.clone()));
        assert_eq!(
            revision_at(&store, "db-0"),
            Some(old_revision.clone()),
            "below the partition"
        );
        assert_eq!(done["status"]["updatedReplicas"], 2);
        assert_eq!(done["status"]["currentRevision"], old_revision);
        assert_eq!(done["status"]["readyReplicas"], 3);
        assert_eq!(done["status"]["currentReplicas"], 1);

        // A Pod below the partition comes back at the current revision.
        delete_object(
            &mut store,
            "/pods",
            "default",
            "db-0",
            Propagation::Background,
        );
        run(&mut store, &mut memory, &mut second, 5);
        let pod = store
            .get("/pods", "default", "db-0")
            .expect("db-0 recreated");
        assert_eq!(pod["metadata"]["labels"][REVISION_HASH], old_revision);
        assert_eq!(pod["spec"]["containers"][0]["image"], "db:1");

        // Partition 0 finishes the rollout; the current revision follows.
        set_spec(
            &mut store,
            "updateStrategy",
            json!({"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}),
        );
        run(&mut store, &mut memory, &mut second, 8);
        let finished = sts(&store);
        assert_eq!(revision_at(&store, "db-0"), Some(update.clone()));
        assert_eq!(finished["status"]["currentRevision"], update);
        assert_eq!(finished["status"]["currentReplicas"], 3);
    }

    #[test]
    fn on_delete_keeps_old_pods_and_claims_come_from_templates() {
        let mut store = store_with(json!({"updateStrategy": {"type": "OnDelete"},
            "replicas": 2,
            "volumeClaimTemplates": [{"metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"],
                    "resources": {"requests": {"storage": "1Gi"}}}}]}));
        let (mut memory, mut second) = (Memory::default(), 0);
        run(&mut store, &mut memory, &mut second, 10);
        let claim = store
            .get("/persistentvolumeclaims", "default", "data-db-1")
            .expect("claim");
        assert_eq!(claim["metadata"]["labels"]["app"], "db");
        assert_eq!(claim["status"]["phase"], "Bound");
        let pod = store.get("/pods", "default", "db-0").expect("pod");
        assert_eq!(
            pod["spec"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
            "data-db-0"
        );
        let before = pod["metadata"]["uid"].clone();
        set_spec(
            &mut store,
            "template",
            json!({"metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "db", "image": "db:2"}]}}),
        );
        run(&mut store, &mut memory, &mut second, 10);
        let pod = store.get("/pods", "default", "db-0").expect("pod");
        assert_eq!(pod["metadata"]["uid"], before, "OnDelete replaces nothing");
        assert!(sts(&store)["status"]["updatedReplicas"].is_null());
    }
}
