//! `namespace`: every namespaced object moves to one namespace.
//!
//! Like kustomize, cluster-scoped kinds are left alone, a `Namespace` object
//! is renamed to the namespace, and ServiceAccount subjects of role bindings
//! follow the accounts they name (done in the name-reference pass).

use serde_json::Value;

use super::resource::Resource;

/// Kinds that live outside namespaces (the built-in API's cluster-scoped
/// kinds). Anything else, custom resources included, is namespaced, as
/// kustomize assumes without a schema.
const CLUSTER_SCOPED: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "SelfSubjectAccessReview",
    "SelfSubjectRulesReview",
    "StorageClass",
    "SubjectAccessReview",
    "TokenReview",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// Whether objects of `kind` are cluster-scoped.
pub fn is_cluster_scoped(kind: &str) -> bool {
    CLUSTER_SCOPED.contains(&kind)
}

/// Moves every namespaced resource to `namespace`.
pub fn set_namespace(resources: &mut [Resource], namespace: &str) {
    if namespace.is_empty() {
        return;
    }
    for resource in resources {
        if resource.kind() == "Namespace" {
            resource.set_name(namespace.to_string());
        } else if !is_cluster_scoped(resource.kind()) {
            resource.set_namespace(namespace.to_string());
        }
        if matches!(resource.kind(), "RoleBinding" | "ClusterRoleBinding") {
            move_default_subjects(resource, namespace);
        }
    }
}

/// Kustomize's default subject handling: a subject named `default` (the
/// namespace's default ServiceAccount) moves with the namespace.
fn move_default_subjects(resource: &mut Resource, namespace: &str) {
    let Some(Value::Array(subjects)) = resource.object.get_mut("subjects") else {
        return;
    };
    for subject in subjects {
        if subject["name"].as_str() == Some("default")
            && let Some(map) = subject.as_object_mut()
        {
            map.insert("namespace".into(), Value::String(namespace.to_string()));
        }
    }
}
