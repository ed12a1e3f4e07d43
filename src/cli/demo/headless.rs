//! The demo without a UI (`--no-tui`): a short status line on stderr
//! whenever the fleet's picture changes in a way a person would notice,
//! the script's doings and finished operations, until SIGINT or SIGTERM.

use tokio::sync::broadcast::error::RecvError;

use super::session::DemoSession;
use crate::cli::sim::ShutdownSignals;
use crate::engine::api::{AutomationState, ConnectionState, EngineEvent, FleetSnapshot};
use crate::engine::diff::SyncStatus;
use crate::engine::health::HealthStatus;

/// Logs until a shutdown signal; the caller shuts the session down.
pub async fn run(session: &DemoSession) -> color_eyre::Result<()> {
    let shutdown = ShutdownSignals::install()?;
    let engine = session.engine();
    let mut snapshots = engine.watch();
    let mut events = engine.subscribe();
    let mut script = session.script_log();
    let mut script_seen = 0;
    let mut last_status = String::new();
    let logging = async {
        loop {
            tokio::select! {
                changed = snapshots.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    let snapshot = snapshots.borrow_and_update().clone();
                    let status = status_line(&snapshot);
                    if status != last_status {
                        eprintln!("{status}");
                        last_status = status;
                    }
                }
                event = events.recv() => match event {
                    Ok(event) => log_event(&event),
                    Err(RecvError::Lagged(missed)) => eprintln!("warning: {missed} events not shown (log too slow)"),
                    Err(RecvError::Closed) => break,
                },
                changed = script.changed() => {
                    if changed.is_err() {
                        // The script has finished; keep logging the fleet.
                        script = tokio::sync::watch::channel(Vec::new()).1;
                        continue;
                    }
                    let log = script.borrow_and_update().clone();
                    for event in log.iter().skip(script_seen) {
                        eprintln!("{event}");
                    }
                    script_seen = log.len();
                }
            }
        }
    };
    tokio::select! {
        _ = logging => eprintln!("the engine stopped"),
        _ = shutdown.wait() => eprintln!("stopping the demo"),
    }
    Ok(())
}

/// "fleet: 15 apps, 1 OutOfSync, 1 Degraded, 2 Progressing, 0 paused; 5/5 clusters connected".
pub fn status_line(snapshot: &FleetSnapshot) -> String {
    let apps = &snapshot.apps;
    let count = |test: &dyn Fn(&crate::engine::api::AppSnapshot) -> bool| {
        apps.iter().filter(|app| test(app)).count()
    };
    let out_of_sync = count(&|app| app.sync == SyncStatus::OutOfSync);
    let degraded = count(&|app| app.health == HealthStatus::Degraded);
    let progressing = count(&|app| app.health == HealthStatus::Progressing);
    let paused = count(&|app| app.automation_state == AutomationState::Paused);
    let connected = snapshot
        .clusters
        .iter()
        .filter(|cluster| matches!(cluster.connection, ConnectionState::Connected { .. }))
        .count();
    let mut line = format!(
        "fleet: {} apps, {out_of_sync} OutOfSync, {degraded} Degraded, {progressing} Progressing, {paused} paused; {connected}/{} clusters connected",
        apps.len(),
        snapshot.clusters.len()
    );
    if !snapshot.problems.is_empty() {
        line.push_str(&format!("; {} problems", snapshot.problems.len()));
    }
    line
}

/// Only what tells the story: operations ending, refusals, warnings.
fn log_event(event: &EngineEvent) {
    let approved_by_script = format!("approved by {}", super::script::APPROVER);
    match event {
        EngineEvent::OperationFinished { app, outcome } => {
            eprintln!("{app}: {:?}: {}", outcome.phase, outcome.message);
        }
        EngineEvent::Rejected { command, reason } => eprintln!("rejected {command}: {reason}"),
        // The script's approvals are already logged, as one line.
        EngineEvent::Warning { message } if message.ends_with(&approved_by_script) => {}
        EngineEvent::Warning { message } => eprintln!("warning: {message}"),
        _ => {}
    }
}
