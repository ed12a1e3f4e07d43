//! Job controller: runs up to `parallelism` Pods at a time until `completions` of them
//! succeed (conditions SuccessCriteriaMet and Complete, completionTime), or until more
//! than `backoffLimit` have failed (FailureTarget and Failed with reason
//! BackoffLimitExceeded; the remaining Pods are deleted). The simulated kubelet
//! finishes a batch Pod (restartPolicy Never or OnFailure) after a delay, so a Job of a
//! healthy image succeeds and one of a `:broken` image fails. Not modelled: the retry
//! back-off delay, restarts under OnFailure counting towards backoffLimit, indexed
//! completions, suspend.

use std::sync::Arc;

use serde_json::{Value, json};

use super::super::garbage_collector::{Propagation, delete_object};
use super::super::meta;
use super::super::store::Store;
use super::replica_set::is_ready;
use super::{
    CONTROLLER_MANAGER, controlled_by, controller_ref, create, kind, set_condition, write,
};

const DEFAULT_BACKOFF_LIMIT: i64 = 6;

fn pod_for(job: &Value) -> Value {
    let template = &job["spec"]["template"];
    let name = meta::name(job);
    let uid = meta::uid(job);
    let mut metadata = template["metadata"].clone();
    if !metadata.is_object() {
        metadata = json!({});
    }
    for (label, value) in [
        ("batch.kubernetes.io/controller-uid", uid),
        ("batch.kubernetes.io/job-name", name),
        ("controller-uid", uid),
        ("job-name", name),
    ] {
        metadata["labels"][label] = json!(value);
    }
    metadata["generateName"] = json!(format!("{name}-"));
    metadata["namespace"] = json!(meta::namespace(job));
    metadata["ownerReferences"] = controller_ref(job);
    if let Some(map) = metadata.as_object_mut() {
        map.remove("name");
    }
    let mut spec = template["spec"].clone();
    for (field, default) in [
        ("restartPolicy", json!("Never")),
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

fn finished(job: &Value) -> bool {
    job["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")
}

fn phase(pod: &Value) -> &str {
    pod["status"]["phase"].as_str().unwrap_or_default()
}

pub(crate) fn reconcile(store: &mut Store) {
    let (Some(job_kind), Some(pod_kind)) = (kind("batch", "jobs"), kind("", "pods")) else {
        return;
    };
    for job in store.list(&job_kind.storage_key(), None) {
        if meta::is_terminating(&job) || finished(&job) {
            continue;
        }
        let namespace = meta::namespace(&job).to_string();
        let spec = &job["spec"];
        let completions = spec["completions"].as_i64().unwrap_or(1).max(0);
        let parallelism = spec["parallelism"].as_i64().unwrap_or(1).max(0);
        let backoff_limit = spec["backoffLimit"]
            .as_i64()
            .unwrap_or(DEFAULT_BACKOFF_LIMIT);
        let pods = |store: &Store| -> Vec<Arc<Value>> {
            controlled_by(store, pod_kind, &namespace, meta::uid(&job))
                .into_iter()
                .filter(|p| !meta::is_terminating(p))
                .collect()
        };
        let count = |pods: &[Arc<Value>], wanted: &str| -> i64 {
            let n = pods.iter().filter(|p| phase(p) == wanted).count();
            i64::try_from(n).unwrap_or(i64::MAX)
        };
        let current = pods(store);
        let succeeded = count(&current, "Succeeded");
        let failed = count(&current, "Failed");
        let active = i64::try_from(current.len()).unwrap_or(i64::MAX) - succeeded - failed;
        let over_limit = failed > backoff_limit;
        let complete = succeeded >= completions;
        if over_limit {
            for pod in current
                .iter()
                .filter(|p| !matches!(phase(p), "Succeeded" | "Failed"))
            {
                delete_object(
                    store,
                    &pod_kind.storage_key(),
                    &namespace,
                    meta::name(pod),
                    Propagation::Background,
                );
            }
        } else if !complete && spec["suspend"] != true {
            let wanted = parallelism.min(completions - succeeded) - active;
            for _ in 0..wanted.max(0) {
                create(store, pod_kind, pod_for(&job), CONTROLLER_MANAGER);
            }
        }
        let current = pods(store);
        let active = current
            .iter()
            .filter(|p| !matches!(phase(p), "Succeeded" | "Failed"))
            .count();
        let ready = current.iter().filter(|p| is_ready(p)).count();
        let Some(latest) = store.get(&job_kind.storage_key(), &namespace, meta::name(&job)) else {
            continue;
        };
        let mut conditions: Vec<Value> = latest["status"]["conditions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let now = meta::now();
        let mut completion_time = Value::Null;
        if over_limit {
            for kind in ["FailureTarget", "Failed"] {
                set_condition(
                    &mut conditions,
                    json!({"type": kind, "status": "True", "reason": "BackoffLimitExceeded",
                        "message": "Job has reached the specified backoff limit"}),
                    true,
                );
            }
        } else if complete {
            set_condition(
                &mut conditions,
                json!({"type": "SuccessCriteriaMet", "status": "True",
                    "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"}),
                true,
            );
            set_condition(
                &mut conditions,
                json!({"type": "Complete", "status": "True",
                    "reason": "CompletionsReached", "message": "Reached expected number of succeeded pods"}),
                true,
            );
            completion_time = json!(now);
        }
        let mut status = json!({
            "startTime": latest["status"]["startTime"].as_str().unwrap_or(&now),
            "active": active,
            "ready": ready,
            "succeeded": succeeded,
            "failed": failed,
            "conditions": conditions,
            "completionTime": completion_time,
        });
        if let Some(map) = status.as_object_mut() {
            map.retain(|k, v| {
                !v.is_null() && v != &json!(0) && !(k == "conditions" && v == &json!([]))
                    || k == "ready"
            });
        }
        if latest["status"] == status {
            continue;
        }
        let mut new = (*latest).clone();
        new["status"] = status;
        write(store, job_kind, &latest, new, CONTROLLER_MANAGER, true);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::super::write::{create_internal, seed_namespaces};
    use super::super::{Clock, ManualClock, Memory, reconcile as reconcile_all};
    use super::*;

    fn run_job(image: &str, seconds: u64) -> Value {
        let mut store = Store::new("unit", 1_000);
        seed_namespaces(&mut store);
        let job = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "task", "namespace": "default"},
            "spec": {"backoffLimit": 1, "template": {"spec": {"restartPolicy": "Never",
                "containers": [{"name": "task", "image": image}]}}}});
        let kind = kind("batch", "jobs").expect("kind");
        create_internal(&mut store, kind, job, "test").expect("create");
        let (mut memory, clock) = (Memory::default(), ManualClock::default());
        for _ in 0..seconds {
            reconcile_all(&mut store, &mut memory, clock.now());
            clock.advance(Duration::from_secs(1));
        }
        (*store.get("batch/jobs", "default", "task").expect("job")).clone()
    }

    #[test]
    fn a_job_of_a_healthy_image_completes() {
        let job = run_job("tool:1", 10);
        assert!(finished(&job), "{job:#}");
        assert_eq!(job["status"]["succeeded"], 1);
    }

    #[test]
    fn a_job_of_a_broken_image_fails_after_its_backoff_limit() {
        let job = run_job("tool:broken", 20);
        assert_eq!(job["status"]["failed"], 2, "{job:#}");
        assert!(finished(&job));
    }
}
