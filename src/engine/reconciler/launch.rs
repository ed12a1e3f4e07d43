//! Starting and ending operations on the actor, through the one
//! operations layer ([`crate::engine::operations`]) the CLI uses too: it
//! checks the role, takes the app's lock — a file lock that holds across
//! processes, so a `fleetdeck sync` from a terminal and this engine never
//! sync one app at once — writes the start to the audit log ahead, runs
//! the sync, and records outcome, history and a rollback's pin and pause.
//! The actor keeps what is its own: the operation's live snapshot,
//! automation's memory, and the app's recompute once the operation's
//! writes have come back through the watches.

use std::sync::Arc;

use k8s_openapi::jiff::Timestamp;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::actor::{Actor, Core, Done, SyncAsk};
use super::app_entry::{Launch, Running};
use crate::engine::api::{EngineEvent, OperationSnapshot};
use crate::engine::error_chain::error_chain;
use crate::engine::operations::{Initiator, OperationKind, SyncSpec};
use crate::engine::policy::auto_sync::SyncReason;
use crate::engine::policy::project_rules::ProjectRules;
use crate::engine::sync::{
    OperationPhase, ProgressSink, ProjectGuard, SyncOutcome, SyncRequest, cancel_pair,
};

impl Actor {
    /// An operator's sync of the app's current render.
    pub(super) fn start_sync(&self, core: &mut Core, app_name: String, ask: SyncAsk) {
        if let Some(launch) = self.sync_launch(core, &app_name, ask, None) {
            self.launch(core, launch);
        }
    }

    /// A sync automation decided on; remembered as automation's attempt
    /// once it starts.
    pub(super) fn start_automated_sync(
        &self,
        core: &mut Core,
        app_name: String,
        ask: SyncAsk,
        revision: String,
        reason: SyncReason,
    ) {
        if let Some(launch) = self.sync_launch(core, &app_name, ask, Some((revision, reason))) {
            self.launch(core, launch);
        }
    }

    fn sync_launch(
        &self,
        core: &Core,
        app_name: &str,
        ask: SyncAsk,
        automated: Option<(String, SyncReason)>,
    ) -> Option<Launch> {
        let SyncAsk {
            prune,
            dry_run,
            resources,
            initiated_by,
        } = ask;
        let command = format!("sync {app_name}");
        let Some(entry) = core.fleet.entries.get(app_name) else {
            self.reject(command, "no such app");
            return None;
        };
        let Some(rendered) = entry.render().cloned() else {
            self.reject(command, "the app could not be rendered; see its conditions");
            return None;
        };
        Some(Launch {
            app: entry.app.clone(),
            rendered,
            prune,
            dry_run,
            selected: (!resources.is_empty()).then(|| resources.into_iter().collect()),
            initiated_by,
            rollback: None,
            automated,
        })
    }

    /// Starts one operation as a task of its own, unless the engine is
    /// read-only, the app is busy or its cluster cannot be reached.
    pub(super) fn launch(&self, core: &mut Core, launch: Launch) {
        let app_name = launch.app.name().to_string();
        let verb = if launch.rollback.is_some() {
            "rollback"
        } else {
            "sync"
        };
        let command = format!("{verb} {app_name}");
        if self.rules.readonly && !launch.dry_run {
            return self.reject(command, "read-only mode");
        }
        let Some(entry) = core.fleet.entries.get_mut(&app_name) else {
            return self.reject(command, "no such app");
        };
        if core.queue.operating(&app_name) {
            return self.reject(command, "an operation is already running on this app");
        }
        let Launch {
            app,
            rendered,
            prune,
            dry_run,
            selected,
            initiated_by,
            rollback,
            automated,
        } = launch;
        let (client, hub) = match self.live.registry.resolve(&app.spec.destination) {
            Ok(cluster) => (self.live.clients.get(&cluster.name).cloned(), cluster.hub),
            Err(error) => return self.reject(command, &error.to_string()),
        };
        let Some(client) = client else {
            return self.reject(command, "its cluster has no client");
        };
        let rules = ProjectRules::for_app(&app, |name| core.fleet.projects.get(name));
        let project = ProjectGuard::for_application(&app, rules, hub);
        let mut request = SyncRequest::for_application(&app, project, &rendered, &initiated_by);
        request.prune = prune;
        request.dry_run = dry_run;
        request.selected = selected;
        request.timeouts = self.rules.sync_timeouts;
        let initiator = match &automated {
            Some((_, SyncReason::SelfHeal)) => Initiator::automation("self-heal"),
            Some(_) => Initiator::automation("auto-sync"),
            None => Initiator::operator(initiated_by.clone()),
        };
        let failed_outcome = SyncOutcome {
            app: app_name.clone(),
            cluster: client.name().to_string(),
            revision: request.revision.clone(),
            dry_run,
            phase: OperationPhase::Error,
            message: String::new(),
            results: Vec::new(),
        };
        let spec = SyncSpec {
            kind: match &rollback {
                Some(entry) => OperationKind::Rollback(Box::new(entry.clone())),
                None => OperationKind::Sync {
                    to_target_revision: true,
                },
            },
            app,
            rendered,
            client,
            request,
            initiator,
            reason: String::new(),
        };
        // Refused at once (role, read-only, the lock held by someone else,
        // named): nothing starts.
        let started = match self.operations.start(spec) {
            Ok(started) => started,
            Err(error) => return self.reject(command, &error_chain(&error)),
        };
        let (cancel, signal) = cancel_pair();
        if let Some((revision, reason)) = automated {
            core.fleet.automation.started(&app_name, revision, reason);
        }
        entry.operation = Some(Running {
            cancel,
            snapshot: Arc::new(OperationSnapshot {
                phase: OperationPhase::Running,
                message: String::new(),
                initiated_by: initiated_by.clone(),
                dry_run,
                started_at: Timestamp::now().to_string(),
                results: Vec::new(),
            }),
        });
        core.queue.operation_started(&app_name);
        let _ = self.events.send(EngineEvent::OperationStarted {
            app: app_name.clone(),
            initiated_by,
            dry_run,
        });
        let done = core.done.clone();
        tokio::spawn(async move {
            let (sender, mut receiver) = mpsc::unbounded_channel();
            let forward = async {
                while let Some(progress) = receiver.recv().await {
                    let _ = done.send(Done::Progress(app_name.clone(), progress));
                }
            };
            let run = async {
                let progress = ProgressSink::new(sender);
                started.run(progress, signal).await
            };
            let (report, ()) = tokio::join!(run, forward);
            let finished = match report {
                Ok(report) => Finished {
                    outcome: report.outcome,
                    warnings: report.warnings,
                },
                // Nothing was sent to the cluster (the start could not be
                // audited, the layer stopped).
                Err(error) => Finished {
                    outcome: SyncOutcome {
                        message: error_chain(&error),
                        ..failed_outcome
                    },
                    warnings: Vec::new(),
                },
            };
            let _ = done.send(Done::Finished(app_name, Box::new(finished)));
        });
    }

    /// An operation ended (the layer recorded history, audit and a
    /// rollback's hold): automation memory; the app is recomputed once
    /// the operation's writes had time to arrive.
    pub(super) fn finished(&self, core: &mut Core, app: String, finished: Finished) {
        let Finished { outcome, warnings } = finished;
        let running = match core.fleet.entries.get_mut(&app) {
            Some(entry) => entry.operation.take(),
            None => core.fleet.departed.remove(&app),
        };
        core.queue.operation_finished(&app, Instant::now());
        if running.is_none() {
            return;
        }
        for warning in warnings {
            self.warn(format!("{app}: {warning}"));
        }
        core.fleet
            .automation
            .finished(&app, &outcome, Timestamp::now());
        self.save_memory(core, &app);
        let _ = self
            .events
            .send(EngineEvent::OperationFinished { app, outcome });
    }

    /// Saves what automation remembers of `app` after an operation, so a
    /// restart keeps retries and backoffs; a failure is a warning (the
    /// engine goes on with what it remembers in memory).
    fn save_memory(&self, core: &Core, app: &str) {
        let (Some(store), Some(memory)) = (&self.records.state, core.fleet.automation.memory(app))
        else {
            return;
        };
        if let Err(error) = store.set_automation(app, memory.clone()) {
            self.warn(format!(
                "what automation remembers of {app} could not be saved: {error}"
            ));
        }
    }
}

/// How an operation ended, as the operations layer reported it.
pub(super) struct Finished {
    pub outcome: SyncOutcome,
    /// Bookkeeping that failed after the sync ran.
    pub warnings: Vec<String>,
}
