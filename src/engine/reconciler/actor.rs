//! The engine actor: one task that owns the fleet's state, takes commands
//! and hands work out — Git passes, recomputes and operations run as tasks
//! of their own and report back as [`Done`] messages.
//!
//! Its parts: the desired side ([`Desired`]: Git, how often), the live
//! side ([`Live`]: clients, watch-fed caches), the rules automation and
//! operations obey ([`Rules`]), where state is kept ([`Records`]); and,
//! inside [`Actor::run`], the [`Core`] it mutates: the fleet, the per-app
//! [`WorkQueue`], the publisher.
//!
//! What wakes it besides commands: the live caches' dirty marks (each
//! marked app is queued, see [`WorkQueue`] for the debounce), the Git poll
//! (jittered; re-renders and queues the apps whose render changed, then
//! decides every settled app's automation), and every [`RESYNC_EVERY`]th
//! poll a full resync of every app.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

use super::connection::connection_state;
use super::fleet::Fleet;
use super::git_source::GitSource;
use super::hard_refresh::HardRefresh;
use super::launch::Finished;
use super::operator_commands::RollbackRender;
use super::permissions::{Refused, authorize};
use super::poll::{RESYNC_EVERY, jittered};
use super::publisher::Publisher;
use super::recompute::{AppInput, recompute};
use super::refresh::{RefreshResult, refresh};
use super::work_queue::{Epoch, WorkQueue};
use crate::engine::api::{AppSnapshot, Command, ConnectionState, EngineEvent};
use crate::engine::cluster::{CacheState, ClusterClient, ClusterRegistry, DirtyApps, LiveCache};
use crate::engine::operations::Operations;
use crate::engine::policy::approval::ApprovalGate;
use crate::engine::policy::pause::PauseScope;
use crate::engine::policy::project_rules::ProjectRules;
use crate::engine::policy::roles::RoleBook;
use crate::engine::schedule::TimeZones;
use crate::engine::state::{
    Approval, AuditLog, AuditRecord, PauseStore, RefreshRequest, RefreshRequests, StateStore,
    save_generated,
};
use crate::engine::sync::{SyncProgress, SyncTimeouts};

/// How often the actor looks for `fleetdeck refresh` requests: one small
/// file read a second.
const REFRESH_REQUEST_POLL: Duration = Duration::from_secs(1);

/// Who starts the syncs automation decides on, in events, the audit log
/// and the operation snapshot.
pub(super) use crate::engine::operations::AUTOMATED;

/// Where desired state comes from.
pub(super) struct Desired {
    pub git: Arc<GitSource>,
    pub refresh_interval: Duration,
    /// Fetch remote repositories on every refresh.
    pub fetch: bool,
}

/// The clusters as the engine sees them.
pub(super) struct Live {
    pub registry: ClusterRegistry,
    pub clients: HashMap<String, ClusterClient>,
    /// One watch-fed cache per cluster; they mark `dirty`.
    pub caches: Arc<HashMap<String, Arc<LiveCache>>>,
    pub dirty: Arc<DirtyApps>,
    /// How long a first recompute waits for caches still listing.
    pub settle: Duration,
}

/// What automation and operations obey.
pub(super) struct Rules {
    pub readonly: bool,
    /// Start the syncs automation decides on.
    pub automation: bool,
    pub approval: ApprovalGate,
    pub roles: RoleBook,
    pub time_zones: TimeZones,
    pub sync_timeouts: SyncTimeouts,
}

/// Where state is kept, if anywhere.
pub(super) struct Records {
    pub state: Option<StateStore>,
    pub pauses: Option<PauseStore>,
    pub audit: Option<AuditLog>,
    pub refresh_requests: Option<RefreshRequests>,
    /// The state directory `generated.json` is saved in, if any.
    pub generated_file: Option<PathBuf>,
    /// Problems with the state found at start, shown with the repository
    /// problems until they are fixed.
    pub state_problems: Vec<String>,
}

pub(super) struct Actor {
    pub desired: Desired,
    pub live: Live,
    pub rules: Rules,
    pub records: Records,
    /// Every sync and rollback goes through it: roles, the app's lock
    /// (across processes), audit, history, a rollback's hold.
    pub operations: Operations,
    pub events: broadcast::Sender<EngineEvent>,
}

/// What the actor mutates while it runs.
pub(super) struct Core {
    pub fleet: Fleet,
    pub queue: WorkQueue,
    pub out: Publisher,
    pub done: mpsc::UnboundedSender<Done>,
}

pub(super) enum Done {
    Refreshed(Box<RefreshResult>),
    /// A rollback's older revision is rendered (or could not be).
    RollbackRendered(Box<RollbackRender>),
    /// Rows recomputed from the caches, for the apps that were taken
    /// (each with the epoch its picture belongs to).
    Recomputed {
        apps: Vec<(String, Epoch)>,
        rows: Vec<AppSnapshot>,
    },
    Progress(String, SyncProgress),
    Finished(String, Box<Finished>),
}

impl Actor {
    pub async fn run(self, mut commands: mpsc::Receiver<Command>, out: Publisher) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
        let mut core = Core {
            fleet: Fleet::default(),
            queue: WorkQueue::default(),
            out,
            done: done_tx,
        };
        let mut refreshing = false;
        let mut refresh_again = true;
        // Hard refreshes asked for since the last pass started.
        let mut hard = HardRefresh::default();
        // Requests written before the engine started are answered by its
        // first refresh.
        let mut seen_request = self
            .latest_refresh_request()
            .map_or(0, |request| request.generation);
        let mut request_checks = tokio::time::interval(REFRESH_REQUEST_POLL);
        request_checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut polls: u32 = 0;
        // The first pass, and every RESYNC_EVERY-th poll after it, recompute
        // every app whatever the watches said.
        let mut resync_due = true;
        let mut next_poll = Instant::now() + jittered(self.desired.refresh_interval);
        loop {
            if refresh_again && !refreshing {
                refreshing = true;
                refresh_again = false;
                self.start_git_pass(&core, std::mem::take(&mut hard));
            }
            let now = Instant::now();
            if core.fleet.rendered_once {
                self.start_recompute(&mut core, now);
            }
            // Far enough never to fire: `select!` needs a future either way.
            let far = now + Duration::from_secs(86_400);
            let recompute_at = match core.queue.next_due() {
                Some(due) if core.fleet.rendered_once => due,
                _ => far,
            };
            tokio::select! {
                command = commands.recv() => match command {
                    None | Some(Command::Shutdown) => {
                        for entry in core.fleet.entries.values() {
                            if let Some(running) = &entry.operation {
                                running.cancel.cancel();
                            }
                        }
                        break;
                    }
                    Some(command) if !self.permitted(&core.fleet, &command) => {}
                    Some(Command::Refresh { app, hard: hard_refresh }) => {
                        refresh_again = true;
                        if hard_refresh {
                            self.hard_refresh(&core.fleet, &mut hard, app.as_deref());
                        }
                    }
                    Some(command) => self.command(&mut core, command),
                },
                Some(done) = done_rx.recv() => {
                    if let Done::Refreshed(result) = done {
                        refreshing = false;
                        let full = std::mem::take(&mut resync_due);
                        self.git_pass_done(&mut core, *result, full);
                    } else {
                        self.done(&mut core, done);
                    }
                }
                () = self.live.dirty.marked() => self.marked(&mut core),
                () = tokio::time::sleep_until(recompute_at) => {}
                () = tokio::time::sleep_until(next_poll) => {
                    polls = polls.wrapping_add(1);
                    resync_due |= polls.is_multiple_of(RESYNC_EVERY);
                    refresh_again = true;
                    next_poll = Instant::now() + jittered(self.desired.refresh_interval);
                }
                _ = request_checks.tick() => {
                    if let Some(request) = self.latest_refresh_request()
                        && request.generation > seen_request
                    {
                        seen_request = request.generation;
                        refresh_again = true;
                        if request.hard {
                            self.hard_refresh(&core.fleet, &mut hard, request.app.as_deref());
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

    /// The commands other than Refresh and Shutdown, once permitted.
    fn command(&self, core: &mut Core, command: Command) {
        match command {
            Command::Refresh { .. } | Command::Shutdown => {}
            Command::Pause {
                scope,
                duration,
                reason,
                by,
            } => {
                self.pause(scope, duration, reason, by);
                self.automate_settled(core, None);
                self.publish(core);
            }
            Command::Resume { target, by } => {
                self.resume(&target, &by);
                self.automate_settled(core, None);
                self.publish(core);
            }
            Command::Rollback {
                app,
                history_id,
                prune,
                by,
            } => self.rollback(core, app, history_id, prune, by),
            Command::Describe { app } => self.describe(&core.fleet, app),
            Command::Approve { app, by } => self.approve(core, app, by),
            Command::Cancel { app, by } => {
                match core
                    .fleet
                    .entries
                    .get(&app)
                    .and_then(|entry| entry.operation.as_ref())
                {
                    Some(running) => {
                        running.cancel.cancel();
                        self.audit(&by, "cancel", &app, "", "terminate the running operation");
                    }
                    None => self.reject(format!("cancel {app}"), "no operation is running"),
                }
            }
            Command::Sync {
                app,
                prune,
                dry_run,
                resources,
                initiated_by,
            } => {
                let ask = SyncAsk {
                    prune,
                    dry_run,
                    resources,
                    initiated_by,
                };
                self.start_sync(core, app, ask);
                self.publish(core);
            }
        }
    }

    fn approve(&self, core: &mut Core, app: String, by: String) {
        let revision = core
            .fleet
            .entries
            .get(&app)
            .and_then(|entry| entry.row.revision.clone());
        let Some(revision) = revision else {
            return self.reject(format!("approve {app}"), "no rendered revision to approve");
        };
        self.audit(&by, "approve", &app, &revision, "done");
        if let Some(store) = &self.records.state {
            let approval = Approval {
                revision: revision.clone(),
                by: by.clone(),
                at: Timestamp::now(),
            };
            if let Err(error) = store.set_approval(&app, approval) {
                self.warn(format!("the approval of {app} could not be saved: {error}"));
            }
        }
        core.fleet.automation.approve(&app, revision);
        self.warn(format!("{app}: approved by {by}"));
        self.automate_settled(core, None);
        self.publish(core);
    }

    /// Everything but a Git pass that a task sent back.
    fn done(&self, core: &mut Core, done: Done) {
        match done {
            Done::Refreshed(_) => {}
            Done::Recomputed { apps, rows } => {
                let current: BTreeSet<String> = apps
                    .into_iter()
                    .filter(|(app, epoch)| core.queue.recomputed(app, *epoch))
                    .map(|(app, _)| app)
                    .collect();
                let mut recomputed = BTreeSet::new();
                for row in rows {
                    if !current.contains(&row.name) {
                        continue;
                    }
                    if let Some(entry) = core.fleet.entries.get_mut(&row.name) {
                        recomputed.insert(row.name.clone());
                        entry.row = Arc::new(entry.complete(row));
                    }
                }
                core.out.rows_changed();
                self.update_connections(&mut core.fleet);
                self.automate_settled(core, Some(&recomputed));
                self.publish(core);
            }
            Done::RollbackRendered(render) => {
                self.rollback_rendered(core, *render);
                self.publish(core);
            }
            Done::Progress(app, progress) => {
                if let Some(running) = core
                    .fleet
                    .entries
                    .get_mut(&app)
                    .and_then(|entry| entry.operation.as_mut())
                {
                    let snapshot = Arc::make_mut(&mut running.snapshot);
                    match &progress {
                        SyncProgress::Resource(result) => snapshot.results.push(result.clone()),
                        SyncProgress::Phase { phase, message } => {
                            snapshot.phase = *phase;
                            snapshot.message = message.clone();
                        }
                        _ => {}
                    }
                }
                let _ = self
                    .events
                    .send(EngineEvent::OperationProgress { app, progress });
                self.publish(core);
            }
            Done::Finished(app, finished) => {
                self.finished(core, app, *finished);
                self.publish(core);
            }
        }
    }

    fn start_git_pass(&self, core: &Core, hard: HardRefresh) {
        let done = core.done.clone();
        let pass = refresh(
            self.desired.git.clone(),
            self.live.registry.generator_clusters(),
            self.desired.fetch,
            hard,
        );
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let result = pass.await;
            tracing::debug!(apps = result.apps.len(), elapsed = ?started.elapsed(), "git pass");
            let _ = done.send(Done::Refreshed(Box::new(result)));
        });
    }

    /// Takes a Git pass in: the apps whose inputs it changed (or a hard
    /// refresh covered, or every app on a full resync) are queued at once;
    /// the settled apps' automation is decided now (pauses, windows and
    /// backoffs move with time, not with events).
    fn git_pass_done(&self, core: &mut Core, result: RefreshResult, full: bool) {
        let hard = result.hard.clone();
        let mut changed = core
            .fleet
            .merge_git_pass(result, self.records.state_problems.clone());
        changed.extend(hard.apps().cloned());
        let now = Instant::now();
        let everything = full || hard.is_all();
        let fleet = &core.fleet;
        core.queue.retain(|app| fleet.entries.contains_key(app));
        for app in fleet.names() {
            if changed.contains(app) {
                core.queue.changed(app, now);
            } else if everything {
                core.queue.due_by(app, now);
            }
        }
        core.out.rows_changed();
        self.save_generated(&mut core.fleet);
        self.keep_managers(&core.fleet);
        self.automate_settled(core, None);
        // Apps the pass changed are recomputed at once and published with
        // their rows (so front ends never see a new app before its
        // status); while any recompute is owed or running, its
        // publication carries this pass too.
        if !core.queue.recomputing() {
            self.publish(core);
        }
    }

    /// Watch events marked apps (or whole clusters) dirty: queue them.
    fn marked(&self, core: &mut Core) {
        let marks = self.live.dirty.take();
        let now = Instant::now();
        for app in &marks.apps {
            if core.fleet.entries.contains_key(app) {
                core.queue.marked(app, now);
            }
        }
        if !marks.clusters.is_empty() {
            for (name, entry) in &core.fleet.entries {
                let on_marked_cluster = self
                    .live
                    .registry
                    .resolve(&entry.app.spec.destination)
                    .is_ok_and(|cluster| marks.clusters.contains(&cluster.name));
                if on_marked_cluster {
                    core.queue.marked(name, now);
                }
            }
        }
    }

    /// Starts recomputing the apps due now, from the caches.
    fn start_recompute(&self, core: &mut Core, now: Instant) {
        let apps = core.queue.take_due(now);
        if apps.is_empty() {
            return;
        }
        let fleet = &core.fleet;
        let inputs: Vec<AppInput> = apps
            .iter()
            .filter_map(|(name, _)| fleet.entries.get(name))
            .map(|entry| AppInput {
                app: entry.app.clone(),
                render: entry.outcome.clone(),
                project: ProjectRules::for_app(&entry.app, |name| fleet.projects.get(name)),
                commit: entry.commit.clone(),
            })
            .collect();
        // Only the first status waits for caches still listing; later, a
        // cache that is still listing shows its apps Unknown and its
        // finished list marks them dirty.
        let settle = if core.out.generation() == 0 {
            self.live.settle
        } else {
            Duration::ZERO
        };
        let pass = recompute(
            inputs,
            self.live.registry.clone(),
            self.live.caches.clone(),
            settle,
        );
        let done = core.done.clone();
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let rows = pass.await;
            tracing::debug!(apps = rows.len(), elapsed = ?started.elapsed(), "recompute");
            let _ = done.send(Done::Recomputed { apps, rows });
        });
    }

    /// Makes the next Git pass render `app` (every app for `None`) anew,
    /// and relists the live objects of its cluster (every cluster for
    /// `None`) rather than trusting what the watches delivered. An app
    /// not known yet (or whose destination does not resolve) is rendered
    /// anew; no cluster is relisted for it.
    fn hard_refresh(&self, fleet: &Fleet, hard: &mut HardRefresh, app: Option<&str>) {
        hard.add(app);
        match app {
            None => self.live.caches.values().for_each(|cache| cache.relist()),
            Some(name) => {
                let cluster = fleet
                    .entries
                    .get(name)
                    .and_then(|entry| self.live.registry.resolve(&entry.app.spec.destination).ok())
                    .and_then(|entry| self.live.caches.get(&entry.name));
                if let Some(cache) = cluster {
                    cache.relist();
                }
            }
        }
    }

    /// The newest `fleetdeck refresh` request; an unreadable file is a
    /// warning, not a stop.
    fn latest_refresh_request(&self) -> Option<RefreshRequest> {
        let requests = self.records.refresh_requests.as_ref()?;
        match requests.latest() {
            Ok(request) => request,
            Err(error) => {
                self.warn(error.to_string());
                None
            }
        }
    }

    pub(super) fn warn(&self, message: String) {
        let _ = self.events.send(EngineEvent::Warning { message });
    }

    /// Appends to the audit log; a failure is reported as a warning event
    /// (the action already happened).
    pub(super) fn audit(
        &self,
        operator: &str,
        action: &str,
        app: &str,
        revision: &str,
        result: &str,
    ) {
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
        let Some(log) = &self.records.audit else {
            return;
        };
        if let Err(error) = log.append(&record) {
            self.warn(format!(
                "{} {} could not be audited: {error}",
                record.action, record.target
            ));
        }
    }

    /// Whether the operator of `command` may do it; a refusal is sent as a
    /// Rejected event naming the role that applied.
    fn permitted(&self, fleet: &Fleet, command: &Command) -> bool {
        let scope_of_pause = |id: &str| self.scope_of_pause(id);
        let lookup = |name: &str| fleet.entries.get(name).map(|entry| &entry.app);
        match authorize(
            &self.rules.roles,
            &lookup,
            &self.live.registry,
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
        self.records
            .pauses
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

    pub(super) fn publish(&self, core: &mut Core) {
        core.out
            .publish(&core.fleet, &self.live.registry, &core.queue);
    }

    /// The clusters' connection states, from their caches.
    fn update_connections(&self, fleet: &mut Fleet) {
        let now = Timestamp::now().to_string();
        for (cluster, cache) in self.live.caches.iter() {
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
        let Some(dir) = &self.records.generated_file else {
            return;
        };
        let memory = self
            .desired
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
            Err(error) => Arc::make_mut(&mut fleet.problems).push(error.to_string()),
        }
    }

    /// The field managers whose fields some app ignores: the caches keep
    /// their managed fields, and only theirs.
    fn keep_managers(&self, fleet: &Fleet) {
        let managers: BTreeSet<String> = fleet
            .entries
            .values()
            .flat_map(|entry| entry.app.spec.ignore_differences.iter())
            .flat_map(|rule| rule.managed_fields_managers.iter().cloned())
            .collect();
        for cache in self.live.caches.values() {
            cache.keep_managers(managers.clone());
        }
    }
}

/// What an operator's sync command asks for, apart from the app.
pub(super) struct SyncAsk {
    pub prune: bool,
    pub dry_run: bool,
    pub resources: Vec<crate::engine::manifest::ObjectKey>,
    pub initiated_by: String,
}

/// Where history goes, if anywhere.
pub(super) fn open_state(
    dir: Option<PathBuf>,
) -> Result<Option<StateStore>, crate::engine::state::StateError> {
    dir.map(StateStore::open).transpose()
}
