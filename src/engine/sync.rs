//! Syncing an Application: the plan (phases, waves, kind order, hooks,
//! prune) and its execution against a cluster ([`run_sync`]) with health
//! waits between steps, hooks, prune, dry runs and termination.

mod cancel;
mod destination;
mod executor;
mod kind_order;
mod lock;
mod operation;
mod plan;
mod progress_sink;
mod project_guard;
mod request;
mod sync_options;
mod task_runner;
mod wait;

pub use crate::engine::conventions::annotations::{
    HELM_HOOK_ANNOTATION, HOOK_ANNOTATION, SYNC_OPTIONS_ANNOTATION, SYNC_WAVE_ANNOTATION,
};
pub use crate::engine::conventions::hooks::{
    HookDeletePolicy, HookMark, delete_policies, hook_mark,
};
pub use crate::engine::conventions::sync_phase::SyncPhase;
pub use crate::engine::conventions::waves::sync_wave;
pub use cancel::{CancelHandle, CancelSignal, cancel_pair};
pub use destination::place_in_destination;
pub use executor::{run_sync, run_sync_with_lease};
pub use kind_order::kind_rank;
pub use lock::{
    Acquired, AppLocks, LockClaim, LockError, LockLease, OperationGuard, OperationLocks,
    describe_held, held_for,
};
pub use operation::{
    Change, OperationPhase, ResourceResult, ResultCode, SyncOutcome, SyncProgress, SyncRequest,
    SyncTimeouts,
};
pub use plan::{PlanRequest, SyncPlan, SyncTask, TaskAction, plan_sync};
pub use progress_sink::ProgressSink;
pub use project_guard::ProjectGuard;
pub use sync_options::SyncOptions;
