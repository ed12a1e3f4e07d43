//! Rendering many small apps from one commit, as a cold engine start does:
//! a repository with 5,000 app directories (`apps/app-NNNN/`, one
//! Deployment each) and 5,000 Applications under `argocd/`, its `origin`
//! the URL the Applications name (so the engine's resolver serves it from
//! the local repository, as `fleet_scale` does).
//!
//! - `load_catalog_5000`: read every Application under `argocd/`;
//! - `one_app_cold`: one app through `GitSource::render` (resolver, resolve,
//!   tree, detect, render) with an empty render cache;
//! - `apps_serial_cold/100`: 100 apps one after another, empty cache;
//!
//! Run with `cargo bench --bench render_fleet`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fleetdeck::engine::model::Application;
use fleetdeck::engine::reconciler::{CatalogSource, GitSource};
use fleetdeck::engine::render::{RenderCache, RenderTools, load_catalog};
use fleetdeck::engine::source::{RepoCache, RepoPath};

#[path = "support/commit_files.rs"]
mod commit_files;

const APPS: usize = 5_000;
const BATCH: usize = 100;
const REPO_URL: &str = "https://git.example.com/platform/scale.git";

fn app_name(app: usize) -> String {
    format!("app-{app:04}")
}

fn deployment(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: 8\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/{name}:1.0.0\n"
    )
}

fn application(name: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n  project: default\n  source:\n    repoURL: {REPO_URL}\n    path: apps/{name}\n  destination:\n    name: c00\n    namespace: team-00\n"
    )
}

fn build_repo(dir: &Path) {
    let mut files = Vec::with_capacity(APPS * 2);
    for app in 0..APPS {
        let name = app_name(app);
        files.push((
            format!("argocd/{name}.yaml"),
            application(&name).into_bytes(),
        ));
        files.push((
            format!("apps/{name}/deployment.yaml"),
            deployment(&name).into_bytes(),
        ));
    }
    commit_files::commit_files(dir, "the fleet", files);
    git2::Repository::open(dir)
        .expect("open")
        .remote("origin", REPO_URL)
        .expect("origin");
}

fn bench_render_fleet(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo_dir = dir.path().join("repo");
    build_repo(&repo_dir);
    let cache = Arc::new(RepoCache::new(dir.path().join("cache")));
    let repo = cache
        .open(repo_dir.to_str().expect("utf-8 path"))
        .expect("open repo");
    let catalog_path = RepoPath::new("argocd").expect("path");
    let catalog = load_catalog(&repo, "HEAD", &catalog_path).expect("catalog");
    assert!(catalog.problems().is_empty(), "{:?}", catalog.problems());
    let apps: Vec<Application> = catalog
        .catalog
        .applications
        .into_iter()
        .map(|located| located.value)
        .collect();
    assert_eq!(apps.len(), APPS);
    // Spread over the whole directory, not its first entries only.
    let batch: Vec<Application> = apps
        .iter()
        .step_by(APPS / BATCH)
        .take(BATCH)
        .cloned()
        .collect();
    let git = GitSource::new(
        vec![CatalogSource {
            repo: repo.clone(),
            revision: "HEAD".to_string(),
            path: catalog_path.clone(),
        }],
        cache,
        RenderTools::default(),
        RenderCache::new(APPS + 100),
    );
    let rendered = git.render(&batch[0]).expect("render one app");
    assert_eq!(rendered[0].manifests.len(), 1);

    let mut group = c.benchmark_group("render_fleet");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("load_catalog_5000", |b| {
        b.iter(|| load_catalog(&repo, "HEAD", &catalog_path).expect("catalog"))
    });
    group.bench_function("one_app_cold", |b| {
        b.iter(|| {
            git.renders.clear();
            git.render(&batch[7]).expect("render")
        })
    });
    group.bench_function(format!("apps_serial_cold/{BATCH}"), |b| {
        b.iter(|| {
            git.renders.clear();
            for app in &batch {
                git.render(app).expect("render");
            }
        })
    });
    group.bench_function(format!("apps_batch_cold/{BATCH}"), |b| {
        b.iter(|| {
            git.renders.clear();
            let outcomes = git.render_all(&batch);
            assert!(outcomes.iter().all(Result::is_ok));
            outcomes
        })
    });
    group.finish();
}

criterion_group!(benches, bench_render_fleet);
criterion_main!(benches);
