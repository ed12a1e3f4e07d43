//! Cluster access: one kube-rs client per kubeconfig context, with the
//! discipline a fleet tool needs when it talks to many API servers at once.
//!
//! - [`ClusterClient`]: a context's client plus a per-cluster request budget
//!   ([`RequestBudget`], QPS and burst) so a fleet-wide sync never floods one
//!   API server, and a timeout on every call so one hung cluster cannot stall
//!   the rest of the fleet. It is also where read-only is enforced: a
//!   read-only client refuses every write but a server-side dry run.
//! - [`DiscoveryCache`]: group/kind → resource (plural, scope, verbs), asked
//!   once and refreshed on a miss (a CRD applied a moment ago, a CR next).
//! - [`ClusterRegistry`]: the fleet's clusters (kubeconfig contexts) and
//!   which one an Application's destination names.
//! - [`LiveObjects`]: a one-shot listing of every listable kind, indexed by
//!   tracking id and owner, for the CLI's compare and for syncs; owned
//!   objects are seen through their [`OwnedObject`] summaries.
//! - [`LiveCache`]: the reconciler's watch-fed picture of one cluster, which
//!   marks the apps an event touches in [`DirtyApps`] and hands out an
//!   app's [`LiveObjects`] without an API call.
//!
//! Objects cross this layer untyped (`serde_json::Value`), as everywhere in
//! the engine: fleetdeck handles every kind, custom resources included.

mod budget;
mod client;
mod connect;
mod discovery_cache;
mod error;
mod in_cluster;
mod live_cache;
mod live_objects;
mod owned_object;
mod registry;

pub use budget::RequestBudget;
pub use client::{ApplyOptions, ClusterClient, DeletePropagation};
pub use connect::{ClusterSettings, connect, connect_or_unreachable, read_kubeconfig};
pub use discovery_cache::{DiscoveryCache, ResourceInfo};
pub use error::ClusterError;
pub use in_cluster::{IN_CLUSTER_CONTEXT, InCluster, SERVICE_ACCOUNT_DIR};
pub use live_cache::{CacheState, DirtyApps, DirtyMarks, LiveCache};
pub use live_objects::LiveObjects;
pub use owned_object::OwnedObject;
pub use registry::{
    ClusterChoice, ClusterEntry, ClusterRegistry, DestinationError, IN_CLUSTER_SERVER,
    RegistryError,
};
