//! The GitOps engine: from Git sources to desired objects, and (in later
//! layers) diff, health, sync and policy against live clusters.
//!
//! Nothing under `engine` knows about terminals, command lines or the
//! simulated fleet; it speaks typed errors and plain data so every front end
//! can use it.

pub mod api;
pub mod appset;
pub mod cluster;
pub mod conventions;
pub mod diff;
pub mod error_chain;
pub mod health;
pub mod manifest;
pub mod model;
pub mod operations;
pub mod parallel;
pub mod policy;
pub mod reconciler;
pub mod render;
pub mod safe_text;
pub mod schedule;
pub mod selector;
pub mod source;
pub mod state;
pub mod status;
pub mod sync;
pub mod yaml;
