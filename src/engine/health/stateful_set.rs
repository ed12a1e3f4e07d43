//! StatefulSet (`apps/v1`) health: gitops-engine's rollout-status rules,
//! including partitioned rolling updates and the `OnDelete` strategy (whose
//! pods are only replaced by hand, so an old revision is not "progressing").

use serde_json::Value;

use super::assessment::Health;
use super::fields::{TypeMeta, get, int_at, str_at, str_or_empty};

pub(crate) fn assess(object: &Value) -> Health {
    let gvk = TypeMeta::of(object);
    if gvk.version != "v1" {
        return Health::unsupported_version("StatefulSet", gvk);
    }
    let generation = int_at(object, &["metadata", "generation"]).unwrap_or(0);
    let observed = int_at(object, &["status", "observedGeneration"]).unwrap_or(0);
    if observed == 0 || generation > observed {
        return Health::progressing("Waiting for statefulset spec update to be observed...");
    }
    let desired = int_at(object, &["spec", "replicas"]);
    let ready = int_at(object, &["status", "readyReplicas"]).unwrap_or(0);
    let updated = int_at(object, &["status", "updatedReplicas"]).unwrap_or(0);
    if let Some(desired) = desired.filter(|desired| ready < *desired) {
        return Health::progressing(format!(
            "Waiting for {} pods to be ready...",
            desired - ready
        ));
    }
    let strategy = str_at(object, &["spec", "updateStrategy", "type"]).unwrap_or("");
    let rolling = get(object, &["spec", "updateStrategy", "rollingUpdate"]);
    if strategy == "RollingUpdate" && rolling.is_some() {
        let partition = int_at(
            object,
            &["spec", "updateStrategy", "rollingUpdate", "partition"],
        );
        if let (Some(desired), Some(partition)) = (desired, partition) {
            let target = desired - partition;
            if updated < target {
                return Health::progressing(format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {target} new pods have been updated..."
                ));
            }
        }
        return Health::healthy(format!(
            "partitioned roll out complete: {updated} new pods have been updated..."
        ));
    }
    if strategy == "OnDelete" {
        return Health::healthy(format!("statefulset has {ready} ready pods"));
    }
    let update_revision = str_or_empty(object, &["status", "updateRevision"]);
    let current_revision = str_or_empty(object, &["status", "currentRevision"]);
    if update_revision != current_revision {
        return Health::progressing(format!(
            "waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."
        ));
    }
    let current = int_at(object, &["status", "currentReplicas"]).unwrap_or(0);
    Health::healthy(format!(
        "statefulset rolling update complete {current} pods at revision {current_revision}..."
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::health::status::HealthStatus;
    use serde_json::json;

    #[test]
    fn partitioned_rollout_waits_for_pods_above_the_partition() {
        let object = json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"generation": 1},
            "spec": {"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 1}}},
            "status": {"observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 1}});
        let health = assess(&object);
        assert_eq!(health.status, HealthStatus::Progressing);
        assert_eq!(
            health.message,
            "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated..."
        );
    }
}
