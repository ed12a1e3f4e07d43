//! ReplicaSet controller: keeps `spec.replicas` Pods from the template (named by
//! `generateName` `<replicaset>-`, owned through a controller ownerReference), deletes
//! the surplus (not-ready Pods first, then the newest), and writes status: replicas,
//! fullyLabeledReplicas, readyReplicas, availableReplicas (Ready Pods;
//! `minReadySeconds` is not modelled), observedGeneration.

use std::sync::Arc;

use serde_json::{Value, json};

use super::super::garbage_collector::{Propagation, delete_object};
use super::super::meta;
use super::super::store::Store;
use super::{
    CONTROLLER_MANAGER, controlled_by, controller_ref, create, desired_replicas, kind, write,
};

pub(crate) fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["type"] == "Ready" && c["status"] == "True")
}

/// A Pod from the ReplicaSet's template, with the defaults the API server applies.
fn pod_for(replica_set: &Value) -> Value {
    let template = &replica_set["spec"]["template"];
    let name = meta::name(replica_set);
    let mut metadata = template["metadata"].clone();
    if !metadata.is_object() {
        metadata = json!({});
    }
    metadata["generateName"] = json!(format!("{name}-"));
    metadata["namespace"] = json!(meta::namespace(replica_set));
    metadata["ownerReferences"] = controller_ref(replica_set);
    if let Some(map) = metadata.as_object_mut() {
        map.remove("name");
    }
    let mut spec = template["spec"].clone();
    for (field, default) in [
        ("restartPolicy", json!("Always")),
        ("dnsPolicy", json!("ClusterFirst")),
        ("schedulerName", json!("default-scheduler")),
        ("terminationGracePeriodSeconds", json!(30)),
        ("nodeName", json!("sim-node-1")),
    ] {
        if spec[field].is_null() {
            spec[field] = default;
        }
    }
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec})
}

pub(crate) fn reconcile(store: &mut Store) {
    let (Some(rs_kind), Some(pod_kind)) = (kind("apps", "replicasets"), kind("", "pods")) else {
        return;
    };
    for replica_set in store.list(&rs_kind.storage_key(), None) {
        if meta::is_terminating(&replica_set) {
            continue;
        }
        let namespace = meta::namespace(&replica_set).to_string();
        let mut pods: Vec<Arc<Value>> =
            controlled_by(store, pod_kind, &namespace, meta::uid(&replica_set))
                .into_iter()
                .filter(|p| !meta::is_terminating(p))
                .filter(|p| !matches!(p["status"]["phase"].as_str(), Some("Failed" | "Succeeded")))
                .collect();
        let desired = usize::try_from(desired_replicas(&replica_set)).unwrap_or(0);
        if pods.len() < desired {
            for _ in pods.len()..desired {
                create(store, pod_kind, pod_for(&replica_set), CONTROLLER_MANAGER);
            }
        } else if pods.len() > desired {
            // Not ready before ready, then the newest first.
            pods.sort_by(|a, b| {
                is_ready(a).cmp(&is_ready(b)).then_with(|| {
                    b["metadata"]["creationTimestamp"]
                        .as_str()
                        .cmp(&a["metadata"]["creationTimestamp"].as_str())
                })
            });
            for pod in pods.drain(..pods.len() - desired) {
                delete_object(
                    store,
                    &pod_kind.storage_key(),
                    &namespace,
                    meta::name(&pod),
                    Propagation::Background,
                );
            }
        }
        let pods: Vec<Arc<Value>> =
            controlled_by(store, pod_kind, &namespace, meta::uid(&replica_set))
                .into_iter()
                .filter(|p| !matches!(p["status"]["phase"].as_str(), Some("Failed" | "Succeeded")))
                .collect();
        let ready = pods.iter().filter(|p| is_ready(p)).count();
        let mut status = json!({
            "replicas": pods.len(),
            "fullyLabeledReplicas": pods.len(),
            "readyReplicas": ready,
            "availableReplicas": ready,
            "observedGeneration": replica_set["metadata"]["generation"],
        });
        if let Some(map) = status.as_object_mut() {
            // Zero counts are omitted, as the API server's encoding does.
            map.retain(|k, v| k == "replicas" || v != &json!(0));
        }
        let Some(current) = store.get(&rs_kind.storage_key(), &namespace, meta::name(&replica_set))
        else {
            continue;
        };
        if current["status"] == status {
            continue;
        }
        let mut new = (*current).clone();
        new["status"] = status;
        write(store, rs_kind, &current, new, CONTROLLER_MANAGER, true);
    }
}
