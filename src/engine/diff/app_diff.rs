//! A whole application's comparison: [`compare_app`] and [`AppDiff`].
//!
//! Live objects are matched to desired ones by identity (group, kind,
//! namespace, name), whether they carry this app's tracking id or not — an
//! untracked live object with a desired counterpart is adopted by the next
//! sync. Live objects whose tracking id names them and this app, with no
//! desired counterpart, are Extraneous. Other live objects are someone
//! else's and do not appear. Sync hooks (and `hook: Skip` objects) are run
//! by syncs, not kept in line, so they are left out on both sides.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_json::Value;

use super::error::{DiffError, Side};
use super::options::CompareOptions;
use super::resource_diff::{
    PreparedDesired, ResourceDiff, compare_prepared, object_key, prepare_desired,
};
use super::sync_status::{SyncStatus, app_sync_status};
use crate::engine::conventions::hooks::is_hook_or_skipped;
use crate::engine::conventions::scope::CrdScopes;
use crate::engine::conventions::tracking::TrackingId;
use crate::engine::manifest::{Manifest, ObjectKey, Origin};

/// How an application compares.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppDiff {
    pub app: String,
    pub status: SyncStatus,
    /// Ordered by identity (group, kind, namespace, name).
    pub resources: Vec<ResourceDiff>,
    /// Resources that could not be compared; any makes the status Unknown.
    pub errors: Vec<DiffError>,
}

impl AppDiff {
    pub fn resource(&self, key: &ObjectKey) -> Option<&ResourceDiff> {
        self.resources.iter().find(|resource| &resource.key == key)
    }
}

/// An application's desired objects, prepared for comparing (normalised,
/// namespaces settled, hooks left out, duplicates found) once, so that
/// they can be compared with live state again and again — on every watch
/// event — without redoing that work. Build it with the same
/// [`CompareOptions`] it is later compared with.
#[derive(Debug, Clone)]
pub struct DesiredSet {
    wanted: BTreeMap<ObjectKey, (PreparedDesired, Origin)>,
    /// Objects that could not be prepared, and duplicates.
    errors: Vec<DiffError>,
}

impl DesiredSet {
    /// Prepares `desired` (rendered from Git) for `options`' application.
    pub fn prepare(desired: &[Manifest], options: &CompareOptions) -> DesiredSet {
        let mut errors = Vec::new();
        let crds = CrdScopes::from_objects(desired.iter().map(|manifest| &manifest.object));
        let mut wanted: BTreeMap<ObjectKey, (PreparedDesired, Origin)> = BTreeMap::new();
        for manifest in desired {
            if is_hook_or_skipped(&manifest.object) {
                continue;
            }
            match prepare_desired(&manifest.object, options, Some(&crds)) {
                Ok(prepared) => {
                    let key = prepared.key.clone();
                    let entry = (prepared, manifest.origin.clone());
                    if wanted.insert(key.clone(), entry).is_some() {
                        errors.push(DiffError::DuplicateResource {
                            app: options.app_name.clone(),
                            resource: Box::new(key),
                        });
                    }
                }
                Err(error) => errors.push(error),
            }
        }
        DesiredSet { wanted, errors }
    }

    /// How many desired objects will be compared (hooks left out).
    pub fn len(&self) -> usize {
        self.wanted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.wanted.is_empty()
    }

    /// Compares the prepared objects with the live objects of the
    /// destination (any superset of the app's own); see [`compare_app`].
    pub fn compare(&self, live: &[Value], options: &CompareOptions) -> AppDiff {
        let app = options.app_name.clone();
        let mut errors = self.errors.clone();

        let mut found: HashMap<ObjectKey, &Value> = HashMap::with_capacity(live.len());
        for object in live {
            match object_key(object, Side::Live) {
                Ok(key) => {
                    found.entry(key).or_insert(object);
                }
                Err(error) => errors.push(error),
            }
        }

        let mut resources = Vec::with_capacity(self.wanted.len());
        let mut matched = HashSet::with_capacity(self.wanted.len());
        for (key, (prepared, origin)) in &self.wanted {
            let live_object = found.get(key).copied();
            if live_object.is_some() {
                matched.insert(key);
            }
            match compare_prepared(Some(prepared), live_object, options) {
                Ok(mut resource) => {
                    resource.origin = Some(origin.clone());
                    resources.push(resource);
                }
                Err(error) => errors.push(error),
            }
        }
        let mut extraneous: Vec<(&ObjectKey, &Value)> = found
            .iter()
            .filter(|(key, object)| {
                !matched.contains(key)
                    && TrackingId::names(object, &app, key)
                    && !is_hook_or_skipped(object)
            })
            .map(|(key, object)| (key, *object))
            .collect();
        extraneous.sort_by(|a, b| a.0.cmp(b.0));
        for (_, object) in extraneous {
            match compare_prepared(None, Some(object), options) {
                Ok(resource) => resources.push(resource),
                Err(error) => errors.push(error),
            }
        }
        resources.sort_by(|a, b| a.key.cmp(&b.key));

        let status = app_sync_status(
            resources
                .iter()
                .map(|resource| (resource.status, resource.affects_app_status)),
            !errors.is_empty(),
        );
        AppDiff {
            app,
            status,
            resources,
            errors,
        }
    }
}

/// Compares an application's desired objects (rendered from Git) with the
/// live objects of its destination (any superset of the app's own).
/// Comparing the same desired objects repeatedly? Prepare them once with
/// [`DesiredSet::prepare`].
pub fn compare_app(desired: &[Manifest], live: &[Value], options: &CompareOptions) -> AppDiff {
    DesiredSet::prepare(desired, options).compare(live, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::diff::ResourceSyncStatus;
    use serde_json::json;

    fn manifest(object: Value) -> Manifest {
        Manifest {
            object,
            origin: Origin {
                file: "app.yaml".into(),
                document: 0,
                line: 1,
            },
        }
    }

    #[test]
    fn hooks_are_left_out() {
        let hook = json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "migrate", "annotations": {"argocd.argoproj.io/hook": "PreSync"}}});
        let diff = compare_app(&[manifest(hook)], &[], &CompareOptions::new("shop", "web"));
        assert!(diff.resources.is_empty());
        assert_eq!(diff.status, SyncStatus::Synced);
    }

    #[test]
    fn duplicates_make_the_status_unknown() {
        let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let diff = compare_app(
            &[manifest(config.clone()), manifest(config)],
            &[],
            &CompareOptions::new("shop", "web"),
        );
        assert_eq!(diff.status, SyncStatus::Unknown);
        assert_eq!(diff.resources.len(), 1);
        assert_eq!(diff.resources[0].status, ResourceSyncStatus::Missing);
        assert!(matches!(
            diff.errors[0],
            DiffError::DuplicateResource { .. }
        ));
    }
}
