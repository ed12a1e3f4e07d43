//! `fleetdeck status`: the whole fleet at a glance — per cluster whether it
//! answers and how its apps are — from one pass of the engine.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::eyre;
use serde::Serialize;

use super::engine_config::engine_config;
use super::settings::Settings;
use crate::engine::api::{Command, ConnectionState, FleetSnapshot};
use crate::engine::diff::SyncStatus;
use crate::engine::health::HealthStatus;
use crate::engine::reconciler::start;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    Table,
    Json,
}

#[derive(Debug, Default, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
struct ClusterCounts {
    apps: usize,
    out_of_sync: usize,
    degraded: usize,
    progressing: usize,
    unknown: usize,
    paused: usize,
    awaiting_approval: usize,
}

pub async fn run(settings: &Settings, format: StatusFormat) -> color_eyre::Result<ExitCode> {
    // One pass is all a status needs; no periodic refresh will come first.
    let config = engine_config(settings, Duration::from_secs(3600), false).await?;
    let (engine, task) = start(config).await?;
    let snapshot = engine
        .wait_for(|snapshot| snapshot.generation > 0)
        .await
        .map_err(|stopped| eyre!("{stopped}"))?;
    engine.send(Command::Shutdown).await.ok();
    task.await.ok();

    let counts = count(&snapshot);
    let mut out = std::io::stdout().lock();
    match format {
        StatusFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &*snapshot)?;
            writeln!(out)?;
        }
        StatusFormat::Table => {
            writeln!(
                out,
                "{:<14} {:<12} {:<22} {:>5} {:>10} {:>9} {:>12} {:>8} {:>7} {:>9}",
                "CLUSTER",
                "STATE",
                "VERSION",
                "APPS",
                "OUTOFSYNC",
                "DEGRADED",
                "PROGRESSING",
                "UNKNOWN",
                "PAUSED",
                "AWAITING"
            )?;
            for cluster in &snapshot.clusters {
                let (state, version) = match &cluster.connection {
                    ConnectionState::Connected { version, .. } => ("Connected", version.as_str()),
                    ConnectionState::Unreachable { .. } => ("Unreachable", "-"),
                    ConnectionState::Unknown => ("Unknown", "-"),
                };
                let numbers = counts.get(&cluster.name).copied().unwrap_or_default();
                writeln!(
                    out,
                    "{:<14} {:<12} {:<22} {:>5} {:>10} {:>9} {:>12} {:>8} {:>7} {:>9}",
                    cluster.name,
                    state,
                    version,
                    numbers.apps,
                    numbers.out_of_sync,
                    numbers.degraded,
                    numbers.progressing,
                    numbers.unknown,
                    numbers.paused,
                    numbers.awaiting_approval
                )?;
            }
            for cluster in &snapshot.clusters {
                if let ConnectionState::Unreachable { error, .. } = &cluster.connection {
                    writeln!(out, "{}: {error}", cluster.name)?;
                }
            }
            for problem in snapshot.problems.iter() {
                writeln!(out, "problem: {problem}")?;
            }
        }
    }
    let unhealthy = snapshot
        .clusters
        .iter()
        .any(|cluster| !matches!(cluster.connection, ConnectionState::Connected { .. }))
        || !snapshot.problems.is_empty();
    Ok(if unhealthy {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn count(snapshot: &FleetSnapshot) -> BTreeMap<String, ClusterCounts> {
    let mut counts: BTreeMap<String, ClusterCounts> = BTreeMap::new();
    for app in snapshot.apps.iter() {
        let Some(cluster) = &app.cluster else {
            continue;
        };
        let entry = counts.entry(cluster.clone()).or_default();
        entry.apps += 1;
        entry.out_of_sync += usize::from(app.sync == SyncStatus::OutOfSync);
        entry.unknown += usize::from(app.sync == SyncStatus::Unknown);
        entry.degraded += usize::from(app.health == HealthStatus::Degraded);
        entry.progressing += usize::from(app.health == HealthStatus::Progressing);
        entry.paused += usize::from(!app.paused.is_empty());
        entry.awaiting_approval += usize::from(
            app.automation
                .as_deref()
                .is_some_and(|text| text.starts_with("awaiting approval")),
        );
    }
    counts
}
