//! From a kubeconfig context to a [`ClusterClient`]: the same path for a
//! real cluster and for the simulated fleet's loopback API servers.

use std::path::Path;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use super::client::ClusterClient;
use super::error::ClusterError;

/// How fleetdeck treats one cluster's API server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterSettings {
    /// Average requests per second (0 = unlimited). Argo CD's controller
    /// defaults to 50; client-go's 5 is too slow for a sync of many apps.
    pub qps: f64,
    pub burst: u32,
    /// Every request (watches excepted) gives up after this long.
    pub request_timeout: Duration,
    /// Refuse every write except server-side dry runs (see
    /// [`ClusterClient`]). Set once where clients are made, so no caller
    /// has to remember it.
    pub readonly: bool,
}

impl Default for ClusterSettings {
    fn default() -> Self {
        ClusterSettings {
            qps: 50.0,
            burst: 100,
            request_timeout: Duration::from_secs(30),
            readonly: false,
        }
    }
}

impl ClusterSettings {
    /// These settings, read-only as well when `readonly` (never less).
    pub fn readonly_if(self, readonly: bool) -> Self {
        ClusterSettings {
            readonly: self.readonly || readonly,
            ..self
        }
    }
}

/// Reads a kubeconfig file (once per fleet; contexts share it).
pub fn read_kubeconfig(path: &Path) -> Result<Kubeconfig, ClusterError> {
    Kubeconfig::read_from(path).map_err(|source| ClusterError::Kubeconfig {
        path: path.to_path_buf(),
        source,
    })
}

/// Like [`connect`], but a context that cannot be connected (a missing
/// client certificate, a cluster entry that is not there) still gives a
/// client: one that answers every call with [`ClusterError::Unreachable`]
/// naming the reason, so a long-running engine shows that cluster as
/// unreachable and runs the rest of the fleet.
pub async fn connect_or_unreachable(
    kubeconfig: &Kubeconfig,
    context: &str,
    cluster: &str,
    settings: ClusterSettings,
) -> ClusterClient {
    match connect(kubeconfig, context, cluster, settings).await {
        Ok(client) => client,
        Err(error) => ClusterClient::unconnected(
            cluster.to_string(),
            context.to_string(),
            server_of(kubeconfig, context).unwrap_or_default(),
            crate::engine::error_chain::error_chain(&error),
            settings,
        ),
    }
}

/// The server URL the kubeconfig gives `context`, when it gives one.
fn server_of(kubeconfig: &Kubeconfig, context: &str) -> Option<String> {
    let cluster = kubeconfig
        .contexts
        .iter()
        .find(|named| named.name == context)?
        .context
        .as_ref()?
        .cluster
        .clone();
    kubeconfig
        .clusters
        .iter()
        .find(|named| named.name == cluster)?
        .cluster
        .as_ref()?
        .server
        .clone()
}

/// A client for `context` of `kubeconfig`, known to the fleet as `cluster`.
/// Nothing is sent yet: an unreachable cluster shows at its first request
/// (or [`ClusterClient::probe`]), so one bad context never stops the rest.
pub async fn connect(
    kubeconfig: &Kubeconfig,
    context: &str,
    cluster: &str,
    settings: ClusterSettings,
) -> Result<ClusterClient, ClusterError> {
    let options = KubeConfigOptions {
        context: Some(context.to_string()),
        ..KubeConfigOptions::default()
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .map_err(|source| ClusterError::Context {
            cluster: cluster.to_string(),
            context: context.to_string(),
            source,
        })?;
    let connect_timeout = settings.request_timeout.min(Duration::from_secs(10));
    config.connect_timeout = Some(connect_timeout);
    // Reads may legitimately stream (watches); the per-call timeout in the
    // client bounds everything else.
    config.read_timeout = None;
    config.write_timeout = Some(settings.request_timeout);
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|source| ClusterError::Client {
        cluster: cluster.to_string(),
        source,
    })?;
    Ok(ClusterClient::new(
        cluster.to_string(),
        context.to_string(),
        server,
        client,
        settings,
    ))
}
