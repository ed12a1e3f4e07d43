//! What can go wrong talking to a cluster. Every variant names the cluster,
//! and the request-level ones the operation and object, so a message in a
//! fleet of fifty clusters says where to look.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot read kubeconfig {path}: {source}")]
    Kubeconfig {
        path: PathBuf,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error("cluster {cluster}: kubeconfig context `{context}`: {source}")]
    Context {
        cluster: String,
        context: String,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error("cluster {cluster}: cannot build a client: {source}")]
    Client {
        cluster: String,
        #[source]
        source: kube::Error,
    },
    #[error("cluster {cluster} is unreachable: {message}")]
    Unreachable { cluster: String, message: String },
    #[error("cluster {cluster}: {operation} timed out after {}s", timeout.as_secs_f64())]
    Timeout {
        cluster: String,
        operation: String,
        timeout: Duration,
    },
    /// The API server answered with a `metav1.Status` error.
    #[error("cluster {cluster}: {operation}: {message} ({reason}, {code})")]
    Api {
        cluster: String,
        operation: String,
        code: u16,
        reason: String,
        message: String,
    },
    /// Transport, TLS or decoding trouble below the API level.
    #[error("cluster {cluster}: {operation}: {source}")]
    Request {
        cluster: String,
        operation: String,
        #[source]
        source: kube::Error,
    },
    /// A write to a read-only cluster, refused before it was sent.
    #[error("cluster {cluster} is read-only: refused to {verb} {target}")]
    ReadOnly {
        cluster: String,
        /// `apply`, `create`, `replace`, `delete` or `scale`.
        verb: &'static str,
        /// The object it was meant for.
        target: String,
    },
    #[error("cluster {cluster} does not serve {api_version} {kind}")]
    UnknownKind {
        cluster: String,
        api_version: String,
        kind: String,
    },
    #[error("cluster {cluster}: {operation}: object is not a valid Kubernetes object: {source}")]
    InvalidObject {
        cluster: String,
        operation: String,
        #[source]
        source: serde_json::Error,
    },
}

impl ClusterError {
    /// The HTTP status of an API error, if this is one.
    pub fn status_code(&self) -> Option<u16> {
        match self {
            ClusterError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status_code() == Some(404)
    }

    pub fn is_conflict(&self) -> bool {
        self.status_code() == Some(409)
    }

    /// Whether this is a write refused because the cluster is read-only.
    pub fn is_readonly_refusal(&self) -> bool {
        matches!(self, ClusterError::ReadOnly { .. })
    }

    /// Whether the cluster itself cannot be talked to (as opposed to the
    /// server refusing one request): callers stop work on that cluster.
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            ClusterError::Unreachable { .. } | ClusterError::Timeout { .. }
        ) || matches!(self, ClusterError::Request { source, .. } if is_connection_error(source))
    }

    /// Sorts a kube-rs error into an API answer or a transport failure.
    pub(crate) fn from_kube(cluster: &str, operation: String, error: kube::Error) -> Self {
        match error {
            kube::Error::Api(status) => ClusterError::Api {
                cluster: cluster.to_string(),
                operation,
                code: status.code,
                reason: status.reason.clone(),
                message: status.message.clone(),
            },
            other if is_connection_error(&other) => ClusterError::Unreachable {
                cluster: cluster.to_string(),
                message: format!(
                    "{operation}: {}",
                    crate::engine::error_chain::error_chain(&other)
                ),
            },
            other => ClusterError::Request {
                cluster: cluster.to_string(),
                operation,
                source: other,
            },
        }
    }
}

fn is_connection_error(error: &kube::Error) -> bool {
    matches!(error, kube::Error::HyperError(_) | kube::Error::Service(_))
}
