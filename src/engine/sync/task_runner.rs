//! Running one task of a plan against the cluster: apply a manifest
//! (server-side apply, or replace), create a hook, or prune. Each returns
//! the resource's result; nothing here waits for health.

use std::time::Duration;

use serde_json::Value;

use super::operation::{Change, ResourceResult, ResultCode};
use super::plan::{SyncTask, TaskAction};
use super::sync_options::SyncOptions;
use crate::engine::cluster::{ApplyOptions, ClusterClient, ClusterError, DeletePropagation};
use crate::engine::conventions::hooks::HookDeletePolicy;
use crate::engine::diff::{
    APP_LABEL, FIELD_MANAGER, ResourceSyncStatus, TRACKING_ANNOTATION, TrackingId, app_label_value,
};
use crate::engine::manifest::ObjectKey;

/// How often a custom resource is retried while its CRD, applied a moment
/// earlier in the same sync, is not served yet.
const UNKNOWN_KIND_RETRIES: u32 = 10;
const UNKNOWN_KIND_PAUSE: Duration = Duration::from_millis(500);

pub(crate) struct TaskContext<'a> {
    pub cluster: &'a ClusterClient,
    pub app: &'a str,
    pub app_options: &'a SyncOptions,
    pub dry_run: bool,
}

/// The object with fleetdeck's tracking annotation naming it, and the
/// app label that lets a sync list the app's objects by selector.
pub(crate) fn with_tracking(object: &Value, app: &str, key: &ObjectKey) -> Value {
    let mut object = object.clone();
    if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        set_entry(
            metadata,
            "annotations",
            TRACKING_ANNOTATION,
            TrackingId::new(app, key.clone()).to_string(),
        );
        set_entry(metadata, "labels", APP_LABEL, app_label_value(app));
    }
    object
}

/// Sets `metadata.<map>.<name>`, creating the map when absent.
fn set_entry(metadata: &mut serde_json::Map<String, Value>, map: &str, name: &str, value: String) {
    let entries = metadata
        .entry(map)
        .or_insert_with(|| Value::Object(Default::default()));
    if !entries.is_object() {
        *entries = Value::Object(Default::default());
    }
    if let Some(entries) = entries.as_object_mut() {
        entries.insert(name.into(), Value::String(value));
    }
}

fn api_version(object: &Value) -> &str {
    object["apiVersion"].as_str().unwrap_or_default()
}

fn result(
    task: &SyncTask,
    change: Change,
    status: ResultCode,
    message: impl Into<String>,
) -> ResourceResult {
    ResourceResult {
        key: task.key.clone(),
        phase: task.phase,
        wave: task.wave,
        change,
        status,
        hook: task.action.is_hook(),
        message: message.into(),
    }
}

/// The change an apply makes, from the comparison's verdict.
pub(crate) fn apply_change(status: Option<ResourceSyncStatus>) -> Change {
    match status {
        Some(ResourceSyncStatus::Synced) => Change::Unchanged,
        Some(ResourceSyncStatus::OutOfSync) => Change::Update,
        _ => Change::Create,
    }
}

/// Applies a manifest. `status` is how it compared before the sync.
pub(crate) async fn apply(
    context: &TaskContext<'_>,
    task: &SyncTask,
    status: Option<ResourceSyncStatus>,
) -> ResourceResult {
    let change = apply_change(status);
    let options =
        SyncOptions::layered(context.app_options, &SyncOptions::of_resource(&task.object));
    if options.is("ApplyOutOfSyncOnly", "true") && change == Change::Unchanged {
        return result(
            task,
            change,
            ResultCode::Synced,
            "unchanged (ApplyOutOfSyncOnly)",
        );
    }
    let object = with_tracking(&task.object, context.app, &task.key);
    let sent = if options.is("Replace", "true") {
        replace(context, &object, task).await
    } else {
        let apply = ApplyOptions {
            dry_run: context.dry_run,
            validate: !options.is("Validate", "false"),
            ..ApplyOptions::new(FIELD_MANAGER)
        };
        retry_unknown_kind(|| context.cluster.apply(&object, &apply)).await
    };
    match sent {
        Ok(_) => {
            let verb = match change {
                Change::Create => "created",
                Change::Unchanged => "unchanged",
                _ => "configured",
            };
            let message = if context.dry_run {
                format!("{verb} (dry run)")
            } else {
                verb.to_string()
            };
            result(task, change, ResultCode::Synced, message)
        }
        Err(error) => result(task, change, ResultCode::SyncFailed, error.to_string()),
    }
}

/// `Replace=true`: create, or PUT over the live object (its
/// resourceVersion guards against a concurrent writer).
async fn replace(
    context: &TaskContext<'_>,
    object: &Value,
    task: &SyncTask,
) -> Result<Value, ClusterError> {
    let cluster = context.cluster;
    let live = cluster.get(api_version(object), &task.key).await?;
    match live {
        None => cluster.create(object, FIELD_MANAGER, context.dry_run).await,
        Some(live) => {
            let mut object = object.clone();
            object["metadata"]["resourceVersion"] = live["metadata"]["resourceVersion"].clone();
            cluster
                .replace(&object, FIELD_MANAGER, context.dry_run)
                .await
        }
    }
}

async fn retry_unknown_kind<F, Fut>(mut send: F) -> Result<Value, ClusterError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Value, ClusterError>>,
{
    let mut attempt = 0;
    loop {
        match send().await {
            Err(ClusterError::UnknownKind { .. }) if attempt < UNKNOWN_KIND_RETRIES => {
                attempt += 1;
                tokio::time::sleep(UNKNOWN_KIND_PAUSE).await;
            }
            other => return other,
        }
    }
}

/// Creates a hook object (deleting the previous run's first, as
/// `BeforeHookCreation` asks). Returns the created object's key (a
/// `generateName` hook gets its name here), or the failed result.
pub(crate) async fn create_hook(
    context: &TaskContext<'_>,
    task: &SyncTask,
    policies: &[HookDeletePolicy],
    timeout: Duration,
    poll: Duration,
) -> Result<ObjectKey, ResourceResult> {
    let failed = |message: String| result(task, Change::RunHook, ResultCode::SyncFailed, message);
    let cluster = context.cluster;
    let version = api_version(&task.object);
    let named = !task.key.name.is_empty();
    if named && policies.contains(&HookDeletePolicy::BeforeHookCreation) {
        delete_and_wait(cluster, version, &task.key, timeout, poll)
            .await
            .map_err(failed)?;
    }
    let object = if named {
        with_tracking(&task.object, context.app, &task.key)
    } else {
        task.object.clone()
    };
    let created = retry_unknown_kind(|| cluster.create(&object, FIELD_MANAGER, false))
        .await
        .map_err(|error| failed(error.to_string()))?;
    Ok(ObjectKey::of(&created))
}

/// Deletes an object and waits until it is gone.
pub(crate) async fn delete_and_wait(
    cluster: &ClusterClient,
    api_version: &str,
    key: &ObjectKey,
    timeout: Duration,
    poll: Duration,
) -> Result<(), String> {
    let existed = cluster
        .delete(api_version, key, DeletePropagation::Foreground, false)
        .await
        .map_err(|error| error.to_string())?;
    if !existed {
        return Ok(());
    }
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        match cluster.get(api_version, key).await {
            Ok(None) => return Ok(()),
            Ok(Some(_)) if tokio::time::Instant::now() >= deadline => {
                return Err(format!(
                    "{key} still exists {}s after it was deleted",
                    timeout.as_secs()
                ));
            }
            Ok(Some(_)) => tokio::time::sleep(poll).await,
            Err(error) => return Err(error.to_string()),
        }
    }
}

/// Deletes a live object gone from Git, or records why it stays.
pub(crate) async fn prune(context: &TaskContext<'_>, task: &SyncTask) -> ResourceResult {
    if let TaskAction::PruneSkipped { reason } = &task.action {
        return result(task, Change::Keep, ResultCode::PruneSkipped, reason.clone());
    }
    let options =
        SyncOptions::layered(context.app_options, &SyncOptions::of_resource(&task.object));
    let propagation = options
        .get("PrunePropagationPolicy")
        .and_then(DeletePropagation::parse)
        .unwrap_or_default();
    match context
        .cluster
        .delete(
            api_version(&task.object),
            &task.key,
            propagation,
            context.dry_run,
        )
        .await
    {
        Ok(existed) => {
            let message = match (context.dry_run, existed) {
                (true, _) => "pruned (dry run)",
                (false, true) => "pruned",
                (false, false) => "already gone",
            };
            result(task, Change::Prune, ResultCode::Pruned, message)
        }
        Err(error) => result(
            task,
            Change::Prune,
            ResultCode::SyncFailed,
            error.to_string(),
        ),
    }
}

/// The hook's final result, and its deletion as its policies ask.
pub(crate) async fn finish_hook(
    context: &TaskContext<'_>,
    task: &SyncTask,
    created: &ObjectKey,
    policies: &[HookDeletePolicy],
    outcome: Result<String, String>,
) -> ResourceResult {
    let succeeded = outcome.is_ok();
    let delete = (succeeded && policies.contains(&HookDeletePolicy::HookSucceeded))
        || (!succeeded && policies.contains(&HookDeletePolicy::HookFailed));
    let mut deletion_note = String::new();
    if delete
        && let Err(error) = context
            .cluster
            .delete(
                api_version(&task.object),
                created,
                DeletePropagation::Background,
                false,
            )
            .await
    {
        deletion_note = format!(" (could not delete it: {error})");
    }
    let mut hook_result = match outcome {
        Ok(message) => result(task, Change::RunHook, ResultCode::Synced, message),
        Err(message) => result(task, Change::RunHook, ResultCode::SyncFailed, message),
    };
    hook_result.key = created.clone();
    hook_result.message.push_str(&deletion_note);
    hook_result
}
