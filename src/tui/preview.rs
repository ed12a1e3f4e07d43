//! The sync preview: a sync shown before it is sent. Pressing sync asks the
//! engine for a dry run of exactly that sync (same prune choice, same
//! selected resources) and the preview lists the engine's answer — what
//! would be created, updated, deleted or kept, wave by wave — so what the
//! operator confirms is the plan, not a guess made from a diff. A sync that
//! deletes something or lands on a production cluster then wants a name
//! typed.

use crate::engine::api::{
    Change, Command, EngineEvent, ObjectKey, OperationPhase, ResourceResult, SyncOutcome,
};

use super::text_field::TextField;

/// Where the dry run is.
#[derive(Debug, Clone, PartialEq)]
pub enum PreviewPlan {
    /// Sent; the engine has not answered yet.
    Waiting,
    /// The engine's dry run, in plan order.
    Ready(Box<SyncOutcome>),
    /// The engine would not run it (busy, unreachable, refused by a role
    /// or a project rule); a sync would be refused for the same reason.
    Refused(String),
}

/// A sync about to be sent, with its dry run.
#[derive(Debug, Clone)]
pub struct SyncPreview {
    pub app: String,
    /// Where the app deploys, as the operator knows it.
    pub cluster: String,
    /// The revision the sync applies (short SHA or chart version).
    pub revision: Option<String>,
    pub prune: bool,
    /// Selective sync: only these resources (empty: the whole app).
    pub resources: Vec<ObjectKey>,
    /// The cluster's name when it is labelled production.
    pub production: Option<String>,
    /// Why only a preview is possible (read-only), when so.
    pub readonly: Option<String>,
    pub plan: PreviewPlan,
    /// The name field, once the operator went ahead with a sync that
    /// wants a name typed.
    pub typing: Option<TextField>,
    pub error: Option<String>,
}

/// What the preview lists: the resources the sync would touch, and how
/// many it would leave alone.
#[derive(Debug, Default, PartialEq)]
pub struct PlanSummary<'a> {
    /// Created, updated, hooks run: in plan order (waves ascending).
    pub applies: Vec<&'a ResourceResult>,
    /// Deleted from the cluster (prune on).
    pub deletes: Vec<&'a ResourceResult>,
    /// Not in Git but kept (prune off, or `Prune=false`).
    pub keeps: Vec<&'a ResourceResult>,
    pub unchanged: usize,
}

impl SyncPreview {
    /// The dry run this preview shows.
    pub fn dry_run_command(&self, by: &str) -> Command {
        self.command(by, true)
    }

    /// The sync the operator confirms: the dry run, for real.
    pub fn sync_command(&self, by: &str) -> Command {
        self.command(by, false)
    }

    fn command(&self, by: &str, dry_run: bool) -> Command {
        Command::Sync {
            app: self.app.clone(),
            prune: self.prune,
            dry_run,
            resources: self.resources.clone(),
            initiated_by: by.to_string(),
        }
    }

    pub fn outcome(&self) -> Option<&SyncOutcome> {
        match &self.plan {
            PreviewPlan::Ready(outcome) => Some(outcome),
            _ => None,
        }
    }

    pub fn summary(&self) -> PlanSummary<'_> {
        PlanSummary::of(self.outcome())
    }

    /// The name the operator must type: the cluster's for production (the
    /// widest harm), else the app's when the sync deletes something.
    pub fn expected_name(&self) -> Option<String> {
        if let Some(cluster) = &self.production {
            return Some(cluster.clone());
        }
        (!self.summary().deletes.is_empty()).then(|| self.app.clone())
    }

    /// Takes the engine's answer to the dry run. True when the preview
    /// changed.
    pub fn on_event(&mut self, event: &EngineEvent) -> bool {
        self.plan.take_answer(&self.app, event)
    }
}

impl PreviewPlan {
    /// Takes the engine's answer to `app`'s dry run while waiting for it:
    /// the dry run's end (a real sync's end is not it), or the refusal of
    /// the sync command. True when the plan changed; the first answer stays.
    pub fn take_answer(&mut self, app: &str, event: &EngineEvent) -> bool {
        if *self != PreviewPlan::Waiting {
            return false;
        }
        match event {
            EngineEvent::OperationFinished {
                app: finished,
                outcome,
            } if finished == app && outcome.dry_run => {
                *self = if outcome.phase == OperationPhase::Error {
                    PreviewPlan::Refused(outcome.message.clone())
                } else {
                    PreviewPlan::Ready(Box::new(outcome.clone()))
                };
                true
            }
            EngineEvent::Rejected { command, reason }
                if command.strip_prefix("sync ") == Some(app) =>
            {
                *self = PreviewPlan::Refused(reason.clone());
                true
            }
            _ => false,
        }
    }

    /// A plan the sync can go ahead on: the dry run came back succeeded.
    pub fn passed(&self) -> bool {
        matches!(self, PreviewPlan::Ready(outcome) if outcome.phase == OperationPhase::Succeeded)
    }
}

impl<'a> PlanSummary<'a> {
    /// Sorts a dry run's results by what the sync would do to them.
    pub fn of(outcome: Option<&'a SyncOutcome>) -> Self {
        let mut summary = PlanSummary::default();
        for result in outcome.map_or(&[][..], |outcome| &outcome.results) {
            match result.change {
                Change::Create | Change::Update | Change::RunHook => summary.applies.push(result),
                Change::Prune => summary.deletes.push(result),
                Change::Keep => summary.keeps.push(result),
                Change::Unchanged => summary.unchanged += 1,
            }
        }
        summary
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::api::{ResultCode, SyncPhase};

    fn result(kind: &str, name: &str, change: Change) -> ResourceResult {
        ResourceResult {
            key: ObjectKey {
                group: String::new(),
                kind: kind.into(),
                namespace: "shop".into(),
                name: name.into(),
            },
            phase: SyncPhase::Sync,
            wave: 0,
            change,
            status: if change == Change::Prune {
                ResultCode::Pruned
            } else {
                ResultCode::Synced
            },
            hook: false,
            message: String::new(),
        }
    }

    fn preview(production: Option<&str>) -> SyncPreview {
        SyncPreview {
            app: "orders-prod".into(),
            cluster: "prod-eu".into(),
            revision: Some("abc1234".into()),
            prune: true,
            resources: Vec::new(),
            production: production.map(str::to_string),
            readonly: None,
            plan: PreviewPlan::Waiting,
            typing: None,
            error: None,
        }
    }

    fn finished(app: &str, dry_run: bool, results: Vec<ResourceResult>) -> EngineEvent {
        EngineEvent::OperationFinished {
            app: app.into(),
            outcome: SyncOutcome {
                app: app.into(),
                cluster: "prod-eu".into(),
                revision: "abc1234".into(),
                dry_run,
                phase: OperationPhase::Succeeded,
                message: String::new(),
                results,
            },
        }
    }

    #[test]
    fn the_plan_is_the_engines_dry_run_of_this_app_only() {
        let mut preview = preview(None);
        assert!(!preview.on_event(&finished("orders-staging", true, Vec::new())));
        assert!(
            !preview.on_event(&finished("orders-prod", false, Vec::new())),
            "a real sync's end is not the preview's dry run"
        );
        assert_eq!(preview.plan, PreviewPlan::Waiting);
        let results = vec![
            result("Deployment", "orders", Change::Update),
            result("ConfigMap", "orders", Change::Unchanged),
            result("Service", "orders-old", Change::Prune),
            result("Secret", "kept", Change::Keep),
        ];
        assert!(preview.on_event(&finished("orders-prod", true, results)));
        let summary = preview.summary();
        assert_eq!(summary.applies.len(), 1);
        assert_eq!(summary.applies[0].key.name, "orders");
        assert_eq!(summary.deletes.len(), 1);
        assert_eq!(summary.keeps.len(), 1);
        assert_eq!(summary.unchanged, 1);
        assert!(
            !preview.on_event(&finished("orders-prod", true, Vec::new())),
            "the first answer stays"
        );
    }

    #[test]
    fn deletions_want_the_app_name_and_production_the_cluster_name() {
        let mut plain = preview(None);
        plain.on_event(&finished(
            "orders-prod",
            true,
            vec![result("Deployment", "orders", Change::Update)],
        ));
        assert_eq!(plain.expected_name(), None);
        let mut deleting = preview(None);
        deleting.on_event(&finished(
            "orders-prod",
            true,
            vec![result("Service", "old", Change::Prune)],
        ));
        assert_eq!(deleting.expected_name().as_deref(), Some("orders-prod"));
        let production = preview(Some("prod-eu"));
        assert_eq!(production.expected_name().as_deref(), Some("prod-eu"));
    }

    #[test]
    fn a_refused_dry_run_is_shown_with_the_engines_reason() {
        let mut preview = preview(None);
        assert!(!preview.on_event(&EngineEvent::Rejected {
            command: "sync orders-staging".into(),
            reason: "busy".into(),
        }));
        assert!(preview.on_event(&EngineEvent::Rejected {
            command: "sync orders-prod".into(),
            reason: "an operation is already running on this app".into(),
        }));
        assert_eq!(
            preview.plan,
            PreviewPlan::Refused("an operation is already running on this app".into())
        );
    }

    #[test]
    fn commands_carry_the_prune_choice_and_the_selection() {
        let mut preview = preview(None);
        preview.resources = vec![result("Deployment", "orders", Change::Update).key];
        let Command::Sync {
            dry_run,
            prune,
            resources,
            initiated_by,
            ..
        } = preview.dry_run_command("alice")
        else {
            panic!("not a sync");
        };
        assert!(dry_run && prune);
        assert_eq!(resources.len(), 1);
        assert_eq!(initiated_by, "alice");
        assert!(matches!(
            preview.sync_command("alice"),
            Command::Sync { dry_run: false, .. }
        ));
    }
}
