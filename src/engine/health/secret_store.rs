//! External Secrets SecretStore and ClusterSecretStore
//! (`external-secrets.io`) health, following Argo CD's health scripts: the
//! `Ready` condition decides.

use serde_json::Value;

use super::assessment::Health;
use super::ready_condition::judge_ready;

pub(crate) fn assess_secret_store(object: &Value) -> Health {
    judge_ready(object, "Waiting for SecretStore")
}

pub(crate) fn assess_cluster_secret_store(object: &Value) -> Health {
    judge_ready(object, "Waiting for ClusterSecretStore")
}
