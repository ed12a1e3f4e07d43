//! AppProject rules and operator roles, enforced by the engine whoever
//! asks: a sync its project forbids applies nothing and names the rule
//! (through the engine actor, its automation and `fleetdeck sync`), the
//! violation shows on the app before anyone syncs, and an operator's role
//! refuses what it does not allow (through the engine and the CLI).

use std::process::Output;
use std::time::Duration;

use fleetdeck::engine::api::{Command, EngineEvent, EngineHandle};
use fleetdeck::engine::cluster::ClusterClient;
use fleetdeck::engine::manifest::ObjectKey;
use fleetdeck::engine::policy::approval::ApprovalGate;
use fleetdeck::engine::policy::pause::PauseScope;
use fleetdeck::engine::policy::roles::{Grant, Role, RoleBook};
use fleetdeck::engine::reconciler::start;
use fleetdeck::engine::sync::OperationPhase;
use fleetdeck::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};

use super::cli::{Home, stderr, stdout};
use super::engine_reconciler::engine_config;
use super::engine_sync::client_for;
use super::support::TestRepo;

const TEST_TIMEOUT: Duration = Duration::from_secs(120);
const REPO_URL: &str = "https://git.example.com/platform/fleet.git";

/// Payments may deploy to `pay-*` namespaces on dev, no cluster-scoped
/// kinds, and never a Secret.
const PROJECT: &str = "apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: payments
spec:
  sourceRepos: ['https://git.example.com/platform/*']
  destinations:
    - name: dev
      namespace: 'pay-*'
  namespaceResourceBlacklist:
    - group: ''
      kind: Secret
";

fn application(name: &str, namespace: &str, automated: bool) -> String {
    let automated = if automated { "    automated: {}\n" } else { "" };
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n  project: payments\n  source:\n    repoURL: {REPO_URL}\n    path: apps/{name}\n  destination:\n    name: dev\n    namespace: {namespace}\n  syncPolicy:\n{automated}    syncOptions: [CreateNamespace=true]\n"
    )
}

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  mode: fast\n")
}

const CLUSTER_ROLE: &str = "apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: pay-admin
rules: []
";

/// pay-web is permitted; pay-admin ships a ClusterRole (not whitelisted);
/// pay-auto is automated and deploys to kube-system (not a destination).
fn repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.git().remote("origin", REPO_URL).expect("origin");
    repo.write("argocd/project.yaml", PROJECT)
        .write(
            "argocd/pay-web.yaml",
            application("pay-web", "pay-web", false),
        )
        .write("apps/pay-web/cm.yaml", config_map("pay-web"))
        .write(
            "argocd/pay-admin.yaml",
            application("pay-admin", "pay-admin", false),
        )
        .write(
            "apps/pay-admin/all.yaml",
            format!("{}---\n{CLUSTER_ROLE}", config_map("pay-admin")),
        )
        .write(
            "argocd/pay-auto.yaml",
            application("pay-auto", "kube-system", true),
        )
        .write("apps/pay-auto/cm.yaml", config_map("pay-auto"));
    repo.commit("payments");
    repo
}

async fn fleet(dir: &tempfile::TempDir) -> Fleet {
    Fleet::start(
        FleetSpec::new(dir.path().join("kubeconfig"))
            .cluster(ClusterSpec::new("dev"))
            .cluster(ClusterSpec::new("prod"))
            .controllers(SimSpeed::times(40)),
    )
    .await
    .expect("fleet")
}

fn config_map_key(namespace: &str, name: &str) -> ObjectKey {
    ObjectKey {
        group: String::new(),
        kind: "ConfigMap".into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn cluster_role_key() -> ObjectKey {
    ObjectKey {
        group: "rbac.authorization.k8s.io".into(),
        kind: "ClusterRole".into(),
        namespace: String::new(),
        name: "pay-admin".into(),
    }
}

async fn exists(client: &ClusterClient, api_version: &str, key: &ObjectKey) -> bool {
    client.get(api_version, key).await.expect("get").is_some()
}

/// The next Rejected event, as (command, reason).
async fn next_rejection(
    events: &mut tokio::sync::broadcast::Receiver<EngineEvent>,
) -> (String, String) {
    loop {
        if let Ok(EngineEvent::Rejected { command, reason }) = events.recv().await {
            return (command, reason);
        }
    }
}

async fn send_sync(engine: &EngineHandle, app: &str, prune: bool, by: &str) {
    engine
        .send(Command::Sync {
            app: app.to_string(),
            prune,
            dry_run: false,
            resources: Vec::new(),
            initiated_by: by.to_string(),
        })
        .await
        .expect("send");
}

#[tokio::test]
async fn the_engine_refuses_what_the_project_forbids_and_shows_it_first() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let fleet_dir = tempfile::tempdir().expect("tempdir");
        let fleet = fleet(&fleet_dir).await;
        let repo = repo();
        let data = tempfile::tempdir().expect("tempdir");
        let mut config = engine_config(&fleet, &repo, data.path(), ApprovalGate::default());
        config.roles = RoleBook::new(
            Role::Readonly,
            [
                ("tester".to_string(), Grant::new(Role::Admin)),
                (
                    "bob".to_string(),
                    Grant {
                        role: Role::Sync,
                        projects: vec!["payments".into()],
                        clusters: vec![],
                    },
                ),
            ],
        );
        let (engine, _task) = start(config).await.expect("engine starts");
        let mut events = engine.subscribe();
        let client = client_for(fleet.kubeconfig_path(), "dev").await;

        // Seen before any sync: the violations are conditions of the rows.
        let first = engine
            .wait_for(|snapshot| snapshot.app("pay-admin").is_some_and(|row| !row.conditions.is_empty()))
            .await
            .expect("pay-admin observed");
        let admin = first.app("pay-admin").expect("pay-admin");
        assert!(
            admin.conditions.iter().any(|condition| condition.contains("project payments (clusterResourceWhitelist)")
                && condition.contains("ClusterRole pay-admin")),
            "{:?}",
            admin.conditions
        );
        let web = first.app("pay-web").expect("pay-web");
        assert!(web.conditions.is_empty(), "{:?}", web.conditions);

        // An operator's sync of a violating app applies nothing.
        send_sync(&engine, "pay-admin", false, "tester").await;
        // The automated app deploys to kube-system: its auto-sync is refused too.
        let mut refused = Vec::new();
        while refused.len() < 2 {
            if let Ok(EngineEvent::OperationFinished { app, outcome }) = events.recv().await {
                assert_eq!(outcome.phase, OperationPhase::Error, "{outcome:#?}");
                assert!(outcome.results.is_empty(), "{outcome:#?}");
                let rule = if app == "pay-admin" { "clusterResourceWhitelist" } else { "destinations" };
                assert!(outcome.message.contains(rule), "{app}: {}", outcome.message);
                assert!(outcome.message.contains("nothing was applied"), "{}", outcome.message);
                if !refused.contains(&app) {
                    refused.push(app);
                }
            }
        }
        refused.sort();
        assert_eq!(refused, ["pay-admin", "pay-auto"]);
        assert!(!exists(&client, "rbac.authorization.k8s.io/v1", &cluster_role_key()).await);
        assert!(!exists(&client, "v1", &config_map_key("pay-admin", "pay-admin")).await);
        assert!(!exists(&client, "v1", &config_map_key("kube-system", "pay-auto")).await);

        // Roles: bob may sync payments but not prune; an unlisted operator is readonly.
        send_sync(&engine, "pay-web", true, "bob").await;
        let (command, reason) = next_rejection(&mut events).await;
        assert_eq!(command, "sync pay-web");
        assert_eq!(
            reason,
            "bob may not prune: role sync on app pay-web, project payments, cluster dev (prune needs admin)"
        );
        engine
            .send(Command::Approve { app: "pay-web".into(), by: "mallory".into() })
            .await
            .expect("send");
        let (command, reason) = next_rejection(&mut events).await;
        assert_eq!(command, "approve pay-web");
        assert!(reason.starts_with("mallory may not approve: role readonly"), "{reason}");
        assert!(!exists(&client, "v1", &config_map_key("pay-web", "pay-web")).await);
        engine
            .send(Command::Pause {
                scope: PauseScope::Fleet,
                duration: Duration::from_secs(600),
                reason: "release".into(),
                by: "bob".into(),
            })
            .await
            .expect("send");
        let (command, reason) = next_rejection(&mut events).await;
        assert_eq!(command, "pause the whole fleet");
        assert!(
            reason.starts_with("bob may not freeze the fleet: readonly outside the scope"),
            "{reason}"
        );

        // What the project and the role allow goes through.
        send_sync(&engine, "pay-web", false, "bob").await;
        loop {
            if let Ok(EngineEvent::OperationFinished { app, outcome }) = events.recv().await
                && app == "pay-web"
            {
                assert!(outcome.succeeded(), "{outcome:#?}");
                break;
            }
        }
        assert!(exists(&client, "v1", &config_map_key("pay-web", "pay-web")).await);
        engine.send(Command::Shutdown).await.expect("shutdown");
        fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}

struct Cli {
    _fleet_dir: tempfile::TempDir,
    fleet: Fleet,
    repo: TestRepo,
    home: Home,
}

impl Cli {
    async fn new() -> Cli {
        let fleet_dir = tempfile::tempdir().expect("tempdir");
        let fleet = fleet(&fleet_dir).await;
        Cli {
            _fleet_dir: fleet_dir,
            fleet,
            repo: repo(),
            home: Home::new(),
        }
    }

    /// Runs fleetdeck as `operator` (through a config file with the roles),
    /// off the async threads: the simulated clusters are served from here.
    async fn run(&self, operator: &str, args: &[&str]) -> Output {
        let config = self.home.path().join(format!("{operator}.yaml"));
        std::fs::write(
            &config,
            format!(
                "operator: {operator}\nroles:\n  default: readonly\n  operators:\n    alice: admin\n    bob: {{role: sync, projects: [payments], clusters: [dev]}}\n    carol: readonly\n"
            ),
        )
        .expect("write config");
        let mut all = vec![
            "--config".to_string(),
            config.display().to_string(),
            "--repo".to_string(),
            self.repo.path().display().to_string(),
            "--kubeconfig".to_string(),
            self.fleet.kubeconfig_path().display().to_string(),
        ];
        all.extend(args.iter().map(ToString::to_string));
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        let mut command = self.home.command(&refs);
        tokio::task::spawn_blocking(move || command.output().expect("run fleetdeck"))
            .await
            .expect("runner")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_refuses_project_violations_and_what_roles_do_not_allow() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let cli = Cli::new().await;
        let client = client_for(cli.fleet.kubeconfig_path(), "dev").await;

        // Even an admin cannot sync what the project forbids.
        let refused = cli.run("alice", &["sync", "pay-admin"]).await;
        assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
        let said = format!("{}{}", stdout(&refused), stderr(&refused));
        assert!(said.contains("project payments (clusterResourceWhitelist)"), "{said}");
        assert!(said.contains("nothing was applied"), "{said}");
        assert!(!exists(&client, "rbac.authorization.k8s.io/v1", &cluster_role_key()).await);
        assert!(!exists(&client, "v1", &config_map_key("pay-admin", "pay-admin")).await);

        // A sync-role operator may not prune.
        let prune = cli.run("bob", &["sync", "pay-web", "--prune"]).await;
        assert_ne!(prune.status.code(), Some(0), "{}", stderr(&prune));
        assert!(
            stderr(&prune).contains(
                "bob may not prune: role sync on app pay-web, project payments, cluster dev (prune needs admin)"
            ),
            "{}",
            stderr(&prune)
        );
        assert!(!exists(&client, "v1", &config_map_key("pay-web", "pay-web")).await);

        // A readonly operator may not pause, and an unlisted one may not either.
        let pause = cli
            .run("carol", &["pause", "pay-web", "--for", "1h", "--reason", "incident"])
            .await;
        assert_ne!(pause.status.code(), Some(0), "{}", stderr(&pause));
        assert!(stderr(&pause).contains("carol may not pause: role readonly"), "{}", stderr(&pause));
        let pauses = cli.run("carol", &["pauses"]).await;
        assert!(stdout(&pauses).contains("no pauses in force"), "{}", stdout(&pauses));
        // A fleet freeze needs admin.
        let freeze = cli
            .run("bob", &["pause", "--all", "--for", "1h", "--reason", "release"])
            .await;
        assert_ne!(freeze.status.code(), Some(0), "{}", stderr(&freeze));
        assert!(stderr(&freeze).contains("bob may not freeze the fleet"), "{}", stderr(&freeze));

        // What the role and the project allow works.
        let sync = cli.run("bob", &["sync", "pay-web"]).await;
        assert_eq!(sync.status.code(), Some(0), "{}\n{}", stdout(&sync), stderr(&sync));
        assert!(exists(&client, "v1", &config_map_key("pay-web", "pay-web")).await);
        let frozen = cli
            .run("alice", &["pause", "--all", "--for", "1h", "--reason", "release"])
            .await;
        assert_eq!(frozen.status.code(), Some(0), "{}", stderr(&frozen));
        cli.fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}
