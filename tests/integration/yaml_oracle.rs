//! YAML scalars as kubectl reads them: every case under
//! `tests/fixtures/yaml-oracle/` (directory manifests, kustomizations, and
//! kustomize generators) is read by fleetdeck and compared, object by
//! object, with the JSON kubectl produced for it (`expected/`, made by
//! `regenerate.sh`). When kubectl is on PATH a second test re-runs the
//! script and fails on a stale expected file.

use std::path::{Path, PathBuf};
use std::process::Command;

use fleetdeck::engine::render::{parse_manifest_file, render_kustomization};
use fleetdeck::engine::source::{FsTree, RepoPath};
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/yaml-oracle")
}

/// (expected file stem, fleetdeck's objects or its error) for every case.
fn cases() -> Vec<(String, Result<Vec<Value>, String>)> {
    let mut cases = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("directory"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        let relative = RepoPath::new(&format!("directory/{stem}.yaml")).unwrap();
        let ours = parse_manifest_file(&relative, &std::fs::read(&file).unwrap())
            .map(|manifests| manifests.into_iter().map(|m| m.object).collect())
            .map_err(|error| error.to_string());
        cases.push((format!("directory-{stem}"), ours));
    }
    let tree = FsTree::new(root());
    for kind in ["kustomize", "generated"] {
        let mut dirs: Vec<String> = std::fs::read_dir(root().join(kind))
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        dirs.sort();
        for dir in dirs {
            let path = RepoPath::new(&format!("{kind}/{dir}")).unwrap();
            let ours = render_kustomization(&tree, &path, None)
                .map(|manifests| manifests.into_iter().map(|m| m.object).collect())
                .map_err(|error| error.to_string());
            cases.push((format!("{kind}-{dir}"), ours));
        }
    }
    cases
}

/// Objects in the order the expected files keep them: by kind, then name.
fn sorted(mut objects: Vec<Value>) -> Vec<Value> {
    let key = |object: &Value| {
        (
            object["kind"].as_str().unwrap_or_default().to_string(),
            object["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    objects.sort_by_key(key);
    objects
}

fn expected(dir: &Path, stem: &str) -> Vec<Value> {
    let path = dir.join(format!("{stem}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

#[test]
fn every_case_reads_as_kubectl_reads_it() {
    let cases = cases();
    assert!(
        cases.len() >= 12,
        "the corpus went missing: {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for (stem, ours) in cases {
        let want = expected(&root().join("expected"), &stem);
        match ours {
            Ok(objects) => {
                let ours = sorted(objects);
                if ours != want {
                    failures.push(format!(
                        "{stem}:\n  fleetdeck {}\n  kubectl   {}",
                        serde_json::to_string(&ours).unwrap(),
                        serde_json::to_string(&want).unwrap()
                    ));
                }
            }
            Err(error) => failures.push(format!("{stem}: fleetdeck failed: {error}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_null_key_or_an_infinite_number_is_an_error_naming_the_file() {
    let file = RepoPath::new("apps/bad.yaml").unwrap();
    for text in [
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  ~: x\n",
        "apiVersion: example.com/v1\nkind: A\nmetadata: {name: a}\nspec: {size: .inf}\n",
    ] {
        let error = parse_manifest_file(&file, text.as_bytes()).unwrap_err();
        assert!(error.to_string().contains("apps/bad.yaml"), "{error}");
    }
}

/// `kubectl` on PATH, if any.
fn kubectl() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("kubectl"))
        .find(|path| path.is_file())
}

#[test]
fn stored_expected_json_matches_a_fresh_kubectl() {
    if kubectl().is_none() || Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: kubectl or python3 is not on PATH, the stored JSON was not re-checked");
        return;
    }
    let fresh = tempfile::tempdir().unwrap();
    let status = Command::new(root().join("regenerate.sh"))
        .arg(fresh.path())
        .status()
        .unwrap();
    assert!(status.success(), "regenerate.sh failed");
    let mut stale = Vec::new();
    for (stem, _) in cases() {
        if expected(fresh.path(), &stem) != expected(&root().join("expected"), &stem) {
            stale.push(stem);
        }
    }
    assert!(
        stale.is_empty(),
        "stale expected JSON (run tests/fixtures/yaml-oracle/regenerate.sh): {stale:?}"
    );
}

/// `render -o json` prints what the YAML stream holds, as one JSON `List`.
#[test]
fn render_as_json_lists_the_same_objects_as_the_yaml_stream() {
    use super::cli::{Home, stderr, stdout};
    use super::gitops_repo::gitops_repo;

    let repo = gitops_repo();
    let home = Home::new();
    let path = repo.path().to_str().unwrap();
    let json = home.run(&["render", "redis", "--repo", path, "-o", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let list: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(list["kind"], "List");
    let yaml = home.run(&["render", "redis", "--repo", path]);
    let documents = fleetdeck::engine::yaml::parse_documents(&stdout(&yaml)).unwrap();
    let from_yaml: Vec<Value> = documents
        .into_iter()
        .map(|document| document.value)
        .collect();
    assert_eq!(list["items"].as_array().unwrap(), &from_yaml);
    assert_eq!(from_yaml.len(), 3);
}
