//! The preview of a bulk sync: several marked apps, each with the engine's
//! dry run of its own sync. The operator confirms what the dry runs said,
//! app by app, not a list of names; an app whose dry run was refused or
//! failed is left out of the sync, visibly, instead of failing later. Bulk
//! syncs never prune (prune is one app at a time, where its deletions are
//! listed), so the only name to type is a production cluster's.

use crate::engine::api::{Command, EngineEvent};

use super::preview::{PlanSummary, PreviewPlan};
use super::text_field::TextField;

/// One app of the bulk sync.
#[derive(Debug, Clone)]
pub struct BulkEntry {
    pub app: String,
    /// Where the app deploys, as the operator knows it.
    pub cluster: String,
    /// The revision the sync applies (short SHA or chart version).
    pub revision: Option<String>,
    /// The cluster's name when it is labelled production.
    pub production: Option<String>,
    pub plan: PreviewPlan,
}

/// What an app's dry run came to, for its row in the preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryState {
    Waiting,
    /// Passed: resources applied, kept (not in Git, prune off), unchanged.
    Ready {
        applies: usize,
        keeps: usize,
        unchanged: usize,
    },
    /// Refused or failed: the engine's words. Left out of the sync.
    Skipped(String),
}

/// Several apps synced together, each previewed by its own dry run.
#[derive(Debug, Clone)]
pub struct BulkSyncPreview {
    pub entries: Vec<BulkEntry>,
    /// The name field, once the operator went ahead and a production
    /// cluster is among the apps to sync.
    pub typing: Option<TextField>,
    pub error: Option<String>,
}

impl BulkEntry {
    pub fn state(&self) -> EntryState {
        match &self.plan {
            PreviewPlan::Waiting => EntryState::Waiting,
            PreviewPlan::Refused(reason) => EntryState::Skipped(format!("refused: {reason}")),
            PreviewPlan::Ready(outcome) if !self.plan.passed() => EntryState::Skipped(format!(
                "dry run {:?}: {}",
                outcome.phase,
                outcome.message.trim()
            )),
            PreviewPlan::Ready(outcome) => {
                let summary = PlanSummary::of(Some(outcome));
                EntryState::Ready {
                    applies: summary.applies.len(),
                    keeps: summary.keeps.len(),
                    unchanged: summary.unchanged,
                }
            }
        }
    }

    fn command(&self, by: &str, dry_run: bool) -> Command {
        Command::Sync {
            app: self.app.clone(),
            prune: false,
            dry_run,
            resources: Vec::new(),
            initiated_by: by.to_string(),
        }
    }
}

impl BulkSyncPreview {
    pub fn new(entries: Vec<BulkEntry>) -> Self {
        BulkSyncPreview {
            entries,
            typing: None,
            error: None,
        }
    }

    /// One dry run per app, in the order shown.
    pub fn dry_run_commands(&self, by: &str) -> Vec<Command> {
        self.entries
            .iter()
            .map(|entry| entry.command(by, true))
            .collect()
    }

    /// The syncs confirmed: only the apps whose dry run passed.
    pub fn sync_commands(&self, by: &str) -> Vec<Command> {
        self.ready().map(|entry| entry.command(by, false)).collect()
    }

    /// Apps whose dry run has not come back.
    pub fn waiting(&self) -> usize {
        self.entries
            .iter()
            .filter(|entry| entry.plan == PreviewPlan::Waiting)
            .count()
    }

    /// Apps whose dry run passed: those the sync covers.
    pub fn passed(&self) -> usize {
        self.ready().count()
    }

    /// Apps left out: their dry run was refused or failed.
    pub fn skipped(&self) -> usize {
        self.entries.len() - self.waiting() - self.passed()
    }

    fn ready(&self) -> impl Iterator<Item = &BulkEntry> {
        self.entries.iter().filter(|entry| entry.plan.passed())
    }

    /// The production clusters the confirmed syncs land on, sorted.
    pub fn production_clusters(&self) -> Vec<&str> {
        let mut clusters: Vec<&str> = self
            .ready()
            .filter_map(|entry| entry.production.as_deref())
            .collect();
        clusters.sort_unstable();
        clusters.dedup();
        clusters
    }

    /// The name to type: the production cluster's when the syncs land on
    /// one, `production` when on several, nothing otherwise.
    pub fn expected_name(&self) -> Option<String> {
        match self.production_clusters().as_slice() {
            [] => None,
            [only] => Some((*only).to_string()),
            _ => Some("production".to_string()),
        }
    }

    /// Takes the engine's answer to one of the dry runs. True when the
    /// preview changed.
    pub fn on_event(&mut self, event: &EngineEvent) -> bool {
        self.entries
            .iter_mut()
            .any(|entry| entry.plan.take_answer(&entry.app, event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::api::{
        Change, ObjectKey, OperationPhase, ResourceResult, ResultCode, SyncOutcome, SyncPhase,
    };

    fn entry(app: &str, production: Option<&str>) -> BulkEntry {
        BulkEntry {
            app: app.into(),
            cluster: production.unwrap_or("staging").into(),
            revision: Some("abc1234".into()),
            production: production.map(str::to_string),
            plan: PreviewPlan::Waiting,
        }
    }

    fn finished(app: &str, phase: OperationPhase, changes: &[Change]) -> EngineEvent {
        let results = changes
            .iter()
            .enumerate()
            .map(|(index, change)| ResourceResult {
                key: ObjectKey {
                    group: String::new(),
                    kind: "ConfigMap".into(),
                    namespace: "shop".into(),
                    name: format!("config-{index}"),
                },
                phase: SyncPhase::Sync,
                wave: 0,
                change: *change,
                status: ResultCode::Synced,
                hook: false,
                message: String::new(),
            })
            .collect();
        EngineEvent::OperationFinished {
            app: app.into(),
            outcome: SyncOutcome {
                app: app.into(),
                cluster: "staging".into(),
                revision: "abc1234".into(),
                dry_run: true,
                phase,
                message: "cannot render".into(),
                results,
            },
        }
    }

    fn bulk() -> BulkSyncPreview {
        BulkSyncPreview::new(vec![
            entry("orders-staging", None),
            entry("orders-prod", Some("prod-eu")),
            entry("payment-prod", Some("prod-us")),
        ])
    }

    fn apps(commands: &[Command]) -> Vec<(&str, bool)> {
        commands
            .iter()
            .map(|command| match command {
                Command::Sync {
                    app,
                    dry_run,
                    prune,
                    ..
                } => {
                    assert!(!prune, "a bulk sync never prunes");
                    (app.as_str(), *dry_run)
                }
                other => panic!("not a sync: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn each_app_gets_its_own_dry_run_and_answer() {
        let mut preview = bulk();
        assert_eq!(
            apps(&preview.dry_run_commands("alice")),
            [
                ("orders-staging", true),
                ("orders-prod", true),
                ("payment-prod", true)
            ]
        );
        assert_eq!(preview.waiting(), 3);
        assert!(preview.on_event(&finished(
            "orders-prod",
            OperationPhase::Succeeded,
            &[
                Change::Update,
                Change::Keep,
                Change::Unchanged,
                Change::Create
            ]
        )));
        assert!(
            !preview.on_event(&finished("unrelated", OperationPhase::Succeeded, &[])),
            "an app outside the bulk sync changes nothing"
        );
        assert_eq!(preview.waiting(), 2);
        assert_eq!(
            preview.entries[1].state(),
            EntryState::Ready {
                applies: 2,
                keeps: 1,
                unchanged: 1
            }
        );
        assert_eq!(preview.entries[0].state(), EntryState::Waiting);
    }

    #[test]
    fn refused_and_failed_dry_runs_are_left_out_of_the_sync() {
        let mut preview = bulk();
        preview.on_event(&finished(
            "orders-staging",
            OperationPhase::Succeeded,
            &[Change::Update],
        ));
        preview.on_event(&EngineEvent::Rejected {
            command: "sync orders-prod".into(),
            reason: "outside the sync window".into(),
        });
        preview.on_event(&finished("payment-prod", OperationPhase::Failed, &[]));
        assert_eq!(preview.waiting(), 0);
        assert_eq!(preview.skipped(), 2);
        assert_eq!(
            preview.entries[1].state(),
            EntryState::Skipped("refused: outside the sync window".into())
        );
        assert_eq!(
            preview.entries[2].state(),
            EntryState::Skipped("dry run Failed: cannot render".into())
        );
        assert_eq!(
            apps(&preview.sync_commands("alice")),
            [("orders-staging", false)]
        );
        assert_eq!(
            preview.expected_name(),
            None,
            "the production apps are not synced, so no cluster name is asked"
        );
    }

    #[test]
    fn production_wants_the_cluster_name_or_the_word_production() {
        let mut preview = bulk();
        preview.on_event(&finished("orders-prod", OperationPhase::Succeeded, &[]));
        assert_eq!(preview.expected_name().as_deref(), Some("prod-eu"));
        preview.on_event(&finished("payment-prod", OperationPhase::Succeeded, &[]));
        assert_eq!(preview.production_clusters(), ["prod-eu", "prod-us"]);
        assert_eq!(preview.expected_name().as_deref(), Some("production"));
    }
}
