//! fleetdeck: a terminal UI for Kubernetes fleet operations with an embedded
//! GitOps reconciliation engine.
//!
//! The crate is a library plus a thin binary so that the engine, the simulated
//! fleet and the CLI can be exercised by tests and benchmarks without a terminal.
//! See `ARCHITECTURE.md` for who may import whom: `engine` knows nothing of
//! terminals, `tui` reaches the engine only through `engine::api`, and only
//! `cli` / `main.rs` read the environment or pick paths.

pub mod cli;
pub mod config;
pub mod engine;
pub mod serve;
pub mod sim;
#[cfg(feature = "tui")]
pub mod tui;
