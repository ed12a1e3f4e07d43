//! The command line: flags, subcommands and their wiring to the engine.
//!
//! This layer (with `main.rs`) is the only place that reads environment
//! variables or picks paths; everything below it takes explicit settings.

mod apps;
mod demo;
mod load;
mod output;
mod paths;
mod render;
mod settings;
mod sim;

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
    /// Print one Application's rendered manifests as YAML.
    Render {
        /// Application name (metadata.name).
        app: String,
    },
    /// Run the full-screen UI on the embedded simulated fleet (no cluster needed).
    Demo,
    /// Run the simulated fleet in the foreground: Kubernetes API servers on
    /// loopback that kubectl and fleetdeck can use, until Ctrl-C.
    ///
    /// The kubeconfig goes to --kubeconfig, or to the state dir
    /// (~/.local/state/fleetdeck/sim/kubeconfig.yaml).
    Sim {
        /// Cluster names, comma separated [default: hub,dev,staging,prod-eu,prod-us].
        #[arg(long, value_delimiter = ',', value_name = "NAMES")]
        clusters: Vec<String>,
    },
}

/// Runs a parsed command line; the returned code is the process exit status.
pub async fn run(cli: Cli, paths: ProjectPaths) -> color_eyre::Result<ExitCode> {
    let settings = Settings::resolve(&cli.global, &paths)?;
    match cli.command {
        Command::Apps { output } => apps::run(&settings, output).await,
        Command::Render { app } => render::run(&settings, &app).await,
        Command::Demo => Ok(demo::run()),
        Command::Sim { clusters } => sim::run(&settings, &clusters).await,
    }
}
