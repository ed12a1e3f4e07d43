//! `fleetdeck rollback <app> [ID]`: sync the revision of an earlier
//! history entry and pin the app there, so that nothing automated undoes
//! the rollback until an operator syncs to the target revision again.

use std::process::ExitCode;

use color_eyre::eyre::{bail, eyre};
use k8s_openapi::jiff::Timestamp;

use super::app_target::load_target;
use super::engine_config::check_role;
use super::settings::Settings;
use super::sync::{SyncArgs, audit_outcome, open_state, record, sync_target};
use crate::engine::policy::roles::OperatorAction;
use crate::engine::source::short_revision;
use crate::engine::state::{PauseStore, ResultPhase, hold_after_rollback, rollback_entry};

use super::engine_config::rollback_pause;

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
    let entry = rollback_entry(&history, id)
        .map_err(|reason| eyre!("cannot roll back {app_name}: {reason}"))?;
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
    check_role(settings, OperatorAction::Rollback, &target.role_target())?;
    let args = SyncArgs {
        prune,
        ..SyncArgs::default()
    };
    let outcome = sync_target(settings, &target, &args, None).await?;
    record(settings, &store, &target, &outcome, false)?;
    audit_outcome(settings, "rollback", &outcome)?;
    if outcome.phase != crate::engine::sync::OperationPhase::Error {
        let pauses = PauseStore::open(settings.paths.app_state_dir())?;
        let hold = hold_after_rollback(
            &store,
            Some(&pauses),
            app_name,
            &entry,
            &settings.operator_name(),
            rollback_pause(settings)?,
            Timestamp::now(),
        )?;
        eprintln!(
            "{app_name} is pinned at {}: `fleetdeck sync {app_name}` returns it to its targetRevision",
            short_revision(&hold.pin.revision)
        );
        if let Some(pause) = hold.pause {
            eprintln!(
                "its automation is paused ({}): {}",
                pause.id,
                pause.describe(Timestamp::now())
            );
        }
    }
    Ok(if outcome.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
