//! Argo CD's names for the cluster the controller runs in (the hub): the
//! server URL Applications use to target it and the name it has when the
//! user gave it none. Cluster resolution, the clusters generator and
//! project rules must agree on both.

/// The server URL that means "the cluster the controller runs in".
pub const IN_CLUSTER_SERVER: &str = "https://kubernetes.default.svc";

/// Argo CD's name for the cluster it runs in.
pub const IN_CLUSTER_NAME: &str = "in-cluster";
