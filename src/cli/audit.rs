//! `fleetdeck audit`: who did what, when and why (the operations layer
//! writes the records).

use std::io::Write;
use std::process::ExitCode;

use color_eyre::eyre::eyre;
use k8s_openapi::jiff::Timestamp;

use super::output::OutputFormat;
use super::settings::Settings;
use crate::engine::policy::duration_text::parse_duration;
use crate::engine::safe_text::escape_controls;
use crate::engine::state::{AuditLog, AuditRecord, DamagedLine};

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
    let log = open(settings)?;
    let reading = log.read_checked()?;
    if !reading.damaged.is_empty() {
        warn_damaged(&log, &reading.damaged);
    }
    let records: Vec<AuditRecord> = reading
        .records
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
                // Every field may hold text from Git or a cluster (an app's
                // name, a failure message): one record stays one line.
                write!(
                    out,
                    "{}  {:<12} {:<10} {:<20} {:<8} {}",
                    record.at,
                    escape_controls(&record.operator),
                    escape_controls(&record.action),
                    escape_controls(&record.target),
                    escape_controls(revision),
                    escape_controls(&record.result)
                )?;
                if !record.reason.is_empty() {
                    write!(out, "  ({})", escape_controls(&record.reason))?;
                }
                writeln!(out)?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Damaged lines do not stop the listing: every intact record is shown,
/// and the operator learns which lines were skipped and how to set them
/// aside.
fn warn_damaged(log: &AuditLog, damaged: &[DamagedLine]) {
    let numbers: Vec<String> = damaged.iter().map(|d| d.line.to_string()).collect();
    let (noun, verb) = if damaged.len() == 1 {
        ("line", "is")
    } else {
        ("lines", "are")
    };
    eprintln!(
        "warning: audit log {}: {noun} {} {verb} damaged and skipped (a record torn by a crash?); \
         `fleetdeck audit --repair` moves {} aside and keeps every intact record",
        log.path().display(),
        numbers.join(", "),
        if damaged.len() == 1 { "it" } else { "them" },
    );
    for line in damaged {
        tracing::warn!(
            path = %log.path().display(),
            line = line.line,
            problem = %escape_controls(&line.problem),
            "damaged audit line skipped"
        );
    }
}

/// `fleetdeck audit --repair`.
pub fn repair(settings: &Settings) -> color_eyre::Result<ExitCode> {
    let log = open(settings)?;
    let report = log.repair()?;
    let mut out = std::io::stdout().lock();
    if report.moved.is_empty() {
        writeln!(
            out,
            "audit log {}: nothing to repair ({} records)",
            log.path().display(),
            report.kept
        )?;
    } else {
        let numbers: Vec<String> = report.moved.iter().map(ToString::to_string).collect();
        writeln!(
            out,
            "audit log {}: moved damaged line(s) {} to {}; kept {} records",
            log.path().display(),
            numbers.join(", "),
            log.path()
                .with_file_name(crate::engine::state::audit::DAMAGED_FILE)
                .display(),
            report.kept
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
