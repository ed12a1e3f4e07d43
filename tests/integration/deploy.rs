//! `deploy/`: the manifests hang together (always checked), apply cleanly
//! to a simulated hub and spoke with kubectl (when kubectl is installed),
//! and the in-cluster credentials path a pod uses reaches an API server.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use fleetdeck::engine::cluster::{ClusterSettings, IN_CLUSTER_CONTEXT, InCluster, connect};
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec};
use serde_json::Value;

const TEST_TIMEOUT: Duration = Duration::from_secs(90);

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

/// Every object of the YAML files directly in `dir`.
fn objects(dir: &Path) -> Vec<Value> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("deploy dir")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    files.sort();
    let mut objects = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read");
        for document in text.split("\n---") {
            let value: Value = serde_saphyr::from_str(document)
                .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
            if !value.is_null() {
                objects.push(value);
            }
        }
    }
    objects
}

fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|object| object["kind"] == kind && object["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in deploy/"))
}

#[test]
fn the_manifests_reference_each_other_consistently() {
    let objects = objects(&deploy_dir());
    find(&objects, "Namespace", "fleetdeck-system");
    let deployment = find(&objects, "Deployment", "fleetdeck-controller");
    let spec = &deployment["spec"];
    assert_eq!(
        spec["replicas"], 1,
        "one replica until leases share the work"
    );
    let pod = &spec["template"]["spec"];
    let account = pod["serviceAccountName"].as_str().expect("service account");
    find(&objects, "ServiceAccount", account);
    let container = &pod["containers"][0];
    let args: Vec<&str> = container["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(&args[..3], ["controller", "--metrics-addr", "0.0.0.0:9464"]);
    assert_eq!(container["ports"][0]["containerPort"], 9464);
    assert_eq!(container["readinessProbe"]["httpGet"]["path"], "/healthz");
    let labels = &spec["template"]["metadata"]["labels"];
    for (key, value) in spec["selector"]["matchLabels"]
        .as_object()
        .expect("selector")
    {
        assert_eq!(&labels[key], value, "the selector matches the pods");
    }
    let service = find(&objects, "Service", "fleetdeck-controller");
    assert_eq!(service["spec"]["selector"], spec["selector"]["matchLabels"]);
    assert_eq!(service["spec"]["ports"][0]["targetPort"], "http");

    // Each binding names a role that exists and the controller's account.
    for binding in objects
        .iter()
        .filter(|object| object["kind"] == "RoleBinding" || object["kind"] == "ClusterRoleBinding")
    {
        let role = &binding["roleRef"];
        find(
            &objects,
            role["kind"].as_str().expect("kind"),
            role["name"].as_str().expect("name"),
        );
        assert_eq!(binding["subjects"][0]["name"], account);
    }
    // The UI role reads and never writes, and never reads Secrets.
    let viewer = find(&objects, "ClusterRole", "fleetdeck-viewer");
    for rule in viewer["rules"].as_array().expect("rules") {
        for verb in rule["verbs"].as_array().expect("verbs") {
            assert!(
                ["get", "list", "watch"].contains(&verb.as_str().expect("verb")),
                "{rule}"
            );
        }
        let resources = rule["resources"].as_array().cloned().unwrap_or_default();
        assert!(
            !resources.iter().any(|resource| resource == "secrets"),
            "{rule}"
        );
        if rule["apiGroups"]
            .as_array()
            .is_some_and(|groups| groups.iter().any(|group| group == ""))
        {
            assert!(!resources.iter().any(|resource| resource == "*"), "{rule}");
        }
    }
    let dockerfile =
        std::fs::read_to_string(deploy_dir().join("../Dockerfile")).expect("Dockerfile");
    assert!(dockerfile.contains("--bin fleetdeck") && dockerfile.contains("ENTRYPOINT"));
}

/// A PrometheusRule CRD, as the Prometheus Operator installs it, so that
/// deploy/alerts.yaml applies as it would on a cluster with the operator.
const PROMETHEUS_RULE_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: prometheusrules.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names: {kind: PrometheusRule, listKind: PrometheusRuleList, plural: prometheusrules, singular: prometheusrule}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_applies_deploy_to_a_simulated_hub_and_spoke() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let probe = tokio::process::Command::new("kubectl")
            .args(["version", "--client"])
            .output()
            .await;
        if !probe.is_ok_and(|output| output.status.success()) {
            eprintln!("kubectl not found on PATH: skipping the deploy/ apply test");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let fleet = Fleet::start(
            FleetSpec::new(dir.path().join("kubeconfig"))
                .cluster(ClusterSpec::new("hub"))
                .cluster(ClusterSpec::new("spoke")),
        )
        .await
        .expect("fleet");
        let home = dir.path().join("home");
        std::fs::create_dir_all(&home).expect("home");
        let crd = dir.path().join("crd.yaml");
        std::fs::write(&crd, PROMETHEUS_RULE_CRD).expect("crd");
        let kubectl = |context: &'static str, args: Vec<String>| {
            let mut command = tokio::process::Command::new("kubectl");
            command
                .arg("--kubeconfig")
                .arg(fleet.kubeconfig_path())
                .arg("--cache-dir")
                .arg(dir.path().join("cache"))
                .args(["--context", context])
                .args(&args)
                .env("HOME", &home)
                .env_remove("KUBECONFIG");
            async move {
                let output = command.output().await.expect("run kubectl");
                let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
                assert!(
                    output.status.success(),
                    "kubectl {}: {stdout}\n{}",
                    args.join(" "),
                    String::from_utf8_lossy(&output.stderr)
                );
                stdout
            }
        };
        let args = |list: &[&str]| list.iter().map(ToString::to_string).collect::<Vec<_>>();
        kubectl("hub", args(&["apply", "-f", &crd.display().to_string()])).await;
        let applied = kubectl(
            "hub",
            args(&["apply", "-f", &deploy_dir().display().to_string()]),
        )
        .await;
        for expected in [
            "namespace/fleetdeck-system",
            "serviceaccount/fleetdeck-controller",
            "role.rbac.authorization.k8s.io/fleetdeck-controller",
            "clusterrole.rbac.authorization.k8s.io/fleetdeck-viewer",
            "deployment.apps/fleetdeck-controller",
            "service/fleetdeck-controller",
            "prometheusrule.monitoring.coreos.com/fleetdeck",
        ] {
            assert!(
                applied.contains(expected),
                "{expected} not applied:\n{applied}"
            );
        }
        let deployment: Value = serde_json::from_str(
            &kubectl(
                "hub",
                args(&[
                    "get",
                    "deployment",
                    "fleetdeck-controller",
                    "-n",
                    "fleetdeck-system",
                    "-o",
                    "json",
                ]),
            )
            .await,
        )
        .expect("deployment json");
        assert_eq!(deployment["spec"]["replicas"], 1);
        assert_eq!(
            deployment["spec"]["template"]["spec"]["containers"][0]["args"][0],
            "controller"
        );
        // Applying again changes nothing (the manifests are stable).
        let again = kubectl(
            "hub",
            args(&["apply", "-f", &deploy_dir().display().to_string()]),
        )
        .await;
        assert!(!again.contains("configured"), "{again}");

        let spoke = kubectl(
            "spoke",
            args(&[
                "apply",
                "-f",
                &deploy_dir().join("spoke").display().to_string(),
            ]),
        )
        .await;
        assert!(
            spoke.contains("clusterrolebinding.rbac.authorization.k8s.io/fleetdeck-spoke-sync"),
            "{spoke}"
        );
    })
    .await
    .expect("test timed out");
}

/// A pod's view: the API server's address from the environment, its CA
/// and token as mounted files. The simulated cluster's own CA and token
/// stand in for the service account's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_cluster_context_reaches_the_api_server_with_mounted_credentials() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let dir = tempfile::tempdir().expect("tempdir");
        let fleet = Fleet::start(
            FleetSpec::new(dir.path().join("kubeconfig")).cluster(ClusterSpec::new("hub")),
        )
        .await
        .expect("fleet");
        let kubeconfig: Value = serde_saphyr::from_str(
            &std::fs::read_to_string(fleet.kubeconfig_path()).expect("kubeconfig"),
        )
        .expect("kubeconfig yaml");
        let ca = kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"]
            .as_str()
            .expect("CA data");
        let user = kubeconfig["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|user| user["user"]["token"].is_string())
            .expect("a token user");
        let account = dir.path().join("serviceaccount");
        std::fs::create_dir_all(&account).expect("dir");
        std::fs::write(
            account.join("ca.crt"),
            base64::engine::general_purpose::STANDARD
                .decode(ca)
                .expect("base64"),
        )
        .expect("ca");
        std::fs::write(
            account.join("token"),
            user["user"]["token"].as_str().expect("token"),
        )
        .expect("token");
        std::fs::write(account.join("namespace"), "fleetdeck-system").expect("namespace");
        let address = fleet.clusters()[0].address();
        let in_cluster = InCluster {
            host: address.ip().to_string(),
            port: address.port().to_string(),
            account_dir: account,
        };
        assert!(in_cluster.has_token());
        let client = connect(
            &in_cluster.kubeconfig(),
            IN_CLUSTER_CONTEXT,
            "hub",
            ClusterSettings::default(),
        )
        .await
        .expect("client");
        let version = client.probe().await.expect("the API server answers");
        assert!(!version.is_empty());
    })
    .await
    .expect("test timed out");
}
