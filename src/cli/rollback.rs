//! `fleetdeck rollback <app> [ID]`: sync the revision of an earlier
//! history entry and pin the app there, so that nothing automated undoes
//! the rollback until an operator syncs to the target revision again.
//! The operations layer does the sync, the pin and the pause.

use std::process::ExitCode;

use color_eyre::eyre::{bail, eyre};
use k8s_openapi::jiff::Timestamp;

use super::app_target::load_target;
use super::settings::Settings;
use super::sync::{SyncArgs, exit_code, operations, sync_target};
use crate::engine::operations::OperationKind;
use crate::engine::source::short_revision;
use crate::engine::state::{ResultPhase, rollback_entry};

pub async fn run(
    settings: &Settings,
    app_name: &str,
    id: Option<u64>,
    prune: bool,
) -> color_eyre::Result<ExitCode> {
    if settings.readonly {
        bail!("read-only mode: rollback is not allowed");
    }
    let operations = operations(settings)?;
    let store = operations
        .state()
        .ok_or_else(|| eyre!("no state directory: there is no history"))?;
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
    let args = SyncArgs {
        prune,
        ..SyncArgs::default()
    };
    let report = sync_target(
        settings,
        &operations,
        &target,
        &args,
        None,
        OperationKind::Rollback(Box::new(entry)),
    )
    .await?;
    if let Some(hold) = &report.hold {
        eprintln!(
            "{app_name} is pinned at {}: `fleetdeck sync {app_name}` returns it to its targetRevision",
            short_revision(&hold.pin.revision)
        );
        if let Some(pause) = &hold.pause {
            eprintln!(
                "its automation is paused ({}): {}",
                pause.id,
                pause.describe(Timestamp::now())
            );
        }
    }
    Ok(exit_code(&report))
}
