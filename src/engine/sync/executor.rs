//! Running a sync: [`run_sync`] takes a rendered app to one cluster, step by
//! step (phase, then wave), waiting for each step to be healthy before the
//! next, and reports every resource's result.
//!
//! Safety first, before anything is sent:
//! - one operation per app: [`run_sync`] takes the app's in-process lock,
//!   [`run_sync_with_lease`] runs under a lock its caller holds (the
//!   operations layer's) and checks before every wave that it still does;
//! - the cluster must answer (no half-applied syncs to a cluster that is
//!   going away);
//! - a manifest that cannot be compared (no kind, no name, a duplicate)
//!   fails the app, naming the file, and touches nothing;
//! - a render with no objects never prunes, unless `allowEmpty`;
//! - the app's project must permit its sources, its destination and every
//!   object (kind and namespace), checked on the objects as placed, with
//!   the cluster's own discovery deciding what is cluster-scoped.
//!
//! A failed step stops the sync: later steps are not started, SyncFail
//! hooks run, and the operation is Failed. A dry run sends every apply
//! with `dryRun=All` (the server validates it) and deletes nothing.

use std::sync::Arc;

use serde_json::Value;

use super::cancel::CancelSignal;
use super::destination::place_in_destination;
use super::lock::{LockLease, OperationLocks};
use super::operation::{
    Change, OperationPhase, ResourceResult, ResultCode, SyncOutcome, SyncProgress, SyncRequest,
};
use super::plan::{PlanRequest, SyncPlan, SyncTask, TaskAction, plan_sync};
use super::progress_sink::ProgressSink;
use super::task_runner::{self, TaskContext, apply_change};
use super::wait::{Awaited, WaitContext, wait_until_settled};
use super::{SyncPhase, hook_mark};
use crate::engine::cluster::{ApplyOptions, ClusterClient, LiveObjects};
use crate::engine::diff::{AppDiff, FIELD_MANAGER, ResourceScope, compare_app};
use crate::engine::manifest::ObjectKey;
use crate::engine::source::short_revision;

/// Runs one sync to completion (or failure, or termination), under the
/// app's lock in `locks` (refused with phase Error when it is taken).
pub async fn run_sync(
    cluster: &ClusterClient,
    request: SyncRequest,
    locks: &OperationLocks,
    progress: &ProgressSink,
    cancel: CancelSignal,
) -> SyncOutcome {
    let Some(guard) = locks.try_acquire(&request.compare.app_name) else {
        let outcome = new_outcome(cluster, &request);
        return finish(
            outcome,
            progress,
            OperationPhase::Error,
            "another operation is already running on this app".to_string(),
        );
    };
    run_sync_with_lease(cluster, request, &guard, progress, cancel).await
}

/// Runs one sync under a lock the caller already holds. Before each wave
/// the lease is asked whether it is still held; a lost lock stops the
/// sync there (Failed, no SyncFail hooks: someone else may own the app).
pub async fn run_sync_with_lease(
    cluster: &ClusterClient,
    request: SyncRequest,
    lease: &dyn LockLease,
    progress: &ProgressSink,
    cancel: CancelSignal,
) -> SyncOutcome {
    let mut outcome = new_outcome(cluster, &request);
    match prepare(cluster, &request).await {
        Err(reason) => finish(outcome, progress, OperationPhase::Error, reason),
        Ok(prepared) => {
            progress.send(SyncProgress::Planned {
                app: outcome.app.clone(),
                tasks: prepared.plan.tasks.len(),
                steps: prepared.plan.steps().len(),
            });
            let run = Run {
                cluster,
                request: &request,
                progress,
                cancel,
                lease,
                diff: &prepared.diff,
            };
            let (phase, message) = if request.dry_run {
                run.dry_run(&prepared.plan, &mut outcome.results).await
            } else {
                run.execute(&prepared.plan, &mut outcome.results).await
            };
            finish(outcome, progress, phase, message)
        }
    }
}

fn new_outcome(cluster: &ClusterClient, request: &SyncRequest) -> SyncOutcome {
    SyncOutcome {
        app: request.compare.app_name.clone(),
        cluster: cluster.name().to_string(),
        revision: request.revision.clone(),
        dry_run: request.dry_run,
        phase: OperationPhase::Running,
        message: String::new(),
        results: Vec::new(),
    }
}

fn finish(
    mut outcome: SyncOutcome,
    progress: &ProgressSink,
    phase: OperationPhase,
    message: String,
) -> SyncOutcome {
    outcome.phase = phase;
    outcome.message = message;
    progress.send(SyncProgress::Phase {
        phase,
        message: outcome.message.clone(),
    });
    outcome
}

struct Prepared {
    plan: SyncPlan,
    diff: AppDiff,
}

/// Everything that must hold before the first request that changes
/// anything. An `Err` is the reason nothing was applied.
async fn prepare(cluster: &ClusterClient, request: &SyncRequest) -> Result<Prepared, String> {
    cluster
        .probe()
        .await
        .map_err(|error| format!("refusing to sync: {error}; nothing was applied"))?;
    // Discovery first: placing objects needs to know which kinds are namespaced.
    cluster
        .listable_resources()
        .await
        .map_err(|error| format!("cannot read the live state: {error}; nothing was applied"))?;
    let scope: Arc<dyn ResourceScope> = Arc::new(cluster.clone());
    let compare = request.compare.clone().with_scope(scope);
    let desired = place_in_destination(&request.desired, &compare);
    let violations = request.project.violations(
        cluster,
        &compare.destination_namespace,
        &desired,
        compare.scope.as_ref(),
    );
    if !violations.is_empty() {
        let violations: Vec<String> = violations.iter().map(ToString::to_string).collect();
        return Err(format!(
            "refusing to sync: {}; nothing was applied",
            violations.join("; ")
        ));
    }
    let wanted: Vec<ObjectKey> = desired.iter().map(|manifest| manifest.key()).collect();
    let wanted_at: Vec<(String, ObjectKey)> = desired
        .iter()
        .map(|manifest| (manifest.api_version().to_string(), manifest.key()))
        .collect();
    let live = LiveObjects::list_for_app(cluster, &compare.app_name, &wanted_at)
        .await
        .map_err(|error| format!("cannot read the live state: {error}; nothing was applied"))?;
    let app_live = live.for_app(&compare.app_name, wanted.iter());
    let diff = compare_app(&desired, &app_live, &compare);
    if !diff.errors.is_empty() {
        let errors: Vec<String> = diff.errors.iter().map(ToString::to_string).collect();
        return Err(format!(
            "invalid manifests, nothing was applied: {}",
            errors.join("; ")
        ));
    }
    let extraneous: Vec<Value> = diff
        .resources
        .iter()
        .filter(|resource| resource.requires_pruning)
        .filter_map(|resource| live.get(&resource.key).cloned())
        .collect();
    let renders_nothing = desired
        .iter()
        .all(|manifest| !matches!(hook_mark(&manifest.object), super::HookMark::None));
    if renders_nothing && request.prune && !request.allow_empty && !extraneous.is_empty() {
        return Err(format!(
            "refusing to prune {} resources: the render produced no objects and \
             allowEmpty is not set; nothing was applied",
            extraneous.len()
        ));
    }
    let plan = plan_sync(PlanRequest {
        desired: &desired,
        extraneous: &extraneous,
        prune: request.prune,
        app_options: &request.app_options,
        selected: request.selected.as_ref(),
    });
    Ok(Prepared { plan, diff })
}

struct Run<'a> {
    cluster: &'a ClusterClient,
    request: &'a SyncRequest,
    progress: &'a ProgressSink,
    cancel: CancelSignal,
    lease: &'a dyn LockLease,
    diff: &'a AppDiff,
}

impl Run<'_> {
    fn task_context(&self) -> TaskContext<'_> {
        TaskContext {
            cluster: self.cluster,
            app: &self.request.compare.app_name,
            app_options: &self.request.app_options,
            dry_run: self.request.dry_run,
        }
    }

    fn record(&self, results: &mut Vec<ResourceResult>, result: ResourceResult) {
        self.progress.send(SyncProgress::Resource(result.clone()));
        results.push(result);
    }

    /// Every task as the server would take it, nothing stored.
    async fn dry_run(
        &self,
        plan: &SyncPlan,
        results: &mut Vec<ResourceResult>,
    ) -> (OperationPhase, String) {
        let context = self.task_context();
        let provided_crds = crds_in(plan);
        let new_namespaces = self.namespaces_created_by(plan).await;
        for task in &plan.tasks {
            let result = match &task.action {
                TaskAction::Apply if new_namespaces.contains(&task.key.namespace) => {
                    ResourceResult {
                        key: task.key.clone(),
                        phase: task.phase,
                        wave: task.wave,
                        change: Change::Create,
                        status: ResultCode::Synced,
                        hook: false,
                        message: format!(
                            "created in namespace {} (not validated: the sync creates the namespace)",
                            task.key.namespace
                        ),
                    }
                }
                TaskAction::Apply => {
                    let status = self
                        .diff
                        .resource(&task.key)
                        .map(|resource| resource.status);
                    let served = self
                        .cluster
                        .resource_for(
                            task.object["apiVersion"].as_str().unwrap_or_default(),
                            &task.key.kind,
                        )
                        .await
                        .is_ok();
                    if !served
                        && provided_crds.contains(&(task.key.group.clone(), task.key.kind.clone()))
                    {
                        ResourceResult {
                            key: task.key.clone(),
                            phase: task.phase,
                            wave: task.wave,
                            change: apply_change(status),
                            status: ResultCode::Synced,
                            hook: false,
                            message:
                                "created after its CRD (not validated: the CRD is not served yet)"
                                    .to_string(),
                        }
                    } else {
                        task_runner::apply(&context, task, status).await
                    }
                }
                TaskAction::Hook { .. } => ResourceResult {
                    key: task.key.clone(),
                    phase: task.phase,
                    wave: task.wave,
                    change: Change::RunHook,
                    status: ResultCode::Synced,
                    hook: true,
                    message: format!("{} hook would run", task.phase),
                },
                TaskAction::Prune | TaskAction::PruneSkipped { .. } => {
                    task_runner::prune(&context, task).await
                }
            };
            self.record(results, result);
        }
        let failed = results
            .iter()
            .filter(|result| result.status == ResultCode::SyncFailed)
            .count();
        if failed == 0 {
            (
                OperationPhase::Succeeded,
                "dry run: nothing was changed".to_string(),
            )
        } else {
            (
                OperationPhase::Failed,
                format!("dry run: {failed} resources would fail; nothing was changed"),
            )
        }
    }

    async fn execute(
        &self,
        plan: &SyncPlan,
        results: &mut Vec<ResourceResult>,
    ) -> (OperationPhase, String) {
        if let Err(message) = self.create_namespace_if_asked(plan).await {
            return (OperationPhase::Failed, message);
        }
        let steps = plan.steps();
        let mut failure: Option<String> = None;
        let mut lock_lost = false;
        for step in steps
            .iter()
            .filter(|step| step[0].phase != SyncPhase::SyncFail)
        {
            if !self.lease.still_held() {
                lock_lost = true;
                failure = Some(format!(
                    "the app's operation lock was lost before {} wave {}: stopped there \
                     (another operation may hold it now)",
                    step[0].phase, step[0].wave
                ));
                break;
            }
            if self.cancel.is_cancelled() {
                self.progress.send(SyncProgress::Phase {
                    phase: OperationPhase::Terminating,
                    message: "terminating".to_string(),
                });
                failure = Some("operation terminated".to_string());
                break;
            }
            if let Err(message) = self.run_step(step, results).await {
                failure = Some(message);
                break;
            }
        }
        match failure {
            None => (
                OperationPhase::Succeeded,
                format!(
                    "successfully synced (revision {})",
                    short_revision(&self.request.revision)
                ),
            ),
            Some(message) => {
                let sync_fail: Vec<&SyncTask> = plan
                    .tasks
                    .iter()
                    .filter(|task| task.phase == SyncPhase::SyncFail)
                    .collect();
                if !sync_fail.is_empty() && !self.cancel.is_cancelled() && !lock_lost {
                    let owned: Vec<SyncTask> = sync_fail.into_iter().cloned().collect();
                    // The failure is what is reported, whatever the hooks do.
                    let _ = self.run_step(&owned, results).await;
                }
                (OperationPhase::Failed, message)
            }
        }
    }

    /// One phase and wave: send every task, then wait for the step.
    async fn run_step(
        &self,
        step: &[SyncTask],
        results: &mut Vec<ResourceResult>,
    ) -> Result<(), String> {
        let (phase, wave) = (step[0].phase, step[0].wave);
        self.progress.send(SyncProgress::Step { phase, wave });
        let context = self.task_context();
        let timeouts = self.request.timeouts;
        let mut awaited = Vec::new();
        let mut hooks: Vec<(&SyncTask, ObjectKey)> = Vec::new();
        for task in step {
            match &task.action {
                TaskAction::Apply => {
                    let status = self
                        .diff
                        .resource(&task.key)
                        .map(|resource| resource.status);
                    let result = task_runner::apply(&context, task, status).await;
                    let failed = result.status == ResultCode::SyncFailed;
                    let message = format!("{}: {}", result.key, result.message);
                    self.record(results, result);
                    if failed {
                        return Err(format!("one or more resources failed to sync: {message}"));
                    }
                    awaited.push(Awaited::new(
                        task.key.clone(),
                        api_version(&task.object),
                        false,
                        timeouts.wave,
                    ));
                }
                TaskAction::Hook { delete_policies } => {
                    match task_runner::create_hook(
                        &context,
                        task,
                        delete_policies,
                        timeouts.hook,
                        timeouts.poll,
                    )
                    .await
                    {
                        Ok(created) => {
                            awaited.push(Awaited::new(
                                created.clone(),
                                api_version(&task.object),
                                true,
                                timeouts.hook,
                            ));
                            hooks.push((task, created));
                        }
                        Err(result) => {
                            let message = format!("{}: {}", result.key, result.message);
                            self.record(results, result);
                            return Err(format!("{phase} hook failed: {message}"));
                        }
                    }
                }
                TaskAction::Prune | TaskAction::PruneSkipped { .. } => {
                    let result = task_runner::prune(&context, task).await;
                    let failed = result.status == ResultCode::SyncFailed;
                    let message = format!("{}: {}", result.key, result.message);
                    self.record(results, result);
                    if failed {
                        return Err(format!("prune failed: {message}"));
                    }
                }
            }
        }
        let wait = WaitContext {
            cluster: self.cluster,
            progress: self.progress,
            cancel: &self.cancel,
            poll: timeouts.poll,
            phase,
            wave,
        };
        let settled = wait_until_settled(&wait, awaited).await;
        let mut failures = Vec::new();
        for (item, outcome) in settled {
            if item.hook {
                let Some((task, created)) = hooks.iter().find(|(_, created)| *created == item.key)
                else {
                    continue;
                };
                let policies = match &task.action {
                    TaskAction::Hook { delete_policies } => delete_policies.clone(),
                    _ => Vec::new(),
                };
                if let Err(reason) = &outcome {
                    failures.push(reason.clone());
                }
                let result =
                    task_runner::finish_hook(&context, task, created, &policies, outcome).await;
                self.record(results, result);
            } else if let Err(reason) = outcome {
                failures.push(reason);
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(failures.join("; "))
        }
    }

    /// Namespaces that do not exist yet and that this sync would create
    /// (`CreateNamespace=true`, or a Namespace among the app's objects): a
    /// dry run cannot validate objects inside them.
    async fn namespaces_created_by(&self, plan: &SyncPlan) -> Vec<String> {
        let mut candidates: Vec<String> = plan
            .tasks
            .iter()
            .filter(|task| {
                task.action == TaskAction::Apply
                    && task.key.group.is_empty()
                    && task.key.kind == "Namespace"
            })
            .map(|task| task.key.name.clone())
            .collect();
        let destination = &self.request.compare.destination_namespace;
        if !destination.is_empty() && self.request.app_options.is("CreateNamespace", "true") {
            candidates.push(destination.clone());
        }
        let mut missing = Vec::new();
        for name in candidates {
            let key = ObjectKey {
                group: String::new(),
                kind: "Namespace".to_string(),
                namespace: String::new(),
                name: name.clone(),
            };
            if matches!(self.cluster.get("v1", &key).await, Ok(None)) {
                missing.push(name);
            }
        }
        missing
    }

    /// `CreateNamespace=true`: the destination namespace is created if it
    /// is missing and the app does not define it itself. It is not tracked
    /// (it is not the app's, and is never pruned), as in Argo CD.
    async fn create_namespace_if_asked(&self, plan: &SyncPlan) -> Result<(), String> {
        let namespace = &self.request.compare.destination_namespace;
        if namespace.is_empty() || !self.request.app_options.is("CreateNamespace", "true") {
            return Ok(());
        }
        let defined_by_app = plan.tasks.iter().any(|task| {
            task.key.group.is_empty() && task.key.kind == "Namespace" && &task.key.name == namespace
        });
        if defined_by_app {
            return Ok(());
        }
        let key = ObjectKey {
            group: String::new(),
            kind: "Namespace".to_string(),
            namespace: String::new(),
            name: namespace.clone(),
        };
        match self.cluster.get("v1", &key).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => {
                let object = serde_json::json!({
                    "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}
                });
                self.cluster
                    .apply(&object, &ApplyOptions::new(FIELD_MANAGER))
                    .await
                    .map(|_| ())
                    .map_err(|error| format!("cannot create namespace {namespace}: {error}"))
            }
            Err(error) => Err(format!("cannot read namespace {namespace}: {error}")),
        }
    }
}

fn api_version(object: &Value) -> String {
    object["apiVersion"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Group and kind of every CRD the plan applies.
fn crds_in(plan: &SyncPlan) -> Vec<(String, String)> {
    plan.tasks
        .iter()
        .filter(|task| task.key.kind == "CustomResourceDefinition")
        .filter_map(|task| {
            let spec = &task.object["spec"];
            Some((
                spec["group"].as_str()?.to_string(),
                spec["names"]["kind"].as_str()?.to_string(),
            ))
        })
        .collect()
}
