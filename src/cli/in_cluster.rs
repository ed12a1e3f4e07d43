//! Whether fleetdeck runs in a Kubernetes pod: the environment every pod
//! is given, and the service-account token mounted into it.

use std::path::PathBuf;

use crate::engine::cluster::{InCluster, SERVICE_ACCOUNT_DIR};

/// The pod's cluster, when this process runs in one with a token.
/// `FLEETDECK_SERVICE_ACCOUNT_DIR` moves the credentials' directory (tests).
pub fn detect() -> Option<InCluster> {
    let host = std::env::var("KUBERNETES_SERVICE_HOST").ok()?;
    let port = std::env::var("KUBERNETES_SERVICE_PORT").unwrap_or_else(|_| "443".to_string());
    let account_dir = std::env::var_os("FLEETDECK_SERVICE_ACCOUNT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(SERVICE_ACCOUNT_DIR));
    let in_cluster = InCluster {
        host,
        port,
        account_dir,
    };
    in_cluster.has_token().then_some(in_cluster)
}
