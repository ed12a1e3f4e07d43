//! A running demo: the demo repository, the simulated fleet, the engine
//! over both, and the scripted situations — started together, stopped
//! together. Front ends (the TUI, the headless loop, tests) hold a
//! [`DemoSession`] and talk to the engine through its [`EngineHandle`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::paths::DemoPaths;
use super::repo::{self, DemoRepo, DemoRepoError};
use super::script::{self, ScriptEvent, ScriptTiming};
use crate::cli::Settings;
use crate::cli::app_target::cluster_settings;
use crate::cli::engine_config::engine_config;
use crate::config::{ApprovalConfig, ClusterConfig, RepoConfig};
use crate::engine::api::{Command, EngineHandle};
use crate::engine::reconciler::{EngineError, start};
use crate::sim::{Fleet, FleetSpec, SimError};

/// The cluster `https://kubernetes.default.svc` means in the demo.
pub const HUB: &str = "hub";
/// Clusters whose new revisions need an operator's approval.
pub const APPROVAL_SELECTOR: &str = "env=prod";

/// How a demo runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Delete `<data>/demo` (repository, state, kubeconfig) and rebuild it.
    pub fresh: bool,
    /// Between the engine's refreshes of Git and the clusters.
    pub refresh_interval: Duration,
    /// When the scripted situations happen (tests shorten them).
    pub script: ScriptTiming,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            fresh: false,
            refresh_interval: Duration::from_secs(5),
            script: ScriptTiming {
                approve_first_rollout: true,
                drift_after: Some(Duration::from_secs(20)),
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot remove the old demo directory {} (--fresh): {source}", path.display())]
    Reset {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Repo(#[from] DemoRepoError),
    #[error("the demo repository builder stopped: {0}")]
    RepoTask(#[from] tokio::task::JoinError),
    #[error("cannot start the simulated fleet: {0}")]
    Fleet(#[from] SimError),
    /// The engine's configuration (the same builder `controller` uses)
    /// refused the demo settings; its message carries the cause chain.
    #[error("cannot configure the engine for the demo: {0:#}")]
    EngineConfig(color_eyre::Report),
    #[error("cannot start the engine: {0}")]
    Engine(#[from] EngineError),
}

/// A running demo. Stop it with [`DemoSession::shutdown`].
pub struct DemoSession {
    engine: EngineHandle,
    engine_task: JoinHandle<()>,
    script_task: JoinHandle<()>,
    script_log: watch::Receiver<Vec<ScriptEvent>>,
    fleet: Fleet,
    paths: DemoPaths,
    repo: DemoRepo,
    operator: String,
}

impl DemoSession {
    /// Prepares `<data>/demo` (data dir from `settings.paths`), starts the
    /// fleet, then the engine, then the script. The user's config still
    /// applies where it is about the operator (name, API limits, tools,
    /// timeouts); the repository, fleet, hub, approval gate and state dir
    /// are the demo's.
    pub async fn start(
        settings: &Settings,
        options: DemoOptions,
    ) -> Result<DemoSession, DemoError> {
        let paths = DemoPaths::under(&settings.paths.data_dir);
        if options.fresh {
            paths.remove().map_err(|source| DemoError::Reset {
                path: paths.root.clone(),
                source,
            })?;
        }
        let repo = {
            let path = paths.repo();
            tokio::task::spawn_blocking(move || repo::open_or_build(&path)).await??
        };
        let fleet = Fleet::start(FleetSpec::demo(paths.kubeconfig())).await?;
        let started = start_engine(settings, &paths, &repo, &fleet, &options).await;
        let (engine, engine_task) = match started {
            Ok(started) => started,
            Err(error) => {
                // The fleet's servers would otherwise outlive the error.
                fleet.shutdown().await.ok();
                return Err(error);
            }
        };
        let (log_tx, script_log) = watch::channel(Vec::new());
        let script_task = tokio::spawn(script::run(
            engine.clone(),
            fleet.kubeconfig_path().to_path_buf(),
            cluster_settings(settings),
            options.script,
            log_tx,
        ));
        Ok(DemoSession {
            engine,
            engine_task,
            script_task,
            script_log,
            fleet,
            paths,
            repo,
            operator: settings.operator_name(),
        })
    }

    pub fn engine(&self) -> &EngineHandle {
        &self.engine
    }

    /// The demo fleet's kubeconfig (for kubectl).
    pub fn kubeconfig_path(&self) -> &Path {
        self.fleet.kubeconfig_path()
    }

    /// The simulated fleet (clusters, fault injection).
    pub fn fleet(&self) -> &Fleet {
        &self.fleet
    }

    /// Who the operator is, for the commands a front end sends.
    pub fn operator(&self) -> &str {
        &self.operator
    }

    pub fn repo(&self) -> &DemoRepo {
        &self.repo
    }

    pub fn paths(&self) -> &DemoPaths {
        &self.paths
    }

    /// Everything the script did so far (the whole list on every change).
    pub fn script_log(&self) -> watch::Receiver<Vec<ScriptEvent>> {
        self.script_log.clone()
    }

    /// Stops the script, then the engine (operations in flight are
    /// terminated), then the fleet. The fleet's objects are not kept.
    pub async fn shutdown(self) -> Result<(), DemoError> {
        self.script_task.abort();
        self.script_task.await.ok();
        self.engine.send(Command::Shutdown).await.ok();
        self.engine_task.await.ok();
        self.fleet.shutdown().await?;
        Ok(())
    }
}

async fn start_engine(
    settings: &Settings,
    paths: &DemoPaths,
    repo: &DemoRepo,
    fleet: &Fleet,
    options: &DemoOptions,
) -> Result<(EngineHandle, JoinHandle<()>), DemoError> {
    let demo = demo_settings(settings, paths, repo, fleet);
    let config = engine_config(&demo, options.refresh_interval, true)
        .await
        .map_err(DemoError::EngineConfig)?;
    Ok(start(config).await?)
}

/// The user's settings with the demo's repository, fleet and state: the
/// data dir becomes `<data>/demo`, so the state dir is `<data>/demo/state`.
/// `--readonly` is kept: an operator who asked for it must be able to
/// trust it anywhere, the demo included (nothing syncs then).
fn demo_settings(user: &Settings, paths: &DemoPaths, repo: &DemoRepo, fleet: &Fleet) -> Settings {
    let mut settings = user.clone();
    settings.paths.data_dir = paths.root.clone();
    settings.repos = vec![RepoConfig {
        url: repo.path.display().to_string(),
        name: None,
        path: "argocd".to_string(),
        revision: "HEAD".to_string(),
    }];
    settings.kubeconfig = Some(fleet.kubeconfig_path().to_path_buf());
    settings.clusters = fleet
        .clusters()
        .iter()
        .map(|cluster| ClusterConfig {
            context: cluster.context().to_string(),
            name: None,
            labels: cluster.labels().clone(),
        })
        .collect();
    settings.hub = Some(HUB.to_string());
    settings.config.approval = ApprovalConfig {
        cluster_selectors: vec![APPROVAL_SELECTOR.to_string()],
        projects: Vec::new(),
    };
    settings
}
