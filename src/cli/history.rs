//! `fleetdeck history <app>`: the app's past syncs, newest first, with the
//! rollback pin if one holds it.

use std::io::Write;
use std::process::ExitCode;

use super::output::OutputFormat;
use super::settings::Settings;
use super::sync::open_state;
use crate::engine::source::short_revision;

pub fn run(
    settings: &Settings,
    app_name: &str,
    format: OutputFormat,
) -> color_eyre::Result<ExitCode> {
    let store = open_state(settings)?;
    let state = store.load(app_name)?;
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &state)?;
            writeln!(out)?;
        }
        OutputFormat::Yaml => write!(out, "{}", serde_saphyr::to_string(&state)?)?,
        OutputFormat::Table => {
            if state.history.is_empty() {
                writeln!(out, "no syncs of {app_name} recorded on this machine yet")?;
            } else {
                writeln!(
                    out,
                    "{:>4}  {:<25}  {:<8}  {:<12}  {:<10}  {:<9}  MESSAGE",
                    "ID", "DEPLOYED", "REVISION", "BY", "RESULT", "RESOURCES"
                )?;
                for entry in state.history.iter().rev() {
                    writeln!(
                        out,
                        "{:>4}  {:<25}  {:<8}  {:<12}  {:<10}  {:<9}  {}",
                        entry.id,
                        entry.deployed_at.to_string(),
                        short_revision(&entry.revision),
                        entry.initiated_by.to_string(),
                        entry.result.phase.as_str(),
                        entry.resources.total(),
                        entry.result.message
                    )?;
                }
            }
            if let Some(pin) = &state.pin {
                writeln!(
                    out,
                    "\npinned at {} (history entry {}) by {} since {}: a sync to targetRevision lifts it",
                    short_revision(&pin.revision),
                    pin.history_id,
                    pin.by,
                    pin.pinned_at
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
