//! `fleetdeck audit`: who did what, when and why (the operations layer
//! writes the records).

use std::io::Write;
use std::process::ExitCode;

use color_eyre::eyre::eyre;
use k8s_openapi::jiff::Timestamp;

use super::output::OutputFormat;
use super::settings::Settings;
use crate::engine::policy::duration_text::parse_duration;
use crate::engine::state::{AuditLog, AuditRecord};

fn open(settings: &Settings) -> color_eyre::Result<AuditLog> {
    Ok(AuditLog::open(&settings.paths.app_state_dir())?)
}

pub fn run(
    settings: &Settings,
    app: Option<&str>,
    since: Option<&str>,
    format: OutputFormat,
) -> color_eyre::Result<ExitCode> {
    let since = since
        .map(|text| {
            let window = parse_duration(text, std::time::Duration::from_secs(366 * 24 * 3600))
                .map_err(|error| eyre!("--since {text}: {error}"))?;
            let window = k8s_openapi::jiff::SignedDuration::try_from(window)
                .map_err(|error| eyre!("--since {text}: {error}"))?;
            Timestamp::now()
                .checked_sub(window)
                .map_err(|error| eyre!("--since {text}: {error}"))
        })
        .transpose()?;
    let records: Vec<AuditRecord> = open(settings)?
        .read()?
        .into_iter()
        // An app's records include the pauses set on it alone (`app web`).
        .filter(|record| {
            app.is_none_or(|app| {
                record.target == app || record.target.strip_prefix("app ") == Some(app)
            })
        })
        .filter(|record| since.is_none_or(|since| record.at >= since))
        .collect();
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &records)?;
            writeln!(out)?;
        }
        OutputFormat::Yaml => write!(out, "{}", serde_saphyr::to_string(&records)?)?,
        OutputFormat::Table => {
            if records.is_empty() {
                writeln!(out, "no audit records match")?;
            }
            for record in &records {
                let revision = crate::engine::source::short_revision(&record.revision);
                write!(
                    out,
                    "{}  {:<12} {:<10} {:<20} {:<8} {}",
                    record.at,
                    record.operator,
                    record.action,
                    record.target,
                    revision,
                    record.result
                )?;
                if !record.reason.is_empty() {
                    write!(out, "  ({})", record.reason)?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
