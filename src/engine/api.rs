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

// The plain data the snapshots and events carry, named here so that front
// ends reach every type they read through the API alone.
pub use crate::engine::diff::{ResourceDiff, ResourceSyncStatus, SyncStatus};
pub use crate::engine::health::{Health, HealthStatus};
pub use crate::engine::manifest::ObjectKey;
pub use crate::engine::policy::pause::{Pause, PauseScope};
pub use crate::engine::policy::rolling_sync::{AppStepState, RollingPlan, RollingState, StepState};
pub use crate::engine::state::{
    HistoryEntry, InitiatedBy, ResourceCounts, ResultPhase, ResumeTarget, SourceSummary, SyncResult,
};
pub use crate::engine::status::ResourceNode;
pub use crate::engine::sync::{
    Change, OperationPhase, ResourceResult, ResultCode, SyncOutcome, SyncPhase, SyncProgress,
};
