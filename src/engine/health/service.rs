//! Service (`v1`) health: a `LoadBalancer` Service is Progressing until the
//! cloud has assigned it an address; every other Service is Healthy.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{TypeMeta, list_at, str_at};

pub(crate) fn assess(object: &Value) -> Health {
    let gvk = TypeMeta::of(object);
    if gvk.version != "v1" {
        return Health::unsupported_version("Service", gvk);
    }
    let is_load_balancer = str_at(object, &["spec", "type"]) == Some("LoadBalancer");
    if is_load_balancer && list_at(object, &["status", "loadBalancer", "ingress"]).is_empty() {
        return Health::progressing("");
    }
    Health::healthy("")
}
