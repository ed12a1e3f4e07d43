//! Native Kustomize against `kubectl kustomize` on the same inputs, written
//! to a temp directory:
//!
//! - `overlay-500`: an overlay (namespace, prefix, labels, annotations,
//!   images, replicas, a strategic-merge patch on every Deployment, a JSON
//!   patch, a generator) over a base of 500 Deployments.
//! - `tree-4000`: a top kustomization over 8 overlays, each over its own base
//!   of 250 Deployments and 250 Services: about 4,000 objects.
//!
//! `kubectl kustomize` is timed only when kubectl is on PATH (the bench says
//! so otherwise). Target: at least 10x faster than kubectl.

use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};
use fleetdeck::engine::render::render_kustomization;
use fleetdeck::engine::source::{FsTree, RepoPath};

fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().expect("parent")).expect("create dir");
    std::fs::write(full, text).expect("write input");
}

fn deployment(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n    app: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n        - name: app\n          image: registry.example/{name}:1.0\n          envFrom:\n            - configMapRef:\n                name: shared\n          ports:\n            - containerPort: 8080\n          resources:\n            requests: {{cpu: 100m, memory: 128Mi}}\n"
    )
}

fn service(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {name}\n  ports:\n    - port: 80\n      targetPort: 8080\n"
    )
}

/// A base of `count` Deployments (10 per file), plus `services` Services.
fn base(root: &Path, dir: &str, count: usize, services: bool) {
    let mut resources = String::from("resources:\n");
    for file in 0..count.div_ceil(10) {
        let mut text = String::new();
        for index in file * 10..((file + 1) * 10).min(count) {
            let name = format!("svc-{index:04}");
            text.push_str("---\n");
            text.push_str(&deployment(&name));
            if services {
                text.push_str("---\n");
                text.push_str(&service(&name));
            }
        }
        write(root, &format!("{dir}/workloads-{file:03}.yaml"), &text);
        resources.push_str(&format!("  - workloads-{file:03}.yaml\n"));
    }
    resources.push_str("configMapGenerator:\n  - name: shared\n    literals: [MODE=base]\n");
    write(root, &format!("{dir}/kustomization.yaml"), &resources);
}

const OVERLAY: &str = "resources: [../base]
namespace: production
namePrefix: prod-
commonLabels:
  env: prod
commonAnnotations:
  owner: platform
images:
  - name: registry.example/svc-0001
    newTag: \"2.0\"
replicas:
  - name: svc-0002
    count: 3
configMapGenerator:
  - name: shared
    behavior: merge
    literals: [MODE=prod]
patches:
  - target:
      kind: Deployment
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: any
      spec:
        template:
          spec:
            containers:
              - name: app
                resources:
                  limits: {memory: 256Mi}
  - target:
      kind: Deployment
      name: svc-00.*
    patch: |-
      - op: add
        path: /metadata/labels/patched
        value: \"yes\"
";

fn overlay_500(root: &Path) -> PathBuf {
    base(root, "app/base", 500, false);
    write(root, "app/overlay/kustomization.yaml", OVERLAY);
    root.join("app/overlay")
}

fn tree_4000(root: &Path) -> PathBuf {
    let mut top = String::from("resources:\n");
    for team in 0..8 {
        base(root, &format!("team-{team}/base"), 250, true);
        write(
            root,
            &format!("team-{team}/overlay/kustomization.yaml"),
            &OVERLAY.replace("prod-", &format!("t{team}-")),
        );
        top.push_str(&format!("  - ../team-{team}/overlay\n"));
    }
    top.push_str("commonLabels:\n  fleet: demo\n");
    write(root, "all/kustomization.yaml", &top);
    root.join("all")
}

fn kubectl() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("kubectl"))
        .find(|candidate| candidate.is_file())
}

fn bench_case(c: &mut Criterion, name: &str, build: fn(&Path) -> PathBuf, expected: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let entry = build(dir.path());
    let tree = FsTree::new(dir.path());
    let path = RepoPath::new(
        entry
            .strip_prefix(dir.path())
            .expect("inside")
            .to_str()
            .expect("utf-8"),
    )
    .expect("repo path");
    let objects = render_kustomization(&tree, &path, None)
        .expect("render")
        .len();
    assert_eq!(objects, expected, "{name}: object count");

    let mut group = c.benchmark_group(format!("kustomize/{name}"));
    group.sample_size(10);
    group.bench_function("fleetdeck", |b| {
        b.iter(|| render_kustomization(&tree, &path, None).expect("render"))
    });
    match kubectl() {
        Some(kubectl) => {
            group.bench_function("kubectl", |b| {
                b.iter(|| {
                    let output = Command::new(&kubectl)
                        .arg("kustomize")
                        .arg(&entry)
                        .output()
                        .expect("run kubectl");
                    assert!(output.status.success(), "kubectl kustomize failed");
                    output.stdout.len()
                })
            });
        }
        None => eprintln!("kubectl not on PATH: only fleetdeck is measured for {name}"),
    }
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_case(c, "overlay-500", overlay_500, 501);
    bench_case(c, "tree-4000", tree_4000, 4_008);
}

criterion_group!(kustomize, benches);
criterion_main!(kustomize);
