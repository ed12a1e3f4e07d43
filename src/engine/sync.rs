//! Syncing an Application: the plan (phases, waves, kind order, hooks,
//! prune) and its execution against a cluster ([`run_sync`]) with health
//! waits between steps, hooks, prune, dry runs and termination.

mod cancel;
mod destination;
mod executor;
mod hook;
mod kind_order;
mod lock;
mod operation;
mod phase;
mod plan;
mod progress_sink;
mod project_guard;
mod request;
mod sync_options;
mod task_runner;
mod wait;

pub use cancel::{CancelHandle, CancelSignal, cancel_pair};
pub use destination::place_in_destination;
pub use executor::{run_sync, run_sync_with_lease};
pub use hook::{
    HELM_HOOK_ANNOTATION, HOOK_ANNOTATION, HookDeletePolicy, HookMark, SYNC_WAVE_ANNOTATION,
    delete_policies, hook_mark, sync_wave,
};
pub use kind_order::kind_rank;
pub use lock::{
    Acquired, AppLocks, LockClaim, LockError, LockLease, OperationGuard, OperationLocks,
    describe_held, held_for,
};
pub use operation::{
    Change, OperationPhase, ResourceResult, ResultCode, SyncOutcome, SyncProgress, SyncRequest,
    SyncTimeouts,
};
pub use phase::SyncPhase;
pub use plan::{PlanRequest, SyncPlan, SyncTask, TaskAction, plan_sync};
pub use progress_sink::ProgressSink;
pub use project_guard::ProjectGuard;
pub use sync_options::{SYNC_OPTIONS_ANNOTATION, SyncOptions};
