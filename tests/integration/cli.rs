//! The `fleetdeck` binary as a user runs it, with HOME, the XDG directories
//! and git's config sandboxed in a temp dir.

use std::path::Path;
use std::process::{Command, Output};

use super::gitops_repo::gitops_repo;
use super::support::fleetdeck_command;

/// A sandboxed home for one test: every directory fleetdeck (or libgit2)
/// might read or write lives inside it.
pub(super) struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub(super) fn new() -> Self {
        Home {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub(super) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The fleetdeck command with a clean environment pointing into this home.
    pub(super) fn command(&self, args: &[&str]) -> Command {
        let mut command = fleetdeck_command(self.path());
        command.args(args);
        command
    }

    pub(super) fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run fleetdeck")
    }
}

pub(super) fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub(super) fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn apps_lists_applications_sets_and_projects() {
    let repo = gitops_repo();
    let home = Home::new();
    let output = home.run(&["apps", "--repo", repo.path().to_str().unwrap()]);
    let text = stdout(&output);
    assert!(output.status.success(), "{}\n{}", text, stderr(&output));
    assert!(text.contains("APPLICATIONS (2)"), "{text}");
    let redis = text
        .lines()
        .find(|line| line.starts_with("redis "))
        .unwrap_or_else(|| panic!("no redis row in\n{text}"));
    assert!(redis.contains("team-web"), "{redis}");
    assert!(redis.contains("auto+prune+self-heal"), "{redis}");
    assert!(redis.contains("apps/redis"), "{redis}");
    assert!(text.contains("APPLICATIONSETS (2)"), "{text}");
    assert!(
        text.lines()
            .any(|line| line.starts_with("cluster-addons") && line.contains("matrix")),
        "{text}"
    );
    assert!(text.contains("PROJECTS (2)"), "{text}");
    assert!(!text.contains("ERRORS"), "{text}");
    // The log went to the sandboxed state dir, not the terminal.
    assert!(
        home.path()
            .join("state/fleetdeck/logs/fleetdeck.log")
            .exists()
    );
}

#[test]
fn apps_json_is_machine_readable() {
    let repo = gitops_repo();
    let output = Home::new().run(&[
        "apps",
        "--repo",
        repo.path().to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let listing: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let first = &listing[0];
    assert_eq!(first["commit"].as_str().unwrap().len(), 40);
    assert_eq!(
        first["applications"][1]["resource"]["metadata"]["name"],
        "redis"
    );
    assert_eq!(
        first["applications"][1]["origin"]["file"],
        "argocd/applications/redis.yaml"
    );
    assert_eq!(first["projects"].as_array().unwrap().len(), 2);
    assert_eq!(first["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn render_prints_the_manifests_of_a_directory_app() {
    let repo = gitops_repo();
    let output = Home::new().run(&["render", "redis", "--repo", repo.path().to_str().unwrap()]);
    let text = stdout(&output);
    assert!(output.status.success(), "{}", stderr(&output));
    let documents = fleetdeck::engine::yaml::parse_documents(&text).unwrap();
    let kinds: Vec<_> = documents
        .iter()
        .map(|document| document.value["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["ConfigMap", "Deployment", "Service"]);
    assert!(
        text.contains("# Source: https://git.example.com/platform/gitops.git @ "),
        "{text}"
    );
    assert!(text.contains("apps/redis/config/configmap.yaml"), "{text}");
}

/// An app an ApplicationSet generates is found by name like a written one.
#[test]
fn render_finds_an_app_generated_by_an_application_set() {
    let repo = gitops_repo();
    let home = Home::new();
    let path = repo.path().to_str().unwrap();
    // guestbook-prod is written nowhere: only the list generator makes it.
    let output = home.run(&["render", "guestbook-prod", "--repo", path]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("namespace: guestbook-prod"), "{text}");
    let unknown = home.run(&["render", "guestbook-qa", "--repo", path]);
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("no Application named 'guestbook-qa'"),
        "{}",
        stderr(&unknown)
    );
}

/// An app that only another app's render defines (app of apps) is found
/// by name too.
#[test]
fn render_finds_an_app_another_app_renders() {
    let repo = gitops_repo();
    repo.write(
        "argocd/applications/platform.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: platform\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://git.example.com/platform/gitops.git\n    targetRevision: HEAD\n    path: children\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: argocd\n",
    )
    .write(
        "children/metrics.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: metrics-child\n  namespace: argocd\nspec:\n  project: default\n  source:\n    repoURL: https://git.example.com/platform/gitops.git\n    targetRevision: HEAD\n    path: addons/metrics\n  destination:\n    server: https://kubernetes.default.svc\n    namespace: metrics\n",
    );
    repo.commit("A parent app rendering the metrics app");
    let home = Home::new();
    let path = repo.path().to_str().unwrap();
    let output = home.run(&["render", "metrics-child", "--repo", path]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("image: metrics:0.7"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("metrics-child is not written in Git: looking among"),
        "the pause while the fleet renders is explained: {}",
        stderr(&output)
    );
}

#[test]
fn broken_manifest_fails_render_but_apps_still_lists_the_rest() {
    let repo = gitops_repo();
    repo.write(
        "apps/redis/broken.yaml",
        "kind: ConfigMap\nmetadata:\n  name: [x\n",
    )
    .write(
        "argocd/applications/zz-broken.yaml",
        "kind: Application\n  bad: indent\n",
    );
    repo.commit("Break things");
    let home = Home::new();
    let path = repo.path().to_str().unwrap();

    let render = home.run(&["render", "redis", "--repo", path]);
    assert!(!render.status.success());
    let message = stderr(&render);
    assert!(message.contains("application redis"), "{message}");
    assert!(message.contains("apps/redis/broken.yaml:3"), "{message}");

    let apps = home.run(&["apps", "--repo", path]);
    assert_eq!(apps.status.code(), Some(1));
    let text = stdout(&apps);
    assert!(text.contains("APPLICATIONS (2)"), "{text}");
    assert!(text.contains("ERRORS (1)"), "{text}");
    assert!(
        text.contains("argocd/applications/zz-broken.yaml:2"),
        "{text}"
    );
}

#[test]
fn kustomize_app_renders_its_overlay() {
    let repo = gitops_repo();
    let output = Home::new().run(&[
        "render",
        "guestbook-dev",
        "--repo",
        repo.path().to_str().unwrap(),
    ]);
    let text = stdout(&output);
    assert!(output.status.success(), "{text}\n{}", stderr(&output));
    let service = text.find("kind: Service").expect("a Service");
    let deployment = text.find("kind: Deployment").expect("a Deployment");
    assert!(
        service < deployment,
        "kustomize order: Service first\n{text}"
    );
    assert_eq!(
        text.matches("namespace: guestbook-dev").count(),
        2,
        "{text}"
    );
    assert!(
        text.contains("apps/guestbook/base/deployment.yaml (document 1"),
        "{text}"
    );
}

#[test]
fn bad_revision_path_and_repo_are_clear_errors() {
    let repo = gitops_repo();
    let home = Home::new();
    let path = repo.path().to_str().unwrap();

    let output = home.run(&["apps", "--repo", path, "--revision", "v9.9.9"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("unknown revision 'v9.9.9'"),
        "{}",
        stderr(&output)
    );

    let output = home.run(&["apps", "--repo", path, "--path", "clusters"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("'clusters' not found"),
        "{}",
        stderr(&output)
    );

    let missing = home.path().join("no-such-repo");
    let output = home.run(&["apps", "--repo", missing.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no-such-repo"),
        "{}",
        stderr(&output)
    );

    let output = home.run(&["render", "nope", "--repo", path]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("no Application named 'nope'"),
        "{}",
        stderr(&output)
    );

    let output = home.run(&["apps"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("--repo"), "{}", stderr(&output));
}

#[test]
fn revision_selects_an_older_commit_and_urls_are_cloned_into_the_data_dir() {
    let repo = gitops_repo();
    repo.tag("v1");
    repo.remove("argocd/applications/redis.yaml");
    repo.commit("Retire redis");
    let home = Home::new();

    let output = home.run(&["apps", "--repo", &repo.url(), "--revision", "v1"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("APPLICATIONS (2)"));
    let output = home.run(&["apps", "--repo", &repo.url()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("APPLICATIONS (1)"),
        "{}",
        stdout(&output)
    );
    let cached = std::fs::read_dir(home.path().join("data/fleetdeck/repos"))
        .unwrap()
        .count();
    assert_eq!(cached, 1);
}

#[test]
fn config_file_supplies_the_repo_and_a_broken_one_names_path_and_line() {
    let repo = gitops_repo();
    let home = Home::new();
    let config_dir = home.path().join("config/fleetdeck");
    std::fs::create_dir_all(&config_dir).unwrap();
    let config = config_dir.join("config.yaml");
    std::fs::write(
        &config,
        format!(
            "repos:\n  - url: {}\n    path: argocd/applications\n",
            repo.path().display()
        ),
    )
    .unwrap();
    let output = home.run(&["apps"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("APPLICATIONSETS (0)"),
        "{}",
        stdout(&output)
    );

    std::fs::write(&config, "operator: ops\nreadonyl: true\n").unwrap();
    let output = home.run(&["apps"]);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains(config.to_str().unwrap()), "{message}");
    assert!(message.contains("line 2"), "{message}");
    assert!(message.contains("readonyl"), "{message}");
}

#[test]
fn help_describes_the_commands() {
    let output = Home::new().run(&["--help"]);
    assert!(output.status.success());
    let text = stdout(&output);
    for command in [
        "apps",
        "render",
        "demo",
        "--repo",
        "--kubeconfig",
        "--context",
        "--hub",
    ] {
        assert!(text.contains(command), "--help lacks {command}:\n{text}");
    }
}

#[test]
fn sim_serves_until_interrupted_and_writes_a_kubeconfig() {
    use std::io::{BufRead, BufReader};
    use std::time::{Duration, Instant};

    let home = Home::new();
    let kubeconfig = home.path().join("sim/kubeconfig.yaml");
    let mut child = home
        .command(&[
            "sim",
            "--clusters",
            "alpha,beta",
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start fleetdeck sim");

    // Read the banner on a thread so a hung child cannot hang the test.
    let stdout = child.stdout.take().unwrap();
    let (lines_tx, lines_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut banner = Vec::new();
    while Instant::now() < deadline {
        match lines_rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                let done = line.starts_with("Ctrl-C");
                banner.push(line);
                if done {
                    break;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let banner = banner.join("\n");
    assert!(banner.contains("alpha"), "{banner}");
    assert!(banner.contains("beta"), "{banner}");
    assert!(banner.contains(kubeconfig.to_str().unwrap()), "{banner}");
    let written = std::fs::read_to_string(&kubeconfig).unwrap();
    assert!(written.contains("current-context: alpha"), "{written}");

    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("fleetdeck sim did not stop after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status:?}");
}
