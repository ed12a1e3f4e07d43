//! The native Kustomize renderer against `kubectl kustomize` (kustomize
//! v5.5): every case under `tests/fixtures/kustomize/<case>/` is rendered
//! with [`FsTree`] and compared with the `expected.yaml` kubectl produced for
//! it, as a set of objects (generated names byte-equal) and in order. When
//! kubectl is on PATH, a separate test regenerates the expected files and
//! fails if any is stale.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use fleetdeck::engine::manifest::{Manifest, ObjectKey};
use fleetdeck::engine::model::SourceKustomize;
use fleetdeck::engine::render::{KustomizeError, RenderError, render_kustomization};
use fleetdeck::engine::source::{FsTree, RepoPath};
use fleetdeck::engine::yaml::parse_documents;
use serde_json::Value;

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kustomize")
}

fn argo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kustomize-argo")
}

/// Every case directory (one holding an `expected.yaml`), sorted.
fn cases() -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(fixtures_root())
        .unwrap()
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().join("expected.yaml").is_file())
        .map(|entry| entry.file_name().into_string().unwrap())
        .collect();
    cases.sort();
    cases
}

fn expected_objects(case: &str) -> Vec<Value> {
    read_objects(&fixtures_root().join(case).join("expected.yaml"))
}

fn read_objects(file: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(file).unwrap();
    parse_documents(&text)
        .unwrap()
        .into_iter()
        .map(|document| document.value)
        .collect()
}

fn key(object: &Value) -> ObjectKey {
    Manifest {
        object: object.clone(),
        origin: fleetdeck::engine::manifest::Origin {
            file: "expected.yaml".into(),
            document: 0,
            line: 1,
        },
    }
    .key()
}

/// Differences between our output and kubectl's, as readable lines.
fn compare(case: &str) -> Vec<String> {
    let tree = FsTree::new(fixtures_root());
    match render_kustomization(&tree, &RepoPath::new(case).unwrap(), None) {
        Ok(ours) => differences(case, &ours, &expected_objects(case)),
        Err(error) => vec![format!("{case}: render failed: {error}")],
    }
}

/// Differences between `ours` and `expected`: objects compared by identity
/// and content (order-insensitive), then the order.
fn differences(case: &str, ours: &[Manifest], expected: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    let our_map: BTreeMap<ObjectKey, &Value> = ours.iter().map(|m| (m.key(), &m.object)).collect();
    let expected_map: BTreeMap<ObjectKey, &Value> = expected
        .iter()
        .map(|object| (key(object), object))
        .collect();
    for (id, object) in &expected_map {
        match our_map.get(id) {
            None => problems.push(format!("{case}: missing {id}")),
            Some(ours) if ours != object => problems.push(format!(
                "{case}: {id} differs\n  ours:     {}\n  expected: {}",
                serde_json::to_string(ours).unwrap(),
                serde_json::to_string(object).unwrap()
            )),
            Some(_) => {}
        }
    }
    for id in our_map.keys() {
        if !expected_map.contains_key(id) {
            problems.push(format!("{case}: unexpected {id}"));
        }
    }
    if problems.is_empty() {
        let our_order: Vec<ObjectKey> = ours.iter().map(Manifest::key).collect();
        let expected_order: Vec<ObjectKey> = expected.iter().map(key).collect();
        if our_order != expected_order {
            problems.push(format!(
                "{case}: order differs\n  ours:     {our_order:?}\n  expected: {expected_order:?}"
            ));
        }
    }
    problems
}

#[test]
fn the_corpus_covers_at_least_thirty_overlays() {
    let cases = cases();
    assert!(cases.len() >= 30, "only {} cases: {cases:?}", cases.len());
}

#[test]
fn every_fixture_renders_exactly_as_kubectl_kustomize() {
    let problems: Vec<String> = cases().iter().flat_map(|case| compare(case)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// `kubectl` on PATH, if it has kustomize built in.
fn kubectl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("kubectl"))
        .find(|candidate| candidate.is_file())
}

#[test]
fn stored_expected_outputs_match_a_fresh_kubectl_kustomize() {
    let Some(kubectl) = kubectl() else {
        eprintln!(
            "skipped: kubectl is not on PATH, the stored expected outputs were not re-checked"
        );
        return;
    };
    let mut stale = Vec::new();
    let mut dirs: Vec<(String, PathBuf, PathBuf)> = cases()
        .into_iter()
        .map(|case| {
            let dir = fixtures_root().join(&case);
            (case, dir.clone(), dir.join("expected.yaml"))
        })
        .collect();
    dirs.push((
        "kustomize-argo".to_string(),
        argo_root().join("edited"),
        argo_root().join("expected.yaml"),
    ));
    for (case, dir, expected) in dirs {
        let output = Command::new(&kubectl)
            .arg("kustomize")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{case}: kubectl kustomize failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stored = std::fs::read(expected).unwrap();
        if stored != output.stdout {
            stale.push(case);
        }
    }
    assert!(
        stale.is_empty(),
        "stale expected.yaml (regenerate with `kubectl kustomize <dir> > <dir>/expected.yaml`): {stale:?}"
    );
}

/// Argo CD writes an Application's `spec.source.kustomize` into the
/// kustomization with `kustomize edit` before building. `edited/` holds what
/// those edits make of `overlay/`, and `expected.yaml` is kubectl's build of
/// it; the overrides applied natively to `overlay/` must give the same.
#[test]
fn argo_cd_overrides_apply_as_kustomize_edit_would() {
    let overrides: SourceKustomize = serde_json::from_value(serde_json::json!({
        "namePrefix": "argo-",
        "nameSuffix": "-x",
        "namespace": "argo-ns",
        "images": ["nginx:1.27", "busybox=registry.example/busybox:1"],
        "commonLabels": {"env": "prod"},
        "commonAnnotations": {"owner": "argo"},
        "replicas": [{"name": "web", "count": "4"}],
        "patches": [{
            "target": {"kind": "Service"},
            "patch": "- op: add\n  path: /spec/type\n  value: NodePort"
        }],
        "components": ["../component"]
    }))
    .unwrap();
    let tree = FsTree::new(argo_root());
    let overlay = RepoPath::new("overlay").unwrap();
    let ours = render_kustomization(&tree, &overlay, Some(&overrides)).unwrap();
    let expected = read_objects(&argo_root().join("expected.yaml"));
    let problems = differences("kustomize-argo", &ours, &expected);
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Without overrides the overlay is itself.
    let plain = render_kustomization(&tree, &overlay, None).unwrap();
    assert!(plain.iter().all(|m| m.name().starts_with("ov-")));

    // `kustomize edit add label` refuses to overwrite without force.
    let clash: SourceKustomize =
        serde_json::from_value(serde_json::json!({"commonLabels": {"team": "b"}})).unwrap();
    let error = render_kustomization(&tree, &overlay, Some(&clash)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("label 'team' already in the kustomization"),
        "{error}"
    );
    let forced: SourceKustomize = serde_json::from_value(
        serde_json::json!({"commonLabels": {"team": "b"}, "forceCommonLabels": true}),
    )
    .unwrap();
    let rendered = render_kustomization(&tree, &overlay, Some(&forced)).unwrap();
    assert!(
        rendered
            .iter()
            .all(|m| m.object["metadata"]["labels"]["team"] == "b")
    );

    // An override field fleetdeck does not know is refused, not dropped.
    let unknown: SourceKustomize =
        serde_json::from_value(serde_json::json!({"labelWithoutSelector": true})).unwrap();
    let error = render_kustomization(&tree, &overlay, Some(&unknown)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "overlay/kustomization.yaml: unsupported field 'spec.source.kustomize.labelWithoutSelector'"
    );
}

/// A throwaway tree of files.
fn tree_of(files: &[(&str, &str)]) -> (tempfile::TempDir, FsTree) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    let tree = FsTree::new(dir.path());
    (dir, tree)
}

fn build_error(files: &[(&str, &str)], dir: &str) -> KustomizeError {
    let (_guard, tree) = tree_of(files);
    render_kustomization(&tree, &RepoPath::new(dir).unwrap(), None).unwrap_err()
}

const CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";

#[test]
fn transformer_configs_of_unimplemented_kinds_are_refused_by_kind() {
    let error = build_error(
        &[
            (
                "k/kustomization.yaml",
                "resources: [cm.yaml]\ntransformers: [t.yaml]\n",
            ),
            ("k/cm.yaml", CONFIG_MAP),
            (
                "k/t.yaml",
                "apiVersion: builtin\nkind: HashTransformer\nmetadata: {name: h}\n",
            ),
        ],
        "k",
    );
    assert_eq!(
        error.to_string(),
        "k/kustomization.yaml: unsupported field 'transformers[0] (builtin HashTransformer)'"
    );
    let plugin = build_error(
        &[
            (
                "k/kustomization.yaml",
                "resources: [cm.yaml]\ntransformers: [t.yaml]\n",
            ),
            ("k/cm.yaml", CONFIG_MAP),
            (
                "k/t.yaml",
                "apiVersion: example.com/v1\nkind: Mine\nmetadata: {name: h}\n",
            ),
        ],
        "k",
    );
    assert!(
        matches!(&plugin, KustomizeError::UnsupportedField { field, .. } if field.contains("only built-in")),
        "{plugin}"
    );
}

#[test]
fn common_labels_never_create_a_missing_volume_claim_template_list() {
    let (_guard, tree) = tree_of(&[
        (
            "k/kustomization.yaml",
            "resources: [sts.yaml]\ncommonLabels: {team: a}\n",
        ),
        (
            "k/sts.yaml",
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec:\n  template:\n    metadata: {}\n",
        ),
    ]);
    let built = render_kustomization(&tree, &RepoPath::new("k").unwrap(), None).unwrap();
    let spec = &built[0].object["spec"];
    assert!(spec.get("volumeClaimTemplates").is_none(), "{spec}");
    assert_eq!(spec["template"]["metadata"]["labels"]["team"], "a");
}

#[test]
fn unsupported_and_unknown_fields_are_errors_naming_file_and_field() {
    let error = build_error(
        &[(
            "apps/web/overlays/prod/kustomization.yaml",
            "resources: []\nhelmCharts:\n  - name: redis\n",
        )],
        "apps/web/overlays/prod",
    );
    assert_eq!(
        error.to_string(),
        "apps/web/overlays/prod/kustomization.yaml: unsupported field 'helmCharts'"
    );
    for field in ["replacements", "configurations", "generators", "crds"] {
        let text = format!("{field}: []\n");
        let error = build_error(&[("k/kustomization.yaml", &text)], "k");
        assert!(
            matches!(&error, KustomizeError::UnsupportedField { field: f, .. } if f == field),
            "{error}"
        );
    }
    let error = build_error(
        &[(
            "k/kustomization.yaml",
            "patches:\n  - path: p.yaml\n    targets: {kind: X}\n",
        )],
        "k",
    );
    assert_eq!(
        error.to_string(),
        "k/kustomization.yaml: unknown field 'patches[0].targets'"
    );
    // Through the generic render API the error keeps its type.
    let (_guard, tree) = tree_of(&[("k/kustomization.yml", "namePrefx: x-\n")]);
    let source: fleetdeck::engine::model::ApplicationSource = serde_json::from_value(
        serde_json::json!({"repoURL": "https://example.invalid/r.git", "path": "k"}),
    )
    .unwrap();
    let error = fleetdeck::engine::render::render_source(&tree, &source).unwrap_err();
    assert!(
        matches!(
            &error,
            RenderError::Kustomize(KustomizeError::UnknownField { field, .. }) if field == "namePrefx"
        ),
        "{error}"
    );
}

#[test]
fn remote_missing_outside_and_cyclic_inputs_are_refused() {
    let remote = build_error(
        &[(
            "k/kustomization.yaml",
            "resources:\n  - https://github.com/org/repo//deploy?ref=v1\n",
        )],
        "k",
    );
    assert!(
        matches!(remote, KustomizeError::RemoteResource { .. }),
        "{remote}"
    );
    assert!(remote.to_string().contains("remote resource"), "{remote}");

    let missing = build_error(&[("k/kustomization.yaml", "resources: [gone.yaml]\n")], "k");
    assert_eq!(
        missing.to_string(),
        "k/kustomization.yaml: 'gone.yaml' not found"
    );

    let outside = build_error(
        &[
            ("k/kustomization.yaml", "resources: [../cm.yaml]\n"),
            ("cm.yaml", CONFIG_MAP),
        ],
        "k",
    );
    assert!(
        outside
            .to_string()
            .contains("outside the kustomization directory"),
        "{outside}"
    );

    let cycle = build_error(
        &[
            ("a/kustomization.yaml", "resources: [../b]\n"),
            ("b/kustomization.yaml", "resources: [../a]\n"),
        ],
        "a",
    );
    assert_eq!(cycle.to_string(), "kustomization cycle: a -> b -> a");

    let none = build_error(&[("k/cm.yaml", CONFIG_MAP)], "k");
    assert!(
        matches!(none, KustomizeError::MissingKustomization { .. }),
        "{none}"
    );
}

#[test]
fn wrong_kinds_duplicates_and_unmatched_patches_are_errors() {
    let component_as_resource = build_error(
        &[
            ("k/kustomization.yaml", "resources: [../c]\n"),
            (
                "c/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
            ),
        ],
        "k",
    );
    assert_eq!(
        component_as_resource.to_string(),
        "k/kustomization.yaml: '../c' is a Component, expected a Kustomization"
    );

    let duplicate = build_error(
        &[
            ("k/kustomization.yaml", "resources: [a.yaml, b.yaml]\n"),
            ("k/a.yaml", CONFIG_MAP),
            ("k/b.yaml", CONFIG_MAP),
        ],
        "k",
    );
    assert!(
        matches!(duplicate, KustomizeError::DuplicateResource { .. }),
        "{duplicate}"
    );

    let unmatched = build_error(
        &[
            (
                "k/kustomization.yaml",
                "resources: [a.yaml]\npatches:\n  - patch: |-\n      apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: other}\n      data: {x: y}\n",
            ),
            ("k/a.yaml", CONFIG_MAP),
        ],
        "k",
    );
    assert!(
        unmatched
            .to_string()
            .contains("no object matches ConfigMap 'other'"),
        "{unmatched}"
    );

    let bad_behavior = build_error(
        &[(
            "k/kustomization.yaml",
            "configMapGenerator:\n  - name: x\n    behavior: merge\n    literals: [a=b]\n",
        )],
        "k",
    );
    assert!(
        bad_behavior
            .to_string()
            .contains("needs an existing ConfigMap"),
        "{bad_behavior}"
    );
}
