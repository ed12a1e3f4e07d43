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

// The engine types that commands, snapshots and events carry, re-exported so
// that front ends name them through the API alone (the TUI may not reach
// into other engine modules; see tests/integration/architecture.rs).
pub use crate::engine::appset::{
    AppSetSummary, GeneratorKindSummary, GeneratorSummary, GitSourceKind, SetStrategy,
};
pub use crate::engine::diff::{ResourceDiff, ResourceSyncStatus, SyncStatus};
pub use crate::engine::health::{Health, HealthStatus};
pub use crate::engine::manifest::{ObjectKey, Origin};
pub use crate::engine::model::ApplicationsSync;
pub use crate::engine::policy::duration_text::{MAX_TIME_BOX, format_duration, parse_duration};
pub use crate::engine::policy::pause::{AppFacts, Pause, PauseScope};
pub use crate::engine::policy::rolling_sync::{AppStepState, RollingPlan, RollingState, StepState};
pub use crate::engine::safe_text::{escape_controls, redact_url_credentials, safe_url};
pub use crate::engine::source::{CommitId, CommitInfo};
pub use crate::engine::state::{
    HistoryEntry, InitiatedBy, ResourceCounts, ResultPhase, ResumeTarget, SourceSummary, SyncResult,
};
pub use crate::engine::status::ResourceNode;
pub use crate::engine::sync::{
    Change, OperationPhase, ResourceResult, ResultCode, SyncOutcome, SyncPhase, SyncProgress,
};
/// Timestamps as the engine keeps them (pauses, history).
pub use k8s_openapi::jiff::Timestamp;
