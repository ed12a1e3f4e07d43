//! The cluster fleetdeck runs in (a pod's service account) as one more
//! kubeconfig context, `in-cluster`, so the registry, the hub and every
//! client are built the same way for it as for a kubeconfig's clusters.
//!
//! The token is referenced by file, not copied: kube-rs rereads a token
//! file as it goes, and Kubernetes rotates projected service-account
//! tokens under a running pod.

use std::path::{Path, PathBuf};

use kube::config::{
    AuthInfo, Cluster, Context, Kubeconfig, NamedAuthInfo, NamedCluster, NamedContext,
};

/// The context (and cluster, and user) name of the pod's own cluster.
pub const IN_CLUSTER_CONTEXT: &str = "in-cluster";

/// Where Kubernetes mounts a pod's service-account credentials.
pub const SERVICE_ACCOUNT_DIR: &str = "/var/run/secrets/kubernetes.io/serviceaccount";

/// What a pod is told about its API server (`KUBERNETES_SERVICE_HOST`,
/// `KUBERNETES_SERVICE_PORT`) and where its credentials are mounted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InCluster {
    pub host: String,
    pub port: String,
    pub account_dir: PathBuf,
}

impl InCluster {
    /// Whether the mounted credentials are there (a pod with
    /// `automountServiceAccountToken: false` has none).
    pub fn has_token(&self) -> bool {
        self.account_dir.join("token").is_file()
    }

    pub fn server(&self) -> String {
        if self.host.contains(':') {
            format!("https://[{}]:{}", self.host, self.port)
        } else {
            format!("https://{}:{}", self.host, self.port)
        }
    }

    /// A kubeconfig of the one `in-cluster` context.
    pub fn kubeconfig(&self) -> Kubeconfig {
        let file = |name: &str| path_text(&self.account_dir.join(name));
        let namespace = std::fs::read_to_string(self.account_dir.join("namespace"))
            .ok()
            .map(|text| text.trim().to_string())
            .filter(|text| !text.is_empty());
        Kubeconfig {
            clusters: vec![NamedCluster {
                name: IN_CLUSTER_CONTEXT.to_string(),
                cluster: Some(Cluster {
                    server: Some(self.server()),
                    certificate_authority: Some(file("ca.crt")),
                    ..Cluster::default()
                }),
                ..NamedCluster::default()
            }],
            auth_infos: vec![NamedAuthInfo {
                name: IN_CLUSTER_CONTEXT.to_string(),
                auth_info: Some(AuthInfo {
                    token_file: Some(file("token")),
                    ..AuthInfo::default()
                }),
                ..NamedAuthInfo::default()
            }],
            contexts: vec![NamedContext {
                name: IN_CLUSTER_CONTEXT.to_string(),
                context: Some(Context {
                    cluster: IN_CLUSTER_CONTEXT.to_string(),
                    user: Some(IN_CLUSTER_CONTEXT.to_string()),
                    namespace,
                    ..Context::default()
                }),
                ..NamedContext::default()
            }],
            current_context: Some(IN_CLUSTER_CONTEXT.to_string()),
            ..Kubeconfig::default()
        }
    }

    /// `kubeconfig` (spokes, say, from a mounted Secret) with the
    /// `in-cluster` context added, unless it already has one of that name.
    pub fn add_to(&self, mut kubeconfig: Kubeconfig) -> Kubeconfig {
        if kubeconfig
            .contexts
            .iter()
            .any(|context| context.name == IN_CLUSTER_CONTEXT)
        {
            return kubeconfig;
        }
        let own = self.kubeconfig();
        kubeconfig.clusters.extend(own.clusters);
        kubeconfig.auth_infos.extend(own.auth_infos);
        kubeconfig.contexts.extend(own.contexts);
        if kubeconfig.current_context.is_none() {
            kubeconfig.current_context = own.current_context;
        }
        kubeconfig
    }
}

fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pods_cluster_is_a_context_of_its_own_added_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("namespace"), "fleetdeck-system\n").expect("namespace");
        let in_cluster = InCluster {
            host: "fd00::1".to_string(),
            port: "443".to_string(),
            account_dir: dir.path().to_path_buf(),
        };
        assert!(!in_cluster.has_token());
        let own = in_cluster.kubeconfig();
        assert_eq!(own.contexts[0].name, IN_CLUSTER_CONTEXT);
        let context = own.contexts[0].context.as_ref().expect("context");
        assert_eq!(context.namespace.as_deref(), Some("fleetdeck-system"));
        let cluster = own.clusters[0].cluster.as_ref().expect("cluster");
        assert_eq!(cluster.server.as_deref(), Some("https://[fd00::1]:443"));

        let mut spokes = Kubeconfig::default();
        spokes.contexts.push(NamedContext {
            name: "prod".to_string(),
            ..NamedContext::default()
        });
        spokes.current_context = Some("prod".to_string());
        let merged = in_cluster.add_to(spokes);
        assert_eq!(merged.contexts.len(), 2);
        assert_eq!(merged.current_context.as_deref(), Some("prod"));
        assert_eq!(in_cluster.add_to(merged).contexts.len(), 2);
    }
}
