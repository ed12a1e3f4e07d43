//! Resource health, assessed exactly as Argo CD does it, and the
//! application health aggregated from it.
//!
//! Every check reads an untyped live object (`serde_json::Value`, as the live
//! cache stores every kind) and is pure: no I/O, and no allocation beyond the
//! message. One file per kind; the rules come from gitops-engine's built-in
//! checks (Deployment, StatefulSet, DaemonSet, ReplicaSet, Pod, Service,
//! Ingress, PVC, Job, HPA, APIService, Argo Workflow) and from the health
//! scripts Argo CD ships for other kinds (CronJob, PodDisruptionBudget,
//! CustomResourceDefinition, Argo Rollouts, ApplicationSet, cert-manager,
//! Sealed Secrets, External Secrets, KEDA, Flux, Gateway API, Prometheus).
//! `../shared/conformance/health/` holds Argo's own fixtures and expected
//! results; the integration test `health` runs all of them.
//!
//! - [`assess`]: one object's health, or `None` for kinds without a check.
//! - [`app_health`] / [`resource_health`]: the application's health and each
//!   resource's row in its tree.

mod api_service;
mod argo_analysis_run;
mod argo_application_set;
mod argo_rollout;
mod argo_workflow;
mod cert_manager_certificate;
mod cert_manager_issuer;
mod cron_job;
mod custom_resource_definition;
mod daemon_set;
mod deployment;
mod external_secret;
mod fields;
mod flux_conditions;
mod flux_helm_release;
mod flux_kustomization;
mod gateway;
mod horizontal_pod_autoscaler;
mod http_route;
mod ingress;
mod job;
mod keda_scaled_object;
mod persistent_volume_claim;
mod pod;
mod pod_disruption_budget;
mod prometheus;
mod ready_condition;
mod replica_set;
mod sealed_secret;
mod secret_store;
mod service;
mod stateful_set;

pub mod aggregate;
pub mod assessment;
pub mod dispatch;
pub mod hook;
pub mod status;

pub use aggregate::{
    AppIdentity, IGNORE_HEALTHCHECK_ANNOTATION, ManagedResource, app_health, resource_health,
};
pub use assessment::Health;
pub use dispatch::{HealthCheck, PENDING_DELETION, assess, has_health_check, health_check};
pub use horizontal_pod_autoscaler::CONDITIONS_ANNOTATION as HPA_CONDITIONS_ANNOTATION;
pub use pod::IGNORE_RESTART_POLICY_ANNOTATION;
pub use status::{HealthStatus, UnknownHealthStatus};
