//! Errors of starting and stopping the simulated fleet (not API errors: those are
//! `metav1.Status` bodies, see `status_error`).

use std::path::PathBuf;

/// Why the simulated fleet could not start or stop cleanly.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A fleet needs at least one cluster (the first one is the kubeconfig's current context).
    #[error("the fleet spec names no cluster")]
    NoClusters,
    /// Cluster names become kubeconfig context names and must be unique.
    #[error("cluster {name:?} is named twice in the fleet spec")]
    DuplicateCluster { name: String },
    /// Cluster names must be usable as kubeconfig names and in URLs.
    #[error(
        "cluster name {name:?} is invalid: use lowercase letters, digits and '-' (at most 63 characters)"
    )]
    InvalidClusterName { name: String },
    /// Binding the loopback listener failed (port taken, no loopback...).
    #[error("cannot listen for cluster {cluster:?} on 127.0.0.1:{port}")]
    Bind {
        cluster: String,
        port: u16,
        #[source]
        source: std::io::Error,
    },
    /// The fleet's CA or server certificate could not be generated.
    #[error("cannot generate the simulated fleet's TLS certificates")]
    Certificate {
        #[source]
        source: rcgen::Error,
    },
    /// The TLS server configuration was refused.
    #[error("cannot configure TLS for the simulated fleet")]
    TlsConfig {
        #[source]
        source: tokio_rustls::rustls::Error,
    },
    /// The kubeconfig could not be serialised.
    #[error("cannot serialise the kubeconfig for {path}")]
    SerializeKubeconfig {
        path: PathBuf,
        #[source]
        source: serde_saphyr::SerializeError,
    },
    /// The kubeconfig could not be written.
    #[error("cannot write the kubeconfig {path}")]
    WriteKubeconfig {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A cluster's server task panicked or was cancelled.
    #[error("the API server of cluster {cluster:?} stopped abnormally")]
    ServerTask {
        cluster: String,
        #[source]
        source: tokio::task::JoinError,
    },
}
