//! `fleetdeck ui`: the full-screen UI over the configured fleet, and the
//! options every UI session takes from the settings (the demo opens the
//! same UI).

use std::process::ExitCode;
use std::time::Duration;

use super::engine_config::engine_config;
use super::settings::Settings;
use crate::engine::api::{Command, EngineHandle};
use crate::engine::reconciler::start;

/// Opens the UI on a running engine until the operator quits. The
/// terminal is restored on every way out, a panic included.
#[cfg(feature = "tui")]
pub async fn open(engine: EngineHandle, settings: &Settings) -> color_eyre::Result<()> {
    let options = crate::tui::UiOptions {
        operator: settings.operator_name(),
        theme: settings.config.ui.theme.clone(),
        keymap: settings.config.ui.keymap.clone(),
        theme_file: user_file(settings, "theme.toml"),
        keymap_file: user_file(settings, "keymap.toml"),
        readonly: settings.readonly,
        no_color: std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty()),
    };
    crate::tui::run(engine, options).await?;
    Ok(())
}

#[cfg(not(feature = "tui"))]
pub async fn open(_engine: EngineHandle, _settings: &Settings) -> color_eyre::Result<()> {
    color_eyre::eyre::bail!(
        "this fleetdeck was built without the terminal UI (cargo feature `tui`); use `controller`, `status` and the other commands"
    )
}

/// `theme.toml` / `keymap.toml` next to the config file, when present:
/// patches over the shipped theme and keymap.
#[cfg(feature = "tui")]
fn user_file(settings: &Settings, name: &str) -> Option<std::path::PathBuf> {
    let path = settings.paths.config_file.parent()?.join(name);
    path.exists().then_some(path)
}

pub async fn run(
    settings: &Settings,
    interval: Duration,
    automation: bool,
) -> color_eyre::Result<ExitCode> {
    let config = engine_config(settings, interval, automation).await?;
    let (engine, task) = start(config).await?;
    let shown = open(engine.clone(), settings).await;
    engine.send(Command::Shutdown).await.ok();
    task.await.ok();
    shown?;
    Ok(ExitCode::SUCCESS)
}
