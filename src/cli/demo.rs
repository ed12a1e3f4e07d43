//! `fleetdeck demo`: the full UI on the embedded simulated fleet.

use std::process::ExitCode;

/// The demo needs the terminal UI, which is not built yet; saying so
/// plainly beats a fake screen.
pub fn run() -> ExitCode {
    eprintln!(
        "fleetdeck demo is not built yet: it needs the terminal UI, which is still in progress\n\
         (see the feature table in README.md). What works today, on a real cluster or on\n\
         `fleetdeck sim` (the simulated fleet, for kubectl too): `apps`, `render`, `get`, `diff`,\n\
         `sync`, `history`, `rollback`, `status`, `controller`, `pause`, `approve`, `audit`."
    );
    ExitCode::from(2)
}
