//! The "cluster down" fault: one cluster's serving slot (up or down), shared by the
//! Rust API ([`super::SimCluster::go_down`] / [`super::SimCluster::come_up`]) and the
//! outage timer. The timer serves timed outages asked for over the admin endpoint
//! (`POST /sim/down?seconds=N`): a server cannot serve its own "come up" while it is
//! down, so a task outside the server takes it down and brings it back.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, watch};
use tokio::task::{JoinError, JoinHandle};
use tokio_rustls::TlsAcceptor;

use super::error::SimError;
use super::faults::Faults;
use super::instance::{self, ServerInstance};
use super::server::ClusterState;

/// How long going down lets open requests finish before cutting connections (the
/// admin request that asked for the outage gets its answer).
const DOWN_GRACE: Duration = Duration::from_millis(500);

/// One cluster's server, up (`Some`) or down (`None`), with what it takes to start it
/// again on the same address.
pub(crate) struct ServerSlot {
    state: Arc<ClusterState>,
    acceptor: TlsAcceptor,
    fleet_shutdown: watch::Receiver<bool>,
    server: Mutex<Option<ServerInstance>>,
}

impl ServerSlot {
    pub fn new(
        state: Arc<ClusterState>,
        acceptor: TlsAcceptor,
        fleet_shutdown: watch::Receiver<bool>,
        server: ServerInstance,
    ) -> Self {
        ServerSlot {
            state,
            acceptor,
            fleet_shutdown,
            server: Mutex::new(Some(server)),
        }
    }

    /// Close the listener, end open watches, cut connections after a short grace.
    pub async fn go_down(&self) {
        let instance = self.server.lock().await.take();
        if let Some(instance) = instance {
            Faults::new(self.state.faults.clone()).drop_watches();
            if let Err(error) = instance.stop(&self.state.name, DOWN_GRACE).await {
                tracing::warn!(cluster = %self.state.name, %error, "simulated cluster server task failed");
            }
        }
    }

    /// Serve again on the same address (a no-op while up, or once the fleet stops).
    pub async fn come_up(&self) -> Result<(), SimError> {
        let mut server = self.server.lock().await;
        if server.is_some() || *self.fleet_shutdown.borrow() {
            return Ok(());
        }
        let address = self.state.address;
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|source| SimError::Bind {
                cluster: self.state.name.clone(),
                port: address.port(),
                source,
            })?;
        *server = Some(instance::spawn(
            self.state.clone(),
            listener,
            self.acceptor.clone(),
            self.fleet_shutdown.clone(),
        ));
        Ok(())
    }

    /// Stop for good (fleet shutdown); only a panicked server task is an error.
    pub async fn stop(&self, grace: Duration) -> Result<(), JoinError> {
        let instance = self.server.lock().await.take();
        match instance {
            Some(instance) => instance.stop(&self.state.name, grace).await,
            None => Ok(()),
        }
    }
}

/// The task that serves outage requests of one cluster until the fleet stops: down
/// at once, up again when the requested time has passed (a later request while down
/// restarts the clock).
pub(crate) fn spawn_timer(slot: Arc<ServerSlot>) -> JoinHandle<()> {
    let mut requests = slot.state.faults.outage_requests();
    let mut shutdown = slot.fleet_shutdown.clone();
    tokio::spawn(async move {
        let mut back_at: Option<tokio::time::Instant> = None;
        loop {
            let wake = async {
                match back_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                changed = requests.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let Some(duration) = *requests.borrow_and_update() else {
                        continue;
                    };
                    tracing::info!(cluster = %slot.state.name, ?duration, "simulated outage");
                    slot.go_down().await;
                    back_at = Some(tokio::time::Instant::now() + duration);
                }
                () = wake => {
                    back_at = None;
                    if let Err(error) = slot.come_up().await {
                        tracing::warn!(cluster = %slot.state.name, %error, "simulated cluster could not come back up");
                    }
                }
                () = async { let _ = shutdown.wait_for(|stopped| *stopped).await; } => break,
            }
        }
    })
}
