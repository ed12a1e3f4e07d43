//! Ingress health (`networking.k8s.io` and the legacy `extensions` group,
//! any version): Healthy once the controller has published at least one
//! load-balancer address, Progressing before.

use serde_json::Value;

use super::assessment::Health;
use super::fields::list_at;

pub(crate) fn assess(object: &Value) -> Health {
    if list_at(object, &["status", "loadBalancer", "ingress"]).is_empty() {
        Health::progressing("")
    } else {
        Health::healthy("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::health::dispatch;
    use crate::engine::health::status::HealthStatus;
    use serde_json::json;

    #[test]
    fn legacy_extensions_ingress_is_checked_too() {
        let object = json!({"apiVersion": "extensions/v1beta1", "kind": "Ingress",
            "status": {"loadBalancer": {"ingress": [{"ip": "10.0.0.1"}]}}});
        assert_eq!(
            dispatch::assess(&object).map(|health| health.status),
            Some(HealthStatus::Healthy)
        );
        let pending =
            json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "status": {}});
        assert_eq!(assess(&pending).status, HealthStatus::Progressing);
    }
}
