//! Deployment controller: one ReplicaSet per pod template, named
//! `<deployment>-<pod-template-hash>` and labelled with `pod-template-hash`; a rolling
//! update within maxSurge / maxUnavailable (defaults 25 % / 25 %, as Kubernetes), or
//! Recreate; and the status a real controller writes: observedGeneration, replicas,
//! updatedReplicas, readyReplicas, availableReplicas, unavailableReplicas, conditions
//! Available (MinimumReplicasAvailable / MinimumReplicasUnavailable) and Progressing
//! (NewReplicaSetCreated, ReplicaSetUpdated, NewReplicaSetAvailable, or
//! ProgressDeadlineExceeded once no progress was seen for progressDeadlineSeconds of
//! simulated time). Paused Deployments are not scaled.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};

use super::super::meta;
use super::super::resource_kinds::ResourceKind;
use super::super::store::Store;
use super::{
    CONTROLLER_MANAGER, Memory, POD_TEMPLATE_HASH, controlled_by, controller_ref, create,
    desired_replicas, kind, safe_hash, set_condition, write,
};

const REVISION: &str = "deployment.kubernetes.io/revision";
const DEFAULT_PROGRESS_DEADLINE: u64 = 600;

/// An int-or-percent of `desired`, rounded up (surge) or down (unavailable).
fn int_or_percent(value: &Value, desired: i64, default_percent: i64, round_up: bool) -> i64 {
    let percent = match value {
        Value::Number(n) => return n.as_i64().unwrap_or(0).max(0),
        Value::String(s) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(default_percent),
        _ => default_percent,
    };
    let scaled = desired * percent;
    if round_up {
        (scaled + 99) / 100
    } else {
        scaled / 100
    }
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap_or(0)
}

fn revision(replica_set: &Value) -> i64 {
    replica_set["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

/// The ReplicaSet for the Deployment's current template.
fn new_replica_set(deployment: &Value, hash: &str, revision: i64, replicas: i64) -> Value {
    let name = format!("{}-{hash}", meta::name(deployment));
    let mut template = deployment["spec"]["template"].clone();
    template["metadata"]["labels"][POD_TEMPLATE_HASH] = json!(hash);
    let mut selector = deployment["spec"]["selector"].clone();
    selector["matchLabels"][POD_TEMPLATE_HASH] = json!(hash);
    let labels = template["metadata"]["labels"].clone();
    let desired = desired_replicas(deployment);
    json!({
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": meta::namespace(deployment),
            "labels": labels,
            "annotations": {
                REVISION: revision.to_string(),
                "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                "deployment.kubernetes.io/max-replicas": desired.to_string(),
            },
            "ownerReferences": controller_ref(deployment),
        },
        "spec": {"replicas": replicas, "selector": selector, "template": template},
    })
}

fn scale(store: &mut Store, kind: &ResourceKind, replica_set: &Value, replicas: i64) {
    if int(&replica_set["spec"]["replicas"]) == replicas {
        return;
    }
    let mut new = replica_set.clone();
    new["spec"]["replicas"] = json!(replicas);
    write(store, kind, replica_set, new, CONTROLLER_MANAGER, false);
}

pub(crate) fn reconcile(store: &mut Store, memory: &mut Memory, now: Duration) {
    let (Some(kind), Some(rs_kind)) = (kind("apps", "deployments"), kind("apps", "replicasets"))
    else {
        return;
    };
    for deployment in store.list(&kind.storage_key(), None) {
        if meta::is_terminating(&deployment) {
            continue;
        }
        reconcile_one(store, memory, now, kind, rs_kind, &deployment);
    }
}

fn reconcile_one(
    store: &mut Store,
    memory: &mut Memory,
    now: Duration,
    kind: &ResourceKind,
    rs_kind: &ResourceKind,
    deployment: &Arc<Value>,
) {
    let namespace = meta::namespace(deployment).to_string();
    let uid = meta::uid(deployment).to_string();
    let desired = desired_replicas(deployment);
    let spec = &deployment["spec"];
    let paused = spec["paused"] == true;
    let hash = safe_hash(&spec["template"], 10);
    let owned = |store: &Store| -> (Option<Arc<Value>>, Vec<Arc<Value>>) {
        let mut new = None;
        let mut old = Vec::new();
        for rs in controlled_by(store, rs_kind, &namespace, &uid) {
            if meta::is_terminating(&rs) {
                continue;
            }
            if rs["metadata"]["labels"][POD_TEMPLATE_HASH] == hash.as_str() {
                new = Some(rs);
            } else {
                old.push(rs);
            }
        }
        old.sort_by_key(|rs| revision(rs));
        (new, old)
    };
    let (mut new_rs, old) = owned(store);
    let recreate = spec["strategy"]["type"] == "Recreate";
    let max_surge = if recreate {
        0
    } else {
        int_or_percent(
            &spec["strategy"]["rollingUpdate"]["maxSurge"],
            desired,
            25,
            true,
        )
    };
    let mut max_unavailable = if recreate {
        desired
    } else {
        int_or_percent(
            &spec["strategy"]["rollingUpdate"]["maxUnavailable"],
            desired,
            25,
            false,
        )
    };
    if max_surge == 0 && max_unavailable == 0 {
        max_unavailable = 1;
    }
    let mut created = false;
    if !paused {
        if new_rs.is_none() {
            let next_revision = old.iter().map(|rs| revision(rs)).max().unwrap_or(0) + 1;
            let old_total: i64 = old.iter().map(|rs| int(&rs["spec"]["replicas"])).sum();
            let initial = if old_total == 0 {
                desired
            } else if recreate {
                0
            } else {
                (desired + max_surge - old_total).clamp(0, desired)
            };
            create(
                store,
                rs_kind,
                new_replica_set(deployment, &hash, next_revision, initial),
                CONTROLLER_MANAGER,
            );
            created = true;
            new_rs = owned(store).0;
        }
        if let Some(new) = &new_rs {
            roll(
                store,
                rs_kind,
                desired,
                max_surge,
                max_unavailable,
                recreate,
                new,
                &old,
            );
        }
    }
    // Status from the ReplicaSets as they are now.
    let (new_rs, old) = owned(store);
    let all: Vec<&Arc<Value>> = new_rs.iter().chain(old.iter()).collect();
    let sum = |field: &str| -> i64 { all.iter().map(|rs| int(&rs["status"][field])).sum() };
    let replicas = sum("replicas");
    let ready = sum("readyReplicas");
    let available = sum("availableReplicas");
    let updated = new_rs
        .as_ref()
        .map(|rs| int(&rs["status"]["replicas"]))
        .unwrap_or(0);
    let new_available = new_rs
        .as_ref()
        .map(|rs| int(&rs["status"]["availableReplicas"]))
        .unwrap_or(0);
    let new_name = new_rs
        .as_ref()
        .map(|rs| meta::name(rs).to_string())
        .unwrap_or_default();
    let Some(current) = store.get(&kind.storage_key(), &namespace, meta::name(deployment)) else {
        return;
    };
    let mut conditions: Vec<Value> = current["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let available_condition = if available >= desired - max_unavailable {
        json!({"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
            "message": "Deployment has minimum availability."})
    } else {
        json!({"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
            "message": "Deployment does not have minimum availability."})
    };
    set_condition(&mut conditions, available_condition, true);

    let complete = updated == desired && replicas == desired && new_available == desired;
    let measure = format!(
        "{}/{new_name}/{replicas}/{updated}/{ready}/{available}",
        deployment["metadata"]["generation"]
    );
    let progress = memory
        .deployment_progress
        .entry(meta::uid(deployment).to_string())
        .or_insert((now, String::new()));
    let progressed = progress.1 != measure;
    if progressed {
        *progress = (now, measure);
    }
    let deadline = Duration::from_secs(
        spec["progressDeadlineSeconds"]
            .as_u64()
            .unwrap_or(DEFAULT_PROGRESS_DEADLINE),
    );
    let progressing = if complete {
        Some(
            json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
            "message": format!("ReplicaSet \"{new_name}\" has successfully progressed.")}),
        )
    } else if created {
        Some(
            json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetCreated",
            "message": format!("Created new replica set \"{new_name}\"")}),
        )
    } else if progressed {
        Some(
            json!({"type": "Progressing", "status": "True", "reason": "ReplicaSetUpdated",
            "message": format!("ReplicaSet \"{new_name}\" is progressing.")}),
        )
    } else if !paused && now.saturating_sub(progress.0) > deadline {
        Some(
            json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
            "message": format!("ReplicaSet \"{new_name}\" has timed out progressing.")}),
        )
    } else {
        None
    };
    if let Some(progressing) = progressing {
        set_condition(&mut conditions, progressing, true);
    }
    let mut status = json!({
        "observedGeneration": current["metadata"]["generation"],
        "replicas": replicas,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "unavailableReplicas": (desired - available).max(0),
        "conditions": conditions,
    });
    if let Some(map) = status.as_object_mut() {
        // Zero counts are omitted, as the API server's encoding does.
        map.retain(|_, v| v != &json!(0));
    }
    let mut new = (*current).clone();
    if let Some(revision) = new_rs.as_ref().map(|rs| revision(rs)).filter(|r| *r > 0)
        && new["metadata"]["annotations"][REVISION] != revision.to_string().as_str()
    {
        new["metadata"]["annotations"][REVISION] = json!(revision.to_string());
        match write(
            store,
            kind,
            &current,
            new.clone(),
            CONTROLLER_MANAGER,
            false,
        ) {
            Some(stored) => new = stored,
            None => return,
        }
    }
    if new["status"] == status {
        return;
    }
    let before = new.clone();
    new["status"] = status;
    write(store, kind, &before, new, CONTROLLER_MANAGER, true);
}

/// One step of the rollout: scale the new ReplicaSet up within maxSurge and the old
/// ones down within maxUnavailable (unhealthy old Pods first), as Kubernetes does.
#[allow(clippy::too_many_arguments)]
fn roll(
    store: &mut Store,
    rs_kind: &ResourceKind,
    desired: i64,
    max_surge: i64,
    max_unavailable: i64,
    recreate: bool,
    new: &Value,
    old: &[Arc<Value>],
) {
    let spec_replicas = |rs: &Value| int(&rs["spec"]["replicas"]);
    if recreate {
        for rs in old {
            scale(store, rs_kind, rs, 0);
        }
        let old_pods: i64 = old.iter().map(|rs| int(&rs["status"]["replicas"])).sum();
        if old_pods == 0 {
            scale(store, rs_kind, new, desired);
        }
        return;
    }
    let total: i64 = spec_replicas(new) + old.iter().map(|rs| spec_replicas(rs)).sum::<i64>();
    let new_target = if old.iter().all(|rs| spec_replicas(rs) == 0) {
        desired
    } else {
        let room = desired + max_surge - total;
        (spec_replicas(new) + room.max(0)).min(desired)
    };
    scale(store, rs_kind, new, new_target);
    let min_available = desired - max_unavailable;
    let new_unavailable = (new_target - int(&new["status"]["availableReplicas"])).max(0);
    let all_pods = new_target + old.iter().map(|rs| spec_replicas(rs)).sum::<i64>();
    let mut budget = all_pods - min_available - new_unavailable;
    if budget <= 0 {
        return;
    }
    // Old Pods that are not available go first, without counting against availability.
    let mut targets: Vec<i64> = old.iter().map(|rs| spec_replicas(rs)).collect();
    for (rs, target) in old.iter().zip(targets.iter_mut()) {
        let unhealthy = (*target - int(&rs["status"]["availableReplicas"])).max(0);
        let cut = unhealthy.min(budget);
        *target -= cut;
        budget -= cut;
    }
    let available: i64 = int(&new["status"]["availableReplicas"])
        + old
            .iter()
            .zip(&targets)
            .map(|(rs, target)| int(&rs["status"]["availableReplicas"]).min(*target))
            .sum::<i64>();
    let mut scale_down = (available - min_available).max(0);
    for target in targets.iter_mut() {
        let cut = (*target).min(scale_down);
        *target -= cut;
        scale_down -= cut;
    }
    for (rs, target) in old.iter().zip(targets) {
        scale(store, rs_kind, rs, target);
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::write::{create_internal, seed_namespaces};
    use super::super::{Clock, ManualClock, reconcile as reconcile_all};
    use super::*;

    fn store_with(image: &str, deadline: u64) -> Store {
        let mut store = Store::new("unit", 1_000);
        seed_namespaces(&mut store);
        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"replicas": 2, "progressDeadlineSeconds": deadline,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "app", "image": image}]}}}});
        let kind = kind("apps", "deployments").expect("kind");
        create_internal(&mut store, kind, deployment, "test").expect("create");
        store
    }

    /// Run passes one simulated second apart for `seconds`.
    fn run(store: &mut Store, memory: &mut Memory, clock: &ManualClock, seconds: u64) -> Value {
        for _ in 0..seconds {
            reconcile_all(store, memory, clock.now());
            clock.advance(Duration::from_secs(1));
        }
        (*store
            .get("apps/deployments", "default", "web")
            .expect("deployment"))
        .clone()
    }

    fn progressing_reason(deployment: &Value) -> Value {
        deployment["status"]["conditions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["type"] == "Progressing")
            .map(|c| c["reason"].clone())
            .unwrap_or(Value::Null)
    }

    #[test]
    fn a_deployment_completes_on_simulated_time() {
        let mut store = store_with("app:1", 600);
        let (mut memory, clock) = (Memory::default(), ManualClock::default());
        let early = run(&mut store, &mut memory, &clock, 1);
        assert_eq!(early["status"]["replicas"], 2);
        assert!(early["status"]["availableReplicas"].is_null());
        let done = run(&mut store, &mut memory, &clock, 4);
        assert_eq!(done["status"]["availableReplicas"], 2);
        assert_eq!(progressing_reason(&done), "NewReplicaSetAvailable");
        assert_eq!(done["metadata"]["annotations"][REVISION], "1");
        let rv = done["metadata"]["resourceVersion"].clone();
        // A settled cluster writes nothing more.
        let later = run(&mut store, &mut memory, &clock, 5);
        assert_eq!(later["metadata"]["resourceVersion"], rv);
    }

    #[test]
    fn a_crash_looping_rollout_exceeds_its_deadline_only_after_it() {
        let mut store = store_with("app:broken", 30);
        let (mut memory, clock) = (Memory::default(), ManualClock::default());
        let before = run(&mut store, &mut memory, &clock, 25);
        assert_ne!(progressing_reason(&before), "ProgressDeadlineExceeded");
        let after = run(&mut store, &mut memory, &clock, 20);
        assert_eq!(progressing_reason(&after), "ProgressDeadlineExceeded");
    }

    #[test]
    fn surge_and_unavailability_follow_kubernetes_rounding() {
        assert_eq!(int_or_percent(&Value::Null, 4, 25, true), 1);
        assert_eq!(int_or_percent(&json!("25%"), 3, 25, false), 0);
        assert_eq!(int_or_percent(&json!("50%"), 3, 25, true), 2);
        assert_eq!(int_or_percent(&json!(2), 10, 25, true), 2);
    }
}
