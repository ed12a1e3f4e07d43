//! `fleetdeck sim`: run the simulated fleet in the foreground, for kubectl,
//! for a fleetdeck in another terminal, or for trying things by hand.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use color_eyre::eyre::WrapErr;

use super::settings::Settings;
use crate::sim::{ClusterSpec, Fleet, FleetSpec, SimSpeed};

/// Starts the fleet (from `state` when it exists), prints how to reach it, and
/// serves until Ctrl-C or SIGTERM; then shuts every cluster down cleanly, saving
/// the objects to `state`.
pub async fn run(
    settings: &Settings,
    clusters: &[String],
    state: Option<&Path>,
) -> color_eyre::Result<ExitCode> {
    let kubeconfig = settings
        .kubeconfig
        .clone()
        .unwrap_or_else(|| default_kubeconfig(settings));
    if let Some(dir) = kubeconfig.parent() {
        std::fs::create_dir_all(dir)
            .wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    }
    let mut spec = fleet_spec(kubeconfig, clusters);
    if let Some(state) = state {
        if let Some(dir) = state.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .wrap_err_with(|| format!("cannot create {}", dir.display()))?;
        }
        spec = spec.state_file(state);
    }
    let resumed = state.is_some_and(Path::exists);
    // Handlers go in before the banner: whoever reads "Ctrl-C stops the
    // fleet" may press it at once, and must get a clean shutdown.
    let shutdown = ShutdownSignals::install()?;
    let fleet = Fleet::start(spec).await?;

    println!("simulated fleet running:");
    for cluster in fleet.clusters() {
        let labels: Vec<String> = cluster
            .labels()
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        println!(
            "  {:<10} {}  {}",
            cluster.name(),
            cluster.base_url(),
            labels.join(",")
        );
    }
    let path = fleet.kubeconfig_path().display().to_string();
    println!("kubeconfig: {path}");
    println!("try:        kubectl --kubeconfig {path} get namespaces");
    println!("read-only:  kubectl --kubeconfig {path} --context <cluster>-readonly get pods -A");
    if let Some(first) = fleet.clusters().first() {
        println!(
            "faults:     curl -k -H 'Authorization: Bearer {}' -d '{{\"latencyMs\":200,\"errorRate\":0.1}}' {}/sim/faults  (GET shows, DELETE clears; POST /sim/down?seconds=30)",
            first.admin_token(),
            first.base_url()
        );
    }
    if let Some(state) = fleet.state_file() {
        let how = if resumed { "loaded from" } else { "new," };
        println!("state:      {how} {} (saved at exit)", state.display());
    }
    println!("Ctrl-C stops the fleet.");

    shutdown.wait().await;
    eprintln!("stopping the simulated fleet");
    let saved = fleet.state_file().map(Path::to_path_buf);
    fleet.shutdown().await?;
    if let Some(state) = saved {
        eprintln!("saved the fleet's objects to {}", state.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn default_kubeconfig(settings: &Settings) -> PathBuf {
    settings.paths.state_dir.join("sim").join("kubeconfig.yaml")
}

/// The demo fleet, or the named clusters; a name the demo knows keeps its
/// demo labels, any other name is labelled `env=<name>`.
fn fleet_spec(kubeconfig: PathBuf, names: &[String]) -> FleetSpec {
    let demo = FleetSpec::demo(kubeconfig.clone());
    if names.is_empty() {
        return demo;
    }
    let spec = FleetSpec::new(kubeconfig).controllers(SimSpeed::HUMAN);
    names.iter().fold(spec, |spec, name| {
        let cluster = demo
            .clusters
            .iter()
            .find(|cluster| &cluster.name == name)
            .cloned()
            .unwrap_or_else(|| ClusterSpec::new(name.clone()).label("env", name.clone()));
        spec.cluster(cluster)
    })
}

/// SIGINT and SIGTERM, registered when installed (not when first awaited).
pub(super) struct ShutdownSignals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl ShutdownSignals {
    pub(super) fn install() -> color_eyre::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(ShutdownSignals {
                interrupt: signal(SignalKind::interrupt())
                    .wrap_err("cannot install the SIGINT handler")?,
                terminate: signal(SignalKind::terminate())
                    .wrap_err("cannot install the SIGTERM handler")?,
            })
        }
        #[cfg(not(unix))]
        Ok(ShutdownSignals {})
    }

    pub(super) async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = &mut self;
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
