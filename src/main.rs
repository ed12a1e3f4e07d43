//! The `fleetdeck` binary: the composition root. It installs error reporting,
//! sends logs to a file (the terminal belongs to the UI), parses the command
//! line and hands over to `fleetdeck::cli`.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use fleetdeck::cli::{Cli, ProjectPaths};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    install_error_reporter();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            // The report quotes URLs from Git and the config: no token in it
            // may reach a terminal or a CI log.
            let report = format!("{error:?}");
            let report = fleetdeck::engine::safe_text::redact_url_credentials(&report);
            eprintln!("Error: {report}");
            ExitCode::FAILURE
        }
    }
}

/// Errors are for operators, not developers: no source locations, and no
/// colour codes when stderr is not a terminal (logs, CI, pipes). Backtraces
/// still appear when `RUST_BACKTRACE` asks for them.
fn install_error_reporter() {
    let mut hook = color_eyre::config::HookBuilder::default()
        .display_location_section(false)
        .display_env_section(false);
    if !std::io::stderr().is_terminal() {
        hook = hook.theme(color_eyre::config::Theme::new());
    }
    if let Err(error) = hook.install() {
        eprintln!("fleetdeck: cannot install the error reporter: {error}");
    }
}

fn run(cli: Cli) -> color_eyre::Result<ExitCode> {
    let paths = ProjectPaths::discover()?;
    let _log_guard = init_logging(&paths);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(fleetdeck::cli::run(cli, paths))
}

/// Logs go to `<state dir>/logs/fleetdeck.log` (0600) at the level `FLEETDECK_LOG`
/// asks for (default `info`). A log directory that cannot be created costs
/// the logs, never the command.
fn init_logging(paths: &ProjectPaths) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = paths.log_dir();
    std::fs::create_dir_all(&dir).ok()?;
    // Created private before the appender opens it: the log names
    // operators, apps and what changed where.
    fleetdeck::engine::state::private_file::open_private_append(&dir.join("fleetdeck.log")).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "fleetdeck.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter =
        EnvFilter::try_from_env("FLEETDECK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
