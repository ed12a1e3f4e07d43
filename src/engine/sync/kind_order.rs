//! The order kinds are applied in within one phase and wave.
//!
//! This is Argo CD's order (itself Helm's install order): what others depend
//! on first — namespaces, policies, accounts, config, storage, CRDs, RBAC —
//! then services, then workloads, then what routes to them. Kinds not in the
//! list (custom resources) come after all listed kinds.

const KIND_ORDER: [&str; 35] = [
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// The rank of a kind: listed kinds by position, every other kind after them.
pub fn kind_rank(kind: &str) -> usize {
    KIND_ORDER
        .iter()
        .position(|listed| *listed == kind)
        .unwrap_or(KIND_ORDER.len())
}

#[cfg(test)]
mod tests {
    use super::kind_rank;

    #[test]
    fn dependencies_before_workloads_and_custom_resources_last() {
        let mut kinds = vec![
            "Certificate",
            "Ingress",
            "Deployment",
            "ConfigMap",
            "Namespace",
        ];
        kinds.sort_by_key(|kind| kind_rank(kind));
        assert_eq!(
            kinds,
            [
                "Namespace",
                "ConfigMap",
                "Deployment",
                "Ingress",
                "Certificate"
            ]
        );
        assert_eq!(kind_rank("Rollout"), kind_rank("Certificate"));
    }
}
