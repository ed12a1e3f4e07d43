//! PersistentVolumeClaim (`v1`) health by phase: Bound → Healthy, Pending →
//! Progressing, Lost → Degraded, anything else → Unknown.
//!
//! This is the rule of the Argo CD snapshot the conformance corpus was taken
//! from. Later Argo CD versions report a Pending claim without a
//! `volume.beta.kubernetes.io/storage-provisioner` annotation as Healthy
//! ("Waiting for consumer", for `WaitForFirstConsumer` storage classes); that
//! refinement is not applied here.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{TypeMeta, str_or_empty};

pub(crate) fn assess(object: &Value) -> Health {
    let gvk = TypeMeta::of(object);
    if gvk.version != "v1" {
        return Health::unsupported_version("PersistentVolumeClaim", gvk);
    }
    match str_or_empty(object, &["status", "phase"]) {
        "Bound" => Health::healthy(""),
        "Pending" => Health::progressing(""),
        "Lost" => Health::degraded(""),
        _ => Health::unknown(""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::health::status::HealthStatus;
    use serde_json::json;

    #[test]
    fn lost_claims_are_degraded_and_odd_phases_unknown() {
        let lost = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": {"phase": "Lost"}});
        assert_eq!(assess(&lost).status, HealthStatus::Degraded);
        let odd = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "status": {}});
        assert_eq!(assess(&odd).status, HealthStatus::Unknown);
    }
}
