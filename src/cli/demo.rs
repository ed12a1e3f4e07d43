//! `fleetdeck demo`: the full UI on the embedded simulated fleet.

use std::process::ExitCode;

/// The demo needs the simulated fleet and the terminal UI, neither of which is
/// finished; saying so plainly beats a fake screen.
pub fn run() -> ExitCode {
    eprintln!(
        "fleetdeck demo is not built yet: it needs the simulated fleet and the terminal UI,\n\
         which are still in progress (see the feature table in README.md).\n\
         What works today: `fleetdeck apps --repo <path|url>` and `fleetdeck render <app> --repo <path|url>`."
    );
    ExitCode::from(2)
}
