//! ApplicationSet expansion at fleet scale: a matrix of 100 clusters × 100
//! git directories, 10,000 generated Applications, read from a real
//! repository through the engine's resolver (a fresh [`ResolverGitFiles`]
//! per iteration, so each expansion resolves the revision and lists the
//! tree once, as a real pass does).
//!
//! - `matrix_100x100_legacy`: Argo's default `{{param}}` templating.
//! - `matrix_100x100_go`: `goTemplate: true` with `missingkey=error`.
//!
//! Target: under 1 s each.

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use fleetdeck::engine::appset::{
    ClusterInfo, ExpandContext, GeneratorClusters, ResolverGitFiles, expand,
};
use fleetdeck::engine::model::ApplicationSet;
use fleetdeck::engine::source::{LocalFirstResolver, RepoCache};
use fleetdeck::engine::yaml::parse_single;

#[path = "support/commit_files.rs"]
mod commit_files;
use commit_files::commit_files;

const CLUSTERS: usize = 100;
const DIRECTORIES: usize = 100;
const REPO_URL: &str = "https://git.example.com/platform/fleet.git";

/// A repository with `apps/app-NNN/kustomization.yaml` for every directory.
fn build_repo(dir: &Path) {
    commit_files(
        dir,
        "apps",
        (0..DIRECTORIES).map(|app| {
            (
                format!("apps/app-{app:03}/kustomization.yaml"),
                b"resources: []\n".to_vec(),
            )
        }),
    );
}

fn registry() -> GeneratorClusters {
    GeneratorClusters::new((0..CLUSTERS).map(|index| {
        ClusterInfo::new(
            format!("cluster-{index:03}"),
            format!("https://cluster-{index:03}.example.com"),
        )
        .with_label("env", "prod")
        .with_label("region", if index % 2 == 0 { "eu" } else { "us" })
    }))
}

fn appset(go: bool) -> ApplicationSet {
    let (name, path, server, options) = if go {
        (
            "{{ .path.basename }}-{{ .name }}",
            "{{ .path.path }}",
            "{{ .server }}",
            "goTemplateOptions: [\"missingkey=error\"]",
        )
    } else {
        ("{{path.basename}}-{{name}}", "{{path}}", "{{server}}", "")
    };
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata: {{name: fleet, namespace: argocd}}
spec:
  goTemplate: {go}
  {options}
  generators:
    - matrix:
        generators:
          - clusters:
              selector:
                matchLabels: {{env: prod}}
          - git:
              repoURL: {REPO_URL}
              revision: HEAD
              directories:
                - path: apps/*
  template:
    metadata:
      name: '{name}'
      labels: {{app: '{name}'}}
    spec:
      project: default
      source:
        repoURL: {REPO_URL}
        targetRevision: HEAD
        path: '{path}'
      destination:
        server: '{server}'
        namespace: apps
      syncPolicy:
        syncOptions: [CreateNamespace=true]
"
    );
    ApplicationSet::from_value(parse_single(&text).expect("yaml")).expect("appset")
}

fn bench_appset(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo_dir = dir.path().join("repo");
    build_repo(&repo_dir);
    let repos = RepoCache::new(dir.path().join("cache"));
    let repo = repos
        .open(repo_dir.to_str().expect("utf-8 path"))
        .expect("open repo");
    let mut resolver = LocalFirstResolver::new(&repos);
    resolver.alias(REPO_URL, repo);
    let clusters = registry();

    let mut group = c.benchmark_group("appset");
    group.sample_size(10);
    for (label, go) in [
        ("matrix_100x100_legacy", false),
        ("matrix_100x100_go", true),
    ] {
        let set = appset(go);
        let check = expand(
            &set,
            &ExpandContext::new(&clusters).with_git(&ResolverGitFiles::new(&resolver)),
        )
        .expect("expands");
        assert_eq!(check.len(), CLUSTERS * DIRECTORIES);
        group.bench_function(label, |b| {
            b.iter(|| {
                let git = ResolverGitFiles::new(&resolver);
                let apps =
                    expand(&set, &ExpandContext::new(&clusters).with_git(&git)).expect("expands");
                assert_eq!(apps.len(), CLUSTERS * DIRECTORIES);
                apps
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_appset);
criterion_main!(benches);
