//! Pod (`v1`) health, following gitops-engine.
//!
//! For pods that restart forever (`restartPolicy: Always`) a container
//! waiting with an `Err*`, `*Error` or `*BackOff` reason is Degraded, and a
//! running pod is Healthy once Ready. Pods with `Never`/`OnFailure` have a
//! finite life (typically hooks), so running means Progressing, never
//! Healthy: marking a failing hook pod Degraded early would fail a sync that
//! might still succeed. `argocd.argoproj.io/ignore-restart-policy: "true"` on
//! a pod that is not a hook asks for the `Always` treatment anyway.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{TypeMeta, annotation, conditions, get, int_at, list_at, str_at, str_or_empty};
use super::hook::is_hook;

pub use crate::engine::conventions::annotations::IGNORE_RESTART_POLICY_ANNOTATION;

pub(crate) fn assess(object: &Value) -> Health {
    let gvk = TypeMeta::of(object);
    if gvk.version != "v1" {
        return Health::unsupported_version("Pod", gvk);
    }
    let declared = str_or_empty(object, &["spec", "restartPolicy"]);
    let restart_policy = if declared != "Always"
        && annotation(object, IGNORE_RESTART_POLICY_ANNOTATION) == Some("true")
        && !is_hook(object)
    {
        "Always"
    } else {
        declared
    };
    let message = str_or_empty(object, &["status", "message"]);
    let container_statuses = list_at(object, &["status", "containerStatuses"]);

    if restart_policy == "Always" {
        let mut failing = container_statuses.iter().filter(|container| {
            str_at(container, &["state", "waiting", "reason"]).is_some_and(|reason| {
                reason.starts_with("Err")
                    || reason.ends_with("Error")
                    || reason.ends_with("BackOff")
            })
        });
        if let Some(first) = failing.next() {
            let mut message = waiting_message(first).to_string();
            for container in failing {
                message.push_str(", ");
                message.push_str(waiting_message(container));
            }
            return Health::degraded(message);
        }
    }

    match str_or_empty(object, &["status", "phase"]) {
        "Pending" => Health::progressing(message),
        "Succeeded" => Health::healthy(message),
        "Failed" => {
            if !message.is_empty() {
                return Health::degraded(message);
            }
            let init = list_at(object, &["status", "initContainerStatuses"]);
            let failure = init
                .iter()
                .chain(container_statuses)
                .find_map(failure_message)
                .unwrap_or_default();
            Health::degraded(failure)
        }
        "Running" => match restart_policy {
            "Always" => {
                let ready = conditions(object).any(|condition| condition.is("Ready", "True"));
                if ready {
                    return Health::healthy(message);
                }
                let restarted = container_statuses
                    .iter()
                    .any(|container| get(container, &["lastState", "terminated"]).is_some());
                if restarted {
                    Health::degraded(message)
                } else {
                    Health::progressing(message)
                }
            }
            "OnFailure" | "Never" => Health::progressing(message),
            _ => Health::unknown(message),
        },
        _ => Health::unknown(message),
    }
}

fn waiting_message(container: &Value) -> &str {
    str_or_empty(container, &["state", "waiting", "message"])
}

/// Why a terminated container failed: its termination message, `OOMKilled`,
/// or its non-zero exit code.
fn failure_message(container: &Value) -> Option<String> {
    let terminated = get(container, &["state", "terminated"])?;
    if let Some(text) = str_at(terminated, &["message"]).filter(|text| !text.is_empty()) {
        return Some(text.to_string());
    }
    if str_at(terminated, &["reason"]) == Some("OOMKilled") {
        return Some("OOMKilled".to_string());
    }
    let exit_code = int_at(terminated, &["exitCode"]).unwrap_or(0);
    (exit_code != 0).then(|| {
        let name = str_or_empty(container, &["name"]);
        format!("container {name:?} failed with exit code {exit_code}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failed_pod_reports_the_failing_container() {
        let object = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"restartPolicy": "Never"},
            "status": {"phase": "Failed", "containerStatuses": [
                {"name": "ok", "state": {"terminated": {"exitCode": 0}}},
                {"name": "main", "state": {"terminated": {"exitCode": 2}}}]}});
        assert_eq!(
            assess(&object),
            Health::degraded("container \"main\" failed with exit code 2")
        );
    }

    #[test]
    fn oom_killed_init_container_is_named_first() {
        let object = json!({"apiVersion": "v1", "kind": "Pod", "spec": {"restartPolicy": "Never"},
            "status": {"phase": "Failed",
                "initContainerStatuses": [{"name": "init", "state": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}}],
                "containerStatuses": [{"name": "main", "state": {"terminated": {"exitCode": 2}}}]}});
        assert_eq!(assess(&object), Health::degraded("OOMKilled"));
    }
}
