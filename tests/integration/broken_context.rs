//! One kubeconfig context that cannot be connected (its user's client
//! certificate file is missing) does not stop the engine: that cluster is
//! Unreachable with the reason, its apps Unknown, and the rest of the fleet
//! runs.

use std::time::Duration;

use fleetdeck::engine::api::ConnectionState;
use fleetdeck::engine::cluster::{ClusterChoice, ClusterRegistry};
use fleetdeck::engine::diff::SyncStatus;
use fleetdeck::engine::policy::approval::ApprovalGate;
use fleetdeck::engine::reconciler::start;
use kube::config::{AuthInfo, Context, NamedAuthInfo, NamedContext};

use super::engine_reconciler::engine_config;
use super::support::TestRepo;

const TEST_TIMEOUT: Duration = Duration::from_secs(60);
const REPO_URL: &str = "https://git.example.com/platform/fleet.git";

fn application(name: &str, cluster: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: {name}\nspec:\n  project: default\n  source:\n    repoURL: {REPO_URL}\n    path: apps/{name}\n  destination:\n    name: {cluster}\n    namespace: {name}\n"
    )
}

#[tokio::test]
async fn a_context_that_cannot_connect_is_an_unreachable_cluster() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let fleet_dir = tempfile::tempdir().expect("tempdir");
        let fleet = fleetdeck::sim::Fleet::start(
            fleetdeck::sim::FleetSpec::new(fleet_dir.path().join("kubeconfig"))
                .cluster(fleetdeck::sim::ClusterSpec::new("dev")),
        )
        .await
        .expect("fleet");
        let repo = TestRepo::new();
        repo.git().remote("origin", REPO_URL).expect("origin");
        let config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n";
        repo.write("argocd/good.yaml", application("good", "dev"))
            .write("argocd/bad.yaml", application("bad", "broken"))
            .write("apps/good/cm.yaml", config_map)
            .write("apps/bad/cm.yaml", config_map);
        repo.commit("one app per cluster");
        let data = tempfile::tempdir().expect("data");
        let mut config = engine_config(&fleet, &repo, data.path(), ApprovalGate::default());

        // `broken`: dev's server, with a user whose certificate is gone.
        let missing = fleet_dir.path().join("gone");
        config.kubeconfig.auth_infos.push(NamedAuthInfo {
            name: "broken-user".into(),
            auth_info: Some(AuthInfo {
                client_certificate: Some(missing.join("client.crt").display().to_string()),
                client_key: Some(missing.join("client.key").display().to_string()),
                ..AuthInfo::default()
            }),
            other: Default::default(),
        });
        config.kubeconfig.contexts.push(NamedContext {
            name: "broken".into(),
            context: Some(Context {
                cluster: "dev".into(),
                user: Some("broken-user".into()),
                ..Context::default()
            }),
            other: Default::default(),
        });
        let choices = ["dev", "broken"].map(|context| ClusterChoice {
            context: context.to_string(),
            ..ClusterChoice::default()
        });
        config.registry =
            ClusterRegistry::from_kubeconfig(&config.kubeconfig, &choices, None).expect("registry");

        let (engine, task) = start(config).await.expect("the engine starts all the same");
        let snapshot = engine
            .wait_for(|snapshot| {
                let connected = |name: &str, want: bool| {
                    snapshot.cluster(name).is_some_and(|cluster| {
                        matches!(cluster.connection, ConnectionState::Connected { .. }) == want
                            && !matches!(cluster.connection, ConnectionState::Unknown)
                    })
                };
                connected("dev", true)
                    && connected("broken", false)
                    && snapshot
                        .app("good")
                        .is_some_and(|app| app.sync == SyncStatus::OutOfSync)
                    && snapshot.app("bad").is_some()
            })
            .await
            .expect("both clusters shown");
        let broken = snapshot.cluster("broken").expect("broken");
        let ConnectionState::Unreachable { error, .. } = &broken.connection else {
            panic!("{:?}", broken.connection);
        };
        assert!(
            error.contains("broken") && error.contains("client.crt"),
            "the error names the context and the missing file: {error}"
        );
        let bad = snapshot.app("bad").expect("bad");
        assert_eq!(bad.sync, SyncStatus::Unknown, "{bad:?}");
        engine
            .send(fleetdeck::engine::api::Command::Shutdown)
            .await
            .expect("shutdown");
        task.await.expect("engine task");
        fleet.shutdown().await.expect("fleet shutdown");
    })
    .await
    .expect("test timed out");
}
