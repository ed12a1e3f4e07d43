//! Syncing an Application: the plan (phases, waves, kind order, hooks,
//! prune) today; applying it to a cluster comes with cluster access.

mod hook;
mod kind_order;
mod phase;
mod plan;
mod sync_options;

pub use hook::{
    HELM_HOOK_ANNOTATION, HOOK_ANNOTATION, HookDeletePolicy, HookMark, SYNC_WAVE_ANNOTATION,
    delete_policies, hook_mark, sync_wave,
};
pub use kind_order::kind_rank;
pub use phase::SyncPhase;
pub use plan::{PlanRequest, SyncPlan, SyncTask, TaskAction, plan_sync};
pub use sync_options::{SYNC_OPTIONS_ANNOTATION, SyncOptions};
