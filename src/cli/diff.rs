//! `fleetdeck diff <app>`: how the live cluster differs from Git, one
//! unified YAML diff per resource (live → desired), Secret values masked.

use std::io::Write;
use std::process::ExitCode;

use super::app_target::load_target;
use super::settings::Settings;
use crate::engine::diff::{CompareOptions, SyncStatus};
use crate::engine::status::observe_app;

pub async fn run(
    settings: &Settings,
    app_name: &str,
    exit_code: bool,
) -> color_eyre::Result<ExitCode> {
    let target = load_target(settings, app_name, None).await?;
    let desired = target.desired();
    let options = CompareOptions::for_application(&target.app);
    let (status, _) = observe_app(&target.client, &desired, &options).await?;
    let mut out = std::io::stdout().lock();
    let mut differing = 0;
    for resource in &status.diff.resources {
        let Some(diff) = &resource.diff else {
            continue;
        };
        differing += 1;
        writeln!(out, "===== {} ({:?}) =====", resource.key, resource.status)?;
        if resource.requires_pruning {
            writeln!(out, "# gone from Git: a sync with --prune deletes it")?;
        }
        write!(out, "{diff}")?;
        if !diff.ends_with('\n') {
            writeln!(out)?;
        }
    }
    for error in &status.diff.errors {
        eprintln!("error: {error}");
    }
    out.flush()?;
    eprintln!(
        "{app_name} on {}: {:?}, {differing} of {} resources differ",
        target.cluster.name,
        status.diff.status,
        status.diff.resources.len()
    );
    let differs = status.diff.status != SyncStatus::Synced;
    Ok(if exit_code && differs {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
