//! One cluster's serving task: a bound loopback listener, TLS and the axum service,
//! stoppable on its own (the "cluster down" fault: connections refused) and startable
//! again on the same port with the same state ("back up"), and stopped with the fleet.

use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinError, JoinHandle};
use tokio_rustls::TlsAcceptor;

use super::server::{ClusterState, router};
use super::tls::TlsListener;

/// A running server of one cluster.
pub(crate) struct ServerInstance {
    stop: Arc<watch::Sender<bool>>,
    task: JoinHandle<std::io::Result<()>>,
}

/// Serve `state` on `listener` until the instance or the whole fleet stops.
pub(crate) fn spawn(
    state: Arc<ClusterState>,
    listener: TcpListener,
    acceptor: TlsAcceptor,
    mut fleet_shutdown: watch::Receiver<bool>,
) -> ServerInstance {
    let (stop, stopped) = watch::channel(false);
    let stop = Arc::new(stop);
    let forward = stop.clone();
    let mut instance_stopped = stopped.clone();
    // The fleet stopping stops this instance; the forwarder ends with the instance.
    tokio::spawn(async move {
        tokio::select! {
            _ = async { let _ = fleet_shutdown.wait_for(|s| *s).await; } => {
                let _ = forward.send(true);
            }
            _ = async { let _ = instance_stopped.wait_for(|s| *s).await; } => {}
        }
    });
    let app = router(state.clone());
    let listener = TlsListener::new(listener, state.address, acceptor, stopped.clone());
    let mut graceful = stopped;
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                // A dropped sender also means stop.
                let _ = graceful.wait_for(|s| *s).await;
            })
            .await
    });
    ServerInstance { stop, task }
}

impl ServerInstance {
    /// Stop accepting, let open connections finish for up to `grace`, then cut them.
    /// Only a panicked server task is an error.
    pub async fn stop(self, cluster: &str, grace: Duration) -> Result<(), JoinError> {
        let _ = self.stop.send(true);
        let mut task = self.task;
        match tokio::time::timeout(grace, &mut task).await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(error))) => {
                tracing::warn!(%cluster, %error, "simulated cluster server failed");
                Ok(())
            }
            Ok(Err(error)) => Err(error),
            Err(_) => {
                tracing::debug!(%cluster, "connections still open after the grace period; cutting them");
                task.abort();
                Ok(())
            }
        }
    }
}
