//! The import boundaries of ARCHITECTURE.md, checked on the source text:
//! the engine knows nothing of terminals, the command line or the simulator;
//! the simulator knows nothing of the UI or CLI; the UI reaches the engine
//! only through `engine::api` and never touches git2 or kube.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// A module's own file (`src/engine.rs`) plus everything under `src/engine/`.
fn module_files(name: &str) -> Vec<PathBuf> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = rust_files(&src.join(name));
    let root = src.join(format!("{name}.rs"));
    if root.exists() {
        files.push(root);
    }
    files
}

/// Lines of code that mention a forbidden path (comments are skipped: a doc
/// comment may well explain *why* the engine does not use the UI).
fn violations(files: &[PathBuf], forbidden: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (number, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for needle in forbidden {
                if code.contains(needle) && !allowed.iter().any(|allow| code.contains(allow)) {
                    found.push(format!("{}:{}: {}", file.display(), number + 1, code));
                }
            }
        }
    }
    found
}

#[test]
fn engine_imports_no_front_end_or_simulator() {
    let files = module_files("engine");
    assert!(files.len() > 5, "expected engine sources, found {files:?}");
    let bad = violations(
        &files,
        &[
            "crate::tui",
            "crate::cli",
            "crate::sim",
            "crate::serve",
            "ratatui",
            "crossterm",
            "tui_textarea",
            "clap::",
            "color_eyre",
            "std::env::var",
            "directories::",
        ],
        &[],
    );
    assert!(
        bad.is_empty(),
        "engine crosses its boundary:\n{}",
        bad.join("\n")
    );
}

#[test]
fn simulator_imports_no_front_end() {
    let bad = violations(
        &module_files("sim"),
        &[
            "crate::tui",
            "crate::cli",
            "ratatui",
            "crossterm",
            "color_eyre",
        ],
        &[],
    );
    assert!(
        bad.is_empty(),
        "sim crosses its boundary:\n{}",
        bad.join("\n")
    );
}

#[test]
fn tui_reaches_the_engine_only_through_its_api() {
    let bad = violations(
        &module_files("tui"),
        &[
            "git2",
            "kube::",
            "k8s_openapi",
            "crate::engine::",
            "crate::sim",
        ],
        &["crate::engine::api"],
    );
    assert!(
        bad.is_empty(),
        "tui crosses its boundary:\n{}",
        bad.join("\n")
    );
}

#[test]
fn serve_reaches_the_engine_only_through_its_api() {
    let files = module_files("serve");
    assert!(files.len() > 3, "expected serve sources, found {files:?}");
    let bad = violations(
        &files,
        &[
            "crate::engine::",
            "crate::cli",
            "crate::tui",
            "crate::sim",
            "kube::",
            "git2",
            "std::env::var",
        ],
        &["crate::engine::api"],
    );
    assert!(
        bad.is_empty(),
        "serve crosses its boundary:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_check_itself_catches_a_violation() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.rs");
    std::fs::write(
        &file,
        "// crate::tui in a comment is fine\nuse crate::tui::App;\n",
    )
    .unwrap();
    let bad = violations(&[file], &["crate::tui"], &[]);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].ends_with(":2: use crate::tui::App;"));
}

/// Engine layers that others build on, and the layers they must not reach
/// back into: each pair was once an import cycle (diff → health → sync →
/// diff, cluster ⇄ appset, cluster → diff → … → cluster), broken by moving
/// the shared Kubernetes and Argo CD conventions into `engine::conventions`.
#[test]
fn lower_engine_layers_do_not_reach_back_up() {
    let above = |names: &[&str]| -> Vec<String> {
        names
            .iter()
            .map(|name| format!("crate::engine::{name}"))
            .collect()
    };
    let layers: [(&str, Vec<String>); 5] = [
        (
            "engine/conventions",
            above(&[
                "api",
                "appset",
                "cluster",
                "diff",
                "health",
                "model",
                "policy",
                "reconciler",
                "render",
                "source",
                "state",
                "status",
                "sync",
            ]),
        ),
        (
            "engine/diff",
            above(&[
                "api",
                "appset",
                "cluster",
                "health",
                "policy",
                "reconciler",
                "state",
                "status",
                "sync",
            ]),
        ),
        (
            "engine/health",
            above(&[
                "api",
                "appset",
                "cluster",
                "diff",
                "policy",
                "reconciler",
                "state",
                "status",
                "sync",
            ]),
        ),
        (
            "engine/cluster",
            above(&[
                "api",
                "diff",
                "policy",
                "reconciler",
                "state",
                "status",
                "sync",
            ]),
        ),
        (
            "engine/appset",
            above(&[
                "api",
                "cluster",
                "policy",
                "reconciler",
                "state",
                "status",
                "sync",
            ]),
        ),
    ];
    let mut bad = Vec::new();
    for (layer, forbidden) in &layers {
        let files = module_files(layer);
        assert!(!files.is_empty(), "expected sources for {layer}");
        let forbidden: Vec<&str> = forbidden.iter().map(String::as_str).collect();
        bad.extend(violations(&files, &forbidden, &[]));
    }
    assert!(
        bad.is_empty(),
        "an engine layer reaches back up:\n{}",
        bad.join("\n")
    );
}
