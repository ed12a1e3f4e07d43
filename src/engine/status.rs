//! An Application's status against a cluster: how it compares (sync
//! status, per-resource diffs), how healthy it is, and its resource tree
//! (app → resources → owned ReplicaSets, Pods, Jobs...).
//!
//! [`app_status`] is pure (a rendered app and a [`LiveObjects`] picture in,
//! plain data out), so the CLI, the reconciler and the benchmarks share it;
//! [`observe_app`] takes the picture from a cluster first.

mod app_status;
mod resource_tree;

pub use app_status::{AppStatus, app_status, observe_app};
pub use resource_tree::{ResourceNode, resource_tree};

#[allow(unused_imports)] // Named in the docs above.
use crate::engine::cluster::LiveObjects;
