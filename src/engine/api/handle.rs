//! [`EngineHandle`]: how a front end holds a running engine.

use std::sync::Arc;

use tokio::sync::{broadcast, mpsc, watch};

use super::command::Command;
use super::event::EngineEvent;
use super::snapshot::FleetSnapshot;

/// The engine is gone (shut down, or it stopped on an internal error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the engine has stopped")]
pub struct EngineStopped;

#[derive(Debug, Clone)]
pub struct EngineHandle {
    commands: mpsc::Sender<Command>,
    snapshots: watch::Receiver<Arc<FleetSnapshot>>,
    events: broadcast::Sender<EngineEvent>,
}

impl EngineHandle {
    pub(crate) fn new(
        commands: mpsc::Sender<Command>,
        snapshots: watch::Receiver<Arc<FleetSnapshot>>,
        events: broadcast::Sender<EngineEvent>,
    ) -> Self {
        EngineHandle {
            commands,
            snapshots,
            events,
        }
    }

    /// Queues a command; waits only while the queue is full.
    pub async fn send(&self, command: Command) -> Result<(), EngineStopped> {
        self.commands.send(command).await.map_err(|_| EngineStopped)
    }

    /// The latest snapshot.
    pub fn snapshot(&self) -> Arc<FleetSnapshot> {
        self.snapshots.borrow().clone()
    }

    /// A receiver that wakes on every new snapshot.
    pub fn watch(&self) -> watch::Receiver<Arc<FleetSnapshot>> {
        self.snapshots.clone()
    }

    /// Events from now on. A reader that falls behind loses the oldest
    /// events (and is told so), never the engine's pace.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    /// Waits for the first snapshot that satisfies `ready`.
    pub async fn wait_for(
        &self,
        mut ready: impl FnMut(&FleetSnapshot) -> bool,
    ) -> Result<Arc<FleetSnapshot>, EngineStopped> {
        let mut receiver = self.snapshots.clone();
        let snapshot = receiver
            .wait_for(|snapshot| ready(snapshot))
            .await
            .map_err(|_| EngineStopped)?;
        Ok(snapshot.clone())
    }
}
