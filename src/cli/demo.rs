//! `fleetdeck demo`: the full UI on the embedded simulated fleet.

use std::process::ExitCode;

/// The demo needs the terminal UI and the engine's live sync, neither of
/// which is finished; saying so plainly beats a fake screen.
pub fn run() -> ExitCode {
    eprintln!(
        "fleetdeck demo is not built yet: it needs the terminal UI and the engine's live sync,\n\
         which are still in progress (see the feature table in README.md).\n\
         What works today: `fleetdeck apps --repo <path|url>`, `fleetdeck render <app> --repo <path|url>`,\n\
         and `fleetdeck sim` (the simulated fleet, for kubectl)."
    );
    ExitCode::from(2)
}
