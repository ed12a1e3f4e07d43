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
    /// The state file exists but cannot be read.
    #[error("cannot read the simulated fleet's state file {path}")]
    ReadState {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The state file is not a valid JSON state document; the fleet refuses to start
    /// rather than overwrite it on shutdown.
    #[error("the state file {path} is corrupt (move it away to start from scratch)")]
    ParseState {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The state file was written by a format this build does not know.
    #[error(
        "the state file {path} has format version {found}; this fleetdeck reads version {supported}"
    )]
    StateVersion {
        path: PathBuf,
        found: u64,
        supported: u64,
    },
    /// One object of the state file cannot be stored.
    #[error("the state file {path} is corrupt: object #{index} of cluster {cluster:?}")]
    StateObject {
        path: PathBuf,
        cluster: String,
        index: usize,
        #[source]
        source: Box<StateObjectError>,
    },
    /// Saving the state file failed (the previous file, if any, is left intact).
    #[error("cannot write the simulated fleet's state file {path}")]
    WriteState {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Why one object of a state file cannot be stored.
#[derive(Debug, thiserror::Error)]
pub enum StateObjectError {
    #[error("it is not a JSON object")]
    NotAnObject,
    #[error("it has no {field}")]
    MissingField { field: &'static str },
    #[error("{api_version} {kind} is not a kind the cluster serves (nor one its CRDs define)")]
    UnknownKind { api_version: String, kind: String },
    #[error("{kind} {name:?} is namespaced but has no metadata.namespace")]
    MissingNamespace { kind: String, name: String },
    #[error("{kind} {name:?} is cluster-scoped but has metadata.namespace {namespace:?}")]
    UnexpectedNamespace {
        kind: String,
        name: String,
        namespace: String,
    },
    #[error("{kind} {name:?} has resourceVersion {value:?}, not a number")]
    InvalidResourceVersion {
        kind: String,
        name: String,
        value: String,
    },
    #[error("{kind} {namespace}/{name} appears twice")]
    Duplicate {
        kind: String,
        namespace: String,
        name: String,
    },
}
