//! The `/scale` subresource: an `autoscaling/v1` Scale view of a workload's
//! `spec.replicas` (and `status.replicas`, selector), readable, replaceable and
//! patchable (merge / JSON / strategic), as `kubectl scale` and HPAs use it.

use serde_json::{Value, json};

use super::meta;
use super::patch::{ACCEPTED_PATCH_TYPES, PatchType, apply_patch};
use super::selectors::LabelSelector;
use super::server::{ApiRequest, ClusterState};
use super::status_error::ApiError;
use super::store::Store;
use super::write::{Target, Tracking, commit_update, parse_body};

fn scale_of(object: &Value) -> Value {
    let selector = LabelSelector::from_label_selector_object(&object["spec"]["selector"]);
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta::name(object),
            "namespace": meta::namespace(object),
            "uid": meta::uid(object),
            "resourceVersion": meta::resource_version(object),
            "creationTimestamp": object["metadata"]["creationTimestamp"],
        },
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {
            "replicas": object["status"]["replicas"].as_i64().unwrap_or(0),
            "selector": selector.to_query(),
        },
    })
}

fn current(store: &Store, target: &Target<'_>) -> Result<std::sync::Arc<Value>, ApiError> {
    store
        .get(
            &target.kind.storage_key(),
            target.namespace_or_empty(),
            target.name_or_empty(),
        )
        .ok_or_else(|| ApiError::not_found(target.kind, target.name_or_empty()))
}

pub(crate) fn get(cluster: &ClusterState, target: &Target<'_>) -> Result<Value, ApiError> {
    let object = current(&cluster.lock(), target)?;
    Ok(scale_of(&object))
}

/// Write `scale.spec.replicas` into the object (checking the Scale's resourceVersion).
fn write_replicas(
    store: &mut Store,
    target: &Target<'_>,
    object: &Value,
    scale: &Value,
    request: &ApiRequest,
) -> Result<Value, ApiError> {
    let requested = scale["metadata"]["resourceVersion"]
        .as_str()
        .unwrap_or_default();
    if !requested.is_empty() && requested != meta::resource_version(object) {
        return Err(ApiError::conflict(target.kind, target.name_or_empty()));
    }
    let replicas = scale["spec"]["replicas"]
        .as_i64()
        .filter(|r| *r >= 0)
        .ok_or_else(|| {
            ApiError::invalid(
                target.kind,
                target.name_or_empty(),
                &[(
                    "spec.replicas".into(),
                    "Invalid value: must be a non-negative integer".into(),
                )],
            )
        })?;
    let mut updated = object.clone();
    updated["spec"]["replicas"] = json!(replicas);
    let main = Target {
        subresource: None,
        ..*target
    };
    let manager = request.manager();
    let stored = commit_update(
        store,
        &main,
        object,
        updated,
        &manager,
        request.params.dry_run(),
        Tracking::Update,
    )?;
    Ok(scale_of(&stored))
}

pub(crate) fn update(
    cluster: &ClusterState,
    target: &Target<'_>,
    request: &ApiRequest,
) -> Result<Value, ApiError> {
    let scale = parse_body(&request.body)?;
    let mut store = cluster.lock();
    let object = current(&store, target)?;
    write_replicas(&mut store, target, &object, &scale, request)
}

pub(crate) fn patch(
    cluster: &ClusterState,
    target: &Target<'_>,
    request: &ApiRequest,
) -> Result<Value, ApiError> {
    let content_type = request.content_type();
    let patch_type = PatchType::from_content_type(content_type)
        .filter(|t| *t != PatchType::Apply)
        .ok_or_else(|| ApiError::unsupported_media_type(content_type, ACCEPTED_PATCH_TYPES))?;
    let mut store = cluster.lock();
    let object = current(&store, target)?;
    let mut scale = scale_of(&object);
    apply_patch(&mut scale, patch_type, &request.body, false).map_err(|e| {
        ApiError::new(
            422,
            "Invalid",
            format!("the patch could not be applied: {e}"),
        )
    })?;
    write_replicas(&mut store, target, &object, &scale, request)
}
