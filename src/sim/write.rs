//! The write verbs: create (with generateName), update (PUT, optimistic concurrency on
//! resourceVersion), patch (merge / JSON / strategic) and server-side apply (which may
//! create). All go through one commit step that keeps server-owned metadata, protects
//! status behind its subresource, bumps generation on spec changes, records
//! managedFields, skips no-op writes and honours `dryRun=All`.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::apply::{self, ApplyConflict, ApplyRequest, server_side_apply};
use super::defaults;
use super::garbage_collector;
use super::managed_fields::{FieldScope, Writer, track_update};
use super::meta;
use super::patch::{ACCEPTED_PATCH_TYPES, PatchType, apply_patch};
use super::resource_kinds::{ResourceKind, builtin};
use super::server::{ApiRequest, ClusterState};
use super::status_error::{ApiError, qualified_resource};
use super::store::Store;
use super::validation;

/// The object (or collection) a request addresses.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target<'a> {
    pub kind: &'a ResourceKind,
    pub namespace: Option<&'a str>,
    pub name: Option<&'a str>,
    pub subresource: Option<&'a str>,
}

impl Target<'_> {
    pub fn namespace_or_empty(&self) -> &str {
        self.namespace.unwrap_or_default()
    }

    pub fn name_or_empty(&self) -> &str {
        self.name.unwrap_or_default()
    }

    pub fn scope(&self) -> FieldScope {
        if self.subresource == Some("status") {
            FieldScope::Status
        } else {
            FieldScope::Main {
                exclude_status: self.kind.status,
            }
        }
    }
}

/// How managedFields are maintained for a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tracking {
    /// A non-apply write: the manager takes the fields it changed.
    Update,
    /// Server-side apply already computed managedFields.
    Applied,
}

/// The object as served through the requested version (custom resources are stored
/// once, whatever version wrote them; there is no conversion).
pub(crate) fn present(kind: &ResourceKind, object: &Value) -> Value {
    let mut object = object.clone();
    let api_version = kind.api_version();
    if object["apiVersion"].as_str() != Some(api_version.as_str())
        && let Some(map) = object.as_object_mut()
    {
        map.insert("apiVersion".into(), Value::String(api_version));
    }
    object
}

/// What [`present`] returns, serialised straight from the stored object without
/// copying it: lists and watches serialise tens of thousands of stored objects.
pub(crate) struct Served<'a> {
    pub api_version: &'a str,
    pub object: &'a Value,
}

impl serde::Serialize for Served<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let Some(map) = self.object.as_object() else {
            return self.object.serialize(serializer);
        };
        let stored = map.get("apiVersion").and_then(Value::as_str);
        if stored == Some(self.api_version) {
            return self.object.serialize(serializer);
        }
        // As `present`: replaced in place, or appended when missing.
        let missing = !map.contains_key("apiVersion");
        let mut out = serializer.serialize_map(Some(map.len() + usize::from(missing)))?;
        for (key, value) in map {
            if key == "apiVersion" {
                out.serialize_entry(key, self.api_version)?;
            } else {
                out.serialize_entry(key, value)?;
            }
        }
        if missing {
            out.serialize_entry("apiVersion", self.api_version)?;
        }
        out.end()
    }
}

pub(crate) fn parse_body(body: &[u8]) -> Result<Value, ApiError> {
    let value = apply::parse_applied(body)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid: {e}")))?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            "the request body must be a single object",
        ));
    }
    Ok(value)
}

/// apiVersion and kind of a body must be those of the endpoint; missing ones are filled
/// in unless `required` (apply needs both).
fn check_type(kind: &ResourceKind, object: &mut Value, required: bool) -> Result<(), ApiError> {
    let expected_version = kind.api_version();
    let map = object
        .as_object_mut()
        .ok_or_else(|| ApiError::bad_request("the request body must be an object"))?;
    match map.get("apiVersion").and_then(Value::as_str) {
        Some(v) if v != expected_version => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({expected_version})"
            )));
        }
        None if required => {
            return Err(ApiError::bad_request("apiVersion must be set"));
        }
        _ => {}
    }
    match map.get("kind").and_then(Value::as_str) {
        Some(k) if k != kind.kind => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                kind.kind
            )));
        }
        None if required => return Err(ApiError::bad_request("kind must be set")),
        _ => {}
    }
    map.insert("apiVersion".into(), Value::String(expected_version));
    map.insert("kind".into(), Value::String(kind.kind.clone()));
    Ok(())
}

/// Make the body's name and namespace agree with the URL.
fn check_identity(target: &Target<'_>, object: &mut Value) -> Result<(), ApiError> {
    let kind = target.kind;
    let body_namespace = meta::namespace(object).to_string();
    let body_name = meta::name(object).to_string();
    let metadata = meta::meta_mut(object);
    if let Some(url_name) = target.name {
        if !body_name.is_empty() && body_name != url_name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({body_name}) does not match the name on the URL ({url_name})"
            )));
        }
        metadata.insert("name".into(), Value::String(url_name.to_string()));
    }
    if kind.namespaced {
        let url_namespace = target.namespace_or_empty();
        if !body_namespace.is_empty() && body_namespace != url_namespace {
            return Err(ApiError::bad_request(
                "the namespace of the provided object does not match the namespace sent on the request",
            ));
        }
        metadata.insert("namespace".into(), Value::String(url_namespace.to_string()));
    } else {
        metadata.remove("namespace");
    }
    Ok(())
}

/// A namespaced object can only be created in an existing, non-terminating namespace.
fn check_namespace(store: &Store, target: &Target<'_>, name: &str) -> Result<(), ApiError> {
    if !target.kind.namespaced {
        return Ok(());
    }
    let namespace = target.namespace_or_empty();
    let ns = store
        .get("/namespaces", "", namespace)
        .ok_or_else(|| ApiError::namespace_not_found(namespace))?;
    if meta::is_terminating(&ns) {
        let qr = qualified_resource(&target.kind.group, &target.kind.plural);
        return Err(ApiError::forbidden(format!(
            "{qr} \"{name}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated"
        )));
    }
    Ok(())
}

const GENERATE_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn generated_name(store: &mut Store, prefix: &str) -> String {
    let uid = store.new_uid();
    let suffix: String = uid
        .bytes()
        .filter(u8::is_ascii_hexdigit)
        .take(5)
        .map(|b| GENERATE_ALPHABET[usize::from(b) % GENERATE_ALPHABET.len()] as char)
        .collect();
    format!("{prefix}{suffix}")
}

/// Server-set fields of a new object: uid, creationTimestamp, generation, initial status.
fn prepare_new(store: &mut Store, kind: &ResourceKind, object: &mut Value) {
    let uid = store.new_uid();
    let has_spec = object.get("spec").is_some() || kind.custom;
    let metadata = meta::meta_mut(object);
    metadata.insert("uid".into(), Value::String(uid));
    metadata.insert("creationTimestamp".into(), Value::String(meta::now()));
    for field in [
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "resourceVersion",
        "selfLink",
        "generation",
    ] {
        metadata.remove(field);
    }
    if has_spec {
        metadata.insert("generation".into(), json!(1));
    }
    if let Some(map) = object.as_object_mut() {
        if kind.status && !kind.custom {
            map.remove("status");
        }
        if kind.is_namespace() {
            map.insert("status".into(), json!({"phase": "Active"}));
        }
        if !kind.custom && kind.group.is_empty() && kind.plural == "pods" {
            map.insert("status".into(), json!({"phase": "Pending"}));
        }
    }
    if kind.is_crd() {
        set_crd_status(object);
    }
}

/// A CRD is accepted and established at once (there is no controller delay to model).
fn set_crd_status(crd: &mut Value) {
    let now = meta::now();
    let names = crd["spec"]["names"].clone();
    let stored: Vec<Value> = crd["spec"]["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["storage"].as_bool().unwrap_or(false))
        .map(|v| v["name"].clone())
        .collect();
    if let Some(map) = crd.as_object_mut() {
        map.insert(
            "status".into(),
            json!({
                "conditions": [
                    {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                     "message": "no conflicts found", "lastTransitionTime": now},
                    {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                     "message": "the initial names have been accepted", "lastTransitionTime": now}
                ],
                "acceptedNames": names,
                "storedVersions": stored,
            }),
        );
    }
}

/// The namespaces every cluster starts with.
pub(crate) fn seed_namespaces(store: &mut Store) {
    let Some(kind) = builtin("", "v1", "namespaces") else {
        return;
    };
    for name in ["default", "kube-node-lease", "kube-public", "kube-system"] {
        let mut namespace =
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}});
        prepare_new(store, kind, &mut namespace);
        defaults::normalise(kind, &mut namespace);
        store.put(&kind.storage_key(), namespace);
    }
}

fn writer<'a>(target: &Target<'_>, manager: &'a str, api_version: &'a str) -> Writer<'a> {
    Writer {
        manager,
        api_version,
        subresource: None,
        scope: target.scope(),
        custom: target.kind.custom,
    }
}

pub(crate) fn create(
    cluster: &ClusterState,
    target: &Target<'_>,
    request: &ApiRequest,
) -> Result<Value, ApiError> {
    let kind = target.kind;
    let mut object = parse_body(&request.body)?;
    check_type(kind, &mut object, false)?;
    check_identity(target, &mut object)?;
    let mut store = cluster.lock();
    if meta::name(&object).is_empty() {
        let prefix = object["metadata"]["generateName"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if prefix.is_empty() {
            return Err(ApiError::invalid(
                kind,
                "",
                &[(
                    "metadata.name".into(),
                    "Required value: name or generateName is required".into(),
                )],
            ));
        }
        let name = generated_name(&mut store, &prefix);
        meta::meta_mut(&mut object).insert("name".into(), Value::String(name));
    }
    let name = meta::name(&object).to_string();
    check_namespace(&store, target, &name)?;
    if store
        .get(&kind.storage_key(), target.namespace_or_empty(), &name)
        .is_some()
    {
        return Err(ApiError::already_exists(kind, &name));
    }
    meta::meta_mut(&mut object).remove("managedFields");
    prepare_new(&mut store, kind, &mut object);
    defaults::normalise(kind, &mut object);
    validation::validate(kind, &object)?;
    let manager = request.manager();
    let api_version = kind.api_version();
    track_update(None, &mut object, &writer(target, &manager, &api_version));
    if request.params.dry_run() {
        return Ok(present(kind, &object));
    }
    let stored = store.put(&kind.storage_key(), object);
    Ok(present(kind, &stored))
}

pub(crate) fn update(
    cluster: &ClusterState,
    target: &Target<'_>,
    request: &ApiRequest,
) -> Result<Value, ApiError> {
    let kind = target.kind;
    let mut object = parse_body(&request.body)?;
    check_type(kind, &mut object, false)?;
    check_identity(target, &mut object)?;
    let mut store = cluster.lock();
    let old = store
        .get(
            &kind.storage_key(),
            target.namespace_or_empty(),
            target.name_or_empty(),
        )
        .ok_or_else(|| ApiError::not_found(kind, target.name_or_empty()))?;
    let requested = meta::resource_version(&object);
    if !requested.is_empty() && requested != meta::resource_version(&old) {
        return Err(ApiError::conflict(kind, target.name_or_empty()));
    }
    let manager = request.manager();
    commit_update(
        &mut store,
        target,
        &old,
        object,
        &manager,
        request.params.dry_run(),
        Tracking::Update,
    )
}

fn conflict_error(target: &Target<'_>, conflicts: &[ApplyConflict]) -> ApiError {
    let lines: Vec<String> = conflicts
        .iter()
        .map(|c| {
            format!(
                "conflict with \"{}\" using {}: {}",
                c.manager, c.api_version, c.field
            )
        })
        .collect();
    let message = if lines.len() == 1 {
        format!("Apply failed with 1 conflict: {}", lines[0])
    } else {
        format!(
            "Apply failed with {} conflicts: {}",
            lines.len(),
            lines.join("\n")
        )
    };
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|c| {
            json!({"reason": "FieldManagerConflict",
                "message": format!("conflict with \"{}\" using {}", c.manager, c.api_version),
                "field": c.field})
        })
        .collect();
    ApiError::new(409, "Conflict", message).with_details(json!({
        "name": target.name_or_empty(),
        "group": target.kind.group,
        "kind": target.kind.plural,
        "causes": causes,
    }))
}

pub(crate) fn patch(
    cluster: &ClusterState,
    target: &Target<'_>,
    request: &ApiRequest,
) -> Result<(StatusCode, Value), ApiError> {
    let kind = target.kind;
    let content_type = request.content_type();
    let patch_type = PatchType::from_content_type(content_type)
        .ok_or_else(|| ApiError::unsupported_media_type(content_type, ACCEPTED_PATCH_TYPES))?;
    if patch_type == PatchType::Strategic && kind.custom {
        return Err(ApiError::unsupported_media_type(
            content_type,
            &[
                "application/json-patch+json",
                "application/merge-patch+json",
                "application/apply-patch+yaml",
            ],
        ));
    }
    let name = target.name_or_empty();
    let dry_run = request.params.dry_run();
    let mut store = cluster.lock();
    let old = store.get(&kind.storage_key(), target.namespace_or_empty(), name);
    if patch_type != PatchType::Apply {
        let old = old.ok_or_else(|| ApiError::not_found(kind, name))?;
        let mut patched = (*old).clone();
        apply_patch(&mut patched, patch_type, &request.body, kind.custom).map_err(|e| {
            ApiError::new(
                422,
                "Invalid",
                format!("the patch could not be applied: {e}"),
            )
        })?;
        let requested = meta::resource_version(&patched);
        if !requested.is_empty() && requested != meta::resource_version(&old) {
            return Err(ApiError::conflict(kind, name));
        }
        let manager = request.manager();
        return commit_update(
            &mut store,
            target,
            &old,
            patched,
            &manager,
            dry_run,
            Tracking::Update,
        )
        .map(|v| (StatusCode::OK, v));
    }

    let manager = request
        .params
        .get("fieldManager")
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                422,
                "Invalid",
                "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch",
            )
        })?
        .to_string();
    let mut applied = apply::parse_applied(&request.body)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
    if !applied.is_object() {
        return Err(ApiError::bad_request(
            "the applied configuration must be an object",
        ));
    }
    check_type(kind, &mut applied, true)?;
    check_identity(target, &mut applied)?;
    let api_version = kind.api_version();
    let apply_request = ApplyRequest {
        manager: &manager,
        api_version: &api_version,
        force: request.params.flag("force"),
        subresource: target.subresource,
        scope: target.scope(),
        custom: kind.custom,
    };
    match old {
        Some(old) => {
            let merged = server_side_apply((*old).clone(), &applied, &apply_request)
                .map_err(|conflicts| conflict_error(target, &conflicts))?;
            commit_update(
                &mut store,
                target,
                &old,
                merged,
                &manager,
                dry_run,
                Tracking::Applied,
            )
            .map(|v| (StatusCode::OK, v))
        }
        None => {
            if target.subresource.is_some() {
                return Err(ApiError::not_found(kind, name));
            }
            check_namespace(&store, target, name)?;
            let mut skeleton = json!({"apiVersion": api_version, "kind": kind.kind,
                "metadata": {"name": name}});
            if kind.namespaced {
                meta::meta_mut(&mut skeleton).insert(
                    "namespace".into(),
                    Value::String(target.namespace_or_empty().to_string()),
                );
            }
            let mut object = server_side_apply(skeleton, &applied, &apply_request)
                .map_err(|conflicts| conflict_error(target, &conflicts))?;
            prepare_new(&mut store, kind, &mut object);
            defaults::normalise(kind, &mut object);
            validation::validate(kind, &object)?;
            if dry_run {
                return Ok((StatusCode::CREATED, present(kind, &object)));
            }
            let stored = store.put(&kind.storage_key(), object);
            Ok((StatusCode::CREATED, present(kind, &stored)))
        }
    }
}

/// Everything but metadata (and status when it has its own subresource): a change here
/// bumps `metadata.generation`.
fn generation_content(kind: &ResourceKind, object: &Value) -> Value {
    let mut content = object.clone();
    if let Some(map) = content.as_object_mut() {
        map.remove("metadata");
        if kind.status {
            map.remove("status");
        }
    }
    content
}

/// Equal but for resourceVersion and managedFields timestamps: a no-op write.
fn same_object(a: &Value, b: &Value) -> bool {
    let normalise = |object: &Value| {
        let mut object = object.clone();
        let metadata = meta::meta_mut(&mut object);
        metadata.remove("resourceVersion");
        if let Some(Value::Array(entries)) = metadata.get_mut("managedFields") {
            for entry in entries {
                if let Some(map) = entry.as_object_mut() {
                    map.remove("time");
                }
            }
        }
        object
    };
    normalise(a) == normalise(b)
}

/// Store the new state of an existing object (see the module header for the rules).
pub(crate) fn commit_update(
    store: &mut Store,
    target: &Target<'_>,
    old: &Value,
    mut new: Value,
    manager: &str,
    dry_run: bool,
    tracking: Tracking,
) -> Result<Value, ApiError> {
    let kind = target.kind;
    let mut new = if target.subresource == Some("status") {
        let mut merged = old.clone();
        if let Some(map) = merged.as_object_mut() {
            match new.get("status") {
                Some(status) => map.insert("status".into(), status.clone()),
                None => map.remove("status"),
            };
        }
        if tracking == Tracking::Applied
            && let Some(fields) = new["metadata"].get("managedFields")
        {
            meta::meta_mut(&mut merged).insert("managedFields".into(), fields.clone());
        }
        merged
    } else {
        if kind.status
            && let Some(map) = new.as_object_mut()
        {
            match old.get("status") {
                Some(status) => map.insert("status".into(), status.clone()),
                None => map.remove("status"),
            };
        }
        new
    };
    {
        let old_meta = &old["metadata"];
        let metadata = meta::meta_mut(&mut new);
        for field in [
            "uid",
            "creationTimestamp",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "generation",
            "name",
            "namespace",
            "resourceVersion",
        ] {
            match old_meta.get(field) {
                Some(value) => metadata.insert(field.into(), value.clone()),
                None => metadata.remove(field),
            };
        }
        if tracking == Tracking::Update
            && !metadata.contains_key("managedFields")
            && let Some(fields) = old_meta.get("managedFields")
        {
            metadata.insert("managedFields".into(), fields.clone());
        }
    }
    defaults::normalise(kind, &mut new);
    if tracking == Tracking::Update {
        let api_version = kind.api_version();
        let mut w = writer(target, manager, &api_version);
        w.subresource = target.subresource;
        track_update(Some(old), &mut new, &w);
    }
    if let Some(generation) = old["metadata"]["generation"].as_i64()
        && generation_content(kind, old) != generation_content(kind, &new)
    {
        meta::meta_mut(&mut new).insert("generation".into(), json!(generation + 1));
    }
    if meta::is_terminating(old) {
        let before = meta::finalizers(old);
        if let Some(added) = meta::finalizers(&new).iter().find(|f| !before.contains(f)) {
            return Err(ApiError::forbidden(format!(
                "no new finalizers can be added if the object is being deleted, found new finalizers [\"{added}\"]"
            )));
        }
    }
    validation::validate(kind, &new)?;
    validation::validate_update(kind, old, &new)?;
    if same_object(old, &new) {
        return Ok(present(kind, old));
    }
    if dry_run {
        return Ok(present(kind, &new));
    }
    let stored = store.put(&kind.storage_key(), new);
    if meta::is_terminating(&stored) {
        garbage_collector::collect(store);
    }
    Ok(present(kind, &stored))
}

/// Create an object on behalf of a simulated controller: the same checks, defaults,
/// metadata and watch event as an API create (generateName included), with `manager`
/// recorded in managedFields.
pub(crate) fn create_internal(
    store: &mut Store,
    kind: &ResourceKind,
    mut object: Value,
    manager: &str,
) -> Result<std::sync::Arc<Value>, ApiError> {
    check_type(kind, &mut object, false)?;
    let namespace = meta::namespace(&object).to_string();
    if meta::name(&object).is_empty() {
        let prefix = object["metadata"]["generateName"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = generated_name(store, &prefix);
        meta::meta_mut(&mut object).insert("name".into(), Value::String(name));
    }
    let name = meta::name(&object).to_string();
    let target = Target {
        kind,
        namespace: kind.namespaced.then_some(namespace.as_str()),
        name: Some(&name),
        subresource: None,
    };
    check_namespace(store, &target, &name)?;
    if store
        .get(&kind.storage_key(), target.namespace_or_empty(), &name)
        .is_some()
    {
        return Err(ApiError::already_exists(kind, &name));
    }
    prepare_new(store, kind, &mut object);
    defaults::normalise(kind, &mut object);
    validation::validate(kind, &object)?;
    let api_version = kind.api_version();
    track_update(None, &mut object, &writer(&target, manager, &api_version));
    Ok(store.put(&kind.storage_key(), object))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_serialises_exactly_as_present() {
        let kind = builtin("apps", "v1", "deployments").expect("kind");
        let objects = [
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}}),
            json!({"apiVersion": "apps/v1beta9", "kind": "Deployment", "metadata": {"name": "b"}}),
            json!({"kind": "Deployment", "metadata": {"name": "c"}}),
        ];
        let api_version = kind.api_version();
        for object in &objects {
            let served = serde_json::to_string(&Served {
                api_version: &api_version,
                object,
            })
            .expect("serialise");
            let presented = serde_json::to_string(&present(kind, object)).expect("serialise");
            assert_eq!(served, presented);
        }
    }
}
