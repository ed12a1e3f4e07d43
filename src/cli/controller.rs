//! `fleetdeck controller`: the engine headless, in the foreground, its
//! events as log lines on stderr, until SIGINT or SIGTERM; metrics and Git
//! webhooks served on one listener ([`serving`]).

mod serving;

use std::process::ExitCode;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;

use super::engine_config::engine_config;
use super::settings::Settings;
use crate::engine::api::{Command, EngineEvent};
use crate::engine::reconciler::start;
use crate::engine::sync::SyncProgress;

pub async fn run(
    settings: &Settings,
    interval: Duration,
    metrics_addr: &str,
) -> color_eyre::Result<ExitCode> {
    let shutdown = super::sim::ShutdownSignals::install()?;
    let config = engine_config(settings, interval, true).await?;
    let clusters = config.registry.clusters().len();
    let (engine, task) = start(config).await?;
    let served = match serving::start(settings, &engine, metrics_addr).await {
        Ok(served) => served,
        Err(error) => {
            engine.send(Command::Shutdown).await.ok();
            task.await.ok();
            return Err(error);
        }
    };
    eprintln!(
        "controller running: {clusters} clusters, refresh every {}s; Ctrl-C stops it",
        interval.as_secs()
    );
    eprintln!(
        "serving http://{addr}/metrics and webhooks at http://{addr}/api/webhook",
        addr = served.local_addr
    );
    let mut events = engine.subscribe();
    let mut snapshots = engine.watch();
    let mut last_summary = String::new();
    let logging = async {
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Ok(event) => log_event(&event),
                    Err(RecvError::Lagged(missed)) => eprintln!("warning: {missed} events not shown (log too slow)"),
                    Err(RecvError::Closed) => break,
                },
                changed = snapshots.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let snapshot = snapshots.borrow_and_update().clone();
                    let summary = format!(
                        "{} apps: {} OutOfSync, {} Unknown; {} problems",
                        snapshot.apps.len(),
                        snapshot.apps.iter().filter(|app| app.sync == crate::engine::diff::SyncStatus::OutOfSync).count(),
                        snapshot.apps.iter().filter(|app| app.sync == crate::engine::diff::SyncStatus::Unknown).count(),
                        snapshot.problems.len()
                    );
                    if summary != last_summary {
                        eprintln!("fleet: {summary}");
                        last_summary = summary;
                    }
                }
            }
        }
    };
    tokio::select! {
        _ = logging => {}
        _ = shutdown.wait() => eprintln!("stopping the controller"),
    }
    served.stop();
    engine.send(Command::Shutdown).await.ok();
    task.await.ok();
    Ok(ExitCode::SUCCESS)
}

fn log_event(event: &EngineEvent) {
    match event {
        EngineEvent::OperationStarted {
            app,
            initiated_by,
            dry_run,
        } => {
            eprintln!(
                "{app}: sync started by {initiated_by}{}",
                if *dry_run { " (dry run)" } else { "" }
            );
        }
        EngineEvent::OperationProgress {
            app,
            progress: SyncProgress::Resource(result),
        } => {
            eprintln!(
                "{app}: {:?} {}: {}",
                result.status, result.key, result.message
            );
        }
        EngineEvent::OperationProgress { .. } => {}
        EngineEvent::OperationFinished { app, outcome } => {
            eprintln!("{app}: {:?}: {}", outcome.phase, outcome.message);
        }
        EngineEvent::ClusterConnection { cluster, state } => {
            eprintln!(
                "cluster {cluster}: {}",
                serde_json::to_string(state).unwrap_or_default()
            );
        }
        EngineEvent::Rejected { command, reason } => eprintln!("rejected {command}: {reason}"),
        EngineEvent::Warning { message } => eprintln!("warning: {message}"),
        EngineEvent::OperatorAction {
            operator,
            action,
            target,
            detail,
        } => eprintln!("{operator}: {action} {target}: {detail}"),
        EngineEvent::AppDetail(_) => {}
    }
}
