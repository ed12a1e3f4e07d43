//! `fleetdeck rollback <app> [ID]`: sync the revision of an earlier
//! history entry and pin the app there, so that nothing automated undoes
//! the rollback until an operator syncs to the target revision again.

use std::process::ExitCode;

use color_eyre::eyre::{bail, eyre};
use k8s_openapi::jiff::Timestamp;

use super::app_target::load_target;
use super::settings::Settings;
use super::sync::{SyncArgs, audit_outcome, open_state, record, sync_target};
use crate::engine::source::short_revision;
use crate::engine::state::{HistoryEntry, ResultPhase, RollbackPin};

pub async fn run(
    settings: &Settings,
    app_name: &str,
    id: Option<u64>,
    prune: bool,
) -> color_eyre::Result<ExitCode> {
    if settings.readonly {
        bail!("read-only mode: rollback is not allowed");
    }
    let store = open_state(settings)?;
    let history = store.history(app_name)?;
    let entry =
        choose(&history, id).map_err(|reason| eyre!("cannot roll back {app_name}: {reason}"))?;
    if entry.result.phase != ResultPhase::Succeeded {
        eprintln!(
            "warning: history entry {} did not succeed ({}: {})",
            entry.id, entry.result.phase, entry.result.message
        );
    }
    eprintln!(
        "rolling {app_name} back to {} (history entry {}, deployed {} by {})",
        short_revision(&entry.revision),
        entry.id,
        entry.deployed_at,
        entry.initiated_by
    );
    let target = load_target(settings, app_name, Some(&entry.revision)).await?;
    let args = SyncArgs {
        prune,
        ..SyncArgs::default()
    };
    let outcome = sync_target(settings, &target, &args, None).await?;
    record(settings, &store, &target, &outcome, false)?;
    audit_outcome(settings, "rollback", &outcome)?;
    if outcome.phase != crate::engine::sync::OperationPhase::Error {
        store.set_pin(
            app_name,
            RollbackPin {
                revision: entry.revision.clone(),
                history_id: entry.id,
                pinned_at: Timestamp::now(),
                by: settings.operator_name(),
            },
        )?;
        eprintln!(
            "{app_name} is pinned at {}: `fleetdeck sync {app_name}` returns it to its targetRevision",
            short_revision(&entry.revision)
        );
    }
    Ok(if outcome.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The entry to roll back to: the one named, else the newest successful
/// entry whose revision differs from the newest entry's (the last good
/// deployment before the current one).
fn choose(history: &[HistoryEntry], id: Option<u64>) -> Result<HistoryEntry, String> {
    if let Some(id) = id {
        let known: Vec<String> = history.iter().map(|entry| entry.id.to_string()).collect();
        return history
            .iter()
            .find(|entry| entry.id == id)
            .cloned()
            .ok_or_else(|| format!("no history entry {id} (kept: {})", known.join(", ")));
    }
    let current = history
        .last()
        .ok_or("no syncs recorded on this machine yet (see `fleetdeck history`)")?;
    history
        .iter()
        .rev()
        .find(|entry| {
            entry.revision != current.revision && entry.result.phase == ResultPhase::Succeeded
        })
        .cloned()
        .ok_or_else(|| "no earlier successful revision in the history".to_string())
}
