//! One resource's comparison: [`compare_resource`] and its result,
//! [`ResourceDiff`].

use serde::Serialize;
use serde_json::{Map, Value};

use super::compare::compare;
use super::error::{DiffError, Side};
use super::ignore_differences::{apply_ignore_rules, rule_matches};
use super::normalize::{normalize, normalize_for_compare};
use super::options::CompareOptions;
use super::removed_fields::{Operations, managed_field_set};
use super::secret_mask::mask_secret_values;
use super::sync_status::{ResourceSyncStatus, ignores_extraneous};
use super::text_diff::unified_yaml_diff;
use crate::engine::conventions::scope::{CrdScopes, lookup};
use crate::engine::conventions::tracking::FIELD_MANAGER;
use crate::engine::conventions::tracking::TrackingId;
use crate::engine::manifest::{ObjectKey, Origin};

/// How one resource compares. Secret values are masked in `diff`; no field
/// holds any other value of the objects.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDiff {
    pub key: ObjectKey,
    /// Where the desired object was rendered from, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
    pub status: ResourceSyncStatus,
    /// The live object carries this app's tracking id naming it (else a
    /// sync adopts it).
    pub tracked: bool,
    /// Another application whose tracking id names this live object: the
    /// resource is shared, and a sync would take it over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracked_by_other_app: Option<String>,
    /// Extraneous: only a prune brings the app in line.
    pub requires_pruning: bool,
    /// Whether the status counts towards the app's (false for an
    /// extraneous object marked `IgnoreExtraneous`).
    pub affects_app_status: bool,
    /// Unified YAML diff, live → desired; `None` when Synced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Fields that differ (`spec.template.spec.containers[name=app].image`).
    pub drifted_paths: Vec<String>,
}

/// Compares one resource: `desired` from Git (a namespaced object without
/// a namespace goes to the destination namespace) and `live` from the
/// cluster. Desired alone is Missing; live alone is Extraneous, and must
/// carry this app's tracking id.
pub fn compare_resource(
    desired: Option<&Value>,
    live: Option<&Value>,
    options: &CompareOptions,
) -> Result<ResourceDiff, DiffError> {
    let desired = desired
        .map(|object| prepare_desired(object, options, None))
        .transpose()?;
    compare_prepared(desired.as_ref(), live, options)
}

/// A desired object, normalised and with its namespace settled, and its
/// identity.
#[derive(Debug, Clone)]
pub(crate) struct PreparedDesired {
    pub normalized: Value,
    pub key: ObjectKey,
}

pub(crate) fn prepare_desired(
    desired: &Value,
    options: &CompareOptions,
    crds: Option<&CrdScopes>,
) -> Result<PreparedDesired, DiffError> {
    let mut key = object_key(desired, Side::Desired)?;
    let namespaced = lookup(options.scope.as_ref(), crds, &key.group, &key.kind).unwrap_or(true);
    let mut object = normalize(desired);
    let metadata = object
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| invalid(Side::Desired, desired, "`metadata` is not a mapping"))?;
    if namespaced {
        if key.namespace.is_empty() && !options.destination_namespace.is_empty() {
            key.namespace = options.destination_namespace.clone();
            insert_namespace(metadata, &key.namespace);
        }
    } else {
        key.namespace.clear();
        metadata.remove("namespace");
    }
    Ok(PreparedDesired {
        normalized: object,
        key,
    })
}

/// Sets `metadata.namespace` right after `metadata.name`, where people
/// write it, so diffs read naturally.
fn insert_namespace(metadata: &mut Map<String, Value>, namespace: &str) {
    let fields = std::mem::take(metadata);
    for (field, value) in fields {
        let is_name = field == "name";
        if field != "namespace" {
            metadata.insert(field, value);
        }
        if is_name {
            metadata.insert("namespace".into(), Value::String(namespace.to_string()));
        }
    }
    if !metadata.contains_key("namespace") {
        metadata.insert("namespace".into(), Value::String(namespace.to_string()));
    }
}

fn invalid(side: Side, object: &Value, reason: &'static str) -> DiffError {
    let text = |value: &Value| {
        value
            .as_str()
            .filter(|s| !s.is_empty())
            .unwrap_or("?")
            .to_string()
    };
    DiffError::InvalidObject {
        side,
        object: format!(
            "{}/{}",
            text(&object["kind"]),
            text(&object["metadata"]["name"])
        ),
        reason,
    }
}

/// The identity of an object as written (no namespace defaulting).
pub(crate) fn object_key(object: &Value, side: Side) -> Result<ObjectKey, DiffError> {
    if !object.is_object() {
        return Err(invalid(side, object, "not a mapping"));
    }
    fn text(value: &Value) -> Option<&str> {
        value.as_str().filter(|text| !text.is_empty())
    }
    let api_version =
        text(&object["apiVersion"]).ok_or_else(|| invalid(side, object, "no `apiVersion`"))?;
    let kind = text(&object["kind"]).ok_or_else(|| invalid(side, object, "no `kind`"))?;
    let name = text(&object["metadata"]["name"])
        .ok_or_else(|| invalid(side, object, "no `metadata.name`"))?;
    Ok(ObjectKey {
        group: api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
            .to_string(),
        kind: kind.to_string(),
        namespace: object["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        name: name.to_string(),
    })
}

pub(crate) fn compare_prepared(
    desired: Option<&PreparedDesired>,
    live: Option<&Value>,
    options: &CompareOptions,
) -> Result<ResourceDiff, DiffError> {
    let live = live
        .map(|live| object_key(live, Side::Live).map(|key| (live, key)))
        .transpose()?;
    match (desired, live) {
        (None, None) => Err(DiffError::NothingToCompare),
        (Some(desired), None) => {
            let mut shown = desired.normalized.clone();
            mask_secret_values(Some(&mut shown), None);
            let diff = unified_yaml_diff(&desired.key, None, Some(&shown))?;
            Ok(ResourceDiff {
                key: desired.key.clone(),
                origin: None,
                status: ResourceSyncStatus::Missing,
                tracked: false,
                tracked_by_other_app: None,
                requires_pruning: false,
                affects_app_status: true,
                diff: Some(diff),
                drifted_paths: Vec::new(),
            })
        }
        (None, Some((live, key))) => {
            if !TrackingId::names(live, &options.app_name, &key) {
                return Err(DiffError::NotTracked {
                    resource: Box::new(key),
                    app: options.app_name.clone(),
                });
            }
            let mut shown = normalize(live);
            mask_secret_values(None, Some(&mut shown));
            let diff = unified_yaml_diff(&key, Some(&shown), None)?;
            Ok(ResourceDiff {
                key,
                origin: None,
                status: ResourceSyncStatus::Extraneous,
                tracked: true,
                tracked_by_other_app: None,
                requires_pruning: true,
                affects_app_status: !ignores_extraneous(live),
                diff: Some(diff),
                drifted_paths: Vec::new(),
            })
        }
        (Some(desired), Some((live, live_key))) => {
            if desired.key != live_key {
                return Err(DiffError::KeyMismatch {
                    desired: Box::new(desired.key.clone()),
                    live: Box::new(live_key),
                });
            }
            compare_both(desired, live, options)
        }
    }
}

fn compare_both(
    desired: &PreparedDesired,
    live: &Value,
    options: &CompareOptions,
) -> Result<ResourceDiff, DiffError> {
    let key = &desired.key;
    // Live is compared in place unless ignore rules must cut fields out.
    let mut trimmed = None;
    if options
        .ignore_differences
        .iter()
        .any(|rule| rule_matches(rule, key))
    {
        let mut trimmed_desired = desired.normalized.clone();
        let mut trimmed_live = normalize_for_compare(live);
        apply_ignore_rules(
            &options.ignore_differences,
            key,
            live,
            &mut trimmed_desired,
            &mut trimmed_live,
        )?;
        trimmed = Some((trimmed_desired, trimmed_live));
    }
    let (normal_desired, normal_live) = match &trimmed {
        Some((desired, live)) => (desired, live),
        None => (&desired.normalized, live),
    };
    let owned = managed_field_set(live, FIELD_MANAGER, Operations::ApplyOnly, key)?;
    let comparison = compare(normal_desired, normal_live, owned.as_ref());
    let synced = comparison.drifted_paths.is_empty();
    let (tracked, tracked_by_other_app) = tracking(live, &options.app_name, key);
    let diff = match comparison.live_view {
        Some(mut live_view) if !synced => {
            let mut shown = normal_desired.clone();
            mask_secret_values(Some(&mut shown), Some(&mut live_view));
            Some(unified_yaml_diff(key, Some(&live_view), Some(&shown))?)
        }
        _ => None,
    };
    Ok(ResourceDiff {
        key: key.clone(),
        origin: None,
        status: if synced {
            ResourceSyncStatus::Synced
        } else {
            ResourceSyncStatus::OutOfSync
        },
        tracked,
        tracked_by_other_app,
        requires_pruning: false,
        affects_app_status: true,
        diff,
        drifted_paths: comparison.drifted_paths,
    })
}

/// Whether `live`'s tracking id names it for `app`, or else the other app
/// it names it for.
fn tracking(live: &Value, app: &str, key: &ObjectKey) -> (bool, Option<String>) {
    match TrackingId::of(live) {
        Some(Ok(id)) if &id.key == key => {
            if id.app == app {
                (true, None)
            } else {
                (false, Some(id.app))
            }
        }
        _ => (false, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn options() -> CompareOptions {
        CompareOptions::new("shop", "web")
    }

    #[test]
    fn namespaced_objects_get_the_destination_namespace() {
        let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let prepared = prepare_desired(&config, &options(), None).unwrap();
        assert_eq!(prepared.key.namespace, "web");
        assert_eq!(prepared.normalized["metadata"]["namespace"], "web");
        let labelled = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "labels": {"a": "b"}}});
        let prepared = prepare_desired(&labelled, &options(), None).unwrap();
        let fields: Vec<&String> = prepared.normalized["metadata"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(fields, ["name", "namespace", "labels"]);
        let namespace = json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "web", "namespace": "oops"}});
        let prepared = prepare_desired(&namespace, &options(), None).unwrap();
        assert_eq!(prepared.key.namespace, "");
        assert!(prepared.normalized["metadata"].get("namespace").is_none());
    }

    #[test]
    fn invalid_objects_are_typed_errors() {
        let error =
            compare_resource(Some(&json!({"kind": "ConfigMap"})), None, &options()).unwrap_err();
        assert!(matches!(
            error,
            DiffError::InvalidObject {
                side: Side::Desired,
                ..
            }
        ));
        assert_eq!(
            compare_resource(None, None, &options()).unwrap_err(),
            DiffError::NothingToCompare
        );
    }

    #[test]
    fn untracked_live_alone_is_not_extraneous() {
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "web"}});
        assert!(matches!(
            compare_resource(None, Some(&live), &options()),
            Err(DiffError::NotTracked { .. })
        ));
    }

    #[test]
    fn objects_tracked_by_another_app_are_flagged() {
        let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "web",
                "annotations": {"fleetdeck.dev/tracking-id": "billing:/ConfigMap:web/c"}}});
        let result = compare_resource(Some(&desired), Some(&live), &options()).unwrap();
        assert!(!result.tracked);
        assert_eq!(result.tracked_by_other_app.as_deref(), Some("billing"));
        assert_eq!(result.status, ResourceSyncStatus::Synced);
    }

    #[test]
    fn different_objects_are_refused() {
        let desired = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "b", "namespace": "web"}});
        assert!(matches!(
            compare_resource(Some(&desired), Some(&live), &options()),
            Err(DiffError::KeyMismatch { .. })
        ));
    }
}
