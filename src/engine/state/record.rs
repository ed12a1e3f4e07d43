//! From a finished sync to its history entry: what was deployed (each
//! source at its rendered commit), by whom, and how it ended.

use k8s_openapi::jiff::Timestamp;

use super::history::{
    InitiatedBy, NewSync, ResourceCounts, ResultPhase, SourceSummary, SyncResult,
};
use crate::engine::model::Application;
use crate::engine::render::RenderedSource;
use crate::engine::sync::{OperationPhase, ResultCode, SyncOutcome};

impl NewSync {
    /// The entry for a sync of `app` rendered as `rendered`; `None` for an
    /// operation that never started (phase Error: nothing was deployed, so
    /// there is nothing to roll back to) and for dry runs.
    pub fn from_outcome(
        app: &Application,
        rendered: &[RenderedSource],
        outcome: &SyncOutcome,
        initiated_by: InitiatedBy,
        to_target_revision: bool,
    ) -> Option<NewSync> {
        if outcome.dry_run {
            return None;
        }
        let phase = match outcome.phase {
            OperationPhase::Succeeded => ResultPhase::Succeeded,
            OperationPhase::Failed if outcome.message.contains("terminated") => {
                ResultPhase::Terminated
            }
            OperationPhase::Failed => ResultPhase::Failed,
            OperationPhase::Error | OperationPhase::Running | OperationPhase::Terminating => {
                return None;
            }
        };
        let count = |code| u32::try_from(outcome.count(code)).unwrap_or(u32::MAX);
        let sources: Vec<SourceSummary> = app.sources().iter().map(SourceSummary::from).collect();
        Some(NewSync {
            revision: outcome.revision.clone(),
            source: sources.first().cloned().unwrap_or_default(),
            sources: if sources.len() > 1 {
                sources
            } else {
                Vec::new()
            },
            revisions: if rendered.len() > 1 {
                rendered
                    .iter()
                    .map(|source| source.commit.to_string())
                    .collect()
            } else {
                Vec::new()
            },
            deployed_at: Timestamp::now(),
            initiated_by,
            result: SyncResult::new(phase, outcome.message.clone()),
            resources: ResourceCounts {
                synced: count(ResultCode::Synced),
                pruned: count(ResultCode::Pruned),
                prune_skipped: count(ResultCode::PruneSkipped),
                failed: count(ResultCode::SyncFailed),
            },
            to_target_revision,
        })
    }
}
