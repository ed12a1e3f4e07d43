//! `assess`: the health of one live object, picking the check by API group
//! and kind as Argo CD does.
//!
//! Order of the rules, as in gitops-engine's `GetResourceHealth`:
//! 1. An object being deleted (`metadata.deletionTimestamp`) is Progressing
//!    ("Pending deletion") whatever its kind — unless it still carries Argo's
//!    hook finalizer, in which case it is a hook whose own health matters.
//!    The CustomResourceDefinition check has its own, more specific answer
//!    for a terminating CRD ("CRD is terminating"), so it is asked instead.
//! 2. Otherwise the kind's check, chosen by group and kind (the version is
//!    left to the check: some read only certain versions and report others
//!    as Unknown, as Argo does).
//! 3. A kind without a check has no health at all (`None`), which is not
//!    `Unknown`: Argo CD leaves such resources out of the app's health.
//!
//! Built-in (gitops-engine) checks and the checks Argo CD ships as Lua
//! scripts for common CRDs are one table here; there are no user overrides
//! yet.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{TypeMeta, get};
use super::hook::has_hook_finalizer;
use super::{
    api_service, argo_analysis_run, argo_application_set, argo_rollout, argo_workflow,
    cert_manager_certificate, cert_manager_issuer, cron_job, custom_resource_definition,
    daemon_set, deployment, external_secret, flux_helm_release, flux_kustomization, gateway,
    horizontal_pod_autoscaler, http_route, ingress, job, keda_scaled_object,
    persistent_volume_claim, pod, pod_disruption_budget, prometheus, replica_set, sealed_secret,
    secret_store, service, stateful_set,
};

/// A kind's health check: pure, reads only the object.
pub type HealthCheck = fn(&Value) -> Health;

/// The message of an object that is being deleted.
pub const PENDING_DELETION: &str = "Pending deletion";

/// The health of `object`, or `None` when its kind has no health check.
pub fn assess(object: &Value) -> Option<Health> {
    let gvk = TypeMeta::of(object);
    let check = health_check(gvk.group, gvk.kind);
    let deleting = get(object, &["metadata", "deletionTimestamp"]).is_some();
    if deleting && !has_hook_finalizer(object) && !speaks_for_deletion(gvk.group, gvk.kind) {
        return Some(Health::progressing(PENDING_DELETION));
    }
    check.map(|check| check(object))
}

/// Whether `group`/`kind` has a health check (objects of other kinds have no
/// health and do not count towards an application's).
pub fn has_health_check(group: &str, kind: &str) -> bool {
    health_check(group, kind).is_some()
}

fn speaks_for_deletion(group: &str, kind: &str) -> bool {
    group == "apiextensions.k8s.io" && kind == "CustomResourceDefinition"
}

/// The check for `group`/`kind` (group `""` is the core API group).
pub fn health_check(group: &str, kind: &str) -> Option<HealthCheck> {
    let check: HealthCheck = match (group, kind) {
        ("", "Pod") => pod::assess,
        ("", "Service") => service::assess,
        ("", "PersistentVolumeClaim") => persistent_volume_claim::assess,
        ("apps", "Deployment") => deployment::assess,
        ("apps", "StatefulSet") => stateful_set::assess,
        ("apps", "DaemonSet") => daemon_set::assess,
        ("apps", "ReplicaSet") => replica_set::assess,
        ("batch", "Job") => job::assess,
        ("batch", "CronJob") => cron_job::assess,
        ("networking.k8s.io" | "extensions", "Ingress") => ingress::assess,
        ("autoscaling", "HorizontalPodAutoscaler") => horizontal_pod_autoscaler::assess,
        ("policy", "PodDisruptionBudget") => pod_disruption_budget::assess,
        ("apiregistration.k8s.io", "APIService") => api_service::assess,
        ("apiextensions.k8s.io", "CustomResourceDefinition") => custom_resource_definition::assess,
        ("argoproj.io", "Workflow") => argo_workflow::assess,
        ("argoproj.io", "Rollout") => argo_rollout::assess,
        ("argoproj.io", "AnalysisRun") => argo_analysis_run::assess,
        ("argoproj.io", "ApplicationSet") => argo_application_set::assess,
        ("cert-manager.io", "Certificate") => cert_manager_certificate::assess,
        ("cert-manager.io", "Issuer") => cert_manager_issuer::assess_issuer,
        ("cert-manager.io", "ClusterIssuer") => cert_manager_issuer::assess_cluster_issuer,
        ("bitnami.com", "SealedSecret") => sealed_secret::assess,
        ("external-secrets.io", "ExternalSecret") => external_secret::assess,
        ("external-secrets.io", "SecretStore") => secret_store::assess_secret_store,
        ("external-secrets.io", "ClusterSecretStore") => secret_store::assess_cluster_secret_store,
        ("keda.sh", "ScaledObject") => keda_scaled_object::assess,
        ("kustomize.toolkit.fluxcd.io", "Kustomization") => flux_kustomization::assess,
        ("helm.toolkit.fluxcd.io", "HelmRelease") => flux_helm_release::assess,
        ("gateway.networking.k8s.io", "Gateway") => gateway::assess,
        ("gateway.networking.k8s.io", "HTTPRoute") => http_route::assess,
        ("monitoring.coreos.com", "Prometheus") => prometheus::assess,
        _ => return None,
    };
    Some(check)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::health::hook::HOOK_FINALIZER;
    use crate::engine::health::status::HealthStatus;
    use serde_json::json;

    #[test]
    fn unknown_kinds_have_no_health() {
        let config_map =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}});
        assert_eq!(assess(&config_map), None);
        let application = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application"});
        assert_eq!(assess(&application), None);
        assert!(!has_health_check("", "ConfigMap"));
        assert!(has_health_check("apps", "Deployment"));
    }

    #[test]
    fn deletion_is_progressing_for_every_kind() {
        let config_map = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "deletionTimestamp": "2024-01-01T00:00:00Z"}});
        assert_eq!(
            assess(&config_map),
            Some(Health::progressing(PENDING_DELETION))
        );
        let service = json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "x", "deletionTimestamp": "2024-01-01T00:00:00Z"}, "spec": {}});
        assert_eq!(
            assess(&service),
            Some(Health::progressing(PENDING_DELETION))
        );
    }

    #[test]
    fn a_hook_finalizer_keeps_the_kind_check() {
        let job = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "x", "deletionTimestamp": "2024-01-01T00:00:00Z",
                         "finalizers": [HOOK_FINALIZER]},
            "status": {"conditions": [{"type": "Complete", "status": "True"}]}});
        assert_eq!(
            assess(&job).map(|health| health.status),
            Some(HealthStatus::Healthy)
        );
    }

    #[test]
    fn a_terminating_crd_explains_itself() {
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "x", "deletionTimestamp": "2024-01-01T00:00:00Z"}});
        assert_eq!(
            assess(&crd),
            Some(Health::progressing("CRD is terminating"))
        );
    }
}
