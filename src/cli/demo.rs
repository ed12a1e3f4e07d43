//! `fleetdeck demo`: a GitOps repository with history, a simulated fleet of
//! five clusters and the engine reconciling one into the other, plus a few
//! scripted situations — then the UI over it (or a headless log).
//!
//! The pieces: [`repo`] (the repository on disk, [`content`] its files),
//! [`session`] (everything started and stopped together), [`script`] (what
//! happens without the operator), `headless` (the `--no-tui` log).

pub mod content;
mod headless;
pub mod paths;
pub mod repo;
pub mod script;
pub mod session;

use std::process::ExitCode;

use clap::Args;

pub use session::{DemoError, DemoOptions, DemoSession};

use super::settings::Settings;

#[derive(Debug, Clone, Default, Args)]
pub struct DemoArgs {
    /// Delete the demo's directory (its Git repository, sync history,
    /// approvals and audit log) and build it again. Nothing outside it is
    /// touched.
    #[arg(long)]
    pub fresh: bool,
    /// No full-screen UI: log a status line to stderr whenever the fleet
    /// changes, until Ctrl-C or SIGTERM.
    #[arg(long)]
    pub no_tui: bool,
}

pub async fn run(settings: &Settings, args: &DemoArgs) -> color_eyre::Result<ExitCode> {
    let options = DemoOptions {
        fresh: args.fresh,
        ..DemoOptions::default()
    };
    let session = DemoSession::start(settings, options).await?;
    print_banner(&session);
    let shown = if args.no_tui {
        headless::run(&session).await
    } else {
        open_ui(&session, settings).await
    };
    session.shutdown().await?;
    shown?;
    Ok(ExitCode::SUCCESS)
}

/// How to reach the demo from another terminal (stdout: it is the answer
/// to "where is it").
fn print_banner(session: &DemoSession) {
    let kubeconfig = session.kubeconfig_path().display();
    let repo = session.repo();
    let built = if repo.created {
        "built now"
    } else {
        "reused; --fresh rebuilds it"
    };
    println!("fleetdeck demo: 5 simulated clusters (hub, dev, staging, prod-eu, prod-us)");
    println!("kubeconfig: {kubeconfig}");
    println!("try:        kubectl --kubeconfig {kubeconfig} --context dev get pods -A");
    println!("repository: {} ({built})", repo.path.display());
    println!("history:    git -C {} log --oneline", repo.path.display());
}

/// The front end of the demo: the full-screen UI on the demo's engine.
async fn open_ui(session: &DemoSession, settings: &Settings) -> color_eyre::Result<()> {
    super::ui::open(session.engine().clone(), settings).await
}
