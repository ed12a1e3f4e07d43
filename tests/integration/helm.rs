//! Helm sources through an external `helm template`, and Kustomize through an
//! external binary, end to end from a Git repository. helm is not installed
//! on the test machines, so a fake `helm` (a shell script written at test
//! time) records its command line and prints a fixed YAML stream the way
//! helm does, with `# Source:` comments.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fleetdeck::engine::model::Application;
use fleetdeck::engine::render::{
    AppRenderError, ExternalKustomize, KustomizeMode, RenderCache, RenderError, RenderTools,
    RenderedSource, ToolError, render_application_with,
};
use fleetdeck::engine::source::{LocalFirstResolver, RepoCache};
use tempfile::TempDir;

use super::support::TestRepo;

const CHARTS_URL: &str = "https://git.example.com/platform/charts.git";

/// What the fake helm prints: three templates of chart `web`, one of its
/// subchart `db`, and a CRD, as `helm template` lays them out.
const HELM_OUTPUT: &str = "---
# Source: web/charts/db/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: web-db
---
# Source: web/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  note: \"a,b\"
---
# Source: web/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-extra
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
";

/// A scratch directory holding one fake binary and the files it records.
struct FakeTool {
    dir: TempDir,
}

impl FakeTool {
    /// A script that records its argv (one per line) to `argv`, its working
    /// directory to `cwd`, the contents of every `--values` file to `values`,
    /// counts its runs in `runs`, then runs `body`.
    fn new(body: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().display().to_string();
        let script = format!(
            "#!/bin/sh\n\
             printf '%s\\n' \"$@\" > '{log}/argv'\n\
             pwd > '{log}/cwd'\n\
             echo run >> '{log}/runs'\n\
             : > '{log}/values'\n\
             previous=\n\
             for arg in \"$@\"; do\n\
               if [ \"$previous\" = --values ]; then echo \"== $arg\" >> '{log}/values'; cat \"$arg\" >> '{log}/values'; fi\n\
               previous=\"$arg\"\n\
             done\n\
             {body}\n"
        );
        let binary = dir.path().join("tool");
        std::fs::write(&binary, script).unwrap();
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
        FakeTool { dir }
    }

    /// A tool that prints `output` after checking that `must_exist` (paths
    /// relative to its working directory) were materialised.
    fn printing(output: &str, must_exist: &[&str]) -> Self {
        let mut body = String::new();
        for path in must_exist {
            body.push_str(&format!(
                "[ -f '{path}' ] || {{ echo \"missing {path}\" >&2; exit 3; }}\n"
            ));
        }
        body.push_str(&format!("cat <<'FLEETDECK_EOF'\n{output}FLEETDECK_EOF\n"));
        Self::new(&body)
    }

    fn binary(&self) -> PathBuf {
        self.dir.path().join("tool")
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    fn argv(&self) -> Vec<String> {
        self.read("argv").lines().map(str::to_string).collect()
    }

    fn runs(&self) -> usize {
        self.read("runs").lines().count()
    }

    fn helm_tools(&self) -> RenderTools {
        RenderTools {
            helm: Some(self.binary()),
            kustomize: None,
            timeout: Duration::from_secs(30),
        }
    }
}

/// A charts repository: chart `web` (with a vendored subchart), value files
/// inside and beside the chart, a `--set-file` file, per-env values for
/// `$values`, and a plain directory app.
fn charts_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.git().remote("origin", CHARTS_URL).unwrap();
    repo.write(
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    )
    .write("charts/web/values.yaml", "replicaCount: 1\n")
    .write("charts/web/values-prod.yaml", "replicaCount: 2\n")
    .write(
        "charts/web/templates/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\n",
    )
    .write(
        "charts/web/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    )
    .write(
        "charts/web/charts/db/Chart.yaml",
        "apiVersion: v2\nname: db\nversion: 0.1.0\n",
    )
    .write(
        "charts/web/charts/db/templates/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-db\n",
    )
    .write("charts/web/files/app.conf", "listen 8080\n")
    .write("charts/shared/common.yaml", "team: web\n")
    .write("env/prod/web.yaml", "ingress:\n  host: web.example.com\n")
    .write(
        "plain/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
    );
    repo.commit("charts");
    repo
}

fn application(yaml: &str) -> Application {
    let value = fleetdeck::engine::yaml::parse_single(yaml).unwrap();
    Application::from_value(value).unwrap()
}

/// The realistic multi-source Helm app used by most tests.
fn web_prod() -> Application {
    application(&format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-prod
  namespace: argocd
spec:
  project: default
  destination:
    server: https://kubernetes.default.svc
    namespace: web
  sources:
    - repoURL: {CHARTS_URL}
      targetRevision: main
      path: charts/web
      helm:
        releaseName: web
        namespace: web-system
        valueFiles:
          - values-prod.yaml
          - ../shared/common.yaml
          - $values/env/prod/web.yaml
          - values-missing.yaml
        ignoreMissingValueFiles: true
        values: |
          ignored: because valuesObject wins
        valuesObject:
          replicaCount: 3
        parameters:
          - name: image.tag
            value: 1.2.3
          - name: annotations.note
            value: a,b
            forceString: true
        fileParameters:
          - name: config
            path: files/app.conf
        kubeVersion: 1.30.0
        apiVersions:
          - monitoring.coreos.com/v1
          - networking.k8s.io/v1/Ingress
    - repoURL: {CHARTS_URL}
      targetRevision: main
      ref: values
"
    ))
}

/// A single-source app at `path` with `extra` lines under `source:`.
fn simple_app(name: &str, path: &str, extra: &str) -> Application {
    application(&format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
spec:
  project: default
  destination:
    server: https://kubernetes.default.svc
    namespace: team-a
  source:
    repoURL: {CHARTS_URL}
    targetRevision: main
    path: {path}
{extra}"
    ))
}

/// Renders `app` against `repo` with `tools` (and a fresh or given cache).
fn render(
    repo: &TestRepo,
    app: &Application,
    tools: &RenderTools,
    cache: &RenderCache,
) -> Result<Vec<RenderedSource>, AppRenderError> {
    super::support::sandbox();
    let cache_dir = tempfile::tempdir().unwrap();
    let repos = RepoCache::new(cache_dir.path().to_path_buf());
    let opened = repos.open(repo.path().to_str().unwrap()).unwrap();
    let mut resolver = LocalFirstResolver::new(&repos);
    resolver.alias_with_remotes(opened);
    render_application_with(app, &resolver, cache, tools)
}

fn summary(sources: &[RenderedSource]) -> Vec<(String, String, usize)> {
    sources
        .iter()
        .flat_map(|source| source.manifests.iter())
        .map(|m| {
            (
                format!("{}/{}", m.kind(), m.name()),
                m.origin.file.to_string(),
                m.origin.document,
            )
        })
        .collect()
}

#[test]
fn helm_template_gets_argo_cds_command_line_and_its_output_is_parsed() {
    let repo = charts_repo();
    let helm = FakeTool::printing(
        HELM_OUTPUT,
        &[
            "Chart.yaml",
            "templates/deployment.yaml",
            "charts/db/templates/service.yaml",
            "files/app.conf",
        ],
    );
    let sources = render(&repo, &web_prod(), &helm.helm_tools(), &RenderCache::new(8)).unwrap();

    assert_eq!(
        helm.argv(),
        [
            "template",
            "web",
            ".",
            "--namespace",
            "web-system",
            "--values",
            "values-prod.yaml",
            "--values",
            "../shared/common.yaml",
            "--values",
            "../../../generated/ref-values-2.yaml",
            "--values",
            "../../../generated/inline-values.yaml",
            "--set",
            "image.tag=1.2.3",
            "--set-string",
            "annotations.note=a\\,b",
            "--set-file",
            "config=files/app.conf",
            "--include-crds",
            "--kube-version",
            "1.30.0",
            "--api-versions",
            "monitoring.coreos.com/v1",
            "--api-versions",
            "networking.k8s.io/v1/Ingress",
        ]
    );
    // helm ran inside the chart's copy, with every values file readable.
    assert!(helm.read("cwd").trim_end().ends_with("/repo/charts/web"));
    let values = helm.read("values");
    for expected in [
        "replicaCount: 2",
        "team: web",
        "host: web.example.com",
        "\"replicaCount\": 3",
    ] {
        assert!(values.contains(expected), "{expected} not in {values}");
    }
    assert!(!values.contains("ignored"), "{values}");

    assert_eq!(sources.len(), 1, "the ref-only source renders nothing");
    assert_eq!(sources[0].path.as_str(), "charts/web");
    assert_eq!(
        summary(&sources),
        [
            (
                "Service/web-db".to_string(),
                "charts/web/charts/db/templates/service.yaml".to_string(),
                0
            ),
            (
                "ConfigMap/web-config".to_string(),
                "charts/web/templates/configmap.yaml".to_string(),
                0
            ),
            (
                "ConfigMap/web-extra".to_string(),
                "charts/web/templates/configmap.yaml".to_string(),
                1
            ),
            (
                "Deployment/web".to_string(),
                "charts/web/templates/deployment.yaml".to_string(),
                0
            ),
        ]
    );
    assert_eq!(sources[0].manifests[1].object["data"]["note"], "a,b");
}

#[test]
fn defaults_come_from_the_application_and_skip_crds_is_passed() {
    let repo = charts_repo();
    let helm = FakeTool::printing(HELM_OUTPUT, &[]);
    // Chart.yaml alone makes this a Helm source; no `helm:` block needed.
    let plain = simple_app("web-dev", "charts/web", "");
    render(&repo, &plain, &helm.helm_tools(), &RenderCache::new(8)).unwrap();
    assert_eq!(
        helm.argv(),
        [
            "template",
            "web-dev",
            ".",
            "--namespace",
            "team-a",
            "--include-crds"
        ]
    );

    let skip = simple_app(
        "web-dev",
        "charts/web",
        "    helm:\n      skipCrds: true\n      values: 'replicaCount: 5'\n",
    );
    render(&repo, &skip, &helm.helm_tools(), &RenderCache::new(8)).unwrap();
    assert_eq!(
        helm.argv(),
        [
            "template",
            "web-dev",
            ".",
            "--namespace",
            "team-a",
            "--values",
            "../../../generated/inline-values.yaml",
            "--skip-crds"
        ]
    );
    assert!(helm.read("values").contains("replicaCount: 5"));
}

#[test]
fn without_a_helm_binary_only_the_helm_app_fails() {
    let repo = charts_repo();
    let tools = RenderTools::default();
    let cache = RenderCache::new(8);

    let error = render(&repo, &web_prod(), &tools, &cache).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("application web-prod"), "{message}");
    assert!(message.contains("helm binary not found"), "{message}");
    let AppRenderError::Source { source, .. } = &error else {
        panic!("unexpected {error:?}");
    };
    assert!(
        matches!(
            **source,
            RenderError::Tool(ToolError::NotFound { tool: "helm" })
        ),
        "{source:?}"
    );

    // The rest of the fleet carries on with the same tools.
    let plain = simple_app("plain", "plain", "");
    let sources = render(&repo, &plain, &tools, &cache).unwrap();
    assert_eq!(summary(&sources)[0].0, "ConfigMap/plain");
}

#[test]
fn a_failing_helm_reports_its_stderr() {
    let repo = charts_repo();
    let helm = FakeTool::new(
        "echo '  Error: template: web/templates/deployment.yaml:4:3: nil pointer  ' >&2\n\
         echo >&2\n\
         exit 1",
    );
    let error = render(
        &repo,
        &simple_app("web-dev", "charts/web", ""),
        &helm.helm_tools(),
        &RenderCache::new(8),
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("application web-dev"), "{message}");
    assert!(message.contains("exit status 1"), "{message}");
    assert!(
        message.ends_with("Error: template: web/templates/deployment.yaml:4:3: nil pointer"),
        "stderr trimmed at the end of: {message}"
    );
    assert!(message.contains("`tool template web-dev ."), "{message}");
}

#[test]
fn a_hanging_helm_is_stopped_at_the_timeout() {
    let repo = charts_repo();
    let helm = FakeTool::new("exec sleep 30");
    let tools = RenderTools {
        timeout: Duration::from_millis(300),
        ..helm.helm_tools()
    };
    let started = std::time::Instant::now();
    let error = render(
        &repo,
        &simple_app("web-dev", "charts/web", ""),
        &tools,
        &RenderCache::new(8),
    )
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(
        error
            .to_string()
            .contains("`tool template web-dev . --namespace team-a --include-crds` did not finish within 300ms"),
        "{error}"
    );
}

#[test]
fn helm_renders_are_cached_per_app_facts() {
    let repo = charts_repo();
    let helm = FakeTool::printing(HELM_OUTPUT, &[]);
    let cache = RenderCache::new(8);
    let dev = simple_app("web-dev", "charts/web", "");
    render(&repo, &dev, &helm.helm_tools(), &cache).unwrap();
    render(&repo, &dev, &helm.helm_tools(), &cache).unwrap();
    assert_eq!(helm.runs(), 1, "the second render is a cache hit");

    // Another app of the same chart has another release name: a new render.
    let staging = simple_app("web-staging", "charts/web", "");
    render(&repo, &staging, &helm.helm_tools(), &cache).unwrap();
    assert_eq!(helm.runs(), 2);
    assert_eq!(helm.argv()[1], "web-staging");
}

#[test]
fn missing_value_files_and_remote_charts_fail_clearly() {
    let repo = charts_repo();
    let helm = FakeTool::printing(HELM_OUTPUT, &[]);
    let missing = simple_app(
        "web-dev",
        "charts/web",
        "    helm:\n      valueFiles: [values-nope.yaml]\n",
    );
    let error = render(&repo, &missing, &helm.helm_tools(), &RenderCache::new(8)).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("value file 'values-nope.yaml' not found"),
        "{error}"
    );
    assert_eq!(helm.runs(), 0, "helm is not run on a known-bad source");

    let unknown_ref = simple_app(
        "web-dev",
        "charts/web",
        "    helm:\n      valueFiles: [$nowhere/env/prod/web.yaml]\n",
    );
    let error = render(
        &repo,
        &unknown_ref,
        &helm.helm_tools(),
        &RenderCache::new(8),
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("no source of the application has ref 'nowhere'"),
        "{error}"
    );

    let remote = application(
        "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: prom}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc, namespace: monitoring}
  source:
    repoURL: https://prometheus-community.github.io/helm-charts
    chart: prometheus
    targetRevision: 25.0.0
",
    );
    let error = render(&repo, &remote, &helm.helm_tools(), &RenderCache::new(8))
        .unwrap_err()
        .to_string();
    assert!(error.contains("application prom"), "{error}");
    assert!(
        error.contains("Helm chart 'prometheus' version 25.0.0 from chart repository"),
        "{error}"
    );
    assert!(!error.contains("clone"), "no clone is attempted: {error}");
}

/// A repository with a base and an overlay reaching it through `../../base`.
fn overlay_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.git().remote("origin", CHARTS_URL).unwrap();
    repo.write(
        "apps/web/base/configmap.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  a: \"1\"\n",
    )
    .write(
        "apps/web/base/kustomization.yaml",
        "resources:\n  - configmap.yaml\n",
    )
    .write(
        "apps/web/overlays/prod/kustomization.yaml",
        "resources:\n  - ../../base\nnamePrefix: prod-\ncommonLabels:\n  env: prod\n",
    );
    repo.commit("overlay");
    repo
}

const KUSTOMIZE_OUTPUT: &str = "apiVersion: v1
data:
  a: \"1\"
kind: ConfigMap
metadata:
  labels:
    env: prod
  name: prod-web
";

#[test]
fn external_kustomize_builds_the_overlay_from_a_full_copy() {
    let repo = overlay_repo();
    let overlay = simple_app("web-prod", "apps/web/overlays/prod", "");
    for (mode, verb) in [
        (KustomizeMode::Kustomize, "build"),
        (KustomizeMode::Kubectl, "kustomize"),
    ] {
        let fake = FakeTool::printing(
            KUSTOMIZE_OUTPUT,
            &["kustomization.yaml", "../../base/configmap.yaml"],
        );
        let tools = RenderTools {
            helm: None,
            kustomize: Some(ExternalKustomize {
                binary: fake.binary(),
                mode,
            }),
            timeout: Duration::from_secs(30),
        };
        let sources = render(&repo, &overlay, &tools, &RenderCache::new(8)).unwrap();
        assert_eq!(fake.argv(), [verb, "."]);
        assert_eq!(
            summary(&sources),
            [(
                "ConfigMap/prod-web".to_string(),
                "apps/web/overlays/prod/kustomization.yaml".to_string(),
                0
            )]
        );
        assert_eq!(
            sources[0].manifests[0].object["metadata"]["labels"]["env"],
            "prod"
        );
    }
}

#[test]
fn external_kustomize_refuses_overrides_and_reports_failures() {
    let repo = overlay_repo();
    let fake = FakeTool::new("echo 'Error: accumulating resources' >&2; exit 2");
    let tools = RenderTools {
        helm: None,
        kustomize: Some(ExternalKustomize {
            binary: fake.binary(),
            mode: KustomizeMode::Kustomize,
        }),
        timeout: Duration::from_secs(30),
    };
    let failing = simple_app("web-prod", "apps/web/overlays/prod", "");
    let error = render(&repo, &failing, &tools, &RenderCache::new(8))
        .unwrap_err()
        .to_string();
    assert!(error.contains("exit status 2"), "{error}");
    assert!(error.ends_with("Error: accumulating resources"), "{error}");

    let with_overrides = simple_app(
        "web-prod",
        "apps/web/overlays/prod",
        "    kustomize:\n      namePrefix: x-\n",
    );
    let error = render(&repo, &with_overrides, &tools, &RenderCache::new(8))
        .unwrap_err()
        .to_string();
    assert!(error.contains("spec.source.kustomize overrides"), "{error}");
}

/// `kubectl` on PATH, for the check against the real binary.
fn kubectl_on_path() -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join("kubectl"))
        .find(|path| Path::new(path).is_file())
}

#[test]
fn real_kubectl_kustomize_agrees_with_the_native_renderer() {
    let Some(kubectl) = kubectl_on_path() else {
        eprintln!("note: kubectl is not on PATH; skipping the real `kubectl kustomize` check");
        return;
    };
    let repo = overlay_repo();
    let overlay = simple_app("web-prod", "apps/web/overlays/prod", "");
    let external = RenderTools {
        helm: None,
        kustomize: Some(ExternalKustomize {
            binary: kubectl,
            mode: KustomizeMode::Kubectl,
        }),
        timeout: Duration::from_secs(60),
    };
    let real = render(&repo, &overlay, &external, &RenderCache::new(8)).unwrap();
    let native = render(
        &repo,
        &overlay,
        &RenderTools::default(),
        &RenderCache::new(8),
    )
    .unwrap();
    let objects = |sources: &[RenderedSource]| -> Vec<serde_json::Value> {
        sources[0]
            .manifests
            .iter()
            .map(|m| m.object.clone())
            .collect()
    };
    assert_eq!(objects(&real), objects(&native));
    assert_eq!(real[0].manifests[0].name(), "prod-web");
}
