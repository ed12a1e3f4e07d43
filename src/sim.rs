//! Embedded simulated fleet: every simulated cluster is a Kubernetes API server on
//! 127.0.0.1 speaking the real REST protocol (discovery, CRUD, list/watch with
//! resourceVersion, merge / JSON / strategic-merge / server-side-apply patches, delete
//! with propagation and garbage collection, status and scale subresources, `metav1.Status`
//! error bodies, bearer-token auth).
//!
//! fleetdeck and kubectl reach it only through HTTPS and the kubeconfig it writes, so
//! the engine exercises exactly the kube-rs code path it uses for real clusters. It is a
//! demo and test harness, never a substitute for Kubernetes.
//!
//! Entry point: [`Fleet::start`] with a [`FleetSpec`] (for example [`FleetSpec::demo`]);
//! stop it with [`Fleet::shutdown`]. Example: start, hand `fleet.kubeconfig_path()` to
//! kube-rs (`Kubeconfig::read_from` + `Config::from_custom_kubeconfig`) or to
//! `kubectl --kubeconfig`, and call `fleet.shutdown().await` at the end.
//!
//! Where the simulator knowingly differs from a real API server:
//! - TLS with a CA generated per run (kubectl never sends tokens over plain HTTP);
//!   HTTP/1.1 only; JSON and YAML bodies only (protobuf requests get 415, so the
//!   generator forms `kubectl create namespace|configmap ...` do not work; `kubectl
//!   create -f` does).
//! - Garbage collection, namespace and CRD cleanup run synchronously inside the
//!   deleting request, not in a background controller.
//! - A continue token pins the first page's resourceVersion but later pages show the
//!   current state (a watch started from the list replays, never misses, changes).
//! - Custom resources are stored once for all served versions (no conversion), with no
//!   schema validation or pruning; their lists are atomic for apply and patches, and
//!   their `/scale` uses `spec.replicas` / `status.replicas`.
//! - Keyed lists for strategic merge and apply use one key each (containers, volumes,
//!   env by name; container ports by containerPort, service ports by port;
//!   volumeMounts by mountPath; conditions by type).
//! - Controllers ([`FleetSpec::controllers`], on in [`FleetSpec::demo`]) cover
//!   Deployment → ReplicaSet → Pod, StatefulSet (ordered Pods, claims from
//!   volumeClaimTemplates, partitioned rolling updates), DaemonSet (a Pod per simulated
//!   node, [`ClusterSpec::nodes`]; no Node objects are served), CronJob → Job (schedules
//!   run on a simulated wall clock), the kubelet's pod status with failure images
//!   (`:broken`, `:missing`), Jobs (batch Pods of a healthy image succeed after a
//!   delay), Service and Ingress addresses, PVC binding (no PersistentVolume objects)
//!   and Namespace phase. No ControllerRevision objects are kept (revisions are
//!   template hashes). A Service gets its clusterIP on the controllers' next pass, not
//!   in the create response; workloads count Ready Pods as available (no
//!   minReadySeconds).
//!
//! Faults are injected per cluster from Rust through [`SimCluster::faults`] (latency,
//! an error rate: 500, or 429 with Retry-After; dropping open watches) and
//! [`SimCluster::go_down`] / [`SimCluster::come_up`] (connections refused, then served
//! again on the same port with the same objects), or over HTTP with the admin token:
//! `GET|POST|DELETE /sim/faults` and `POST /sim/down?seconds=N` on each cluster's
//! server (see `admin`), so `fleetdeck sim` can be disturbed from another terminal.
//!
//! [`FleetSpec::state_file`] keeps a fleet across runs: the objects are loaded from a
//! versioned JSON file at start and saved to it atomically at shutdown (see
//! `state_file`).

mod admin;
mod apply;
mod auth;
mod controllers;
mod defaults;
mod delete;
mod discovery;
mod error;
mod faults;
mod fleet;
mod garbage_collector;
mod instance;
mod kubeconfig;
mod managed_fields;
mod merge_keys;
mod meta;
mod openapi;
mod outage;
mod patch;
mod read;
mod resource_kinds;
mod route;
mod scale;
mod selectors;
mod server;
mod state_file;
mod status_error;
mod store;
mod table;
mod tls;
mod validation;
mod watch;
mod write;
mod write_count;

pub use controllers::SimSpeed;
pub use error::{SimError, StateObjectError};
pub use faults::{FaultError, Faults};
pub use fleet::{ClusterSpec, DEFAULT_NODES, DEFAULT_WATCH_HISTORY, Fleet, FleetSpec, SimCluster};
pub use kubeconfig::LABELS_EXTENSION;
pub use write_count::WriteCounts;
