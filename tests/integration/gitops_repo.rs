//! A repository laid out the way the GitOps guides lay one out:
//! `apps/<app>/{base,overlays/<env>}`, `argocd/applications/*.yaml`,
//! `argocd/projects.yaml`, `argocd/applicationsets/*.yaml`.

#![allow(dead_code)] // Each test module uses a different part of this file.

use super::support::TestRepo;

/// The URL the Applications name as their `repoURL`; the test repository has
/// it as its `origin` remote, as a checkout of that repository would.
pub const REPO_URL: &str = "https://git.example.com/platform/gitops.git";

pub fn deployment(name: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n    app: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n        - name: {name}\n          image: {image}\n          ports:\n            - containerPort: 80\n"
    )
}

pub fn service(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {name}\n  ports:\n    - port: 80\n      targetPort: 80\n"
    )
}

fn application(name: &str, path: &str, extra_source: &str, namespace: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\n  namespace: argocd\nspec:\n  project: team-web\n  source:\n    repoURL: {REPO_URL}\n    targetRevision: HEAD\n    path: {path}\n{extra_source}  destination:\n    server: https://kubernetes.default.svc\n    namespace: {namespace}\n  syncPolicy:\n    automated:\n      prune: true\n      selfHeal: true\n    syncOptions:\n      - CreateNamespace=true\n"
    )
}

const PROJECTS: &str = "apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: team-web
  namespace: argocd
spec:
  description: Web team applications
  sourceRepos:
    - https://git.example.com/platform/*
  destinations:
    - server: https://kubernetes.default.svc
      namespace: 'guestbook-*'
    - name: '*'
      namespace: redis
  clusterResourceWhitelist:
    - group: ''
      kind: Namespace
  syncWindows:
    - kind: deny
      schedule: '0 22 * * *'
      duration: 8h
      applications: ['*']
      manualSync: true
---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: default
  namespace: argocd
spec:
  sourceRepos: ['*']
  destinations:
    - server: '*'
      namespace: '*'
";

const GUESTBOOK_SET: &str = "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbook
  namespace: argocd
spec:
  generators:
    - list:
        elements:
          - env: dev
          - env: prod
  template:
    metadata:
      name: 'guestbook-{{env}}'
    spec:
      project: team-web
      source:
        repoURL: https://git.example.com/platform/gitops.git
        targetRevision: HEAD
        path: 'apps/guestbook/overlays/{{env}}'
      destination:
        server: https://kubernetes.default.svc
        namespace: 'guestbook-{{env}}'
";

const ADDONS_SET: &str = "apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: cluster-addons
  namespace: argocd
spec:
  goTemplate: true
  goTemplateOptions: [missingkey=error]
  generators:
    - matrix:
        generators:
          - git:
              repoURL: https://git.example.com/platform/gitops.git
              revision: HEAD
              directories:
                - path: addons/*
          - clusters:
              selector:
                matchLabels:
                  env: prod
  template:
    metadata:
      name: '{{.path.basename}}-{{.name}}'
    spec:
      project: default
      source:
        repoURL: https://git.example.com/platform/gitops.git
        targetRevision: HEAD
        path: '{{.path.path}}'
      destination:
        server: '{{.server}}'
        namespace: '{{.path.basename}}'
";

/// Builds the layout and commits it as one commit on `main`.
pub fn gitops_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.git()
        .remote("origin", REPO_URL)
        .expect("add origin remote");
    repo.write(
        "apps/guestbook/base/deployment.yaml",
        deployment("guestbook", "registry.example/guestbook:1.0"),
    )
    .write("apps/guestbook/base/service.yaml", service("guestbook"))
    .write(
        "apps/guestbook/base/kustomization.yaml",
        "resources:\n  - deployment.yaml\n  - service.yaml\n",
    )
    .write(
        "apps/guestbook/overlays/dev/kustomization.yaml",
        "resources:\n  - ../../base\nnamespace: guestbook-dev\n",
    )
    .write(
        "apps/guestbook/overlays/prod/kustomization.yaml",
        "resources:\n  - ../../base\nnamespace: guestbook-prod\nreplicas:\n  - name: guestbook\n    count: 3\n",
    )
    .write(
        "apps/redis/deployment.yaml",
        deployment("redis", "redis:7.2"),
    )
    .write("apps/redis/service.yaml", service("redis"))
    .write(
        "apps/redis/config/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: redis-config\ndata:\n  maxmemory: 64mb\n",
    )
    .write("apps/redis/README.md", "# redis\nNot a manifest.\n")
    .write("addons/metrics/deployment.yaml", deployment("metrics", "metrics:0.7"))
    .write("argocd/projects.yaml", PROJECTS)
    .write(
        "argocd/applications/guestbook-dev.yaml",
        application("guestbook-dev", "apps/guestbook/overlays/dev", "", "guestbook-dev"),
    )
    .write(
        "argocd/applications/redis.yaml",
        application(
            "redis",
            "apps/redis",
            "    directory:\n      recurse: true\n",
            "redis",
        ),
    )
    .write("argocd/applicationsets/guestbook.yaml", GUESTBOOK_SET)
    .write("argocd/applicationsets/cluster-addons.yaml", ADDONS_SET);
    repo.commit("Lay out the fleet");
    repo
}
