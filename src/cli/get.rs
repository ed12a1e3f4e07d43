//! `fleetdeck get <app>`: the app's sync status, health and resource tree
//! on its cluster, as a tree for people or JSON for scripts.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::app_target::load_target;
use super::settings::Settings;
use crate::engine::diff::CompareOptions;
use crate::engine::status::{AppStatus, ResourceNode, observe_app};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GetFormat {
    Tree,
    Json,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AppReport<'a> {
    app: &'a str,
    project: &'a str,
    cluster: &'a str,
    server: &'a str,
    namespace: &'a str,
    revision: String,
    #[serde(flatten)]
    status: &'a AppStatus,
}

pub async fn run(
    settings: &Settings,
    app_name: &str,
    format: GetFormat,
) -> color_eyre::Result<ExitCode> {
    let target = load_target(settings, app_name, None).await?;
    let desired = target.desired();
    let options = CompareOptions::for_application(&target.app);
    let (status, live) = observe_app(&target.client, &desired, &options).await?;
    let report = AppReport {
        app: target.app.name(),
        project: target.app.project(),
        cluster: &target.cluster.name,
        server: &target.cluster.server,
        namespace: &target.app.spec.destination.namespace,
        revision: target.revision(),
        status: &status,
    };
    let mut out = std::io::stdout().lock();
    match format {
        GetFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        GetFormat::Tree => write_tree(&mut out, &report)?,
    }
    for kind in &live.unreadable {
        eprintln!(
            "warning: cannot list {kind} on {} (forbidden)",
            target.cluster.name
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn write_tree(out: &mut impl Write, report: &AppReport<'_>) -> std::io::Result<()> {
    let status = report.status;
    writeln!(out, "Name:       {}", report.app)?;
    writeln!(out, "Project:    {}", report.project)?;
    writeln!(out, "Cluster:    {} ({})", report.cluster, report.server)?;
    writeln!(out, "Namespace:  {}", report.namespace)?;
    writeln!(out, "Revision:   {}", report.revision)?;
    writeln!(out, "Sync:       {:?}", status.diff.status)?;
    writeln!(out, "Health:     {:?}", status.health)?;
    for error in &status.diff.errors {
        writeln!(out, "Error:      {error}")?;
    }
    writeln!(out)?;
    let mut rows = Vec::new();
    for node in &status.tree {
        collect_rows(node, "", "", &mut rows);
    }
    let width = rows
        .iter()
        .map(|row| row.0.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    writeln!(out, "{:<width$}  {:<11}  HEALTH", "RESOURCE", "SYNC")?;
    for (label, sync, health) in rows {
        writeln!(out, "{label:<width$}  {sync:<11}  {health}")?;
    }
    Ok(())
}

/// One row per node, children indented under their owner.
fn collect_rows(
    node: &ResourceNode,
    prefix: &str,
    child_prefix: &str,
    rows: &mut Vec<(String, String, String)>,
) {
    let sync = node
        .sync
        .map_or_else(|| "-".to_string(), |sync| format!("{sync:?}"));
    let health = node.health.as_ref().map_or_else(
        || "-".to_string(),
        |health| {
            if health.message.is_empty() {
                format!("{:?}", health.status)
            } else {
                format!("{:?} ({})", health.status, health.message)
            }
        },
    );
    rows.push((format!("{prefix}{}", node.key), sync, health));
    let count = node.children.len();
    for (index, child) in node.children.iter().enumerate() {
        let last = index + 1 == count;
        let (branch, next) = if last {
            ("└─ ", "   ")
        } else {
            ("├─ ", "│  ")
        };
        collect_rows(
            child,
            &format!("{child_prefix}{branch}"),
            &format!("{child_prefix}{next}"),
            rows,
        );
    }
}
