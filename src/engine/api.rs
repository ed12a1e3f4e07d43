//! The engine's face: what front ends (the TUI, the CLI, a headless
//! controller) send in and get out. Commands go in over a bounded channel;
//! state comes out as the latest [`FleetSnapshot`] on a watch channel (a
//! slow reader never backs the engine up) and as a stream of
//! [`EngineEvent`]s. Every type here is plain data (`Clone + Serialize`), so
//! the CLI prints it as JSON and tests compare it.

mod command;
mod event;
mod handle;
mod snapshot;

pub use command::Command;
pub use event::EngineEvent;
pub use handle::{EngineHandle, EngineStopped};
pub use snapshot::{
    AppDetail, AppSnapshot, AutomationState, ClusterSnapshot, ConnectionState, FleetSnapshot,
    LastSync, OperationSnapshot, ResourceSummary, RolloutSnapshot,
};
