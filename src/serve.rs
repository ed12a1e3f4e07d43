//! The controller's HTTP face: Prometheus metrics (`/metrics`), Git push
//! webhooks (`/api/webhook`) and a liveness answer (`/healthz`), on one
//! listener.
//!
//! Everything here is a client of the engine like the TUI is: it reads the
//! published [`crate::engine::api::FleetSnapshot`] and events and sends
//! [`crate::engine::api::Command`]s, and imports nothing else of the engine
//! (tests/integration/architecture.rs holds it to that), so the engine's
//! internals can change under it.

pub mod metrics;
mod server;
pub mod webhook;

pub use server::{ServeError, Served, command_sender, serve};
