//! The engine actor: one task that owns the fleet's state, takes commands,
//! runs Git passes, recomputes and operations as tasks of their own, and
//! publishes a snapshot whenever something changed.
//!
//! What wakes it besides commands: the live caches' dirty marks (the apps
//! a watch event touched, recomputed after a short debounce), the Git poll
//! (jittered; re-renders, recomputes the apps whose render changed and runs
//! every app's automation), and every [`RESYNC_EVERY`]th poll a full
//! resync of every app.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

use super::automation::{AppContext, Automation, Rules};
use super::connection::connection_state;
use super::git_source::GitSource;
use super::hard_refresh::HardRefresh;
use super::operator_commands::RollbackRender;
use super::pending::Pending;
use super::permissions::{Refused, authorize};
use super::poll::{RESYNC_EVERY, jittered};
use super::recompute::{AppInput, recompute};
use super::refresh::{RefreshResult, RenderOutcome, changed_apps, refresh};
use super::stale_rows::Finishes;
use crate::engine::api::{
    AppSnapshot, AutomationState, ClusterSnapshot, Command, ConnectionState, EngineEvent,
    FleetSnapshot, LastSync, OperationSnapshot, RolloutSnapshot,
};
use crate::engine::appset::{AppSetSummary, GeneratedMemory};
use crate::engine::cluster::{CacheState, ClusterClient, ClusterRegistry, DirtyApps, LiveCache};
use crate::engine::diff::SyncStatus;
use crate::engine::manifest::ObjectKey;
use crate::engine::model::{AppProject, Application, ApplicationSet};
use crate::engine::policy::approval::ApprovalGate;
use crate::engine::policy::auto_sync::{AutoSyncDecision, SyncReason};
use crate::engine::policy::pause::{AppFacts, Pause, PauseScope, pauses_for};
use crate::engine::policy::project_rules::ProjectRules;
use crate::engine::policy::roles::RoleBook;
use crate::engine::policy::rolling_sync::{RollingApp, plan};
use crate::engine::render::RenderedSource;
use crate::engine::schedule::TimeZones;
use crate::engine::source::CommitInfo;
use crate::engine::state::{Approval, AuditLog, AuditRecord, PauseStore};
use crate::engine::state::{
    HistoryEntry, InitiatedBy, NewSync, RefreshRequest, RefreshRequests, StateStore, save_generated,
};
use crate::engine::sync::{
    CancelHandle, OperationLocks, OperationPhase, ProgressSink, ProjectGuard, SyncOutcome,
    SyncProgress, SyncRequest, SyncTimeouts, cancel_pair, run_sync,
};

/// How often the actor looks for `fleetdeck refresh` requests: one small
/// file read a second.
const REFRESH_REQUEST_POLL: Duration = Duration::from_secs(1);

/// Who starts the syncs automation decides on, in events, the audit log
/// and the operation snapshot.
const AUTOMATED: &str = "automated";

pub(super) struct Actor {
    pub git: Arc<GitSource>,
    pub registry: ClusterRegistry,
    pub clients: HashMap<String, ClusterClient>,
    /// One watch-fed cache per cluster; they mark `dirty`.
    pub caches: Arc<HashMap<String, Arc<LiveCache>>>,
    pub dirty: Arc<DirtyApps>,
    /// How long a first recompute waits for caches still listing.
    pub settle: Duration,
    pub refresh_interval: Duration,
    pub fetch: bool,
    pub readonly: bool,
    pub state: Option<StateStore>,
    pub sync_timeouts: SyncTimeouts,
    pub pauses: Option<PauseStore>,
    pub audit: Option<AuditLog>,
    pub automation: bool,
    pub approval: ApprovalGate,
    pub roles: RoleBook,
    pub time_zones: TimeZones,
    pub rollback_pause: Duration,
    pub refresh_requests: Option<RefreshRequests>,
    /// The state directory `generated.json` is saved in, if any.
    pub generated_file: Option<PathBuf>,
    /// Problems with the state found at start, shown with the repository
    /// problems until they are fixed.
    pub state_problems: Vec<String>,
    pub snapshots: watch::Sender<Arc<FleetSnapshot>>,
    pub events: broadcast::Sender<EngineEvent>,
}

pub(super) struct Running {
    cancel: CancelHandle,
    snapshot: OperationSnapshot,
    /// What the operation applies: recorded in the history as such (a
    /// rollback applies an older render than the fleet's).
    rendered: Arc<Vec<RenderedSource>>,
    /// The history entry a rollback returns to; pinned when it went through.
    rollback: Option<HistoryEntry>,
}

/// One sync to start: an app and the render it applies.
pub(super) struct Launch {
    pub app: Application,
    pub rendered: Arc<Vec<RenderedSource>>,
    pub prune: bool,
    pub dry_run: bool,
    /// Selective sync: only these resources (`None`: all).
    pub selected: Option<BTreeSet<ObjectKey>>,
    pub initiated_by: String,
    pub rollback: Option<HistoryEntry>,
}

/// What an operator's sync command asks for, apart from the app.
pub(super) struct SyncAsk {
    pub prune: bool,
    pub dry_run: bool,
    pub resources: Vec<ObjectKey>,
    pub initiated_by: String,
}

/// What the actor keeps between passes.
#[derive(Default)]
pub(super) struct Fleet {
    pub(super) apps: Vec<Application>,
    pub(super) renders: HashMap<String, Arc<Vec<RenderedSource>>>,
    /// Every app's last render or render error, to tell what a pass changed.
    pub(super) outcomes: HashMap<String, RenderOutcome>,
    /// App → the commit it renders (subject, author, time).
    pub(super) commits: HashMap<String, CommitInfo>,
    /// Generated app → its ApplicationSet.
    pub(super) owners: HashMap<String, String>,
    /// Child app → the app whose render holds it (app of apps).
    pub(super) parents: HashMap<String, String>,
    /// App → why it is not what its ApplicationSet generates now.
    pub(super) notes: HashMap<String, String>,
    pub(super) projects: HashMap<String, AppProject>,
    pub(super) rows: BTreeMap<String, AppSnapshot>,
    pub(super) automation: Automation,
    pub(super) problems: Vec<String>,
    pub(super) connections: HashMap<String, ConnectionState>,
    pub(super) operations: HashMap<String, Running>,
    pub(super) application_sets: Vec<ApplicationSet>,
    /// Those sets as published, from the last Git pass.
    pub(super) set_summaries: Vec<AppSetSummary>,
    /// RollingSync rollouts as of the last automation pass.
    pub(super) rollouts: Vec<RolloutSnapshot>,
    /// What was last saved to `generated.json`.
    pub(super) saved_generated: GeneratedMemory,
    /// The pauses in force at the last automation pass.
    pub(super) pauses: Vec<Pause>,
    pub(super) generation: u64,
    /// When each app last finished an operation, to drop recomputed rows
    /// older than that.
    pub(super) finishes: Finishes,
}

pub(super) enum Done {
    Refreshed(Box<RefreshResult>),
    /// A rollback's older revision is rendered (or could not be).
    RollbackRendered(Box<RollbackRender>),
    /// Rows recomputed from the caches; automation runs for `automate`
    /// (`None`: every app).
    Recomputed {
        rows: Vec<AppSnapshot>,
        automate: Option<BTreeSet<String>>,
        /// When the recompute began (see [`Fleet::finishes`]).
        began: Instant,
    },
    Progress(String, SyncProgress),
    Finished(String, SyncOutcome),
}

impl Actor {
    pub async fn run(self, mut commands: mpsc::Receiver<Command>) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
        let locks = OperationLocks::default();
        let mut fleet = Fleet::default();
        let mut refreshing = false;
        let mut refresh_again = true;
        // Hard refreshes asked for since the last pass started.
        let mut hard = HardRefresh::default();
        let mut ticks = tokio::time::interval(self.refresh_interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Requests written before the engine started are answered by its
        // first refresh.
        let mut seen_request = self
            .latest_refresh_request()
            .map_or(0, |request| request.generation);
        let mut request_checks = tokio::time::interval(REFRESH_REQUEST_POLL);
        request_checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut rendered_once = false;
        let mut recomputing = false;
        let mut pending = Pending::default();
        let mut polls: u32 = 0;
        // The first pass, and every RESYNC_EVERY-th poll after it, recompute
        // every app whatever the watches said.
        let mut resync_due = true;
        let mut next_poll = Instant::now() + jittered(self.refresh_interval);
        loop {
            if refresh_again && !refreshing {
                refreshing = true;
                refresh_again = false;
                let done = done_tx.clone();
                let pass = refresh(
                    self.git.clone(),
                    self.registry.generator_clusters(),
                    self.fetch,
                    std::mem::take(&mut hard),
                );
                tokio::spawn(async move {
                    let started = std::time::Instant::now();
                    let result = pass.await;
                    tracing::debug!(apps = result.apps.len(), elapsed = ?started.elapsed(), "git pass");
                    let _ = done.send(Done::Refreshed(Box::new(result)));
                });
            }
            let now = Instant::now();
            if rendered_once && !recomputing && pending.due().is_some_and(|due| due <= now) {
                recomputing = true;
                self.start_recompute(&fleet, pending.take(), &done_tx);
            }
            // Far enough never to fire: `select!` needs a future either way.
            let far = now + Duration::from_secs(86_400);
            let recompute_at = match pending.due() {
                Some(due) if rendered_once && !recomputing => due,
                _ => far,
            };
            tokio::select! {
                command = commands.recv() => match command {
                    None | Some(Command::Shutdown) => {
                        for running in fleet.operations.values() {
                            running.cancel.cancel();
                        }
                        break;
                    }
                    Some(command) if !self.permitted(&fleet, &command) => {}
                    Some(Command::Refresh { app, hard: hard_refresh }) => {
                        refresh_again = true;
                        if hard_refresh {
                            self.hard_refresh(&fleet, &mut hard, app.as_deref());
                        }
                    }
                    Some(Command::Pause { scope, duration, reason, by }) => {
                        self.pause(scope, duration, reason, by);
                        self.automate(&mut fleet, &locks, &done_tx);
                        self.publish(&mut fleet);
                    }
                    Some(Command::Resume { target, by }) => {
                        self.resume(&target, &by);
                        self.automate(&mut fleet, &locks, &done_tx);
                        self.publish(&mut fleet);
                    }
                    Some(Command::Rollback { app, history_id, prune, by }) => {
                        self.rollback(&fleet, &done_tx, app, history_id, prune, by);
                    }
                    Some(Command::Describe { app }) => self.describe(&fleet, app),
                    Some(Command::Approve { app, by }) => {
                        match fleet.rows.get(&app).and_then(|row| row.revision.clone()) {
                            Some(revision) => {
                                self.audit(&by, "approve", &app, &revision, "done");
                                if let Some(store) = &self.state {
                                    let approval = Approval { revision: revision.clone(), by: by.clone(), at: Timestamp::now() };
                                    if let Err(error) = store.set_approval(&app, approval) {
                                        let _ = self.events.send(EngineEvent::Warning {
                                            message: format!("the approval of {app} could not be saved: {error}"),
                                        });
                                    }
                                }
                                fleet.automation.approve(&app, revision);
                                let _ = self.events.send(EngineEvent::Warning {
                                    message: format!("{app}: approved by {by}"),
                                });
                                self.automate(&mut fleet, &locks, &done_tx);
                                self.publish(&mut fleet);
                            }
                            None => self.reject(format!("approve {app}"), "no rendered revision to approve"),
                        }
                    }
                    Some(Command::Cancel { app, by }) => match fleet.operations.get(&app) {
                        Some(running) => {
                            running.cancel.cancel();
                            self.audit(&by, "cancel", &app, "", "terminate the running operation");
                        }
                        None => self.reject(format!("cancel {app}"), "no operation is running"),
                    },
                    Some(Command::Sync { app, prune, dry_run, resources, initiated_by }) => {
                        let ask = SyncAsk { prune, dry_run, resources, initiated_by };
                        self.start_sync(&mut fleet, &locks, &done_tx, app, ask);
                        self.publish(&mut fleet);
                    }
                },
                Some(done) = done_rx.recv() => match done {
                    Done::Refreshed(result) => {
                        refreshing = false;
                        rendered_once = true;
                        // A hard refresh recomputes its apps even when
                        // their render came out the same.
                        let rendered_again = result.hard.clone();
                        let mut changed = self.merge(&mut fleet, *result);
                        changed.extend(rendered_again.apps().cloned());
                        let full = std::mem::take(&mut resync_due) || rendered_again.is_all();
                        pending.git_pass(changed, full, Instant::now());
                    }
                    Done::Recomputed { mut rows, mut automate, began } => {
                        recomputing = false;
                        let apps = fleet.apps.iter().map(Application::name);
                        let grace = super::pending::DEBOUNCE;
                        let staleness = fleet
                            .finishes
                            .drop_stale(began, grace, apps, &mut rows, &mut automate);
                        let now = Instant::now();
                        for (app, fresh) in staleness.again {
                            pending.app(app, fresh.max(now));
                        }
                        self.merge_rows(&mut fleet, rows);
                        self.update_connections(&mut fleet);
                        let only = automate.as_ref();
                        self.automate_only(&mut fleet, &locks, &done_tx, only, &staleness.settling);
                        self.publish(&mut fleet);
                    }
                    Done::RollbackRendered(render) => {
                        self.rollback_rendered(&mut fleet, &locks, &done_tx, *render);
                        self.publish(&mut fleet);
                    }
                    Done::Progress(app, progress) => {
                        if let Some(running) = fleet.operations.get_mut(&app) {
                            if let SyncProgress::Resource(result) = &progress {
                                running.snapshot.results.push(result.clone());
                            }
                            if let SyncProgress::Phase { phase, message } = &progress {
                                running.snapshot.phase = *phase;
                                running.snapshot.message = message.clone();
                            }
                        }
                        let _ = self.events.send(EngineEvent::OperationProgress { app, progress });
                        self.publish(&mut fleet);
                    }
                    Done::Finished(app, outcome) => {
                        let Some(running) = fleet.operations.remove(&app) else {
                            continue;
                        };
                        let initiated_by = running.snapshot.initiated_by.clone();
                        self.record(&fleet, &app, &running.rendered, &outcome, initiated_by.clone());
                        if let Some(entry) = &running.rollback {
                            self.rollback_finished(&app, entry, &outcome, &initiated_by);
                        }
                        if !outcome.dry_run {
                            let action = match (&running.rollback, initiated_by.as_str()) {
                                (Some(_), _) => "rollback",
                                (None, AUTOMATED) => "auto-sync",
                                (None, _) => "sync",
                            };
                            let result = format!("{:?}: {}", outcome.phase, outcome.message);
                            self.audit(&initiated_by, action, &app, &outcome.revision, &result);
                        }
                        fleet.automation.finished(&app, &outcome, Timestamp::now());
                        fleet.finishes.finished(&app, Instant::now());
                        self.save_memory(&fleet, &app);
                        // The watches bring what the sync changed; the app
                        // is recomputed (and its automation decided) once
                        // their events had a moment to arrive.
                        pending.app(app.clone(), Instant::now() + super::pending::DEBOUNCE);
                        let _ = self.events.send(EngineEvent::OperationFinished { app, outcome });
                        self.publish(&mut fleet);
                    }
                },
                () = self.dirty.marked() => pending.marked(self.dirty.take(), Instant::now()),
                () = tokio::time::sleep_until(recompute_at) => {}
                () = tokio::time::sleep_until(next_poll) => {
                    polls = polls.wrapping_add(1);
                    resync_due |= polls.is_multiple_of(RESYNC_EVERY);
                    refresh_again = true;
                    next_poll = Instant::now() + jittered(self.refresh_interval);
                }
                _ = request_checks.tick() => {
                    if let Some(request) = self.latest_refresh_request()
                        && request.generation > seen_request
                    {
                        seen_request = request.generation;
                        refresh_again = true;
                        if request.hard {
                            self.hard_refresh(&fleet, &mut hard, request.app.as_deref());
                        }
                        let _ = self.events.send(EngineEvent::OperatorAction {
                            operator: request.by,
                            action: if request.hard { "hard refresh" } else { "refresh" }.to_string(),
                            target: request.app.unwrap_or_else(|| "the fleet".to_string()),
                            detail: "requested from another process".to_string(),
                        });
                    }
                }
            }
        }
    }

    /// Makes the next Git pass render `app` (every app for `None`) anew,
    /// and relists the live objects of its cluster (every cluster for
    /// `None`) rather than trusting what the watches delivered. An app
    /// not known yet (or whose destination does not resolve) is rendered
    /// anew; no cluster is relisted for it.
    fn hard_refresh(&self, fleet: &Fleet, hard: &mut HardRefresh, app: Option<&str>) {
        hard.add(app);
        match app {
            None => self.caches.values().for_each(|cache| cache.relist()),
            Some(name) => {
                let cluster = fleet
                    .apps
                    .iter()
                    .find(|candidate| candidate.name() == name)
                    .and_then(|app| self.registry.resolve(&app.spec.destination).ok())
                    .and_then(|entry| self.caches.get(&entry.name));
                if let Some(cache) = cluster {
                    cache.relist();
                }
            }
        }
    }

    /// The newest `fleetdeck refresh` request; an unreadable file is a
    /// warning, not a stop.
    fn latest_refresh_request(&self) -> Option<RefreshRequest> {
        let requests = self.refresh_requests.as_ref()?;
        match requests.latest() {
            Ok(request) => request,
            Err(error) => {
                let _ = self.events.send(EngineEvent::Warning {
                    message: error.to_string(),
                });
                None
            }
        }
    }

    /// Appends to the audit log; a failure is reported as a warning event
    /// (the action already happened).
    fn audit(&self, operator: &str, action: &str, app: &str, revision: &str, result: &str) {
        self.audit_record(AuditRecord {
            at: Timestamp::now(),
            operator: operator.to_string(),
            action: action.to_string(),
            target: app.to_string(),
            revision: revision.to_string(),
            reason: String::new(),
            result: result.to_string(),
        });
    }

    pub(super) fn audit_record(&self, record: AuditRecord) {
        let Some(log) = &self.audit else {
            return;
        };
        if let Err(error) = log.append(&record) {
            let _ = self.events.send(EngineEvent::Warning {
                message: format!(
                    "{} {} could not be audited: {error}",
                    record.action, record.target
                ),
            });
        }
    }

    /// Whether the operator of `command` may do it; a refusal is sent as a
    /// Rejected event naming the role that applied.
    fn permitted(&self, fleet: &Fleet, command: &Command) -> bool {
        let scope_of_pause = |id: &str| self.scope_of_pause(id);
        match authorize(
            &self.roles,
            &fleet.apps,
            &self.registry,
            scope_of_pause,
            command,
        ) {
            Ok(()) => true,
            Err(Refused { command, refusal }) => {
                self.reject(command, &refusal.to_string());
                false
            }
        }
    }

    /// The scope of the pause in force with this id, for a resume by id to
    /// be checked against what it lifts (`None` when there is none or the
    /// pause file cannot be read: a scoped role then does not hold).
    fn scope_of_pause(&self, id: &str) -> Option<PauseScope> {
        self.pauses
            .as_ref()
            .and_then(|store| store.list(Timestamp::now()).ok())?
            .into_iter()
            .find(|pause| pause.id == id)
            .map(|pause| pause.scope)
    }

    pub(super) fn reject(&self, command: String, reason: &str) {
        let _ = self.events.send(EngineEvent::Rejected {
            command,
            reason: reason.to_string(),
        });
    }

    fn start_sync(
        &self,
        fleet: &mut Fleet,
        locks: &OperationLocks,
        done: &mpsc::UnboundedSender<Done>,
        app_name: String,
        ask: SyncAsk,
    ) {
        let SyncAsk {
            prune,
            dry_run,
            resources,
            initiated_by,
        } = ask;
        let command = format!("sync {app_name}");
        let Some(app) = fleet
            .apps
            .iter()
            .find(|app| app.name() == app_name)
            .cloned()
        else {
            return self.reject(command, "no such app");
        };
        let Some(rendered) = fleet.renders.get(&app_name).cloned() else {
            return self.reject(command, "the app could not be rendered; see its conditions");
        };
        self.launch(
            fleet,
            locks,
            done,
            Launch {
                app,
                rendered,
                prune,
                dry_run,
                selected: (!resources.is_empty()).then(|| resources.into_iter().collect()),
                initiated_by,
                rollback: None,
            },
        );
    }

    /// Starts one sync as a task of its own, unless the engine is
    /// read-only, the app is busy or its cluster cannot be reached.
    pub(super) fn launch(
        &self,
        fleet: &mut Fleet,
        locks: &OperationLocks,
        done: &mpsc::UnboundedSender<Done>,
        launch: Launch,
    ) {
        let Launch {
            app,
            rendered,
            prune,
            dry_run,
            selected,
            initiated_by,
            rollback,
        } = launch;
        let app_name = app.name().to_string();
        let verb = if rollback.is_some() {
            "rollback"
        } else {
            "sync"
        };
        let command = format!("{verb} {app_name}");
        if self.readonly && !dry_run {
            return self.reject(command, "read-only mode");
        }
        if fleet.operations.contains_key(&app_name) {
            return self.reject(command, "an operation is already running on this app");
        }
        let (client, hub) = match self.registry.resolve(&app.spec.destination) {
            Ok(entry) => (self.clients.get(&entry.name).cloned(), entry.hub),
            Err(error) => return self.reject(command, &error.to_string()),
        };
        let Some(client) = client else {
            return self.reject(command, "its cluster has no client");
        };
        let rules = ProjectRules::for_app(&app, |name| fleet.projects.get(name));
        let project = ProjectGuard::for_application(&app, rules, hub);
        let mut request = SyncRequest::for_application(&app, project, &rendered, &initiated_by);
        request.prune = prune;
        request.dry_run = dry_run;
        request.selected = selected;
        request.timeouts = self.sync_timeouts;
        let (cancel, signal) = cancel_pair();
        fleet.operations.insert(
            app_name.clone(),
            Running {
                cancel,
                snapshot: OperationSnapshot {
                    phase: OperationPhase::Running,
                    message: String::new(),
                    initiated_by: initiated_by.clone(),
                    dry_run,
                    started_at: Timestamp::now().to_string(),
                    results: Vec::new(),
                },
                rendered,
                rollback,
            },
        );
        let _ = self.events.send(EngineEvent::OperationStarted {
            app: app_name.clone(),
            initiated_by,
            dry_run,
        });
        let done = done.clone();
        let locks = locks.clone();
        tokio::spawn(async move {
            let (sender, mut receiver) = mpsc::unbounded_channel();
            let forward = async {
                while let Some(progress) = receiver.recv().await {
                    let _ = done.send(Done::Progress(app_name.clone(), progress));
                }
            };
            let run = async {
                let progress = ProgressSink::new(sender);
                run_sync(&client, request, &locks, &progress, signal).await
            };
            let (outcome, ()) = tokio::join!(run, forward);
            let _ = done.send(Done::Finished(app_name, outcome));
        });
    }

    /// Saves what automation remembers of `app` after an operation, so a
    /// restart keeps retries and backoffs; a failure is a warning (the
    /// engine goes on with what it remembers in memory).
    fn save_memory(&self, fleet: &Fleet, app: &str) {
        let (Some(store), Some(memory)) = (&self.state, fleet.automation.memory(app)) else {
            return;
        };
        if let Err(error) = store.set_automation(app, memory.clone()) {
            let _ = self.events.send(EngineEvent::Warning {
                message: format!("what automation remembers of {app} could not be saved: {error}"),
            });
        }
    }

    /// Adds a finished sync to the app's history (when there is a store).
    fn record(
        &self,
        fleet: &Fleet,
        app_name: &str,
        rendered: &[RenderedSource],
        outcome: &SyncOutcome,
        initiated_by: String,
    ) {
        let (Some(store), Some(app)) = (
            &self.state,
            fleet.apps.iter().find(|app| app.name() == app_name),
        ) else {
            return;
        };
        let Some(entry) = NewSync::from_outcome(
            app,
            rendered,
            outcome,
            if initiated_by == AUTOMATED {
                InitiatedBy::Automated
            } else {
                InitiatedBy::operator(initiated_by)
            },
            true,
        ) else {
            return;
        };
        if let Err(error) = store.record_sync_for(app, entry) {
            let _ = self.events.send(EngineEvent::Warning {
                message: format!("the sync of {app_name} could not be recorded: {error}"),
            });
        }
    }

    /// Takes a Git pass in; returns the apps whose inputs it changed.
    fn merge(&self, fleet: &mut Fleet, result: RefreshResult) -> BTreeSet<String> {
        let changed = changed_apps(&fleet.apps, &fleet.outcomes, &result);
        fleet.renders = result
            .renders
            .iter()
            .filter_map(|(name, outcome)| {
                outcome
                    .as_ref()
                    .ok()
                    .map(|sources| (name.clone(), sources.clone()))
            })
            .collect();
        fleet.outcomes = result.renders;
        fleet.commits = result.commits;
        fleet.apps = result.apps;
        fleet.projects = result.projects;
        fleet.owners = result.owners;
        fleet.parents = result.parents;
        fleet.notes = result.notes;
        fleet.application_sets = result.application_sets;
        fleet.set_summaries = result.set_summaries;
        fleet.problems = self.state_problems.clone();
        fleet.problems.extend(result.problems);
        self.save_generated(fleet);
        let names: BTreeSet<&str> = fleet.apps.iter().map(Application::name).collect();
        fleet.rows.retain(|name, _| names.contains(name.as_str()));
        for row in fleet.rows.values_mut() {
            row.application_set = fleet.owners.get(&row.name).cloned();
            row.parent_app = fleet.parents.get(&row.name).cloned();
        }
        let managers: BTreeSet<String> = fleet
            .apps
            .iter()
            .flat_map(|app| app.spec.ignore_differences.iter())
            .flat_map(|rule| rule.managed_fields_managers.iter().cloned())
            .collect();
        for cache in self.caches.values() {
            cache.keep_managers(managers.clone());
        }
        changed
    }

    /// Starts recomputing what `work` names, from the caches.
    fn start_recompute(&self, fleet: &Fleet, work: Pending, done: &mpsc::UnboundedSender<Done>) {
        let inputs: Vec<AppInput> = fleet
            .apps
            .iter()
            .filter(|app| {
                work.all
                    || work.apps.contains(app.name())
                    || (!work.clusters.is_empty()
                        && self
                            .registry
                            .resolve(&app.spec.destination)
                            .is_ok_and(|entry| work.clusters.contains(&entry.name)))
            })
            .map(|app| AppInput {
                app: app.clone(),
                render: fleet.outcomes.get(app.name()).cloned(),
                project: ProjectRules::for_app(app, |name| fleet.projects.get(name)),
                commit: fleet.commits.get(app.name()).cloned(),
            })
            .collect();
        let automate = (!work.automate_all).then(|| {
            inputs
                .iter()
                .map(|input| input.app.name().to_string())
                .collect()
        });
        // Only the first status waits for caches still listing; later, a
        // cache that is still listing shows its apps Unknown and its
        // finished list marks them dirty.
        let settle = if fleet.generation == 0 {
            self.settle
        } else {
            Duration::ZERO
        };
        let pass = recompute(inputs, self.registry.clone(), self.caches.clone(), settle);
        let began = Instant::now();
        let done = done.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let rows = pass.await;
            tracing::debug!(apps = rows.len(), elapsed = ?started.elapsed(), "recompute");
            let _ = done.send(Done::Recomputed {
                rows,
                automate,
                began,
            });
        });
    }

    fn merge_rows(&self, fleet: &mut Fleet, rows: Vec<AppSnapshot>) {
        let names: BTreeSet<&str> = fleet.apps.iter().map(Application::name).collect();
        for mut row in rows {
            if names.contains(row.name.as_str()) {
                row.application_set = fleet.owners.get(&row.name).cloned();
                row.parent_app = fleet.parents.get(&row.name).cloned();
                if let Some(note) = fleet.notes.get(&row.name) {
                    row.conditions.push(note.clone());
                }
                fleet.rows.insert(row.name.clone(), row);
            }
        }
    }

    /// The clusters' connection states, from their caches.
    fn update_connections(&self, fleet: &mut Fleet) {
        let now = Timestamp::now().to_string();
        for (cluster, cache) in self.caches.iter() {
            let probe = match cache.state() {
                CacheState::Syncing => continue,
                CacheState::Ready { version } => Ok(version),
                CacheState::Unreachable { error } => Err(error),
            };
            let previous = fleet
                .connections
                .get(cluster)
                .cloned()
                .unwrap_or(ConnectionState::Unknown);
            let state = connection_state(&probe, &previous, &now);
            if std::mem::discriminant(&state) != std::mem::discriminant(&previous) {
                let _ = self.events.send(EngineEvent::ClusterConnection {
                    cluster: cluster.clone(),
                    state: state.clone(),
                });
            }
            fleet.connections.insert(cluster.clone(), state);
        }
    }

    /// Saves what the ApplicationSets generated when it changed.
    fn save_generated(&self, fleet: &mut Fleet) {
        let Some(dir) = &self.generated_file else {
            return;
        };
        let memory = self
            .git
            .generated
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        if memory == fleet.saved_generated {
            return;
        }
        match save_generated(dir, &memory) {
            Ok(()) => fleet.saved_generated = memory,
            Err(error) => fleet.problems.push(error.to_string()),
        }
    }

    /// Runs every app's automation decision; starts the syncs it calls for.
    pub(super) fn automate(
        &self,
        fleet: &mut Fleet,
        locks: &OperationLocks,
        done: &mpsc::UnboundedSender<Done>,
    ) {
        self.automate_only(fleet, locks, done, None, &BTreeSet::new());
    }

    /// Runs the automation decision of the apps in `only` (every app for
    /// `None`); starts the syncs it calls for. Apps `settling` finished an
    /// operation a moment ago and the caches may not show it yet: they may
    /// sync a new revision, but self-heal waits for their next recompute.
    fn automate_only(
        &self,
        fleet: &mut Fleet,
        locks: &OperationLocks,
        done: &mpsc::UnboundedSender<Done>,
        only: Option<&BTreeSet<String>>,
        settling: &BTreeSet<String>,
    ) {
        let now = Timestamp::now();
        // An unreadable pause file holds all automation: a pause someone set
        // must never be ignored because its file broke.
        let (pauses, pauses_unreadable) = match self.pauses.as_ref().map(|store| store.list(now)) {
            None => (Vec::new(), false),
            Some(Ok(pauses)) => (pauses, false),
            Some(Err(error)) => {
                let _ = self.events.send(EngineEvent::Warning {
                    message: format!("pauses cannot be read: {error}; automation holds every app"),
                });
                (Vec::new(), true)
            }
        };
        let rules = Rules {
            approval: &self.approval,
            time_zones: &self.time_zones,
        };
        let no_labels = BTreeMap::new();
        let mut to_sync = Vec::new();
        fleet.rollouts = rollouts(fleet, &pauses);
        for app in &fleet.apps {
            if only.is_some_and(|only| !only.contains(app.name())) {
                continue;
            }
            let Some(row) = fleet.rows.get_mut(app.name()) else {
                continue;
            };
            // One read of the app's state file: the rollback pin, and
            // approvals given from another process (`fleetdeck approve`).
            // A file that cannot be read holds the app: automation must
            // never undo a rollback because its pin could not be seen.
            let state = match self.state.as_ref().map(|store| store.load(app.name())) {
                None => None,
                Some(Ok(state)) => Some(state),
                Some(Err(error)) => {
                    if app.is_automated() {
                        row.automation = Some(format!("held: {error}"));
                    }
                    continue;
                }
            };
            if let Some(state) = &state {
                row.last_sync = state.history.last().map(|entry| LastSync {
                    revision: entry.revision.clone(),
                    at: entry.deployed_at.to_string(),
                    initiated_by: entry.initiated_by.to_string(),
                    result: entry.result.phase.to_string(),
                });
                row.pinned_revision = state.pin.as_ref().map(|pin| pin.revision.clone());
            }
            if let Some(approval) = state.as_ref().and_then(|state| state.approval.clone()) {
                fleet.automation.approve(app.name(), approval.revision);
            }
            if let Some(memory) = state.as_ref().and_then(|state| state.automation.clone()) {
                fleet.automation.recall(app.name(), memory);
            }
            let cluster_labels = row
                .cluster
                .as_ref()
                .and_then(|name| self.registry.by_name(name))
                .map_or(&no_labels, |entry| &entry.labels);
            let render_empty = fleet
                .renders
                .get(app.name())
                .is_none_or(|sources| sources.iter().all(|source| source.manifests.is_empty()));
            let context = AppContext {
                app,
                render_empty,
                operation_running: fleet.operations.contains_key(app.name()),
                pauses: &pauses,
                pin: state.and_then(|state| state.pin),
                project: fleet.projects.get(app.project()),
                cluster_labels,
            };
            let mut decision = fleet.automation.decide(&context, &rules, now, row);
            if let Some(rollout) = row.application_set.as_deref().and_then(|set| {
                fleet
                    .rollouts
                    .iter()
                    .find(|rollout| rollout.application_set == set)
            }) {
                hold_for_rollout(rollout, row, &mut decision);
            }
            if pauses_unreadable && app.is_automated() {
                row.automation = Some("held: the pause file cannot be read".to_string());
            } else if let (
                true,
                AutoSyncDecision::Sync {
                    revision,
                    prune,
                    reason,
                },
            ) = (self.automation, decision)
                // A settling app is recomputed once the grace is over;
                // self-heal decides then (see stale_rows).
                && !(reason == SyncReason::SelfHeal && settling.contains(app.name()))
            {
                to_sync.push((app.name().to_string(), revision, prune, reason));
            }
        }
        fleet.pauses = pauses;
        for (app, revision, prune, reason) in to_sync {
            self.start_sync(
                fleet,
                locks,
                done,
                app.clone(),
                SyncAsk {
                    prune,
                    dry_run: false,
                    resources: Vec::new(),
                    initiated_by: AUTOMATED.to_string(),
                },
            );
            if fleet.operations.contains_key(&app) {
                fleet.automation.started(&app, revision, reason);
            }
        }
    }

    pub(super) fn publish(&self, fleet: &mut Fleet) {
        fleet.generation += 1;
        let clusters = self
            .registry
            .clusters()
            .iter()
            .map(|entry| ClusterSnapshot {
                name: entry.name.clone(),
                context: entry.context.clone(),
                server: entry.server.clone(),
                labels: entry.labels.clone(),
                hub: entry.hub,
                connection: fleet
                    .connections
                    .get(&entry.name)
                    .cloned()
                    .unwrap_or(ConnectionState::Unknown),
            })
            .collect();
        let apps = fleet
            .rows
            .values()
            .map(|row| {
                let mut row = row.clone();
                row.operation = fleet
                    .operations
                    .get(&row.name)
                    .map(|running| running.snapshot.clone());
                row
            })
            .collect();
        let snapshot = FleetSnapshot {
            generation: fleet.generation,
            observed_at: Timestamp::now().to_string(),
            clusters,
            apps,
            problems: fleet.problems.clone(),
            readonly: self.readonly,
            pauses: fleet.pauses.clone(),
            rollouts: fleet.rollouts.clone(),
            application_sets: fleet.set_summaries.clone(),
        };
        self.snapshots.send_replace(Arc::new(snapshot));
    }
}

/// The rollout of every ApplicationSet with a RollingSync strategy, from
/// the rows as last observed.
fn rollouts(fleet: &Fleet, pauses: &[Pause]) -> Vec<RolloutSnapshot> {
    let now = Timestamp::now();
    fleet
        .application_sets
        .iter()
        .filter_map(|set| {
            let apps: Vec<RollingApp> = fleet
                .rows
                .values()
                .filter(|row| row.application_set.as_deref() == Some(set.name()))
                .map(|row| {
                    let facts = AppFacts {
                        name: row.name.clone(),
                        project: row.project.clone(),
                        cluster: row.cluster.clone().unwrap_or_default(),
                        labels: row.labels.clone(),
                    };
                    RollingApp {
                        name: row.name.clone(),
                        labels: row.labels.clone(),
                        needs_sync: row.sync == SyncStatus::OutOfSync,
                        sync_status: row.sync,
                        health: row.health,
                        operation_running: fleet.operations.contains_key(&row.name),
                        paused: !pauses_for(pauses, &facts, now).is_empty(),
                    }
                })
                .collect();
            plan(&set.spec.strategy.clone().unwrap_or_default(), &apps).map(|plan| {
                RolloutSnapshot {
                    application_set: set.name().to_string(),
                    plan,
                }
            })
        })
        .collect()
}

/// A RollingSync set orders its apps' automated syncs: an app whose turn
/// has not come waits, and says so, whatever its own decision was.
fn hold_for_rollout(
    rollout: &RolloutSnapshot,
    row: &mut AppSnapshot,
    decision: &mut AutoSyncDecision,
) {
    let Some(state) = rollout.plan.app_states.get(&row.name) else {
        return;
    };
    let step = state.step.map_or_else(
        || "no step".to_string(),
        |index| format!("step {}", index + 1),
    );
    if let AutoSyncDecision::Sync { .. } = decision
        && !rollout.plan.sync_now.contains(&row.name)
    {
        let reason = state
            .step
            .and_then(|index| rollout.plan.steps.get(index))
            .and_then(|step| step.reason.clone())
            .unwrap_or_else(|| "waiting for its turn".to_string());
        row.automation = Some(format!(
            "rolling sync of {} ({step}, {:?}): {reason}",
            rollout.application_set, state.state
        ));
        row.automation_state = AutomationState::Held;
        *decision = AutoSyncDecision::None;
    }
}

/// Where history goes, if anywhere.
pub(super) fn open_state(
    dir: Option<PathBuf>,
) -> Result<Option<StateStore>, crate::engine::state::StateError> {
    dir.map(StateStore::open).transpose()
}
