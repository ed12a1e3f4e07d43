//! The command line: flags, subcommands and their wiring to the engine.
//!
//! This layer (with `main.rs`) is the only place that reads environment
//! variables or picks paths; everything below it takes explicit settings.

mod app_target;
mod approve;
mod apps;
mod audit;
mod controller;
pub mod demo;
mod diff;
mod engine_config;
mod get;
mod health;
mod history;
mod in_cluster;
mod load;
mod output;
mod paths;
mod pause;
mod refresh;
mod render;
mod rollback;
mod settings;
mod sim;
mod status;
mod sync;
mod ui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

pub use output::OutputFormat;
pub use paths::ProjectPaths;
pub use settings::Settings;

/// Kubernetes fleet operations from the terminal, with an embedded GitOps engine.
///
/// fleetdeck reads Argo CD style Applications, ApplicationSets and AppProjects
/// from Git, renders their manifests and compares them with live clusters.
#[derive(Debug, Parser)]
#[command(name = "fleetdeck", version, about, long_about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand understands; each overrides the config file.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Config file [default: ~/.config/fleetdeck/config.yaml].
    #[arg(long, global = true, env = "FLEETDECK_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Git repository holding the Argo CD resources: a local path or a URL
    /// (https://, ssh://, git@host:org/repo, file://). Overrides `repos:`.
    #[arg(long, global = true, value_name = "PATH|URL")]
    pub repo: Option<String>,
    /// Directory inside the repository holding Application YAML [default: argocd].
    #[arg(long, global = true, value_name = "DIR")]
    pub path: Option<String>,
    /// Branch, tag or commit to read the Application YAML from [default: HEAD].
    #[arg(long, global = true, value_name = "REV")]
    pub revision: Option<String>,
    /// Kubeconfig file [default: $KUBECONFIG or ~/.kube/config].
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// A kubeconfig context that is part of the fleet (repeatable) [default: all].
    #[arg(long = "context", global = true, value_name = "NAME")]
    pub contexts: Vec<String>,
    /// The cluster `https://kubernetes.default.svc` means [default: current context].
    #[arg(long, global = true, value_name = "NAME")]
    pub hub: Option<String>,
    /// Never write to a cluster, whatever the config says.
    #[arg(long, global = true)]
    pub readonly: bool,
    /// The helm binary for Helm sources [default: `tools.helm`, else helm on PATH].
    #[arg(long, global = true, value_name = "FILE")]
    pub helm: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the Applications, ApplicationSets and AppProjects found in the repo.
    Apps {
        #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// Print one Application's rendered manifests as YAML (or, with
    /// `-o json`, as one JSON `List` for scripts).
    Render {
        /// Application name (metadata.name).
        app: String,
        /// `yaml` (the default; `table` is the same) or `json`.
        #[arg(short, long, value_enum, default_value_t = OutputFormat::Yaml)]
        output: OutputFormat,
    },
    /// Show one app on its cluster: sync status, health and the resource
    /// tree (Deployment → ReplicaSets → Pods).
    Get {
        /// Application name (metadata.name).
        app: String,
        #[arg(short, long, value_enum, default_value_t = get::GetFormat::Tree)]
        output: get::GetFormat,
    },
    /// Show how the cluster differs from Git, one unified diff per resource
    /// (Secret values are always masked).
    Diff {
        /// Application name (metadata.name).
        app: String,
        /// Exit with status 1 when the app is not Synced (for scripts and CI).
        #[arg(long)]
        exit_code: bool,
    },
    /// Sync one app to its cluster: hooks and waves in order, each wave
    /// healthy before the next. Progress goes to stderr; exit status 1 when
    /// the sync failed.
    ///
    /// With the global --revision, the app's sources are synced at that
    /// revision too (the Application YAML is read there as well).
    Sync {
        /// Application name (metadata.name).
        app: String,
        /// Delete live resources that are gone from Git.
        #[arg(long)]
        prune: bool,
        /// Validate every change with the API server (dryRun=All) and print
        /// the plan; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Sync only this resource (repeatable): GROUP:KIND:NAME or
        /// GROUP:KIND:NAMESPACE/NAME, with an empty group for core kinds
        /// (`:Service:web`, `apps:Deployment:shop/web`). Hooks do not run.
        #[arg(long = "resource", value_name = "GROUP:KIND:NAME")]
        resources: Vec<String>,
    },
    /// List an app's past syncs on this machine (newest first) and any
    /// rollback pin.
    History {
        /// Application name (metadata.name).
        app: String,
        #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// Sync an earlier revision from the app's history and pin the app
    /// there, until a `fleetdeck sync` returns it to its targetRevision.
    Rollback {
        /// Application name (metadata.name).
        app: String,
        /// History entry id [default: the last successful sync of another
        /// revision than the current one].
        id: Option<u64>,
        /// Delete live resources that the earlier revision does not have.
        #[arg(long)]
        prune: bool,
    },
    /// Hold automation (auto-sync and self-heal) for a while, with a reason
    /// every operator sees; drift is still shown. Expires by itself.
    Pause {
        #[command(flatten)]
        scope: pause::ScopeArgs,
        /// How long: 15m, 1h, 4h, 1h30m (at most 7d).
        #[arg(long = "for", value_name = "DURATION")]
        duration: String,
        /// Why, for everyone who sees the pause.
        #[arg(long)]
        reason: String,
    },
    /// End pauses early: one by id, or every pause set with exactly that scope.
    Resume {
        #[command(flatten)]
        scope: pause::ScopeArgs,
        /// The pause id (`fleetdeck pauses` lists them).
        #[arg(long, conflicts_with_all = ["app", "cluster", "project", "selector", "all"])]
        id: Option<String>,
    },
    /// List the pauses in force.
    Pauses,
    /// Approve the revision a gated app renders now (config `approval:`),
    /// so automation may sync it; a running controller on this machine acts
    /// on it within a second.
    Approve {
        /// Application name (metadata.name).
        app: String,
    },
    /// Ask a running controller (or UI) on this machine to read Git and the
    /// clusters again now instead of at its next poll.
    Refresh {
        /// Application name [default: the whole fleet].
        app: Option<String>,
        /// Render the manifests again even if the commit did not change,
        /// and relist the live objects instead of trusting the watches.
        #[arg(long)]
        hard: bool,
    },
    /// Who did what, when and why: syncs, prunes, rollbacks, pauses and
    /// resumes by operators, and every automated sync, oldest first.
    Audit {
        /// Only records about this app (or pause scope, e.g. `cluster prod`).
        #[arg(long)]
        app: Option<String>,
        /// Only records this recent: 30m, 1h, 7d.
        #[arg(long, value_name = "DURATION")]
        since: Option<String>,
        #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
        /// Move damaged lines (a record torn by a crash, a hand edit) to
        /// `audit.jsonl.damaged` next to the log, keeping every intact record.
        #[arg(long, conflicts_with_all = ["app", "since"])]
        repair: bool,
    },
    /// The whole fleet at a glance: per cluster, whether it answers and how
    /// many of its apps are OutOfSync, Degraded, Progressing or Unknown.
    /// Exit status 1 when a cluster is unreachable or a repository has
    /// problems.
    Status {
        #[arg(short, long, value_enum, default_value_t = status::StatusFormat::Table)]
        output: status::StatusFormat,
    },
    /// The full-screen UI over the configured fleet: clusters, apps,
    /// resource trees, diffs, history, pauses and operator actions.
    ///
    /// Automated sync and self-heal stay with `fleetdeck controller` unless
    /// --automation is given, so a UI opened next to a running controller
    /// never doubles its syncs.
    Ui {
        /// Seconds between refreshes of Git and the clusters.
        #[arg(long, default_value_t = 10, value_name = "SECONDS")]
        interval: u64,
        /// Also run automated sync and self-heal from this process.
        #[arg(long)]
        automation: bool,
    },
    /// Run the engine headless in the foreground (logs to stderr) until
    /// Ctrl-C or SIGTERM: Git and every cluster observed, operations run.
    ///
    /// One listener (--metrics-addr) serves Prometheus metrics at /metrics
    /// (named as Argo CD names them), Git push webhooks at /api/webhook and
    /// /healthz. Webhook secrets come from the environment only:
    /// FLEETDECK_WEBHOOK_GITHUB_SECRET (X-Hub-Signature-256),
    /// FLEETDECK_WEBHOOK_GITLAB_SECRET (X-Gitlab-Token) and
    /// FLEETDECK_WEBHOOK_BITBUCKET_SECRET (Bitbucket Server X-Hub-Signature);
    /// a provider without one is refused (401, logged and audited).
    Controller {
        /// Seconds between refreshes of Git and the clusters.
        #[arg(long, default_value_t = 10, value_name = "SECONDS")]
        interval: u64,
        /// Where to serve /metrics, /api/webhook and /healthz (port 0 picks
        /// a free port, printed at start). In a pod: 0.0.0.0:9464.
        #[arg(
            long,
            env = "FLEETDECK_METRICS_ADDR",
            default_value = "127.0.0.1:9464",
            value_name = "HOST:PORT"
        )]
        metrics_addr: String,
    },
    /// Print the health of each Kubernetes object in a YAML file, as Argo CD
    /// assesses it. Kinds without a health check are listed, not assessed.
    ///
    /// Exit status: 0 when every assessed object is Healthy, 1 when any is
    /// not, 2 when the file cannot be used.
    Health {
        /// YAML file with one or more objects (`---` separated, or a `kind:
        /// List`); `-` reads standard input.
        #[arg(short = 'f', long, value_name = "FILE")]
        file: PathBuf,
        #[arg(short, long, value_enum, default_value_t = OutputFormat::Table)]
        output: OutputFormat,
    },
    /// Try fleetdeck without a cluster: a demo GitOps repository with real
    /// history, five simulated clusters (hub, dev, staging, prod-eu, prod-us)
    /// and the engine syncing them, in the full-screen UI.
    ///
    /// Everything lives under the data dir (~/.local/share/fleetdeck/demo):
    /// the repository is reused on later runs (--fresh rebuilds it). One app
    /// is broken on purpose (payment-staging goes Degraded), production waits
    /// for approval of new revisions and freezes 01:00-04:00 UTC, and after a
    /// while someone scales a Deployment by hand so self-heal has work to do.
    /// kubectl works against the fleet: the kubeconfig path is printed at start.
    Demo(demo::DemoArgs),
    /// Run the simulated fleet in the foreground: Kubernetes API servers on
    /// loopback that kubectl and fleetdeck can use, until Ctrl-C.
    ///
    /// The kubeconfig goes to --kubeconfig, or to the state dir
    /// (~/.local/state/fleetdeck/sim/kubeconfig.yaml). With --state the objects
    /// survive restarts.
    ///
    /// Faults from another terminal, with a cluster's admin token from the kubeconfig:
    /// curl -k -H "Authorization: Bearer $TOKEN" -d '{"latencyMs":200,"errorRate":0.1,"error":"429"}' https://127.0.0.1:PORT/sim/faults
    /// (GET shows, DELETE clears, `"dropWatches":true` ends open watches;
    /// POST /sim/down?seconds=N takes the cluster down for N seconds).
    Sim {
        /// Cluster names, comma separated [default: hub,dev,staging,prod-eu,prod-us].
        #[arg(long, value_delimiter = ',', value_name = "NAMES")]
        clusters: Vec<String>,
        /// Load the fleet's objects from FILE at start (if it exists) and save them
        /// there at shutdown; a corrupt FILE stops the start and is left untouched.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
    },
}

/// Runs a parsed command line; the returned code is the process exit status.
pub async fn run(cli: Cli, paths: ProjectPaths) -> color_eyre::Result<ExitCode> {
    // Reads only its file: a broken config must not stop it.
    if let Command::Health { file, output } = &cli.command {
        return health::run(file, *output);
    }
    let settings = Settings::resolve(&cli.global, &paths)?;
    match cli.command {
        Command::Apps { output } => apps::run(&settings, output).await,
        Command::Render { app, output } => render::run(&settings, &app, output).await,
        Command::Get { app, output } => get::run(&settings, &app, output).await,
        Command::Diff { app, exit_code } => diff::run(&settings, &app, exit_code).await,
        Command::Sync {
            app,
            prune,
            dry_run,
            resources,
        } => {
            let args = sync::SyncArgs {
                prune,
                dry_run,
                resources,
                revision: cli.global.revision.clone(),
            };
            sync::run(&settings, &app, &args).await
        }
        Command::Health { file, output } => health::run(&file, output),
        Command::History { app, output } => history::run(&settings, &app, output),
        Command::Rollback { app, id, prune } => rollback::run(&settings, &app, id, prune).await,
        Command::Pause {
            scope,
            duration,
            reason,
        } => pause::pause(&settings, &scope, &duration, &reason).await,
        Command::Resume { scope, id } => pause::resume(&settings, &scope, id.as_deref()).await,
        Command::Pauses => pause::list(&settings),
        Command::Approve { app } => approve::run(&settings, &app).await,
        Command::Refresh { app, hard } => refresh::run(&settings, app.as_deref(), hard),
        Command::Audit { repair: true, .. } => audit::repair(&settings),
        Command::Audit {
            app, since, output, ..
        } => audit::run(&settings, app.as_deref(), since.as_deref(), output),
        Command::Status { output } => status::run(&settings, output).await,
        Command::Controller {
            interval,
            metrics_addr,
        } => {
            controller::run(
                &settings,
                std::time::Duration::from_secs(interval.max(1)),
                &metrics_addr,
            )
            .await
        }
        Command::Demo(args) => demo::run(&settings, &args).await,
        Command::Ui {
            interval,
            automation,
        } => {
            ui::run(
                &settings,
                std::time::Duration::from_secs(interval.max(1)),
                automation,
            )
            .await
        }
        Command::Sim { clusters, state } => sim::run(&settings, &clusters, state.as_deref()).await,
    }
}
