//! The delete verbs: DELETE of one object (DeleteOptions from the body or the query:
//! propagationPolicy, preconditions, dryRun) and of a collection (deletecollection with
//! label / field selectors). Immediate deletions answer with a `Status` Success, pending
//! ones (finalizers, foreground, orphan) with the terminating object.

use serde_json::{Value, json};

use super::garbage_collector::{Deletion, Propagation, delete_object};
use super::meta;
use super::selectors::{FieldSelector, LabelSelector};
use super::server::{ApiRequest, ClusterState};
use super::status_error::ApiError;
use super::write::{Target, present};

struct DeleteOptions {
    propagation: Propagation,
    dry_run: bool,
    uid: Option<String>,
    resource_version: Option<String>,
}

fn options(request: &ApiRequest) -> Result<DeleteOptions, ApiError> {
    let body: Value = if request.body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(&request.body)
            .map_err(|e| ApiError::bad_request(format!("invalid DeleteOptions: {e}")))?
    };
    let policy_text = body["propagationPolicy"]
        .as_str()
        .or_else(|| request.params.get("propagationPolicy"));
    let propagation = match policy_text {
        None => {
            if body["orphanDependents"].as_bool() == Some(true)
                || request.params.flag("orphanDependents")
            {
                Propagation::Orphan
            } else {
                Propagation::Background
            }
        }
        Some(text) => Propagation::parse(text).ok_or_else(|| {
            ApiError::new(
                422,
                "Invalid",
                format!("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{text}\""),
            )
        })?,
    };
    let dry_run = request.params.dry_run()
        || body["dryRun"]
            .as_array()
            .is_some_and(|v| v.iter().any(|d| d == "All"));
    let precondition = |field: &str| {
        body["preconditions"][field]
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    Ok(DeleteOptions {
        propagation,
        dry_run,
        uid: precondition("uid"),
        resource_version: precondition("resourceVersion"),
    })
}

fn success(target: &Target<'_>, name: &str, uid: &str) -> Value {
    json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": name, "group": target.kind.group, "kind": target.kind.plural, "uid": uid},
    })
}

pub(crate) fn delete(
    cluster: &ClusterState,
    target: &Target<'_>,
    request: &ApiRequest,
) -> Result<Value, ApiError> {
    let kind = target.kind;
    let options = options(request)?;
    let name = target.name_or_empty();
    let namespace = target.namespace_or_empty();
    let storage_key = kind.storage_key();
    let mut store = cluster.lock();
    let object = store
        .get(&storage_key, namespace, name)
        .ok_or_else(|| ApiError::not_found(kind, name))?;
    if let Some(uid) = &options.uid
        && uid != meta::uid(&object)
    {
        return Err(ApiError::conflict_message(
            kind,
            name,
            format!(
                "Precondition failed: UID in precondition: {uid}, UID in object meta: {}",
                meta::uid(&object)
            ),
        ));
    }
    if let Some(rv) = &options.resource_version
        && rv != meta::resource_version(&object)
    {
        return Err(ApiError::conflict_message(
            kind,
            name,
            format!(
                "Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {}",
                meta::resource_version(&object)
            ),
        ));
    }
    if options.dry_run {
        return Ok(present(kind, &object));
    }
    match delete_object(
        &mut store,
        &storage_key,
        namespace,
        name,
        options.propagation,
    ) {
        Some(Deletion::Removed(last)) => Ok(success(target, name, meta::uid(&last))),
        Some(Deletion::Pending(current)) => Ok(present(kind, &current)),
        None => Err(ApiError::not_found(kind, name)),
    }
}

pub(crate) fn delete_collection(
    cluster: &ClusterState,
    target: &Target<'_>,
    request: &ApiRequest,
) -> Result<Value, ApiError> {
    let kind = target.kind;
    let options = options(request)?;
    let labels = LabelSelector::parse(request.params.get("labelSelector").unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    let fields = FieldSelector::parse(request.params.get("fieldSelector").unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    let storage_key = kind.storage_key();
    let mut store = cluster.lock();
    let matching: Vec<_> = store
        .list(&storage_key, target.namespace)
        .into_iter()
        .filter(|o| labels.matches(o) && fields.matches(o))
        .collect();
    let mut items = Vec::new();
    for object in matching {
        items.push(present(kind, &object));
        if !options.dry_run {
            delete_object(
                &mut store,
                &storage_key,
                meta::namespace(&object),
                meta::name(&object),
                options.propagation,
            );
        }
    }
    Ok(json!({
        "kind": kind.list_kind,
        "apiVersion": kind.api_version(),
        "metadata": {"resourceVersion": store.resource_version().to_string()},
        "items": items,
    }))
}
