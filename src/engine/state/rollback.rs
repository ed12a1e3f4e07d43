//! Rollback bookkeeping shared by every front end: which history entry a
//! rollback goes to, and what it leaves behind once its sync went through
//! (a pin at the old revision and a time-boxed pause), so the CLI and the
//! engine actor roll back the same way.

use std::time::Duration;

use k8s_openapi::jiff::Timestamp;

use super::error::StateError;
use super::history::{HistoryEntry, ResultPhase};
use super::pauses::{PauseStore, PauseStoreError};
use super::pin::RollbackPin;
use super::store::StateStore;
use crate::engine::policy::pause::{Pause, PauseRequest, PauseScope};
use crate::engine::source::short_revision;

/// How long a rollback holds automation unless configured otherwise: long
/// enough to investigate, short enough that a forgotten rollback does not
/// freeze an app for good.
pub const DEFAULT_ROLLBACK_PAUSE: Duration = Duration::from_secs(3600);

/// The entry to roll back to: the one named, else the newest successful
/// entry whose revision differs from the newest entry's (the last good
/// deployment before the current one). The error says why in words.
pub fn rollback_entry(history: &[HistoryEntry], id: Option<u64>) -> Result<HistoryEntry, String> {
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

/// What a rollback left in place.
#[derive(Debug)]
pub struct RollbackHold {
    pub pin: RollbackPin,
    /// `None` when there is no pause store or the pause is switched off.
    pub pause: Option<Pause>,
}

#[derive(Debug, thiserror::Error)]
pub enum RollbackHoldError {
    #[error("the rollback of {app} went through but its pin could not be saved: {source}")]
    Pin {
        app: String,
        #[source]
        source: StateError,
    },
    #[error("the rollback of {app} went through but its pause could not be saved: {source}")]
    Pause {
        app: String,
        #[source]
        source: PauseStoreError,
    },
}

/// Pins `app` at the entry's revision and pauses its automation for
/// `pause_for` (zero: no pause), with a reason naming the rollback.
pub fn hold_after_rollback(
    state: &StateStore,
    pauses: Option<&PauseStore>,
    app: &str,
    entry: &HistoryEntry,
    by: &str,
    pause_for: Duration,
    now: Timestamp,
) -> Result<RollbackHold, RollbackHoldError> {
    let pin = RollbackPin {
        revision: entry.revision.clone(),
        history_id: entry.id,
        pinned_at: now,
        by: by.to_string(),
    };
    state
        .set_pin(app, pin.clone())
        .map_err(|source| RollbackHoldError::Pin {
            app: app.to_string(),
            source,
        })?;
    let pause = match pauses {
        Some(store) if !pause_for.is_zero() => Some(
            store
                .add(
                    PauseRequest {
                        scope: PauseScope::App(app.to_string()),
                        reason: format!(
                            "rolled back to {} (history entry {})",
                            short_revision(&entry.revision),
                            entry.id
                        ),
                        owner: by.to_string(),
                        duration: pause_for,
                    },
                    now,
                )
                .map_err(|source| RollbackHoldError::Pause {
                    app: app.to_string(),
                    source,
                })?,
        ),
        _ => None,
    };
    Ok(RollbackHold { pin, pause })
}
