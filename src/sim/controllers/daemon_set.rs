//! DaemonSet controller: one Pod per simulated node ([`Pass::nodes`], named by
//! [`node_name`]), named by `generateName` `<daemonset>-`, owned through a controller
//! ownerReference, bound to its node with `spec.nodeName` (and the node affinity
//! Kubernetes adds), labelled with `controller-revision-hash` (the template hash) and
//! `pod-template-generation`. Failed Pods and extra Pods on a node are deleted (and a
//! missing one is recreated on the next pass).
//!
//! RollingUpdate (the default updateStrategy) replaces old Pods within `maxUnavailable`
//! (int or percent of the nodes, rounded up; default 1): not-ready old Pods go first
//! without counting against it. `maxSurge` is not modelled (Pods are replaced delete
//! first). OnDelete replaces nothing.
//!
//! Status: desiredNumberScheduled, currentNumberScheduled, numberReady,
//! numberAvailable (Ready Pods; no minReadySeconds), numberUnavailable,
//! updatedNumberScheduled, numberMisscheduled 0 (node selectors are not evaluated:
//! every node is eligible), observedGeneration.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::super::garbage_collector::{Propagation, delete_object};
use super::super::meta;
use super::super::resource_kinds::ResourceKind;
use super::super::store::Store;
use super::replica_set::is_ready;
use super::stateful_set::REVISION_HASH;
use super::{
    CONTROLLER_MANAGER, Pass, controlled_by, controller_ref, create, kind, node_name, safe_hash,
    write,
};

const TEMPLATE_GENERATION: &str = "pod-template-generation";

fn template_hash(ds: &Value) -> String {
    safe_hash(&ds["spec"]["template"], 10)
}

fn pod_for(ds: &Value, node: &str, hash: &str) -> Value {
    let template = &ds["spec"]["template"];
    let mut metadata = template["metadata"].clone();
    if !metadata.is_object() {
        metadata = json!({});
    }
    metadata["labels"][REVISION_HASH] = json!(hash);
    metadata["labels"][TEMPLATE_GENERATION] = json!(
        ds["metadata"]["generation"]
            .as_i64()
            .unwrap_or(1)
            .to_string()
    );
    metadata["generateName"] = json!(format!("{}-", meta::name(ds)));
    metadata["namespace"] = json!(meta::namespace(ds));
    metadata["ownerReferences"] = controller_ref(ds);
    if let Some(map) = metadata.as_object_mut() {
        map.remove("name");
    }
    let mut spec = template["spec"].clone();
    for (field, default) in [
        ("restartPolicy", json!("Always")),
        ("dnsPolicy", json!("ClusterFirst")),
        ("schedulerName", json!("default-scheduler")),
        ("terminationGracePeriodSeconds", json!(30)),
    ] {
        if spec[field].is_null() {
            spec[field] = default;
        }
    }
    spec["nodeName"] = json!(node);
    spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"] = json!({
        "nodeSelectorTerms": [{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": [node]}]}]});
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec})
}

/// `maxUnavailable` as a Pod count: an int, or a percent of `nodes` rounded up.
fn max_unavailable(ds: &Value, nodes: i64) -> i64 {
    let value = &ds["spec"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"];
    let count = match value {
        Value::Number(n) => n.as_i64().unwrap_or(1),
        Value::String(s) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<i64>().ok())
            .map(|percent| (nodes * percent + 99) / 100)
            .unwrap_or(1),
        _ => 1,
    };
    count.max(1)
}

/// The DaemonSet's live Pods by node name.
fn pods_by_node(
    store: &Store,
    pod_kind: &ResourceKind,
    ds: &Value,
) -> BTreeMap<String, Vec<Arc<Value>>> {
    let mut by_node: BTreeMap<String, Vec<Arc<Value>>> = BTreeMap::new();
    for pod in controlled_by(store, pod_kind, meta::namespace(ds), meta::uid(ds)) {
        if meta::is_terminating(&pod) {
            continue;
        }
        let node = pod["spec"]["nodeName"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        by_node.entry(node).or_default().push(pod);
    }
    by_node
}

fn delete(store: &mut Store, pod_kind: &ResourceKind, pod: &Value) {
    delete_object(
        store,
        &pod_kind.storage_key(),
        meta::namespace(pod),
        meta::name(pod),
        Propagation::Background,
    );
}

/// Manage every DaemonSet's Pods (one step each), then write its status.
pub(crate) fn reconcile(store: &mut Store, pass: &Pass) {
    let (Some(ds_kind), Some(pod_kind)) = (kind("apps", "daemonsets"), kind("", "pods")) else {
        return;
    };
    for ds in store.list(&ds_kind.storage_key(), None) {
        if meta::is_terminating(&ds) {
            continue;
        }
        manage_pods(store, pod_kind, &ds, pass.nodes);
        write_status(store, ds_kind, pod_kind, &ds, pass.nodes);
    }
}

/// Only refresh status (Pods that became Ready earlier in the pass).
pub(crate) fn reconcile_status(store: &mut Store, pass: &Pass) {
    let (Some(ds_kind), Some(pod_kind)) = (kind("apps", "daemonsets"), kind("", "pods")) else {
        return;
    };
    for ds in store.list(&ds_kind.storage_key(), None) {
        if !meta::is_terminating(&ds) {
            write_status(store, ds_kind, pod_kind, &ds, pass.nodes);
        }
    }
}

fn manage_pods(store: &mut Store, pod_kind: &ResourceKind, ds: &Value, nodes: u32) {
    let hash = template_hash(ds);
    let mut by_node = pods_by_node(store, pod_kind, ds);
    let node_names: Vec<String> = (0..nodes).map(node_name).collect();
    // Pods on nodes that do not exist.
    let strays: Vec<String> = by_node
        .keys()
        .filter(|node| !node_names.contains(node))
        .cloned()
        .collect();
    for node in strays {
        for pod in by_node.remove(&node).unwrap_or_default() {
            delete(store, pod_kind, &pod);
        }
    }
    // One healthy Pod per node: failed and extra Pods go, missing ones are created.
    let mut kept: Vec<Option<Arc<Value>>> = Vec::new();
    for node in &node_names {
        let mut pods = by_node.remove(node).unwrap_or_default();
        let (failed, mut pods): (Vec<_>, Vec<_>) = pods
            .drain(..)
            .partition(|p| p["status"]["phase"] == "Failed");
        for pod in failed {
            delete(store, pod_kind, &pod);
        }
        // Keep an updated one over an old one, then a ready one, then the oldest.
        pods.sort_by(|a, b| {
            let key = |p: &Value| {
                (
                    p["metadata"]["labels"][REVISION_HASH] != hash.as_str(),
                    !is_ready(p),
                )
            };
            key(a).cmp(&key(b)).then_with(|| {
                a["metadata"]["creationTimestamp"]
                    .as_str()
                    .cmp(&b["metadata"]["creationTimestamp"].as_str())
            })
        });
        let mut pods = pods.into_iter();
        let first = pods.next();
        for extra in pods {
            delete(store, pod_kind, &extra);
        }
        if first.is_none() {
            create(
                store,
                pod_kind,
                pod_for(ds, node, &hash),
                CONTROLLER_MANAGER,
            );
        }
        kept.push(first);
    }
    if ds["spec"]["updateStrategy"]["type"] == "OnDelete" {
        return;
    }
    let is_old = |p: &Value| p["metadata"]["labels"][REVISION_HASH] != hash.as_str();
    let mut unavailable = kept
        .iter()
        .filter(|p| p.as_ref().is_none_or(|p| !is_ready(p)))
        .count();
    // Old Pods that are not Ready anyway go first.
    for pod in kept.iter().flatten() {
        if is_old(pod) && !is_ready(pod) {
            delete(store, pod_kind, pod);
        }
    }
    let budget = usize::try_from(max_unavailable(ds, i64::from(nodes))).unwrap_or(1);
    for pod in kept.iter().flatten() {
        if unavailable >= budget {
            break;
        }
        if is_old(pod) && is_ready(pod) {
            delete(store, pod_kind, pod);
            unavailable += 1;
        }
    }
}

fn write_status(
    store: &mut Store,
    ds_kind: &ResourceKind,
    pod_kind: &ResourceKind,
    ds: &Value,
    nodes: u32,
) {
    let namespace = meta::namespace(ds).to_string();
    let Some(current) = store.get(&ds_kind.storage_key(), &namespace, meta::name(ds)) else {
        return;
    };
    let hash = template_hash(&current);
    let by_node = pods_by_node(store, pod_kind, &current);
    let scheduled: Vec<&Arc<Value>> = (0..nodes)
        .filter_map(|i| by_node.get(&node_name(i)).and_then(|pods| pods.first()))
        .collect();
    let count = |f: &dyn Fn(&Value) -> bool| scheduled.iter().filter(|p| f(p)).count();
    let desired = usize::try_from(nodes).unwrap_or(0);
    let ready = count(&|p| is_ready(p));
    let updated = count(&|p| p["metadata"]["labels"][REVISION_HASH] == hash.as_str());
    let mut status = json!({
        "currentNumberScheduled": scheduled.len(),
        "desiredNumberScheduled": desired,
        "numberMisscheduled": 0,
        "numberReady": ready,
        "numberAvailable": ready,
        "numberUnavailable": desired.saturating_sub(ready),
        "updatedNumberScheduled": updated,
        "observedGeneration": current["metadata"]["generation"],
    });
    if let Some(map) = status.as_object_mut() {
        // Zero counts the API server's encoding omits.
        map.retain(|k, v| {
            !(matches!(
                k.as_str(),
                "numberAvailable" | "numberUnavailable" | "updatedNumberScheduled"
            ) && v == &json!(0))
        });
    }
    if current["status"] == status {
        return;
    }
    let mut new = (*current).clone();
    new["status"] = status;
    write(store, ds_kind, &current, new, CONTROLLER_MANAGER, true);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::super::write::{create_internal, seed_namespaces};
    use super::super::{Memory, reconcile_pass};
    use super::*;

    const NODES: u32 = 4;

    fn store_with(strategy: Value) -> Store {
        let mut store = Store::new("unit", 1_000);
        seed_namespaces(&mut store);
        let ds = json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
            "metadata": {"name": "agent", "namespace": "default"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}},
                "updateStrategy": strategy,
                "template": {"metadata": {"labels": {"app": "agent"}},
                    "spec": {"containers": [{"name": "agent", "image": "agent:1"}]}}}});
        let kind = kind("apps", "daemonsets").expect("kind");
        create_internal(&mut store, kind, ds, "test").expect("create");
        store
    }

    fn run(store: &mut Store, memory: &mut Memory, second: &mut u64, seconds: u64) -> Vec<Value> {
        let mut statuses = Vec::new();
        for _ in 0..seconds {
            reconcile_pass(
                store,
                memory,
                &Pass::at(Duration::from_secs(*second), NODES),
            );
            *second += 1;
            statuses.push(ds(store)["status"].clone());
        }
        statuses
    }

    fn ds(store: &Store) -> Value {
        (*store
            .get("apps/daemonsets", "default", "agent")
            .expect("ds"))
        .clone()
    }

    fn nodes_of(store: &Store) -> Vec<String> {
        let mut nodes: Vec<String> = store
            .list("/pods", Some("default"))
            .iter()
            .map(|p| {
                p["spec"]["nodeName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        nodes.sort();
        nodes
    }

    fn new_template(store: &mut Store) {
        let kind = kind("apps", "daemonsets").expect("kind");
        let old = ds(store);
        let mut new = old.clone();
        new["spec"]["template"]["spec"]["containers"][0]["image"] = json!("agent:2");
        write(store, kind, &old, new, "test", false).expect("write");
    }

    #[test]
    fn one_pod_per_node_then_a_rolling_update_within_max_unavailable() {
        let mut store = store_with(json!({"type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "50%"}}));
        let (mut memory, mut second) = (Memory::default(), 0);
        run(&mut store, &mut memory, &mut second, 5);
        assert_eq!(
            nodes_of(&store),
            ["sim-node-1", "sim-node-2", "sim-node-3", "sim-node-4"]
        );
        let status = ds(&store)["status"].clone();
        assert_eq!(status["desiredNumberScheduled"], 4, "{status:#}");
        assert_eq!(status["currentNumberScheduled"], 4);
        assert_eq!(status["numberReady"], 4);
        assert_eq!(status["updatedNumberScheduled"], 4);
        assert_eq!(status["numberMisscheduled"], 0);

        new_template(&mut store);
        let statuses = run(&mut store, &mut memory, &mut second, 15);
        for status in &statuses {
            assert!(
                status["numberAvailable"].as_i64().unwrap_or(0) >= 2,
                "{status:#}"
            );
        }
        assert!(statuses.iter().any(|s| s["updatedNumberScheduled"] == 2));
        let done = ds(&store);
        assert_eq!(done["status"]["updatedNumberScheduled"], 4);
        assert_eq!(done["status"]["numberAvailable"], 4);
        assert_eq!(done["status"]["observedGeneration"], 2);
        for pod in store.list("/pods", Some("default")) {
            assert_eq!(pod["spec"]["containers"][0]["image"], "agent:2");
        }
        assert_eq!(nodes_of(&store).len(), 4);
    }

    #[test]
    fn on_delete_replaces_nothing() {
        let mut store = store_with(json!({"type": "OnDelete"}));
        let (mut memory, mut second) = (Memory::default(), 0);
        run(&mut store, &mut memory, &mut second, 5);
        new_template(&mut store);
        run(&mut store, &mut memory, &mut second, 10);
        let status = ds(&store)["status"].clone();
        assert!(status["updatedNumberScheduled"].is_null(), "{status:#}");
        assert_eq!(status["numberReady"], 4);
        assert_eq!(max_unavailable(&json!({}), 10), 1);
        assert_eq!(
            max_unavailable(
                &json!({"spec": {"updateStrategy": {"rollingUpdate": {"maxUnavailable": "25%"}}}}),
                10
            ),
            3
        );
    }
}
