//! The fleet's state file: every cluster's objects saved on shutdown and loaded on the
//! next start, so a simulated fleet outlives its process (`fleetdeck sim --state FILE`,
//! [`super::FleetSpec::state_file`]).
//!
//! Format (JSON, version 1): `{"version": 1, "clusters": {"<name>": [object, ...]}}`.
//! Objects are stored exactly as served, so uid, resourceVersion, creationTimestamp,
//! generation and managedFields survive a restart; each cluster's resourceVersion
//! counter goes on above the highest stored one (watch history does not survive: a
//! watch from an older version gets 410 Expired and re-lists). The file may also be
//! written by hand to seed a fleet: an object without uid, resourceVersion or
//! creationTimestamp gets fresh ones. Clusters in the file that the fleet does not run
//! are kept as they are and written back.
//!
//! A missing file is a fresh start. A file that cannot be read or parsed is an error
//! naming it and the fleet refuses to start: it never overwrites a file it could not
//! understand. Saving is atomic: a temporary file in the same directory is written,
//! fsynced and renamed over the old one, then the directory is fsynced.

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::defaults;
use super::error::{SimError, StateObjectError};
use super::meta;
use super::resource_kinds::{ResourceKind, builtin_kinds, kinds_of_crd};
use super::server::CRD_STORAGE;
use super::store::Store;

/// The format version this build reads and writes.
pub(crate) const STATE_VERSION: u64 = 1;

#[derive(Debug, Deserialize)]
struct Document {
    version: u64,
    #[serde(default)]
    clusters: BTreeMap<String, Vec<Value>>,
}

#[derive(Serialize)]
struct DocumentOut<'a> {
    version: u64,
    clusters: BTreeMap<&'a str, &'a [Arc<Value>]>,
}

/// A loaded state file: objects per cluster, checked but not yet stored.
#[derive(Debug, Default)]
pub(crate) struct LoadedState {
    clusters: BTreeMap<String, Vec<(String, Value)>>,
}

impl LoadedState {
    /// The objects of `cluster` (storage key, object), taken out of the loaded state.
    pub fn take(&mut self, cluster: &str) -> Option<Vec<(String, Value)>> {
        self.clusters.remove(cluster)
    }

    /// What no running cluster took, to be written back unchanged on save.
    pub fn into_remaining(self) -> BTreeMap<String, Vec<Arc<Value>>> {
        self.clusters
            .into_iter()
            .map(|(name, objects)| {
                let objects = objects.into_iter().map(|(_, o)| Arc::new(o)).collect();
                (name, objects)
            })
            .collect()
    }
}

/// Read and check the state file; `None` when it does not exist (a fresh start).
pub(crate) fn load(path: &Path) -> Result<Option<LoadedState>, SimError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SimError::ReadState {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let document: Document =
        serde_json::from_slice(&bytes).map_err(|source| SimError::ParseState {
            path: path.to_path_buf(),
            source,
        })?;
    drop(bytes);
    if document.version != STATE_VERSION {
        return Err(SimError::StateVersion {
            path: path.to_path_buf(),
            found: document.version,
            supported: STATE_VERSION,
        });
    }
    let mut loaded = LoadedState::default();
    for (cluster, objects) in document.clusters {
        let checked = check_objects(objects).map_err(|(index, source)| SimError::StateObject {
            path: path.to_path_buf(),
            cluster: cluster.clone(),
            index,
            source: Box::new(source),
        })?;
        loaded.clusters.insert(cluster, checked);
    }
    Ok(Some(loaded))
}

/// The storage key of every object, resolved against the built-in kinds and the CRDs
/// in the same list; an error names the object's position.
fn check_objects(objects: Vec<Value>) -> Result<Vec<(String, Value)>, (usize, StateObjectError)> {
    let mut kinds: Vec<ResourceKind> = builtin_kinds().to_vec();
    for object in &objects {
        let is_crd = object["kind"].as_str() == Some("CustomResourceDefinition")
            && object["apiVersion"]
                .as_str()
                .is_some_and(|v| v.starts_with("apiextensions.k8s.io/"));
        if is_crd {
            kinds.extend(kinds_of_crd(object));
        }
    }
    let mut seen = HashSet::new();
    let mut checked = Vec::with_capacity(objects.len());
    for (index, object) in objects.into_iter().enumerate() {
        let storage_key = check_object(&kinds, &object, &mut seen).map_err(|e| (index, e))?;
        checked.push((storage_key, object));
    }
    Ok(checked)
}

fn check_object(
    kinds: &[ResourceKind],
    object: &Value,
    seen: &mut HashSet<(String, String, String)>,
) -> Result<String, StateObjectError> {
    if !object.is_object() {
        return Err(StateObjectError::NotAnObject);
    }
    let text = |field: &'static str, value: &Value| {
        value
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or(StateObjectError::MissingField { field })
    };
    let api_version = text("apiVersion", &object["apiVersion"])?;
    let kind_name = text("kind", &object["kind"])?;
    let name = text("metadata.name", &object["metadata"]["name"])?;
    let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
    let kind = kinds
        .iter()
        .find(|k| k.group == group && k.kind == kind_name)
        .ok_or_else(|| StateObjectError::UnknownKind {
            api_version: api_version.clone(),
            kind: kind_name.clone(),
        })?;
    let namespace = meta::namespace(object).to_string();
    if kind.namespaced && namespace.is_empty() {
        return Err(StateObjectError::MissingNamespace {
            kind: kind_name,
            name,
        });
    }
    if !kind.namespaced && !namespace.is_empty() {
        return Err(StateObjectError::UnexpectedNamespace {
            kind: kind_name,
            name,
            namespace,
        });
    }
    if let Some(value) = object["metadata"].get("resourceVersion") {
        let valid = value.as_str().is_some_and(|v| v.parse::<u64>().is_ok());
        if !valid {
            return Err(StateObjectError::InvalidResourceVersion {
                kind: kind_name,
                name,
                value: value.to_string(),
            });
        }
    }
    let storage_key = kind.storage_key();
    if !seen.insert((storage_key.clone(), namespace.clone(), name.clone())) {
        return Err(StateObjectError::Duplicate {
            kind: kind_name,
            namespace,
            name,
        });
    }
    Ok(storage_key)
}

/// Replace a cluster's store with loaded objects, filling in what a hand-written file
/// may leave out (uid, creationTimestamp) and the server's normalisation.
pub(crate) fn restore(store: &mut Store, objects: Vec<(String, Value)>) {
    let crd_kinds: Vec<ResourceKind> = objects
        .iter()
        .filter(|(key, _)| key == CRD_STORAGE)
        .flat_map(|(_, crd)| kinds_of_crd(crd))
        .collect();
    let mut prepared = Vec::with_capacity(objects.len());
    for (storage_key, mut object) in objects {
        if meta::uid(&object).is_empty() {
            let uid = store.new_uid();
            meta::meta_mut(&mut object).insert("uid".into(), Value::String(uid));
        }
        if object["metadata"]["creationTimestamp"].as_str().is_none() {
            meta::meta_mut(&mut object)
                .insert("creationTimestamp".into(), Value::String(meta::now()));
        }
        let kind = builtin_kinds()
            .iter()
            .chain(crd_kinds.iter())
            .find(|k| k.storage_key() == storage_key);
        if let Some(kind) = kind {
            defaults::normalise(kind, &mut object);
        }
        prepared.push((storage_key, object));
    }
    store.restore(prepared);
}

/// Every object of a store, sorted by storage key then (namespace, name).
pub(crate) fn snapshot(store: &Store) -> Vec<Arc<Value>> {
    let mut keys = store.storage_keys();
    keys.sort();
    keys.iter().flat_map(|key| store.list(key, None)).collect()
}

/// Write the state document atomically to `path`.
pub(crate) fn save(
    path: &Path,
    clusters: &BTreeMap<String, Vec<Arc<Value>>>,
) -> Result<(), SimError> {
    let document = DocumentOut {
        version: STATE_VERSION,
        clusters: clusters
            .iter()
            .map(|(name, objects)| (name.as_str(), objects.as_slice()))
            .collect(),
    };
    write_atomically(path, |out| {
        serde_json::to_writer_pretty(&mut *out, &document)?;
        out.write_all(b"\n")
    })
    .map_err(|source| SimError::WriteState {
        path: path.to_path_buf(),
        source,
    })
}

/// Write through a temporary file in the same directory (so the rename cannot cross
/// file systems), fsync it, rename it over `path`, then fsync the directory so the
/// rename itself is durable. A failure leaves the previous file untouched.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<&mut File>) -> io::Result<()>,
) -> io::Result<()> {
    let dir: PathBuf = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".fleetdeck-state-")
        .suffix(".tmp")
        .tempfile_in(&dir)?;
    {
        let mut out = BufWriter::new(temp.as_file_mut());
        write(&mut out)?;
        out.flush()?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|error| error.error)?;
    #[cfg(unix)]
    File::open(&dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn write(dir: &Path, text: &str) -> PathBuf {
        let path = dir.join("state.json");
        std::fs::write(&path, text).expect("write state");
        path
    }

    fn error_text(error: &SimError) -> String {
        let mut text = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        text
    }

    #[test]
    fn a_missing_file_is_a_fresh_start() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(
            load(&dir.path().join("absent.json"))
                .expect("no error")
                .is_none()
        );
    }

    #[test]
    fn save_then_load_round_trips() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.json");
        let cm = Arc::new(json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "a", "namespace": "default", "uid": "u-a",
                "resourceVersion": "7", "creationTimestamp": "2026-01-01T00:00:00Z"}}));
        let clusters = BTreeMap::from([("dev".to_string(), vec![cm.clone()])]);
        save(&path, &clusters).expect("saved");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name() != "state.json")
            .collect();
        assert!(leftovers.is_empty(), "temporary file left: {leftovers:?}");
        let mut loaded = load(&path).expect("loads").expect("exists");
        let objects = loaded.take("dev").expect("dev");
        assert_eq!(objects, vec![("/configmaps".to_string(), (*cm).clone())]);
        assert!(loaded.take("dev").is_none());
    }

    #[test]
    fn corrupt_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cases = [
            ("{not json", "is corrupt"),
            (r#"{"version": 2, "clusters": {}}"#, "format version 2"),
            (
                r#"{"version": 1, "clusters": {"dev": [{"apiVersion": "v1", "kind": "Gadget", "metadata": {"name": "g"}}]}}"#,
                "v1 Gadget is not a kind",
            ),
            (
                r#"{"version": 1, "clusters": {"dev": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}]}}"#,
                "has no metadata.namespace",
            ),
            (
                r#"{"version": 1, "clusters": {"dev": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n", "resourceVersion": "x"}}]}}"#,
                "not a number",
            ),
            (
                r#"{"version": 1, "clusters": {"dev": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}]}}"#,
                "appears twice",
            ),
        ];
        for (text, expected) in cases {
            let path = write(dir.path(), text);
            let error = load(&path).expect_err(text);
            let message = error_text(&error);
            assert!(message.contains(&path.display().to_string()), "{message}");
            assert!(message.contains(expected), "{message}");
        }
    }

    #[test]
    fn custom_resources_resolve_through_their_crd_in_the_file() {
        let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "scope": "Namespaced",
                "names": {"plural": "widgets", "kind": "Widget"},
                "versions": [{"name": "v1", "served": true, "storage": true}]}});
        let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "default"}});
        let checked = check_objects(vec![widget, crd]).expect("valid");
        assert_eq!(checked[0].0, "example.com/widgets");
        let mut store = Store::new("t", 10);
        restore(&mut store, checked);
        let widget = store
            .get("example.com/widgets", "default", "w")
            .expect("stored");
        assert!(!meta::uid(&widget).is_empty());
        assert!(!meta::resource_version(&widget).is_empty());
        assert!(widget["metadata"]["creationTimestamp"].is_string());
    }
}
