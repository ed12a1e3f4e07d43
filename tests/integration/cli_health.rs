//! `fleetdeck health -f FILE` as a user runs it: the built binary, with
//! HOME and the XDG directories sandboxed in a temp dir.

use std::path::Path;
use std::process::{Output, Stdio};

const HEALTHY: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  generation: 2
spec:
  replicas: 2
status:
  observedGeneration: 2
  replicas: 2
  updatedReplicas: 2
  availableReplicas: 2
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: production
";

const DEGRADED_POD: &str = "\
---
apiVersion: v1
kind: Pod
metadata:
  name: worker
  namespace: shop
spec:
  restartPolicy: Always
status:
  phase: Failed
  message: The node was low on resource memory.
";

/// Runs the binary with a clean environment inside `home`.
fn fleetdeck(home: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = super::support::fleetdeck_command(home);
    command
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let Some(input) = stdin else {
        return command.output().expect("run fleetdeck");
    };
    command.stdin(Stdio::piped());
    let mut child = command.spawn().expect("spawn fleetdeck");
    {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin pipe");
        pipe.write_all(input.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("wait for fleetdeck")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn all_healthy_exits_zero_and_lists_unassessed_kinds() {
    let home = tempfile::tempdir().unwrap();
    let file = write(home.path(), "ok.yaml", HEALTHY);
    let output = fleetdeck(home.path(), &["health", "-f", &file], None);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("KIND") && lines[0].contains("HEALTH"),
        "{stdout}"
    );
    assert!(
        lines[1].starts_with("Deployment") && lines[1].contains("Healthy"),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with("ConfigMap")
            && lines[2].contains("no health check for ConfigMap (not assessed)"),
        "{stdout}"
    );
}

#[test]
fn an_unhealthy_object_exits_one_with_its_message_in_json() {
    let home = tempfile::tempdir().unwrap();
    let file = write(
        home.path(),
        "mixed.yaml",
        &format!("{HEALTHY}{DEGRADED_POD}"),
    );
    let output = fleetdeck(
        home.path(),
        &["health", "--file", &file, "-o", "json"],
        None,
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0]["status"], "Healthy");
    assert_eq!(rows[1]["assessed"], false);
    assert_eq!(rows[1]["status"], serde_json::Value::Null);
    assert_eq!(rows[2]["kind"], "Pod");
    assert_eq!(rows[2]["status"], "Degraded");
    assert_eq!(rows[2]["message"], "The node was low on resource memory.");
    assert_eq!(rows[2]["document"], 3);
    assert_eq!(rows[2]["line"], 22);
}

#[test]
fn yaml_output_and_standard_input() {
    let home = tempfile::tempdir().unwrap();
    let output = fleetdeck(
        home.path(),
        &["health", "-f", "-", "-o", "yaml"],
        Some(DEGRADED_POD),
    );
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("status: Degraded"), "{stdout}");
    assert!(stdout.contains("name: worker"), "{stdout}");
}

#[test]
fn unusable_input_exits_two_naming_the_file() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("nope.yaml");
    let missing = missing.to_str().unwrap();
    let output = fleetdeck(home.path(), &["health", "-f", missing], None);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot read {missing}")),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());

    let bad = write(home.path(), "bad.yaml", "apiVersion: v1\nkind: [\n");
    let output = fleetdeck(home.path(), &["health", "-f", &bad], None);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(stderr.contains(&bad) && stderr.contains("line"), "{stderr}");

    let not_object = write(
        home.path(),
        "scalar.yaml",
        &format!("{HEALTHY}---\njust text\n"),
    );
    let output = fleetdeck(home.path(), &["health", "-f", &not_object], None);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "{not_object}: document 3 (line 22) is not a Kubernetes object"
        )),
        "{stderr}"
    );
    // Nothing is printed for the good documents of an unusable file.
    assert!(output.stdout.is_empty());

    // A missing -f is a usage error from the argument parser.
    let output = fleetdeck(home.path(), &["health"], None);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_broken_config_file_does_not_stop_it() {
    let home = tempfile::tempdir().unwrap();
    let config_dir = home.path().join("config/fleetdeck");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.yaml"), "repos: [\n").unwrap();
    let file = write(home.path(), "ok.yaml", HEALTHY);
    let output = fleetdeck(home.path(), &["health", "-f", &file], None);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
}
