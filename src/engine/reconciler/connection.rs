//! A cluster's [`ConnectionState`] for the snapshot, from what its live
//! cache last concluded, keeping `since` while the state holds.

use crate::engine::api::ConnectionState;

/// The connection state a cache state means (`Ok(version)` when it is
/// ready, `Err(error)` when the cluster is unreachable), keeping `since`
/// when the state did not change.
pub fn connection_state(
    probe: &Result<String, String>,
    previous: &ConnectionState,
    now: &str,
) -> ConnectionState {
    match (probe, previous) {
        (
            Ok(version),
            ConnectionState::Connected {
                version: old,
                since,
            },
        ) if version == old => ConnectionState::Connected {
            version: version.clone(),
            since: since.clone(),
        },
        (Ok(version), _) => ConnectionState::Connected {
            version: version.clone(),
            since: now.to_string(),
        },
        (Err(error), ConnectionState::Unreachable { since, .. }) => ConnectionState::Unreachable {
            error: error.clone(),
            since: since.clone(),
        },
        (Err(error), _) => ConnectionState::Unreachable {
            error: error.clone(),
            since: now.to_string(),
        },
    }
}
