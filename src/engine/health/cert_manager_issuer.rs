//! cert-manager Issuer and ClusterIssuer (`cert-manager.io`) health,
//! following Argo CD's health scripts: the `Ready` condition decides.

use serde_json::Value;

use super::assessment::Health;
use super::ready_condition::judge_ready;

pub(crate) fn assess_issuer(object: &Value) -> Health {
    judge_ready(object, "Initializing issuer")
}

pub(crate) fn assess_cluster_issuer(object: &Value) -> Health {
    judge_ready(object, "Initializing ClusterIssuer")
}
