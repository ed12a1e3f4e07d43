//! Whether a kind is namespaced: a namespaced desired object without a
//! namespace goes to the Application's destination namespace, and a
//! cluster-scoped one never has a namespace.
//!
//! Discovery will answer for real clusters later; until then (and for
//! tests) a closure or [`BuiltinScopes`] answers. `None` means "unknown",
//! which is treated as namespaced, as Argo CD does.

use std::collections::HashMap;

use serde_json::Value;

/// Answers `Some(true)` for namespaced kinds, `Some(false)` for
/// cluster-scoped ones, `None` when it does not know.
pub trait ResourceScope: Send + Sync {
    fn is_namespaced(&self, group: &str, kind: &str) -> Option<bool>;
}

impl<F> ResourceScope for F
where
    F: Fn(&str, &str) -> Option<bool> + Send + Sync,
{
    fn is_namespaced(&self, group: &str, kind: &str) -> Option<bool> {
        self(group, kind)
    }
}

/// The scope of the Kubernetes built-in kinds and of common CRDs.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinScopes;

const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "Namespace"),
    ("", "Node"),
    ("", "PersistentVolume"),
    ("", "ComponentStatus"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("apiregistration.k8s.io", "APIService"),
    ("storage.k8s.io", "StorageClass"),
    ("storage.k8s.io", "CSIDriver"),
    ("storage.k8s.io", "CSINode"),
    ("storage.k8s.io", "VolumeAttachment"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("networking.k8s.io", "IngressClass"),
    ("certificates.k8s.io", "CertificateSigningRequest"),
    (
        "admissionregistration.k8s.io",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io",
        "ValidatingWebhookConfiguration",
    ),
    ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
    (
        "admissionregistration.k8s.io",
        "ValidatingAdmissionPolicyBinding",
    ),
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
    ("cert-manager.io", "ClusterIssuer"),
    ("external-secrets.io", "ClusterSecretStore"),
    ("external-secrets.io", "ClusterExternalSecret"),
    ("gateway.networking.k8s.io", "GatewayClass"),
    ("keda.sh", "ClusterTriggerAuthentication"),
    ("argoproj.io", "ClusterAnalysisTemplate"),
    ("argoproj.io", "ClusterWorkflowTemplate"),
];

const NAMESPACED: &[(&str, &str)] = &[
    ("", "Pod"),
    ("", "Service"),
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "ServiceAccount"),
    ("", "PersistentVolumeClaim"),
    ("", "Endpoints"),
    ("", "Event"),
    ("", "LimitRange"),
    ("", "ResourceQuota"),
    ("", "ReplicationController"),
    ("", "PodTemplate"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("apps", "ReplicaSet"),
    ("apps", "ControllerRevision"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("coordination.k8s.io", "Lease"),
    ("discovery.k8s.io", "EndpointSlice"),
    ("events.k8s.io", "Event"),
    ("cert-manager.io", "Certificate"),
    ("cert-manager.io", "Issuer"),
    ("argoproj.io", "Application"),
    ("argoproj.io", "ApplicationSet"),
    ("argoproj.io", "AppProject"),
    ("argoproj.io", "Rollout"),
    ("argoproj.io", "AnalysisRun"),
    ("argoproj.io", "AnalysisTemplate"),
    ("bitnami.com", "SealedSecret"),
    ("external-secrets.io", "ExternalSecret"),
    ("external-secrets.io", "SecretStore"),
    ("keda.sh", "ScaledObject"),
    ("gateway.networking.k8s.io", "Gateway"),
    ("gateway.networking.k8s.io", "HTTPRoute"),
];

impl ResourceScope for BuiltinScopes {
    fn is_namespaced(&self, group: &str, kind: &str) -> Option<bool> {
        let entry = (group, kind);
        if CLUSTER_SCOPED.contains(&entry) {
            Some(false)
        } else if NAMESPACED.contains(&entry) {
            Some(true)
        } else {
            None
        }
    }
}

/// The scope of custom resources defined by CRDs among the desired
/// objects, so an app that ships a CRD and its resources needs no
/// discovery to place them.
#[derive(Debug, Clone, Default)]
pub(crate) struct CrdScopes(HashMap<(String, String), bool>);

impl CrdScopes {
    pub(crate) fn from_objects<'a>(objects: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut scopes = HashMap::new();
        for object in objects {
            if object["kind"] != "CustomResourceDefinition" {
                continue;
            }
            let spec = &object["spec"];
            let (Some(group), Some(kind), Some(scope)) = (
                spec["group"].as_str(),
                spec["names"]["kind"].as_str(),
                spec["scope"].as_str(),
            ) else {
                continue;
            };
            scopes.insert((group.to_string(), kind.to_string()), scope == "Namespaced");
        }
        CrdScopes(scopes)
    }

    pub(crate) fn is_namespaced(&self, group: &str, kind: &str) -> Option<bool> {
        if self.0.is_empty() {
            return None;
        }
        self.0.get(&(group.to_string(), kind.to_string())).copied()
    }
}

/// Asks the caller's lookup, then the app's own CRDs, then the built-in
/// table.
pub(crate) fn lookup(
    primary: &dyn ResourceScope,
    crds: Option<&CrdScopes>,
    group: &str,
    kind: &str,
) -> Option<bool> {
    primary
        .is_namespaced(group, kind)
        .or_else(|| crds.and_then(|crds| crds.is_namespaced(group, kind)))
        .or_else(|| BuiltinScopes.is_namespaced(group, kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtin_table_knows_common_kinds() {
        assert_eq!(BuiltinScopes.is_namespaced("", "Namespace"), Some(false));
        assert_eq!(
            BuiltinScopes.is_namespaced("apps", "Deployment"),
            Some(true)
        );
        assert_eq!(BuiltinScopes.is_namespaced("example.com", "Widget"), None);
    }

    #[test]
    fn caller_then_crds_then_builtin() {
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Cluster", "names": {"kind": "Widget"}}
        });
        let crds = CrdScopes::from_objects([&crd]);
        let nothing = |_: &str, _: &str| None;
        assert_eq!(
            lookup(&nothing, Some(&crds), "example.com", "Widget"),
            Some(false)
        );
        let discovery = |_: &str, kind: &str| (kind == "Widget").then_some(true);
        assert_eq!(
            lookup(&discovery, Some(&crds), "example.com", "Widget"),
            Some(true)
        );
        assert_eq!(lookup(&nothing, None, "", "Namespace"), Some(false));
        assert_eq!(lookup(&nothing, None, "example.com", "Gadget"), None);
    }
}
