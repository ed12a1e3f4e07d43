//! Directory rendering at a commit: 1,000 manifest files holding 5,000
//! objects, read straight from the Git object database.
//!
//! - `cold`: a fresh tree handle and a full render (read blobs, parse YAML).
//! - `cached`: a hit in the render cache for the same (repo, commit, path).
//!
//! Targets: cold under 0.5 s, cached under 1 ms.

use std::path::Path;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use fleetdeck::engine::render::{DirectoryOptions, RenderCache, RenderKey, render_directory};
use fleetdeck::engine::source::{RepoCache, RepoPath};

#[path = "support/commit_files.rs"]
mod commit_files;
use commit_files::commit_files;

const FILES: usize = 1_000;
const OBJECTS_PER_FILE: usize = 5;

fn manifest_file(index: usize) -> String {
    let mut text = String::new();
    for object in 0..OBJECTS_PER_FILE {
        let name = format!("svc-{index:04}-{object}");
        text.push_str(&format!(
            "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: team-{team}\n  labels:\n    app: {name}\n    tier: backend\nspec:\n  replicas: 3\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/{name}:1.{object}.0\n          ports:\n            - containerPort: 8080\n          env:\n            - name: MODE\n              value: production\n          resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n",
            team = index % 20
        ));
    }
    text
}

/// Builds a repository with the manifests committed under `manifests/`.
fn build_repo(dir: &Path) {
    commit_files(
        dir,
        "manifests",
        (0..FILES).map(|file| {
            (
                format!("manifests/group-{:02}/file-{file:04}.yaml", file / 50),
                manifest_file(file).into_bytes(),
            )
        }),
    );
}

fn bench_render(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo_dir = dir.path().join("repo");
    build_repo(&repo_dir);
    let repos = RepoCache::new(dir.path().join("cache"));
    let repo = repos
        .open(repo_dir.to_str().expect("utf-8 path"))
        .expect("open repo");
    let commit = repo.resolve("HEAD").expect("resolve HEAD");
    let path = RepoPath::new("manifests").expect("path");
    let options = DirectoryOptions {
        recurse: true,
        ..DirectoryOptions::default()
    };

    let first =
        render_directory(&repo.tree(commit).expect("tree"), &path, &options).expect("render");
    assert_eq!(first.len(), FILES * OBJECTS_PER_FILE);

    let mut group = c.benchmark_group("render_directory_5000_objects");
    group.sample_size(20);
    group.bench_function("cold", |b| {
        b.iter(|| {
            let tree = repo.tree(commit).expect("tree");
            render_directory(&tree, &path, &options).expect("render")
        })
    });

    let cache = RenderCache::default();
    let key = RenderKey {
        repo: repo.name().to_string(),
        commit,
        path: path.clone(),
        options: String::new(),
    };
    cache.insert(key.clone(), Arc::new(first));
    group.bench_function("cached", |b| {
        b.iter(|| {
            cache
                .get_or_render(key.clone(), || {
                    render_directory(&repo.tree(commit)?, &path, &options)
                })
                .expect("cached render")
        })
    });
    group.finish();
}

criterion_group!(benches, bench_render);
criterion_main!(benches);
