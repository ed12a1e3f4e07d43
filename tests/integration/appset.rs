//! ApplicationSet expansion: the cases the fleet guides rely on, Argo CD's
//! documented generator examples (list, clusters, git directories and
//! files, matrix, merge), Go templates, `templatePatch` and the errors.
//!
//! Git-backed cases read a real repository built with [`TestRepo`] through
//! the same resolver the engine uses.

use fleetdeck::engine::appset::{
    AppSetError, ClusterInfo, ExpandContext, FileGlobbing, GeneratedApp, GeneratorClusters,
    GeneratorError, GitFiles, GoTemplateError, ResolverGitFiles, TemplateError, TreeGitFiles,
    expand, expand_all,
};
use fleetdeck::engine::model::ApplicationSet;
use fleetdeck::engine::source::{FsTree, LocalFirstResolver, RepoCache};
use fleetdeck::engine::yaml::parse_single;

use super::gitops_repo::{REPO_URL, gitops_repo};
use super::support::TestRepo;

/// Reads an ApplicationSet written without `apiVersion`/`kind`, indented
/// as it sits in the test source.
fn appset(yaml: &str) -> ApplicationSet {
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\n{}",
        dedent(yaml)
    );
    let value = parse_single(&text).expect("appset YAML parses");
    ApplicationSet::from_value(value).expect("appset reads")
}

fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|line| line.get(indent..).unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The fleet of most tests: the hub plus three registered clusters.
fn fleet() -> GeneratorClusters {
    GeneratorClusters::new([
        ClusterInfo::hub(),
        ClusterInfo::new("staging", "https://staging.example.com")
            .with_label("environment", "staging")
            .with_label("region", "eu"),
        ClusterInfo::new("prod-us", "https://prod-us.example.com")
            .with_label("environment", "production")
            .with_label("region", "us")
            .with_annotation("team", "platform"),
        ClusterInfo::new("prod-eu", "https://prod-eu.example.com")
            .with_label("environment", "production")
            .with_label("region", "eu")
            .with_annotation("team", "platform"),
    ])
}

/// `name destination path revision` per generated app.
fn rows(apps: &[GeneratedApp]) -> Vec<String> {
    apps.iter()
        .map(|generated| {
            let app = &generated.application;
            let destination = &app.spec.destination;
            let cluster = if destination.server.is_empty() {
                format!("name:{}", destination.name)
            } else {
                destination.server.clone()
            };
            let source = app.sources().first().expect("a source");
            format!(
                "{} {} {} {}",
                app.name(),
                cluster,
                source.path,
                source.target_revision
            )
        })
        .collect()
}

fn names(apps: &[GeneratedApp]) -> Vec<String> {
    apps.iter()
        .map(|generated| generated.application.name().to_string())
        .collect()
}

fn expand_with(
    set: &ApplicationSet,
    clusters: &GeneratorClusters,
) -> Result<Vec<GeneratedApp>, AppSetError> {
    expand(set, &ExpandContext::new(clusters))
}

/// A repository whose `origin` is [`REPO_URL`], with `files` committed.
fn repo_with(files: &[(&str, &str)]) -> TestRepo {
    let repo = TestRepo::new();
    repo.git()
        .remote("origin", REPO_URL)
        .expect("origin remote");
    for (path, contents) in files {
        repo.write(path, contents);
    }
    repo.commit("layout");
    repo
}

/// Runs `body` with git access to `repo` through the engine's resolver.
fn with_git<R>(repo: &TestRepo, body: impl FnOnce(&dyn GitFiles) -> R) -> R {
    let cache_dir = tempfile::tempdir().expect("cache dir");
    let repos = RepoCache::new(cache_dir.path().to_path_buf());
    let opened = repos
        .open(repo.path().to_str().expect("utf-8 path"))
        .expect("open test repo");
    let mut resolver = LocalFirstResolver::new(&repos);
    resolver.alias_with_remotes(opened);
    let files = ResolverGitFiles::new(&resolver);
    body(&files)
}

fn expand_git(
    set: &ApplicationSet,
    repo: &TestRepo,
    clusters: &GeneratorClusters,
) -> Result<Vec<GeneratedApp>, AppSetError> {
    with_git(repo, |git| {
        expand(set, &ExpandContext::new(clusters).with_git(git))
    })
}

// ---------------------------------------------------------------------------
// The fleet guides' cases
// ---------------------------------------------------------------------------

#[test]
fn clusters_generator_over_all_clusters() {
    let set = appset(
        r#"
        metadata: {name: guestbook, namespace: argocd}
        spec:
          generators:
            - clusters: {}
          template:
            metadata:
              name: '{{name}}-guestbook'
            spec:
              project: default
              source:
                repoURL: https://github.com/example/gitops.git
                targetRevision: HEAD
                path: apps/guestbook/overlays/{{name}}
              destination:
                server: '{{server}}'
                namespace: guestbook
        "#,
    );
    let apps = expand_with(&set, &fleet()).unwrap();
    assert_eq!(
        rows(&apps),
        [
            "in-cluster-guestbook https://kubernetes.default.svc apps/guestbook/overlays/in-cluster HEAD",
            "prod-eu-guestbook https://prod-eu.example.com apps/guestbook/overlays/prod-eu HEAD",
            "prod-us-guestbook https://prod-us.example.com apps/guestbook/overlays/prod-us HEAD",
            "staging-guestbook https://staging.example.com apps/guestbook/overlays/staging HEAD",
        ]
    );
    // Generated apps live in the ApplicationSet's namespace and keep the
    // parameters that made them.
    assert_eq!(apps[1].application.metadata.namespace(), Some("argocd"));
    assert_eq!(apps[1].params.get("nameNormalized").unwrap(), "prod-eu");
    assert_eq!(apps[1].params.get("metadata.labels.region").unwrap(), "eu");
    assert_eq!(
        apps[1].params.get("metadata.annotations.team").unwrap(),
        "platform"
    );
    assert_eq!(apps[1].application.spec.destination.namespace, "guestbook");
}

#[test]
fn clusters_generator_with_a_label_selector() {
    let set = appset(
        r#"
        metadata: {name: guestbook-prod}
        spec:
          generators:
            - clusters:
                selector:
                  matchLabels:
                    environment: production
          template:
            metadata: {name: '{{name}}-guestbook'}
            spec:
              project: default
              source: {repoURL: https://github.com/example/gitops.git, targetRevision: HEAD, path: 'apps/guestbook/overlays/{{metadata.labels.environment}}'}
              destination: {server: '{{server}}', namespace: guestbook}
        "#,
    );
    let apps = expand_with(&set, &fleet()).unwrap();
    assert_eq!(
        rows(&apps),
        [
            "prod-eu-guestbook https://prod-eu.example.com apps/guestbook/overlays/production HEAD",
            "prod-us-guestbook https://prod-us.example.com apps/guestbook/overlays/production HEAD",
        ]
    );

    // matchExpressions, and the unregistered hub left out of any selector.
    let set = appset(
        r#"
        metadata: {name: not-prod}
        spec:
          generators:
            - clusters:
                selector:
                  matchExpressions:
                    - {key: environment, operator: NotIn, values: [production]}
          template:
            metadata: {name: '{{name}}'}
            spec:
              project: default
              source: {repoURL: r, path: p}
              destination: {server: '{{server}}'}
        "#,
    );
    assert_eq!(names(&expand_with(&set, &fleet()).unwrap()), ["staging"]);
}

#[test]
fn git_directories_over_production_overlays() {
    let repo = repo_with(&[
        (
            "apps/overlays/production/api/kustomization.yaml",
            "resources: []\n",
        ),
        (
            "apps/overlays/production/web/kustomization.yaml",
            "resources: []\n",
        ),
        (
            "apps/overlays/production/worker/kustomization.yaml",
            "resources: []\n",
        ),
        (
            "apps/overlays/production/worker/patches/replicas.yaml",
            "x: 1\n",
        ),
        (
            "apps/overlays/staging/api/kustomization.yaml",
            "resources: []\n",
        ),
    ]);
    let set = appset(&format!(
        r#"
        metadata: {{name: production}}
        spec:
          generators:
            - git:
                repoURL: {REPO_URL}
                revision: HEAD
                directories:
                  - path: apps/overlays/production/*
          template:
            metadata:
              name: '{{{{path.basename}}}}'
            spec:
              project: default
              source:
                repoURL: {REPO_URL}
                targetRevision: HEAD
                path: '{{{{path}}}}'
              destination:
                server: https://kubernetes.default.svc
                namespace: '{{{{path.basename}}}}'
        "#
    ));
    let apps = expand_git(&set, &repo, &fleet()).unwrap();
    assert_eq!(
        rows(&apps),
        [
            "api https://kubernetes.default.svc apps/overlays/production/api HEAD",
            "web https://kubernetes.default.svc apps/overlays/production/web HEAD",
            "worker https://kubernetes.default.svc apps/overlays/production/worker HEAD",
        ]
    );
    let params = &apps[0].params;
    assert_eq!(params.get("path[0]").unwrap(), "apps");
    assert_eq!(params.get("path[3]").unwrap(), "api");
    assert_eq!(params.get("path.basenameNormalized").unwrap(), "api");
}

#[test]
fn matrix_of_labelled_clusters_and_git_directories() {
    let repo = repo_with(&[
        ("apps/api/deployment.yaml", "kind: Deployment\n"),
        ("apps/web/deployment.yaml", "kind: Deployment\n"),
        (".github/workflows/ci.yaml", "on: push\n"),
    ]);
    let set = appset(&format!(
        r#"
        metadata: {{name: apps-everywhere}}
        spec:
          generators:
            - matrix:
                generators:
                  - clusters:
                      selector:
                        matchLabels:
                          environment: production
                  - git:
                      repoURL: {REPO_URL}
                      revision: HEAD
                      directories:
                        - path: apps/*
          template:
            metadata:
              name: '{{{{path.basename}}}}-{{{{name}}}}'
            spec:
              project: default
              source:
                repoURL: {REPO_URL}
                targetRevision: HEAD
                path: '{{{{path}}}}'
              destination:
                server: '{{{{server}}}}'
                namespace: '{{{{path.basename}}}}'
        "#
    ));
    let apps = expand_git(&set, &repo, &fleet()).unwrap();
    assert_eq!(
        rows(&apps),
        [
            "api-prod-eu https://prod-eu.example.com apps/api HEAD",
            "web-prod-eu https://prod-eu.example.com apps/web HEAD",
            "api-prod-us https://prod-us.example.com apps/api HEAD",
            "web-prod-us https://prod-us.example.com apps/web HEAD",
        ]
    );
}

#[test]
fn matrix_of_a_service_list_and_an_env_list_gives_six_apps() {
    let set = appset(
        r#"
        metadata: {name: services}
        spec:
          generators:
            - matrix:
                generators:
                  - list:
                      elements:
                        - service: order-service
                        - service: inventory-service
                        - service: payment-service
                  - list:
                      elements:
                        - env: staging
                        - env: production
          template:
            metadata:
              name: '{{service}}-{{env}}'
            spec:
              project: default
              source:
                repoURL: https://github.com/example/gitops.git
                targetRevision: HEAD
                path: 'apps/{{service}}/overlays/{{env}}'
              destination:
                server: https://kubernetes.default.svc
                namespace: '{{service}}-{{env}}'
        "#,
    );
    let apps = expand_with(&set, &fleet()).unwrap();
    assert_eq!(apps.len(), 6);
    assert_eq!(
        rows(&apps),
        [
            "order-service-staging https://kubernetes.default.svc apps/order-service/overlays/staging HEAD",
            "order-service-production https://kubernetes.default.svc apps/order-service/overlays/production HEAD",
            "inventory-service-staging https://kubernetes.default.svc apps/inventory-service/overlays/staging HEAD",
            "inventory-service-production https://kubernetes.default.svc apps/inventory-service/overlays/production HEAD",
            "payment-service-staging https://kubernetes.default.svc apps/payment-service/overlays/staging HEAD",
            "payment-service-production https://kubernetes.default.svc apps/payment-service/overlays/production HEAD",
        ]
    );
    assert_eq!(
        apps[5].application.spec.destination.namespace,
        "payment-service-production"
    );
}

#[test]
fn matrix_of_clusters_and_envs_with_a_branch_as_target_revision() {
    let set = appset(
        r#"
        metadata: {name: envs}
        spec:
          generators:
            - matrix:
                generators:
                  - clusters:
                      selector:
                        matchLabels:
                          region: eu
                  - list:
                      elements:
                        - env: staging
                          branch: develop
                        - env: production
                          branch: main
          template:
            metadata:
              name: '{{name}}-{{env}}'
            spec:
              project: default
              source:
                repoURL: https://github.com/example/gitops.git
                targetRevision: '{{branch}}'
                path: 'envs/{{env}}'
              destination:
                server: '{{server}}'
                namespace: '{{env}}'
        "#,
    );
    let apps = expand_with(&set, &fleet()).unwrap();
    assert_eq!(
        rows(&apps),
        [
            "prod-eu-staging https://prod-eu.example.com envs/staging develop",
            "prod-eu-production https://prod-eu.example.com envs/production main",
            "staging-staging https://staging.example.com envs/staging develop",
            "staging-production https://staging.example.com envs/production main",
        ]
    );
}

// ---------------------------------------------------------------------------
// Argo CD's documented generator examples
// ---------------------------------------------------------------------------

#[test]
fn argo_list_generator_example_in_both_template_styles() {
    for (go, name, path, server) in [
        (
            false,
            "{{cluster}}-guestbook",
            "applicationset/examples/list-generator/guestbook/{{cluster}}",
            "{{url}}",
        ),
        (
            true,
            "{{.cluster}}-guestbook",
            "applicationset/examples/list-generator/guestbook/{{.cluster}}",
            "{{.url}}",
        ),
    ] {
        let set = appset(&format!(
            r#"
            metadata: {{name: guestbook}}
            spec:
              goTemplate: {go}
              generators:
                - list:
                    elements:
                      - cluster: engineering-dev
                        url: https://1.2.3.4
                      - cluster: engineering-prod
                        url: https://2.4.6.8
              template:
                metadata:
                  name: '{name}'
                spec:
                  project: my-project
                  source:
                    repoURL: https://github.com/argoproj/argo-cd.git
                    targetRevision: HEAD
                    path: {path}
                  destination:
                    server: '{server}'
                    namespace: guestbook
            "#
        ));
        let apps = expand_with(&set, &fleet()).unwrap();
        assert_eq!(
            rows(&apps),
            [
                "engineering-dev-guestbook https://1.2.3.4 applicationset/examples/list-generator/guestbook/engineering-dev HEAD",
                "engineering-prod-guestbook https://2.4.6.8 applicationset/examples/list-generator/guestbook/engineering-prod HEAD",
            ],
            "goTemplate: {go}"
        );
        assert_eq!(apps[0].application.project(), "my-project");
    }
}

#[test]
fn argo_list_generator_values_elements_yaml_and_selector() {
    let set = appset(
        r#"
        metadata: {name: list-extras}
        spec:
          generators:
            - list:
                elements:
                  - cluster: engineering-dev
                    url: https://kubernetes.default.svc
                    env: staging
                    values: {revision: stable}
                  - cluster: engineering-prod
                    url: https://kubernetes.default.svc
                    env: prod
                    values: {revision: v1.2.0}
              selector:
                matchLabels:
                  env: staging
            - list:
                elementsYaml: |
                  - cluster: from-yaml
                    url: https://9.9.9.9
                    values: {revision: main}
          template:
            metadata: {name: '{{cluster}}'}
            spec:
              project: default
              source: {repoURL: https://github.com/argoproj/argo-cd.git, targetRevision: '{{values.revision}}', path: guestbook}
              destination: {server: '{{url}}', namespace: guestbook}
        "#,
    );
    let apps = expand_with(&set, &fleet()).unwrap();
    assert_eq!(
        rows(&apps),
        [
            "engineering-dev https://kubernetes.default.svc guestbook stable",
            "from-yaml https://9.9.9.9 guestbook main",
        ]
    );
    assert_eq!(apps[1].generator, 1);
}

#[test]
fn argo_list_generator_template_override() {
    let set = appset(
        r#"
        metadata: {name: override}
        spec:
          generators:
            - list:
                elements:
                  - cluster: engineering-dev
                    url: https://kubernetes.default.svc
                template:
                  metadata: {}
                  spec:
                    project: "default"
                    source:
                      repoURL: https://github.com/argoproj/argo-cd.git
                      targetRevision: HEAD
                      path: 'applicationset/examples/template-override/{{cluster}}-override'
                    destination: {}
          template:
            metadata: {name: '{{cluster}}-guestbook'}
            spec:
              project: "default"
              source:
                repoURL: https://github.com/argoproj/argo-cd.git
                targetRevision: HEAD
                path: applicationset/examples/template-override/default
              destination: {server: '{{url}}', namespace: guestbook}
        "#,
    );
    assert_eq!(
        rows(&expand_with(&set, &fleet()).unwrap()),
        [
            "engineering-dev-guestbook https://kubernetes.default.svc applicationset/examples/template-override/engineering-dev-override HEAD"
        ]
    );
}

#[test]
fn argo_cluster_generator_values_per_environment() {
    // Two clusters generators over the same fleet: production clusters on a
    // pinned revision, the others on the default one, through `values`
    // (which may themselves use the cluster's parameters).
    let set = appset(
        r#"
        metadata: {name: guestbook}
        spec:
          generators:
            - clusters:
                selector:
                  matchLabels: {environment: staging}
                values:
                  revision: HEAD
                  namespace: 'guestbook-{{metadata.labels.region}}'
            - clusters:
                selector:
                  matchLabels: {environment: production}
                values:
                  revision: stable
                  namespace: 'guestbook-{{metadata.labels.region}}'
          template:
            metadata: {name: '{{name}}-guestbook'}
            spec:
              project: my-project
              source:
                repoURL: https://github.com/argoproj/argocd-example-apps/
                targetRevision: '{{values.revision}}'
                path: guestbook
              destination:
                server: '{{server}}'
                namespace: '{{values.namespace}}'
        "#,
    );
    let apps = expand_with(&set, &fleet()).unwrap();
    assert_eq!(
        rows(&apps),
        [
            "staging-guestbook https://staging.example.com guestbook HEAD",
            "prod-eu-guestbook https://prod-eu.example.com guestbook stable",
            "prod-us-guestbook https://prod-us.example.com guestbook stable",
        ]
    );
    let namespaces: Vec<_> = apps
        .iter()
        .map(|app| app.application.spec.destination.namespace.as_str())
        .collect();
    assert_eq!(namespaces, ["guestbook-eu", "guestbook-eu", "guestbook-us"]);
}

#[test]
fn argo_cluster_generator_go_template_names_the_hub_in_cluster() {
    let registry = GeneratorClusters::new([
        ClusterInfo::hub(),
        ClusterInfo::new("Prod_Cluster", "https://prod.example.com").with_label("env", "prod"),
    ]);
    let set = appset(
        r#"
        metadata: {name: hub}
        spec:
          goTemplate: true
          goTemplateOptions: ["missingkey=error"]
          generators:
            - clusters: {}
          template:
            metadata: {name: '{{.nameNormalized}}-addons'}
            spec:
              project: default
              source: {repoURL: r, path: 'addons/{{ index .metadata.labels "env" | default "hub" }}'}
              destination: {name: '{{.name}}', namespace: addons}
        "#,
    );
    assert_eq!(
        rows(&expand_with(&set, &registry).unwrap()),
        [
            "in-cluster-addons name:in-cluster addons/hub ",
            "prod-cluster-addons name:Prod_Cluster addons/prod ",
        ]
    );
}

const ADDONS: &[(&str, &str)] = &[
    (
        "applicationset/examples/git-generator-directory/cluster-addons/argo-workflows/kustomization.yaml",
        "resources: []\n",
    ),
    (
        "applicationset/examples/git-generator-directory/cluster-addons/prometheus-operator/Chart.yaml",
        "name: p\n",
    ),
    (
        "applicationset/examples/git-generator-directory/excludes/cluster-addons/argo-workflows/kustomization.yaml",
        "resources: []\n",
    ),
    (
        "applicationset/examples/git-generator-directory/excludes/cluster-addons/exclude-helm-guestbook/Chart.yaml",
        "name: g\n",
    ),
    (
        "applicationset/examples/git-generator-directory/excludes/cluster-addons/prometheus-operator/Chart.yaml",
        "name: p\n",
    ),
];

#[test]
fn argo_git_directory_generator_example_with_go_templates() {
    let repo = repo_with(ADDONS);
    let set = appset(&format!(
        r#"
        metadata: {{name: cluster-addons}}
        spec:
          goTemplate: true
          goTemplateOptions: ["missingkey=error"]
          generators:
            - git:
                repoURL: {REPO_URL}
                revision: HEAD
                directories:
                  - path: applicationset/examples/git-generator-directory/cluster-addons/*
          template:
            metadata:
              name: '{{{{.path.basename}}}}'
            spec:
              project: my-project
              source:
                repoURL: {REPO_URL}
                targetRevision: HEAD
                path: '{{{{.path.path}}}}'
              destination:
                server: https://kubernetes.default.svc
                namespace: '{{{{.path.basename}}}}'
        "#
    ));
    let apps = expand_git(&set, &repo, &fleet()).unwrap();
    assert_eq!(
        rows(&apps),
        [
            "argo-workflows https://kubernetes.default.svc applicationset/examples/git-generator-directory/cluster-addons/argo-workflows HEAD",
            "prometheus-operator https://kubernetes.default.svc applicationset/examples/git-generator-directory/cluster-addons/prometheus-operator HEAD",
        ]
    );
    let segments = &apps[0].params.get("path").unwrap()["segments"];
    assert_eq!(segments[4], "argo-workflows");
}

#[test]
fn argo_git_directory_generator_exclusions() {
    let repo = repo_with(ADDONS);
    let set = appset(&format!(
        r#"
        metadata: {{name: cluster-addons}}
        spec:
          generators:
            - git:
                repoURL: {REPO_URL}
                revision: HEAD
                directories:
                  - path: applicationset/examples/git-generator-directory/excludes/cluster-addons/*
                  - path: applicationset/examples/git-generator-directory/excludes/cluster-addons/exclude-helm-guestbook
                    exclude: true
          template:
            metadata: {{name: '{{{{path.basename}}}}'}}
            spec:
              project: default
              source: {{repoURL: {REPO_URL}, targetRevision: HEAD, path: '{{{{path}}}}'}}
              destination: {{server: https://kubernetes.default.svc, namespace: '{{{{path.basename}}}}'}}
        "#
    ));
    assert_eq!(
        names(&expand_git(&set, &repo, &fleet()).unwrap()),
        ["argo-workflows", "prometheus-operator"]
    );
}

const CLUSTER_CONFIG: &[(&str, &str)] = &[
    (
        "applicationset/examples/git-generator-files-discovery/cluster-config/engineering/dev/config.json",
        r#"{"aws_account": "123456", "asset_id": "11223344", "cluster": {"owner": "cluster-admin@company.com", "name": "engineering-dev", "address": "https://1.2.3.4"}}"#,
    ),
    (
        "applicationset/examples/git-generator-files-discovery/cluster-config/engineering/prod/config.json",
        r#"{"aws_account": "123456", "asset_id": "11223344", "cluster": {"owner": "cluster-admin@company.com", "name": "engineering-prod", "address": "https://2.4.6.8"}}"#,
    ),
    (
        "applicationset/examples/git-generator-files-discovery/apps/guestbook/guestbook-ui-deployment.yaml",
        "kind: Deployment\n",
    ),
];

#[test]
fn argo_git_files_generator_example() {
    let repo = repo_with(CLUSTER_CONFIG);
    let set = appset(&format!(
        r#"
        metadata: {{name: guestbook}}
        spec:
          generators:
            - git:
                repoURL: {REPO_URL}
                revision: HEAD
                files:
                  - path: "applicationset/examples/git-generator-files-discovery/cluster-config/**/config.json"
          template:
            metadata:
              name: '{{{{cluster.name}}}}-guestbook'
            spec:
              project: default
              source:
                repoURL: {REPO_URL}
                targetRevision: HEAD
                path: "applicationset/examples/git-generator-files-discovery/apps/guestbook"
              destination:
                server: '{{{{cluster.address}}}}'
                namespace: guestbook
        "#
    ));
    let apps = expand_git(&set, &repo, &fleet()).unwrap();
    assert_eq!(
        rows(&apps),
        [
            "engineering-dev-guestbook https://1.2.3.4 applicationset/examples/git-generator-files-discovery/apps/guestbook HEAD",
            "engineering-prod-guestbook https://2.4.6.8 applicationset/examples/git-generator-files-discovery/apps/guestbook HEAD",
        ]
    );
    let params = &apps[0].params;
    assert_eq!(params.get("aws_account").unwrap(), "123456");
    assert_eq!(
        params.get("cluster.owner").unwrap(),
        "cluster-admin@company.com"
    );
    assert_eq!(
        params.get("path").unwrap(),
        "applicationset/examples/git-generator-files-discovery/cluster-config/engineering/dev"
    );
    assert_eq!(params.get("path.basename").unwrap(), "dev");
    assert_eq!(params.get("path[4]").unwrap(), "engineering");
    assert_eq!(params.get("path.filename").unwrap(), "config.json");
    assert_eq!(
        params.get("path.filenameNormalized").unwrap(),
        "config.json"
    );
}

#[test]
fn git_files_yaml_lists_go_templates_prefix_and_globbing() {
    let repo = repo_with(&[
        (
            "config/teams.yaml",
            "- team: Alpha\n  replicas: 2\n- team: beta\n  replicas: 1000000\n",
        ),
        ("config/nested/more.yaml", "team: gamma\nreplicas: 1\n"),
    ]);
    let make = |pattern: &str| {
        appset(&format!(
            r#"
            metadata: {{name: teams}}
            spec:
              goTemplate: true
              goTemplateOptions: ["missingkey=error"]
              generators:
                - git:
                    repoURL: {REPO_URL}
                    revision: HEAD
                    pathParamPrefix: cfg
                    files:
                      - path: "{pattern}"
              template:
                metadata:
                  name: '{{{{ .team | lower }}}}-{{{{ index .cfg.path.segments 0 }}}}'
                  labels:
                    replicas: '{{{{ .replicas }}}}'
                    file: '{{{{ .cfg.path.filenameNormalized }}}}'
                spec:
                  project: default
                  source: {{repoURL: {REPO_URL}, targetRevision: HEAD, path: '{{{{ .cfg.path.path }}}}'}}
                  destination: {{server: https://kubernetes.default.svc, namespace: '{{{{ .team | lower }}}}'}}
            "#
        ))
    };
    // Argo's default globbing lets `*` cross directories.
    let legacy = expand_git(&make("config/*.yaml"), &repo, &fleet()).unwrap();
    assert_eq!(
        rows(&legacy),
        [
            "gamma-config https://kubernetes.default.svc config/nested HEAD",
            "alpha-config https://kubernetes.default.svc config HEAD",
            "beta-config https://kubernetes.default.svc config HEAD",
        ]
    );
    assert_eq!(legacy[2].application.metadata.labels["replicas"], "1e+06");
    assert_eq!(legacy[1].application.metadata.labels["file"], "teams.yaml");

    // The opt-in strict globbing keeps `*` inside one directory.
    let strict = with_git(&repo, |git| {
        expand(
            &make("config/*.yaml"),
            &ExpandContext::new(&fleet())
                .with_git(git)
                .with_file_globbing(FileGlobbing::Strict),
        )
    })
    .unwrap();
    assert_eq!(names(&strict), ["alpha-config", "beta-config"]);
}

#[test]
fn argo_matrix_example_git_directories_times_clusters() {
    let repo = repo_with(ADDONS);
    let set = appset(&format!(
        r#"
        metadata: {{name: cluster-git}}
        spec:
          goTemplate: true
          goTemplateOptions: ["missingkey=error"]
          generators:
            - matrix:
                generators:
                  - git:
                      repoURL: {REPO_URL}
                      revision: HEAD
                      directories:
                        - path: applicationset/examples/matrix/cluster-addons/*
                        - path: applicationset/examples/git-generator-directory/cluster-addons/*
                  - clusters:
                      selector:
                        matchLabels:
                          environment: production
          template:
            metadata:
              name: '{{{{.path.basename}}}}-{{{{.name}}}}'
            spec:
              project: '{{{{index .metadata.labels "environment"}}}}'
              source:
                repoURL: {REPO_URL}
                targetRevision: HEAD
                path: '{{{{.path.path}}}}'
              destination:
                server: '{{{{.server}}}}'
                namespace: '{{{{.path.basename}}}}'
        "#
    ));
    let apps = expand_git(&set, &repo, &fleet()).unwrap();
    assert_eq!(
        names(&apps),
        [
            "argo-workflows-prod-eu",
            "argo-workflows-prod-us",
            "prometheus-operator-prod-eu",
            "prometheus-operator-prod-us",
        ]
    );
    assert_eq!(apps[0].application.project(), "production");
}

#[test]
fn argo_matrix_example_second_generator_uses_the_first_ones_params() {
    let repo = repo_with(&[
        (
            "cluster-config/production/config.json",
            r#"{"env": "production", "revision": "v1.2.0"}"#,
        ),
        (
            "cluster-config/staging/config.json",
            r#"{"env": "staging", "revision": "main"}"#,
        ),
    ]);
    let set = appset(&format!(
        r#"
        metadata: {{name: cluster-git}}
        spec:
          goTemplate: true
          goTemplateOptions: ["missingkey=error"]
          generators:
            - matrix:
                generators:
                  - git:
                      repoURL: {REPO_URL}
                      revision: HEAD
                      files:
                        - path: "cluster-config/**/config.json"
                  - clusters:
                      selector:
                        matchLabels:
                          environment: '{{{{.path.basename}}}}'
          template:
            metadata:
              name: 'guestbook-{{{{.name}}}}'
            spec:
              project: default
              source:
                repoURL: {REPO_URL}
                targetRevision: '{{{{.revision}}}}'
                path: guestbook
              destination:
                server: '{{{{.server}}}}'
                namespace: guestbook
        "#
    ));
    assert_eq!(
        rows(&expand_git(&set, &repo, &fleet()).unwrap()),
        [
            "guestbook-prod-eu https://prod-eu.example.com guestbook v1.2.0",
            "guestbook-prod-us https://prod-us.example.com guestbook v1.2.0",
            "guestbook-staging https://staging.example.com guestbook main",
        ]
    );
}

#[test]
fn argo_merge_example_overrides_by_server() {
    let registry = GeneratorClusters::new([
        ClusterInfo::new("cluster-a", "https://1.1.1.1").with_label("use-kafka", "false"),
        ClusterInfo::new("cluster-b", "https://2.4.6.8").with_label("use-kafka", "true"),
        ClusterInfo::new("cluster-c", "https://3.3.3.3").with_label("use-kafka", "true"),
    ]);
    let set = appset(
        r#"
        metadata: {name: cluster-git}
        spec:
          generators:
            - merge:
                mergeKeys:
                  - server
                generators:
                  - clusters:
                      values:
                        kafka: 'true'
                        redis: 'false'
                  - clusters:
                      selector:
                        matchLabels:
                          use-kafka: 'false'
                      values:
                        kafka: 'false'
                  - list:
                      elements:
                        - server: https://2.4.6.8
                          values.redis: 'true'
                        - server: https://9.9.9.9
                          values.redis: 'true'
          template:
            metadata:
              name: '{{name}}'
            spec:
              project: default
              source:
                repoURL: https://github.com/argoproj/argo-cd.git
                targetRevision: HEAD
                path: app
                helm:
                  parameters:
                    - name: kafka
                      value: '{{values.kafka}}'
                    - name: redis
                      value: '{{values.redis}}'
              destination:
                server: '{{server}}'
                namespace: default
        "#,
    );
    let apps = expand_with(&set, &registry).unwrap();
    let summary: Vec<String> = apps
        .iter()
        .map(|app| {
            format!(
                "{} kafka={} redis={}",
                app.application.name(),
                app.params.get("values.kafka").unwrap().as_str().unwrap(),
                app.params.get("values.redis").unwrap().as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "cluster-a kafka=false redis=false",
            "cluster-b kafka=true redis=true",
            "cluster-c kafka=true redis=false",
        ]
    );
    let helm = serde_json::to_value(&apps[1].application.spec.source).unwrap();
    assert_eq!(helm["helm"]["parameters"][1]["value"], "true");
}

// ---------------------------------------------------------------------------
// Go templates, templatePatch
// ---------------------------------------------------------------------------

#[test]
fn go_template_functions_and_control_flow() {
    let set = appset(
        r#"
        metadata: {name: go}
        spec:
          goTemplate: true
          generators:
            - list:
                elements:
                  - service: Order_Service
                    env: production
                    tier: 1
                  - service: inventory
                    env: staging
          template:
            metadata:
              name: '{{ normalize .service }}-{{ trunc 4 .env }}'
              annotations:
                tier: '{{ .tier | default 3 }}'
                json: '{{ toJson .env }}'
                quoted: '{{ quote .service }}'
                replaced: '{{ replace "_" "." .service | lower }}'
            spec:
              project: '{{ if eq .env "production" }}prod{{ else }}non-prod{{ end }}'
              source:
                repoURL: https://github.com/example/gitops.git
                targetRevision: '{{ if and (eq .env "production") (not (eq .service "x")) }}main{{ else }}develop{{ end }}'
                path: '{{ printf "apps/%s/%s" (lower .service) .env }}'
              destination:
                name: '{{ .env | upper }}'
                namespace: '{{ .missing }}'
        "#,
    );
    let apps = expand_with(&set, &fleet()).unwrap();
    assert_eq!(
        rows(&apps),
        [
            "order-service-prod name:PRODUCTION apps/order_service/production main",
            "inventory-stag name:STAGING apps/inventory/staging develop",
        ]
    );
    let first = &apps[0].application;
    assert_eq!(first.project(), "prod");
    assert_eq!(first.metadata.annotations["tier"], "1");
    assert_eq!(first.metadata.annotations["json"], "\"production\"");
    assert_eq!(first.metadata.annotations["quoted"], "\"Order_Service\"");
    assert_eq!(first.metadata.annotations["replaced"], "order.service");
    // Without missingkey=error a missing key prints Go's `<no value>`.
    assert_eq!(first.spec.destination.namespace, "<no value>");
    assert_eq!(apps[1].application.metadata.annotations["tier"], "3");
    assert_eq!(apps[1].application.project(), "non-prod");
}

#[test]
fn template_patch_sets_typed_fields() {
    let set = appset(
        r#"
        metadata: {name: patched}
        spec:
          goTemplate: true
          goTemplateOptions: ["missingkey=error"]
          generators:
            - list:
                elements:
                  - cluster: dev
                    autoSync: true
                    prune: false
                  - cluster: prod
                    autoSync: false
          template:
            metadata: {name: '{{.cluster}}-app'}
            spec:
              project: default
              source: {repoURL: https://github.com/example/gitops.git, targetRevision: HEAD, path: app}
              destination: {server: https://kubernetes.default.svc, namespace: app}
          templatePatch: |
            {{- if .autoSync }}
            spec:
              syncPolicy:
                automated:
                  prune: {{ .prune }}
                syncOptions:
                  - CreateNamespace=true
            {{- end }}
        "#,
    );
    let apps = expand_with(&set, &fleet()).unwrap();
    let dev = &apps[0].application;
    assert!(dev.is_automated());
    assert!(!dev.automated_sync().unwrap().prune);
    assert!(dev.has_sync_option("CreateNamespace=true"));
    assert!(!apps[1].application.is_automated());
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

fn list_set(options: &str, name: &str) -> ApplicationSet {
    appset(&format!(
        r#"
        metadata: {{name: broken}}
        spec:
          goTemplate: true
          goTemplateOptions: [{options}]
          generators:
            - list:
                elements:
                  - cluster: dev
          template:
            metadata: {{name: '{name}'}}
            spec:
              project: default
              source: {{repoURL: r, path: p}}
              destination: {{server: https://kubernetes.default.svc}}
        "#
    ))
}

#[test]
fn missingkey_error_names_the_appset_field_and_parameter() {
    let error = expand_with(
        &list_set("\"missingkey=error\"", "{{.clustr}}-app"),
        &fleet(),
    )
    .unwrap_err();
    match &error {
        AppSetError::Render {
            appset,
            field,
            source,
            ..
        } => {
            assert_eq!(appset, "broken");
            assert_eq!(field, "spec.template.metadata.name");
            assert_eq!(source.parameter(), Some("clustr"));
            assert_eq!(
                **source,
                TemplateError::Go(GoTemplateError::MissingKey {
                    key: "clustr".into()
                })
            );
        }
        other => panic!("unexpected error: {other}"),
    }
    let message = error.to_string();
    assert!(
        message.contains("broken") && message.contains("clustr"),
        "{message}"
    );

    // Without the option, the name becomes `<no value>-app`, which is not a
    // Kubernetes name: the generated app is refused.
    let error = expand_with(&list_set("", "{{.clustr}}-app"), &fleet()).unwrap_err();
    assert!(
        matches!(&error, AppSetError::InvalidApplication { app, .. } if app == "<no value>-app"),
        "{error}"
    );
}

#[test]
fn unknown_functions_and_bad_syntax_are_errors_on_the_appset() {
    let error = expand_with(&list_set("", "{{ frob .cluster }}"), &fleet()).unwrap_err();
    assert!(
        matches!(&error, AppSetError::TemplateSyntax { field, source, .. }
            if field == "spec.template.metadata.name" && source.parameter() == Some("frob")),
        "{error}"
    );
    let error = expand_with(&list_set("", "{{ .cluster "), &fleet()).unwrap_err();
    assert!(
        matches!(error, AppSetError::TemplateSyntax { .. }),
        "{error}"
    );
}

#[test]
fn legacy_templating_keeps_unresolved_placeholders_and_refuses_the_app() {
    let set = appset(
        r#"
        metadata: {name: legacy}
        spec:
          generators:
            - list: {elements: [{cluster: dev}]}
          template:
            metadata: {name: 'app-{{cluster}}', annotations: {note: '{{ unknown }}'}}
            spec:
              project: default
              source: {repoURL: r, path: 'p/{{nope}}'}
              destination: {server: https://kubernetes.default.svc}
        "#,
    );
    let apps = expand_with(&set, &fleet()).unwrap();
    assert_eq!(
        apps[0].application.metadata.annotations["note"],
        "{{ unknown }}"
    );
    assert_eq!(apps[0].application.sources()[0].path, "p/{{nope}}");

    let set = appset(
        r#"
        metadata: {name: legacy}
        spec:
          generators:
            - list: {elements: [{cluster: dev}]}
          template:
            metadata: {name: '{{clustr}}'}
            spec:
              project: default
              source: {repoURL: r, path: p}
              destination: {server: https://kubernetes.default.svc}
        "#,
    );
    let error = expand_with(&set, &fleet()).unwrap_err();
    assert!(
        matches!(error, AppSetError::InvalidApplication { .. }),
        "{error}"
    );
}

#[test]
fn generated_apps_that_fail_validation_are_errors() {
    let set = appset(
        r#"
        metadata: {name: no-project}
        spec:
          generators:
            - list: {elements: [{cluster: dev}]}
          template:
            metadata: {name: '{{cluster}}'}
            spec:
              source: {repoURL: r, path: p}
              destination: {server: https://a, name: b}
        "#,
    );
    match expand_with(&set, &fleet()).unwrap_err() {
        AppSetError::InvalidApplication {
            appset,
            app,
            errors,
            params,
        } => {
            assert_eq!((appset.as_str(), app.as_str()), ("no-project", "dev"));
            let paths: Vec<_> = errors.iter().map(|error| error.path.as_str()).collect();
            assert_eq!(paths, ["spec.project", "spec.destination"]);
            assert_eq!(params, r#"{"cluster":"dev"}"#);
        }
        other => panic!("unexpected error: {other}"),
    }
}

#[test]
fn duplicate_names_are_an_error_naming_both_parameter_sets() {
    let set = appset(
        r#"
        metadata: {name: dupes}
        spec:
          generators:
            - list:
                elements:
                  - {app: web, env: dev}
                  - {app: web, env: prod}
          template:
            metadata: {name: '{{app}}'}
            spec:
              project: default
              source: {repoURL: r, path: 'p/{{env}}'}
              destination: {server: https://kubernetes.default.svc}
        "#,
    );
    match expand_with(&set, &fleet()).unwrap_err() {
        AppSetError::DuplicateName {
            app, first, second, ..
        } => {
            assert_eq!(app, "web");
            assert_eq!(first, r#"{"app":"web","env":"dev"}"#);
            assert_eq!(second, r#"{"app":"web","env":"prod"}"#);
        }
        other => panic!("unexpected error: {other}"),
    }
}

#[test]
fn generator_errors_name_the_generator() {
    let set = appset(
        r#"
        metadata: {name: odd}
        spec:
          generators:
            - matrix:
                generators:
                  - list: {elements: [{env: dev}]}
                  - pullRequest: {github: {owner: o, repo: r}}
          template:
            metadata: {name: 'x-{{env}}'}
            spec: {project: default, source: {repoURL: r, path: p}, destination: {server: https://k}}
        "#,
    );
    let error = expand_with(&set, &fleet()).unwrap_err();
    assert_eq!(
        error.to_string(),
        "ApplicationSet odd: spec.generators[0]: generators[1]: generator kind `pullRequest` is not supported"
    );

    // A matrix whose children disagree on a parameter (legacy templating).
    let set = appset(
        r#"
        metadata: {name: clash}
        spec:
          generators:
            - matrix:
                generators:
                  - list: {elements: [{env: dev}]}
                  - list: {elements: [{env: prod}]}
          template:
            metadata: {name: 'x-{{env}}'}
            spec: {project: default, source: {repoURL: r, path: p}, destination: {server: https://k}}
        "#,
    );
    match expand_with(&set, &fleet()).unwrap_err() {
        AppSetError::Generator { source, .. } => assert!(
            matches!(*source, GeneratorError::MatrixConflict { ref key, .. } if key == "env"),
            "{source}"
        ),
        other => panic!("unexpected error: {other}"),
    }

    // A git generator without git access.
    let set = appset(
        r#"
        metadata: {name: nogit}
        spec:
          generators:
            - git: {repoURL: https://example.com/r.git, directories: [{path: '*'}]}
          template:
            metadata: {name: '{{path.basename}}'}
            spec: {project: default, source: {repoURL: r, path: p}, destination: {server: https://k}}
        "#,
    );
    let error = expand_with(&set, &fleet()).unwrap_err();
    assert!(error.to_string().contains("no git access"), "{error}");
}

#[test]
fn merge_with_duplicate_keys_is_an_error() {
    let set = appset(
        r#"
        metadata: {name: merge-dupes}
        spec:
          generators:
            - merge:
                mergeKeys: [server]
                generators:
                  - list: {elements: [{server: a, n: '1'}, {server: a, n: '2'}]}
                  - list: {elements: [{server: a}]}
          template:
            metadata: {name: 'x-{{n}}'}
            spec: {project: default, source: {repoURL: r, path: p}, destination: {server: https://k}}
        "#,
    );
    match expand_with(&set, &fleet()).unwrap_err() {
        AppSetError::Generator { source, .. } => assert!(
            matches!(*source, GeneratorError::MergeDuplicateKey { child: 0, .. }),
            "{source}"
        ),
        other => panic!("unexpected error: {other}"),
    }
}

#[test]
fn one_broken_appset_does_not_stop_the_others() {
    let good = list_set("", "{{.cluster}}-ok");
    let mut bad = list_set("\"missingkey=error\"", "{{.nope}}");
    bad.metadata.name = "bad".into();
    let results = expand_all([&bad, &good], &ExpandContext::new(&fleet()));
    assert_eq!(results.len(), 2);
    assert_eq!(results[0].appset, "bad");
    assert!(results[0].result.is_err());
    assert_eq!(results[1].appset, "broken");
    assert_eq!(names(results[1].result.as_ref().unwrap()), ["dev-ok"]);
}

#[test]
fn invalid_appsets_are_refused_before_generating() {
    let set = appset(
        r#"
        metadata: {name: empty-matrix}
        spec:
          generators:
            - matrix: {generators: [{list: {elements: []}}]}
          template: {spec: {}}
        "#,
    );
    let error = expand_with(&set, &fleet()).unwrap_err();
    assert!(matches!(error, AppSetError::Invalid { .. }), "{error}");
    assert_eq!(error.appset(), "empty-matrix");
}

// ---------------------------------------------------------------------------
// Revisions and the repository layout of the guides
// ---------------------------------------------------------------------------

#[test]
fn git_generator_reads_the_requested_revision() {
    let repo = repo_with(&[("apps/web/kustomization.yaml", "resources: []\n")]);
    repo.branch("release");
    repo.write("apps/api/kustomization.yaml", "resources: []\n");
    repo.commit("add api on main");
    let make = |revision: &str| {
        appset(&format!(
            r#"
            metadata: {{name: rev}}
            spec:
              generators:
                - git: {{repoURL: {REPO_URL}, revision: {revision}, directories: [{{path: apps/*}}]}}
              template:
                metadata: {{name: '{{{{path.basename}}}}'}}
                spec: {{project: default, source: {{repoURL: {REPO_URL}, targetRevision: {revision}, path: '{{{{path}}}}'}}, destination: {{server: https://k}}}}
            "#
        ))
    };
    assert_eq!(
        names(&expand_git(&make("main"), &repo, &fleet()).unwrap()),
        ["api", "web"]
    );
    assert_eq!(
        names(&expand_git(&make("release"), &repo, &fleet()).unwrap()),
        ["web"]
    );
    let error = expand_git(&make("no-such-branch"), &repo, &fleet()).unwrap_err();
    assert!(error.to_string().contains("no-such-branch"), "{error}");
}

#[test]
fn the_gitops_repository_appsets_expand() {
    let repo = gitops_repo();
    let read = |path: &str| {
        let text = std::fs::read_to_string(repo.path().join(path)).unwrap();
        ApplicationSet::from_value(parse_single(&text).unwrap()).unwrap()
    };
    let guestbook = read("argocd/applicationsets/guestbook.yaml");
    let addons = read("argocd/applicationsets/cluster-addons.yaml");
    let registry = GeneratorClusters::new([
        ClusterInfo::hub(),
        ClusterInfo::new("prod-1", "https://prod-1.example.com").with_label("env", "prod"),
        ClusterInfo::new("dev-1", "https://dev-1.example.com").with_label("env", "dev"),
    ]);
    let results = with_git(&repo, |git| {
        expand_all(
            [&guestbook, &addons],
            &ExpandContext::new(&registry).with_git(git),
        )
    });
    assert_eq!(
        rows(results[0].result.as_ref().unwrap()),
        [
            "guestbook-dev https://kubernetes.default.svc apps/guestbook/overlays/dev HEAD",
            "guestbook-prod https://kubernetes.default.svc apps/guestbook/overlays/prod HEAD",
        ]
    );
    assert_eq!(
        rows(results[1].result.as_ref().unwrap()),
        ["metrics-prod-1 https://prod-1.example.com addons/metrics HEAD"]
    );
}

#[test]
fn a_plain_directory_can_stand_in_for_the_repository() {
    let dir = tempfile::tempdir().unwrap();
    for app in ["a", "b", ".hidden"] {
        std::fs::create_dir_all(dir.path().join("apps").join(app)).unwrap();
    }
    let git = TreeGitFiles::new(FsTree::new(dir.path()));
    let set = appset(
        r#"
        metadata: {name: fs}
        spec:
          generators:
            - git: {repoURL: https://anything.example.com/r.git, directories: [{path: 'apps/*'}]}
          template:
            metadata: {name: '{{path.basename}}'}
            spec: {project: default, source: {repoURL: r, path: '{{path}}'}, destination: {server: https://k}}
        "#,
    );
    let registry = fleet();
    let apps = expand(&set, &ExpandContext::new(&registry).with_git(&git)).unwrap();
    assert_eq!(names(&apps), ["a", "b"]);
}

#[test]
fn merge_and_path_prefix_with_go_templates() {
    let repo = repo_with(&[
        ("apps/api/kustomization.yaml", "resources: []\n"),
        ("apps/web/kustomization.yaml", "resources: []\n"),
    ]);
    let set = appset(&format!(
        r#"
        metadata: {{name: merged}}
        spec:
          goTemplate: true
          goTemplateOptions: ["missingkey=error"]
          generators:
            - merge:
                mergeKeys: [values.app]
                generators:
                  - git:
                      repoURL: {REPO_URL}
                      revision: HEAD
                      pathParamPrefix: src
                      directories: [{{path: apps/*}}]
                      values: {{app: '{{{{ .src.path.basename }}}}', replicas: '1'}}
                  - list:
                      elements:
                        - values: {{app: web, replicas: '3'}}
          template:
            metadata:
              name: '{{{{ .values.app }}}}'
              annotations: {{replicas: '{{{{ .values.replicas }}}}'}}
            spec:
              project: default
              source: {{repoURL: {REPO_URL}, targetRevision: HEAD, path: '{{{{ .src.path.path }}}}'}}
              destination: {{server: https://kubernetes.default.svc, namespace: '{{{{ .values.app }}}}'}}
        "#
    ));
    // With Go templates a merge key may name a nested parameter.
    let apps = expand_git(&set, &repo, &fleet()).unwrap();
    let summary: Vec<String> = apps
        .iter()
        .map(|app| {
            format!(
                "{} {} {}",
                app.application.name(),
                app.application.metadata.annotations["replicas"],
                app.application.sources()[0].path
            )
        })
        .collect();
    assert_eq!(summary, ["api 1 apps/api", "web 3 apps/web"]);

    // Legacy templating spells the prefixed parameters with dots.
    let set = appset(&format!(
        r#"
        metadata: {{name: prefixed}}
        spec:
          generators:
            - git:
                repoURL: {REPO_URL}
                revision: HEAD
                pathParamPrefix: src
                directories: [{{path: apps/*}}]
          template:
            metadata: {{name: '{{{{src.path.basename}}}}-{{{{src.path[0]}}}}'}}
            spec:
              project: default
              source: {{repoURL: {REPO_URL}, targetRevision: HEAD, path: '{{{{src.path}}}}'}}
              destination: {{server: https://kubernetes.default.svc}}
        "#
    ));
    assert_eq!(
        rows(&expand_git(&set, &repo, &fleet()).unwrap()),
        [
            "api-apps https://kubernetes.default.svc apps/api HEAD",
            "web-apps https://kubernetes.default.svc apps/web HEAD",
        ]
    );
}

#[test]
fn matrix_list_elements_yaml_from_the_first_generators_file() {
    let repo = repo_with(&[(
        "teams/payments.yaml",
        "team: payments\ncomponents:\n  - name: api\n    chart: web\n  - name: worker\n    chart: job\n",
    )]);
    let set = appset(&format!(
        r#"
        metadata: {{name: components}}
        spec:
          goTemplate: true
          goTemplateOptions: ["missingkey=error"]
          generators:
            - matrix:
                generators:
                  - git:
                      repoURL: {REPO_URL}
                      revision: HEAD
                      files: [{{path: "teams/*.yaml"}}]
                  - list:
                      elementsYaml: "{{{{ .components | toJson }}}}"
          template:
            metadata: {{name: '{{{{ .team }}}}-{{{{ .name }}}}'}}
            spec:
              project: default
              source: {{repoURL: {REPO_URL}, targetRevision: HEAD, path: 'charts/{{{{ .chart }}}}'}}
              destination: {{server: https://kubernetes.default.svc, namespace: '{{{{ .team }}}}'}}
        "#
    ));
    assert_eq!(
        rows(&expand_git(&set, &repo, &fleet()).unwrap()),
        [
            "payments-api https://kubernetes.default.svc charts/web HEAD",
            "payments-worker https://kubernetes.default.svc charts/job HEAD",
        ]
    );
}
