//! health integration test: every case of Argo's own conformance corpus
//! (`tests/fixtures/health-conformance/cases.json`, copied from Argo CD's
//! test data; see the README there) through
//! `engine::health::assess`, with pass counts per kind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use fleetdeck::engine::health::{Health, HealthStatus, assess};
use fleetdeck::engine::yaml::parse_single;

const CORPUS_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/health-conformance"
);

/// One entry of `cases.json`.
struct Case {
    file: String,
    group_kind: String,
    expected_status: Option<HealthStatus>,
    expected_message: Option<String>,
}

fn load_cases(dir: &Path) -> Vec<Case> {
    let manifest = dir.join("cases.json");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|error| {
        panic!(
            "the health conformance corpus must be present at {} ({error}); \
             it lives in tests/fixtures/health-conformance",
            manifest.display()
        )
    });
    let entries: Vec<Value> = serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{}: not a JSON array: {error}", manifest.display()));
    entries
        .iter()
        .map(|entry| {
            let field = |name: &str| entry.get(name).and_then(Value::as_str);
            let api_version = field("apiVersion").unwrap_or("");
            let group = api_version
                .rsplit_once('/')
                .map_or("core", |(group, _)| group);
            Case {
                file: field("file")
                    .unwrap_or_else(|| panic!("case without file: {entry}"))
                    .to_string(),
                group_kind: format!("{group}/{}", field("kind").unwrap_or("?")),
                expected_status: field("expected_status").map(|status| {
                    status
                        .parse()
                        .unwrap_or_else(|error| panic!("case {entry}: {error}"))
                }),
                expected_message: field("expected_message").map(str::to_string),
            }
        })
        .collect()
}

/// Parses a fixture as the shared YAML layer does. Argo's Go tests read
/// fixtures with sigs.k8s.io/yaml, which keeps the last value of a repeated
/// mapping key, and so does that layer: `statefulset-ondelete.yaml` repeats
/// `spec.updateStrategy` and must parse.
fn parse_fixture(text: &str) -> Result<Value, String> {
    parse_single(text).map_err(|error| error.to_string())
}

/// Why a case failed, or `None` when it passed.
fn check(dir: &Path, case: &Case) -> Option<String> {
    let path: PathBuf = dir.join(&case.file);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => return Some(format!("cannot read {}: {error}", path.display())),
    };
    let object = match parse_fixture(&text) {
        Ok(object) => object,
        Err(error) => return Some(format!("cannot parse {}: {error}", path.display())),
    };
    let actual = assess(&object);
    match (&case.expected_status, &actual) {
        (None, None) => None,
        (None, Some(health)) => Some(format!("expected no health, got {health:?}")),
        (Some(expected), None) => Some(format!("expected {expected}, got no health")),
        (Some(expected), Some(Health { status, message })) => {
            if status != expected {
                return Some(format!("expected {expected}, got {status} ({message:?})"));
            }
            match &case.expected_message {
                Some(wanted) if wanted != message => {
                    Some(format!("expected message {wanted:?}, got {message:?}"))
                }
                _ => None,
            }
        }
    }
}

#[test]
fn argo_conformance_corpus_passes_for_every_kind() {
    let dir = Path::new(CORPUS_DIR);
    assert!(
        dir.is_dir(),
        "health conformance corpus not found at {} — the fixtures are part of the repository",
        dir.display()
    );
    let cases = load_cases(dir);
    assert!(!cases.is_empty(), "cases.json lists no cases");

    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let counts = per_kind.entry(case.group_kind.as_str()).or_default();
        counts.1 += 1;
        match check(dir, case) {
            None => counts.0 += 1,
            Some(reason) => failures.push(format!("{} [{}]: {reason}", case.file, case.group_kind)),
        }
    }

    println!("health conformance: pass / cases per kind");
    for (kind, (passed, total)) in &per_kind {
        println!("  {kind:<55} {passed:>3} / {total}");
    }
    let passed: usize = per_kind.values().map(|(passed, _)| passed).sum();
    println!("  {:<55} {passed:>3} / {}", "total", cases.len());

    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
