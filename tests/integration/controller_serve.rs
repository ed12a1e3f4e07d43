//! `fleetdeck controller` as it runs in a cluster: its /metrics scraped and
//! the example alert rules evaluated against them, and Git push webhooks
//! delivered to it, signed and not, over HTTP. The controller is the real
//! binary against a simulated cluster; everything is observed through its
//! log lines and its HTTP answers.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use fleetdeck::serve::webhook::sign_sha256;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

use super::cli::{Home, stderr};
use super::prometheus_eval::{parse_exposition, parse_expression};
use super::support::TestRepo;

const TEST_TIMEOUT: Duration = Duration::from_secs(120);
const SECRET: &str = "webhook-test-secret";
const REPO_URL: &str = "https://git.example.com/platform/web.git";

fn application(name: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n  project: default\n  source:\n    repoURL: {REPO_URL}\n    path: apps/{name}\n  destination:\n    name: dev\n    namespace: shop\n  syncPolicy:\n    syncOptions: [CreateNamespace=true]\n"
    )
}

fn config_map(name: &str, mode: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  mode: {mode}\n")
}

/// A running `fleetdeck controller`, its stderr delivered line by line.
struct Controller {
    _child: tokio::process::Child,
    lines: mpsc::UnboundedReceiver<String>,
    addr: String,
    seen: Vec<String>,
}

impl Controller {
    async fn start(home: &Home, repo: &Path, kubeconfig: &Path) -> Controller {
        let mut command = home.command(&[
            "--repo",
            &repo.display().to_string(),
            "--kubeconfig",
            &kubeconfig.display().to_string(),
            "controller",
            "--interval",
            "3600",
            "--metrics-addr",
            "127.0.0.1:0",
        ]);
        command
            .env("FLEETDECK_WEBHOOK_GITHUB_SECRET", SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = tokio::process::Command::from(command)
            .kill_on_drop(true)
            .spawn()
            .expect("start the controller");
        let mut reader = BufReader::new(child.stderr.take().expect("stderr")).lines();
        let (sender, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Ok(Some(line)) = reader.next_line().await {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut controller = Controller {
            _child: child,
            lines,
            addr: String::new(),
            seen: Vec::new(),
        };
        let line = controller
            .wait_for(|line| line.starts_with("serving http://"))
            .await;
        controller.addr = line
            .trim_start_matches("serving http://")
            .split('/')
            .next()
            .expect("address")
            .to_string();
        controller
    }

    /// The first log line not yet waited for that satisfies `wanted`
    /// (lines passed over are kept, so waits may come in any order).
    async fn wait_for(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        if let Some(at) = self.seen.iter().position(|line| wanted(line)) {
            return self.seen.remove(at);
        }
        loop {
            match self.lines.recv().await {
                Some(line) if wanted(&line) => return line,
                Some(line) => self.seen.push(line),
                None => panic!("the controller exited; its log:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Forgets every line logged so far, so the next wait sees only what
    /// happens from now on.
    fn forget_past(&mut self) {
        while self.lines.try_recv().is_ok() {}
        self.seen.clear();
    }

    async fn scrape(&self) -> String {
        let (status, body) = http(&self.addr, "GET", "/metrics", &[], b"").await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

/// One HTTP/1.1 request on a fresh connection; the status and body.
async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.expect("send");
    stream.write_all(body).await.expect("send body");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("read");
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").expect("HTTP response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("status code");
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        unchunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

fn unchunk(mut text: &str) -> String {
    let mut body = String::new();
    while let Some((size, rest)) = text.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).expect("chunk size");
        if size == 0 {
            break;
        }
        body.push_str(&rest[..size]);
        text = &rest[size + 2..];
    }
    body
}

fn github_push() -> String {
    serde_json::json!({
        "ref": "refs/heads/main",
        "after": "0000000000000000000000000000000000000000",
        "repository": {
            "html_url": "https://git.example.com/platform/web",
            "clone_url": REPO_URL,
            "default_branch": "main"
        },
        "commits": []
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_alerts_and_webhooks_of_a_running_controller() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let fleet_dir = tempfile::tempdir().expect("tempdir");
        let fleet = Fleet::start(
            FleetSpec::new(fleet_dir.path().join("kubeconfig"))
                .cluster(ClusterSpec::new("dev"))
                .controllers(SimSpeed::times(40)),
        )
        .await
        .expect("fleet");
        let repo = TestRepo::new();
        repo.git().remote("origin", REPO_URL).expect("origin");
        repo.write("argocd/web.yaml", application("web"))
            .write(
                "argocd/auto.yaml",
                application("auto")
                    .replace("  syncPolicy:\n", "  syncPolicy:\n    automated: {}\n"),
            )
            .write("apps/auto/cm.yaml", config_map("auto", "fast"))
            .write("argocd/api.yaml", application("api"))
            .write("apps/web/cm.yaml", config_map("web", "fast"))
            .write("apps/api/cm.yaml", config_map("api", "fast"));
        repo.commit("two apps");
        let home = Home::new();
        let global = [
            "--repo".to_string(),
            repo.path().display().to_string(),
            "--kubeconfig".to_string(),
            fleet.kubeconfig_path().display().to_string(),
        ];
        // api is synced beforehand; web never is, so it stays OutOfSync.
        let mut sync = home.command(&global.iter().map(String::as_str).collect::<Vec<_>>());
        sync.args(["sync", "api"]);
        let output = tokio::task::spawn_blocking(move || sync.output().expect("sync"))
            .await
            .expect("runner");
        assert!(output.status.success(), "{}", stderr(&output));
        // web's automation paused (a pause the metrics show; web has none).
        let mut pause = home.command(&global.iter().map(String::as_str).collect::<Vec<_>>());
        pause.args(["pause", "web", "--for", "1h", "--reason", "incident 42"]);
        let output = tokio::task::spawn_blocking(move || pause.output().expect("pause"))
            .await
            .expect("runner");
        assert!(output.status.success(), "{}", stderr(&output));

        let mut controller = Controller::start(&home, repo.path(), fleet.kubeconfig_path()).await;
        // The controller syncs auto by itself (a finished sync to count).
        controller
            .wait_for(|line| line.starts_with("auto: Succeeded"))
            .await;
        controller
            .wait_for(|line| line.contains("fleet: 3 apps: 1 OutOfSync, 0 Unknown"))
            .await;

        // Every app with the sync and health Argo CD would report.
        let text = controller.scrape().await;
        let (samples, declared) = parse_exposition(&text);
        let dev_server = fleet.clusters()[0].base_url();
        let info = |name: &str| {
            samples
                .iter()
                .find(|sample| sample.name == "argocd_app_info" && sample.labels["name"] == name)
                .unwrap_or_else(|| panic!("no argocd_app_info for {name} in\n{text}"))
        };
        assert_eq!(info("web").labels["sync_status"], "OutOfSync");
        assert_eq!(info("web").labels["health_status"], "Missing");
        assert_eq!(info("api").labels["sync_status"], "Synced");
        assert_eq!(info("api").labels["health_status"], "Healthy");
        assert_eq!(info("api").labels["project"], "default");
        assert_eq!(info("api").labels["dest_namespace"], "shop");
        assert_eq!(info("api").labels["repo"], REPO_URL);
        assert_eq!(
            info("api").labels["dest_server"].trim_end_matches('/'),
            dev_server.trim_end_matches('/')
        );
        let connection = samples
            .iter()
            .find(|sample| {
                sample.name == "argocd_cluster_connection_status" && sample.labels["name"] == "dev"
            })
            .expect("connection status of dev");
        assert_eq!(connection.value, 1.0);
        assert!(
            samples
                .iter()
                .any(|sample| sample.name == "argocd_cluster_info")
        );
        let synced = samples
            .iter()
            .find(|sample| sample.name == "argocd_app_sync_total")
            .unwrap_or_else(|| panic!("no sync counted in\n{text}"));
        assert_eq!(synced.labels["name"], "auto");
        assert_eq!(synced.labels["phase"], "Succeeded");
        assert_eq!(synced.value, 1.0);
        let pause = samples
            .iter()
            .find(|sample| sample.name == "fleetdeck_pauses_active")
            .unwrap_or_else(|| panic!("no pause in\n{text}"));
        assert_eq!(
            (
                pause.labels["scope_kind"].as_str(),
                pause.labels["scope_target"].as_str()
            ),
            ("app", "web")
        );
        assert!(
            !text.contains("incident 42"),
            "a pause's reason is never a label"
        );
        let queue = samples
            .iter()
            .find(|sample| sample.name == "fleetdeck_work_queue_depth")
            .unwrap_or_else(|| panic!("no work queue depth in\n{text}"));
        assert!(
            queue.value >= 0.0 && queue.value.fract() == 0.0,
            "a count of apps: {}",
            queue.value
        );

        // The shipped rules: every metric they name is served, and against
        // this fleet only the OutOfSync alert fires, for web alone.
        let rules_text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/alerts.yaml"),
        )
        .expect("deploy/alerts.yaml");
        let rules: Value = serde_saphyr::from_str(&rules_text).expect("alerts.yaml parses");
        let mut firing = Vec::new();
        let mut count = 0;
        for group in rules["spec"]["groups"].as_array().expect("groups") {
            for rule in group["rules"].as_array().expect("rules") {
                count += 1;
                let alert = rule["alert"].as_str().expect("alert name");
                let expr = rule["expr"].as_str().expect("expr");
                assert!(rule["for"].is_string(), "{alert}: no `for`");
                let expression =
                    parse_expression(expr).unwrap_or_else(|error| panic!("{alert}: {error}"));
                assert!(
                    declared.contains(&expression.metric),
                    "{alert} uses {}, which /metrics does not serve:\n{text}",
                    expression.metric
                );
                for sample in expression.evaluate(&samples) {
                    firing.push((
                        alert.to_string(),
                        sample.labels.get("name").cloned().unwrap_or_default(),
                    ));
                }
            }
        }
        assert!(count >= 3, "too few rules: {count}");
        assert_eq!(
            firing,
            [("ArgoAppOutOfSync".to_string(), "web".to_string())]
        );

        // A new commit for api; the controller polls hourly, so only a
        // webhook can make it look.
        repo.write("apps/api/cm.yaml", config_map("api", "slow"));
        repo.commit("api goes slow");
        let payload = github_push();

        // Unsigned: refused, logged, audited, and api still Synced.
        let (status, body) = http(
            &controller.addr,
            "POST",
            "/api/webhook",
            &[
                ("X-GitHub-Event", "push"),
                ("Content-Type", "application/json"),
            ],
            payload.as_bytes(),
        )
        .await;
        assert_eq!(status, 401, "{body}");
        let refused = controller
            .wait_for(|line| line.contains("webhook from GitHub refused"))
            .await;
        assert!(!refused.contains(SECRET), "{refused}");
        let (samples, _) = parse_exposition(&controller.scrape().await);
        assert!(samples.iter().any(|sample| sample.name == "argocd_app_info"
            && sample.labels["name"] == "api"
            && sample.labels["sync_status"] == "Synced"));

        // Signed: api is refreshed and found OutOfSync.
        let signature = sign_sha256(SECRET.as_bytes(), payload.as_bytes());
        controller.forget_past();
        let sent = Instant::now();
        let (status, body) = http(
            &controller.addr,
            "POST",
            "/api/webhook",
            &[
                ("X-GitHub-Event", "push"),
                ("X-Hub-Signature-256", &signature),
                ("Content-Type", "application/json"),
            ],
            payload.as_bytes(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        controller
            .wait_for(|line| line.contains("fleet: 3 apps: 2 OutOfSync"))
            .await;
        let latency = sent.elapsed();
        eprintln!("webhook to refreshed snapshot: {latency:?}");
        assert!(latency < Duration::from_secs(5), "refresh took {latency:?}");

        let mut audit = home.command(&global.iter().map(String::as_str).collect::<Vec<_>>());
        audit.args(["audit"]);
        let output = tokio::task::spawn_blocking(move || audit.output().expect("audit"))
            .await
            .expect("runner");
        let log = String::from_utf8_lossy(&output.stdout);
        assert!(
            log.contains("webhook-refused"),
            "{log}\n{}",
            stderr(&output)
        );
        assert!(!log.contains(SECRET));
    })
    .await
    .expect("test timed out");
}
