//! Native Kustomize against `kubectl kustomize` on kustomizations of public
//! repositories (`tests/fixtures/kustomize-realworld/`, see its README):
//! each case's objects must equal kubectl's, as a set keyed by apiVersion,
//! kind, namespace and name, each object whole.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fleetdeck::engine::render::render_kustomization;
use fleetdeck::engine::source::{FsTree, RepoPath};
use fleetdeck::engine::yaml::parse_documents;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kustomize-realworld")
}

type Key = (String, String, String, String);

fn key(object: &Value) -> Key {
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    (
        text(&object["apiVersion"]),
        text(&object["kind"]),
        text(&object["metadata"]["namespace"]),
        text(&object["metadata"]["name"]),
    )
}

fn by_key(objects: impl IntoIterator<Item = Value>) -> BTreeMap<Key, Value> {
    objects
        .into_iter()
        .map(|object| (key(&object), object))
        .collect()
}

/// The first difference between kubectl's objects and ours, if any.
fn difference(want: &BTreeMap<Key, Value>, ours: &BTreeMap<Key, Value>) -> Option<String> {
    for (key, object) in want {
        match ours.get(key) {
            None => return Some(format!("{key:?}: only in kubectl")),
            Some(our) if our != object => {
                return Some(format!(
                    "{key:?}:\n  kubectl   {}\n  fleetdeck {}",
                    serde_json::to_string(object).unwrap(),
                    serde_json::to_string(our).unwrap()
                ));
            }
            Some(_) => {}
        }
    }
    ours.keys()
        .find(|key| !want.contains_key(*key))
        .map(|key| format!("{key:?}: only in fleetdeck"))
}

#[test]
fn public_kustomizations_build_as_kubectl_builds_them() {
    let cases = std::fs::read_to_string(root().join("cases.tsv")).unwrap();
    let tree = FsTree::new(root().join("src"));
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in cases.lines().filter(|line| !line.trim().is_empty()) {
        let fields: Vec<&str> = line.split('\t').collect();
        let (id, path) = (fields[0], fields[4]);
        let expected = std::fs::read_to_string(root().join(format!("expected/{id}.yaml"))).unwrap();
        let want = by_key(
            parse_documents(&expected)
                .unwrap()
                .into_iter()
                .map(|document| document.value),
        );
        checked += 1;
        match render_kustomization(&tree, &RepoPath::new(path).unwrap(), None) {
            Ok(manifests) => {
                let ours = by_key(manifests.into_iter().map(|manifest| manifest.object));
                if let Some(difference) = difference(&want, &ours) {
                    failures.push(format!("{id} {path}: {difference}"));
                }
            }
            Err(error) => failures.push(format!("{id} {path}: fleetdeck failed: {error}")),
        }
    }
    assert!(checked >= 19, "cases went missing: {checked}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
