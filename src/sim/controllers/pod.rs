//! The simulated kubelet: a Pod is scheduled at once, its containers start after
//! [`START_DELAY`] and the Pod is Ready [`READY_DELAY`] after that. Failure images, by
//! tag, show real trouble with the status shapes a kubelet writes:
//! - `:broken` — the container exits with code 1 a second after each start and waits
//!   in `CrashLoopBackOff` (back-off 10 s doubling up to 5 min, simulated) with a
//!   growing `restartCount` and `lastState.terminated`; with `restartPolicy: Never` the
//!   Pod fails instead.
//! - `:missing` — the pull fails: `ErrImagePull`, then `ImagePullBackOff` between
//!   attempts; the Pod stays Pending.
//!
//! A batch Pod (restartPolicy Never or OnFailure) of a healthy image exits 0 after
//! [`BATCH_RUN`] and Succeeds, so Jobs complete.

use std::time::Duration;

use serde_json::{Value, json};

use super::super::meta;
use super::super::store::Store;
use super::{KUBELET, Memory, kind, set_condition, write};

/// Simulated time from creation until the containers run.
pub(crate) const START_DELAY: Duration = Duration::from_secs(2);
/// Simulated time from start until the Pod is Ready.
pub(crate) const READY_DELAY: Duration = Duration::from_secs(1);
/// How long a healthy batch container (restartPolicy Never or OnFailure) runs
/// before it exits 0.
pub(crate) const BATCH_RUN: Duration = Duration::from_secs(3);
/// How long a `:broken` container runs before it exits.
const CRASH_AFTER: Duration = Duration::from_secs(1);
const BACKOFF_START: Duration = Duration::from_secs(10);
const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// How long `ErrImagePull` shows after a failed pull before `ImagePullBackOff`.
const PULL_ERROR_SHOWN: Duration = Duration::from_secs(1);

/// What an image's tag makes the simulated container do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageBehaviour {
    Runs,
    Crashes,
    CannotPull,
}

impl ImageBehaviour {
    pub(crate) fn of(image: &str) -> Self {
        let last = image.rsplit('/').next().unwrap_or(image);
        let tag = last.split_once(':').map(|(_, tag)| tag).unwrap_or("");
        let tag = tag.split('@').next().unwrap_or(tag);
        match tag {
            "broken" => ImageBehaviour::Crashes,
            "missing" => ImageBehaviour::CannotPull,
            _ => ImageBehaviour::Runs,
        }
    }
}

/// Back-off after the `n`th crash (n ≥ 1).
fn backoff(n: u32) -> Duration {
    BACKOFF_START
        .saturating_mul(1 << n.saturating_sub(1).min(16))
        .min(BACKOFF_MAX)
}

/// A container's status at `elapsed` simulated time since the Pod was created.
struct ContainerState {
    status: Value,
    ready: bool,
    started: bool,
    /// The Pod failed for good (restartPolicy Never and the container exited).
    failed: bool,
    /// The container ran to completion (exit code 0).
    succeeded: bool,
}

fn timestamp_ago(ago: Duration) -> String {
    let seconds = i64::try_from(ago.as_secs()).unwrap_or(0);
    let now = k8s_openapi::jiff::Timestamp::now().as_second();
    k8s_openapi::jiff::Timestamp::from_second(now - seconds)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_else(|_| meta::now())
}

fn container_state(
    container: &Value,
    pod: &Value,
    elapsed: Duration,
    restart_policy: &str,
) -> ContainerState {
    let name = container["name"].as_str().unwrap_or_default();
    let image = container["image"].as_str().unwrap_or_default();
    let base = json!({"name": name, "image": image, "imageID": "", "started": false,
        "ready": false, "restartCount": 0});
    let waiting = |reason: &str, message: Option<String>| {
        let mut status = base.clone();
        status["state"] = match message {
            Some(message) => json!({"waiting": {"reason": reason, "message": message}}),
            None => json!({"waiting": {"reason": reason}}),
        };
        status
    };
    let not_started = |status| ContainerState {
        status,
        ready: false,
        started: false,
        failed: false,
        succeeded: false,
    };
    let behaviour = ImageBehaviour::of(image);
    if behaviour == ImageBehaviour::CannotPull {
        if elapsed < Duration::from_secs(1) {
            return not_started(waiting("ContainerCreating", None));
        }
        // Pull attempts at 1 s, then after each back-off.
        let mut attempt_at = Duration::from_secs(1);
        let mut n = 1;
        loop {
            let next = attempt_at + backoff(n);
            if next > elapsed {
                break;
            }
            attempt_at = next;
            n += 1;
        }
        let status = if elapsed - attempt_at < PULL_ERROR_SHOWN {
            waiting(
                "ErrImagePull",
                Some(format!(
                    "failed to pull and unpack image \"{image}\": not found (simulated: the tag `missing` never resolves)"
                )),
            )
        } else {
            waiting(
                "ImagePullBackOff",
                Some(format!("Back-off pulling image \"{image}\"")),
            )
        };
        return not_started(status);
    }
    if elapsed < START_DELAY {
        return not_started(waiting("ContainerCreating", None));
    }
    let image_id = format!(
        "sim.local/{image}@sha256:{}",
        blake3::hash(image.as_bytes()).to_hex()
    );
    let mut status = base.clone();
    status["imageID"] = json!(image_id);
    status["containerID"] = json!(format!(
        "containerd://{}",
        blake3::hash(format!("{}/{name}", meta::uid(pod)).as_bytes()).to_hex()
    ));
    if behaviour == ImageBehaviour::Runs {
        let running_for = elapsed - START_DELAY;
        if restart_policy != "Always" && running_for >= BATCH_RUN {
            status["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed",
                "startedAt": timestamp_ago(running_for),
                "finishedAt": timestamp_ago(running_for - BATCH_RUN),
                "containerID": status["containerID"]}});
            return ContainerState {
                status,
                ready: false,
                started: false,
                failed: false,
                succeeded: true,
            };
        }
        let ready = running_for >= READY_DELAY;
        status["state"] = json!({"running": {"startedAt": timestamp_ago(running_for)}});
        status["started"] = json!(true);
        status["ready"] = json!(ready);
        return ContainerState {
            status,
            ready,
            started: true,
            failed: false,
            succeeded: false,
        };
    }
    // A crashing container: runs CRASH_AFTER, exits 1, backs off, restarts...
    let mut started_at = START_DELAY;
    let mut restarts: u32 = 0;
    let container_id = status["containerID"].clone();
    let terminated = |started: Duration, finished: Duration| {
        json!({"terminated": {"exitCode": 1, "reason": "Error",
            "startedAt": timestamp_ago(elapsed.saturating_sub(started)),
            "finishedAt": timestamp_ago(elapsed.saturating_sub(finished)),
            "containerID": container_id}})
    };
    loop {
        let crashed_at = started_at + CRASH_AFTER;
        if elapsed < crashed_at {
            status["state"] =
                json!({"running": {"startedAt": timestamp_ago(elapsed - started_at)}});
            status["started"] = json!(true);
            if restarts > 0 {
                let previous = started_at - backoff(restarts) - CRASH_AFTER;
                status["lastState"] = terminated(previous, previous + CRASH_AFTER);
            }
            status["restartCount"] = json!(restarts);
            return ContainerState {
                status,
                ready: false,
                started: true,
                failed: false,
                succeeded: false,
            };
        }
        if restart_policy == "Never" {
            status["state"] = terminated(started_at, crashed_at);
            return ContainerState {
                status,
                ready: false,
                started: false,
                failed: true,
                succeeded: false,
            };
        }
        let restart_at = crashed_at + backoff(restarts + 1);
        if elapsed < restart_at {
            let pod_name = meta::name(pod);
            let namespace = meta::namespace(pod);
            let uid = meta::uid(pod);
            status["state"] = json!({"waiting": {"reason": "CrashLoopBackOff",
            "message": format!(
                "back-off {}s restarting failed container={name} pod={pod_name}_{namespace}({uid})",
                backoff(restarts + 1).as_secs()
            )}});
            status["lastState"] = terminated(started_at, crashed_at);
            status["restartCount"] = json!(restarts + 1);
            return ContainerState {
                status,
                ready: false,
                started: false,
                failed: false,
                succeeded: false,
            };
        }
        restarts += 1;
        started_at = restart_at;
    }
}

/// Equal but for timestamps (which are recomputed from simulated time each pass and
/// would otherwise make every pass a write).
fn same_shape(old: &Value, new: &Value) -> bool {
    let shape = |status: &Value| {
        let state = |s: &Value| {
            s.as_object()
                .and_then(|m| m.iter().next())
                .map(|(k, v)| (k.clone(), v["reason"].clone(), v["message"].clone()))
        };
        (
            state(&status["state"]),
            state(&status["lastState"]),
            status["restartCount"].clone(),
            status["ready"].clone(),
            status["started"].clone(),
            status["image"].clone(),
        )
    };
    shape(old) == shape(new)
}

/// A stable pod IP in 10.244.0.0/16 from the uid.
fn pod_ip(uid: &str) -> String {
    let hash = blake3::hash(uid.as_bytes());
    let bytes = hash.as_bytes();
    format!("10.244.{}.{}", bytes[0], bytes[1] % 254 + 1)
}

fn pod_status(pod: &Value, elapsed: Duration) -> Value {
    let restart_policy = pod["spec"]["restartPolicy"].as_str().unwrap_or("Always");
    let containers = pod["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let states: Vec<ContainerState> = containers
        .iter()
        .map(|c| container_state(c, pod, elapsed, restart_policy))
        .collect();
    let previous = pod["status"]["containerStatuses"].as_array();
    let states: Vec<ContainerState> = states
        .into_iter()
        .map(|mut state| {
            let kept = previous
                .into_iter()
                .flatten()
                .find(|old| old["name"] == state.status["name"] && same_shape(old, &state.status));
            if let Some(kept) = kept {
                state.status = kept.clone();
            }
            state
        })
        .collect();
    let all_ready = !states.is_empty() && states.iter().all(|s| s.ready);
    let any_started = states
        .iter()
        .any(|s| s.started || s.status["restartCount"] != 0);
    let failed = states.iter().any(|s| s.failed);
    let succeeded = !states.is_empty() && states.iter().all(|s| s.succeeded);
    let phase = if failed {
        "Failed"
    } else if succeeded {
        "Succeeded"
    } else if any_started {
        "Running"
    } else {
        "Pending"
    };
    let unready: Vec<&str> = containers
        .iter()
        .zip(&states)
        .filter(|(_, s)| !s.ready)
        .filter_map(|(c, _)| c["name"].as_str())
        .collect();
    let mut conditions: Vec<Value> = pod["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ready_condition = |kind: &str| {
        if all_ready {
            json!({"type": kind, "status": "True"})
        } else if succeeded {
            json!({"type": kind, "status": "False", "reason": "PodCompleted"})
        } else {
            json!({"type": kind, "status": "False", "reason": "ContainersNotReady",
                "message": format!("containers with unready status: [{}]", unready.join(" "))})
        }
    };
    for condition in [
        json!({"type": "PodReadyToStartContainers", "status": if elapsed >= Duration::from_secs(1) { "True" } else { "False" }}),
        json!({"type": "Initialized", "status": "True"}),
        ready_condition("Ready"),
        ready_condition("ContainersReady"),
        json!({"type": "PodScheduled", "status": "True"}),
    ] {
        set_condition(&mut conditions, condition, false);
    }
    let start_time = pod["status"]["startTime"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(meta::now);
    json!({
        "phase": phase,
        "conditions": conditions,
        "hostIP": "10.0.0.10",
        "hostIPs": [{"ip": "10.0.0.10"}],
        "podIP": pod_ip(meta::uid(pod)),
        "podIPs": [{"ip": pod_ip(meta::uid(pod))}],
        "startTime": start_time,
        "qosClass": "BestEffort",
        "containerStatuses": states.into_iter().map(|s| s.status).collect::<Vec<_>>(),
    })
}

/// A Running, Ready, always-restarted Pod whose containers all run healthy images as
/// reported: nothing will change until its spec does (checked without building a status).
fn settled(pod: &Value) -> bool {
    let containers = pod["spec"]["containers"].as_array();
    let statuses = pod["status"]["containerStatuses"].as_array();
    let (Some(containers), Some(statuses)) = (containers, statuses) else {
        return false;
    };
    let restarts_always = pod["spec"]["restartPolicy"]
        .as_str()
        .is_none_or(|policy| policy == "Always");
    restarts_always
        && pod["status"]["phase"] == "Running"
        && containers.len() == statuses.len()
        && containers.iter().zip(statuses).all(|(container, status)| {
            status["ready"] == true
                && status["name"] == container["name"]
                && status["image"] == container["image"]
                && container["image"]
                    .as_str()
                    .is_some_and(|image| ImageBehaviour::of(image) == ImageBehaviour::Runs)
        })
}

pub(crate) fn reconcile(store: &mut Store, memory: &mut Memory, now: Duration) {
    let Some(kind) = kind("", "pods") else {
        return;
    };
    for pod in store.list(&kind.storage_key(), None) {
        if meta::is_terminating(&pod)
            || matches!(
                pod["status"]["phase"].as_str(),
                Some("Failed" | "Succeeded")
            )
        {
            continue;
        }
        if settled(&pod) {
            continue;
        }
        let seen = *memory
            .pod_seen
            .entry(meta::uid(&pod).to_string())
            .or_insert(now);
        let status = pod_status(&pod, now.saturating_sub(seen));
        if pod["status"] == status {
            continue;
        }
        let mut new = (*pod).clone();
        new["status"] = status;
        write(store, kind, &pod, new, KUBELET, true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(image: &str, restart_policy: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "p", "namespace": "default", "uid": "u1"},
            "spec": {"restartPolicy": restart_policy,
                "containers": [{"name": "app", "image": image}]}})
    }

    #[test]
    fn image_tags_choose_the_behaviour() {
        assert_eq!(ImageBehaviour::of("nginx:1.27"), ImageBehaviour::Runs);
        assert_eq!(
            ImageBehaviour::of("reg:5000/app:broken"),
            ImageBehaviour::Crashes
        );
        assert_eq!(
            ImageBehaviour::of("app:missing"),
            ImageBehaviour::CannotPull
        );
        assert_eq!(ImageBehaviour::of("reg:5000/app"), ImageBehaviour::Runs);
    }

    #[test]
    fn a_healthy_pod_starts_then_becomes_ready() {
        let p = pod("app:1", "Always");
        assert_eq!(pod_status(&p, Duration::ZERO)["phase"], "Pending");
        let running = pod_status(&p, START_DELAY);
        assert_eq!(running["phase"], "Running");
        assert_eq!(running["containerStatuses"][0]["ready"], false);
        let ready = pod_status(&p, START_DELAY + READY_DELAY);
        assert_eq!(ready["containerStatuses"][0]["ready"], true);
        assert!(
            ready["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        );
    }

    #[test]
    fn a_broken_image_crash_loops_with_growing_restarts() {
        let p = pod("app:broken", "Always");
        let first = pod_status(&p, START_DELAY + CRASH_AFTER);
        let container = &first["containerStatuses"][0];
        assert_eq!(first["phase"], "Running");
        assert_eq!(container["state"]["waiting"]["reason"], "CrashLoopBackOff");
        assert_eq!(container["restartCount"], 1);
        assert_eq!(container["lastState"]["terminated"]["exitCode"], 1);
        let later = pod_status(&p, Duration::from_secs(60));
        assert!(later["containerStatuses"][0]["restartCount"].as_u64() >= Some(3));
        let never = pod_status(&pod("app:broken", "Never"), Duration::from_secs(60));
        assert_eq!(never["phase"], "Failed");
    }

    #[test]
    fn a_batch_pod_of_a_healthy_image_succeeds() {
        let p = pod("app:1", "Never");
        assert_eq!(pod_status(&p, START_DELAY)["phase"], "Running");
        let done = pod_status(&p, START_DELAY + BATCH_RUN);
        assert_eq!(done["phase"], "Succeeded");
        let terminated = &done["containerStatuses"][0]["state"]["terminated"];
        assert_eq!(terminated["exitCode"], 0);
        assert_eq!(terminated["reason"], "Completed");
    }

    #[test]
    fn a_missing_image_alternates_pull_errors_and_back_off() {
        let p = pod("app:missing", "Always");
        let error = pod_status(&p, Duration::from_secs(1));
        assert_eq!(
            error["containerStatuses"][0]["state"]["waiting"]["reason"],
            "ErrImagePull"
        );
        let back_off = pod_status(&p, Duration::from_secs(5));
        assert_eq!(back_off["phase"], "Pending");
        assert_eq!(
            back_off["containerStatuses"][0]["state"]["waiting"]["reason"],
            "ImagePullBackOff"
        );
    }
}
