//! `fleetdeck refresh [app] [--hard]`: ask a running engine (a controller,
//! or the UI of another operator on this machine) to read Git and the
//! clusters again now, through the shared state directory; `--hard` asks it
//! to render again and relist the live objects, trusting no cache.

use std::process::ExitCode;

use color_eyre::eyre::WrapErr;
use k8s_openapi::jiff::Timestamp;

use super::settings::Settings;
use crate::engine::state::RefreshRequests;

pub fn run(settings: &Settings, app: Option<&str>, hard: bool) -> color_eyre::Result<ExitCode> {
    let request = request_with(settings, app, hard)?;
    println!(
        "{}refresh {} requested (#{}); a running controller on {} picks it up within a second",
        if hard { "hard " } else { "" },
        app.unwrap_or("of the fleet"),
        request,
        settings.paths.app_state_dir().display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a refresh request; returns its generation. Also used after
/// commands whose effect a running engine should see at once (approve,
/// resume).
pub fn request(settings: &Settings, app: Option<&str>) -> color_eyre::Result<u64> {
    request_with(settings, app, false)
}

fn request_with(settings: &Settings, app: Option<&str>, hard: bool) -> color_eyre::Result<u64> {
    let dir = settings.paths.app_state_dir();
    RefreshRequests::new(&dir)
        .request(app, hard, &settings.operator_name(), Timestamp::now())
        .map(|request| request.generation)
        .wrap_err("cannot ask running engines to refresh")
}
