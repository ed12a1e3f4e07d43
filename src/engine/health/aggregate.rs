//! Application health: the worst health among the resources it manages,
//! with Argo CD's exceptions (argo-cd `controller/health.go`).
//!
//! - Hooks (and `argocd.argoproj.io/hook: Skip` resources) are left out:
//!   they are run by syncs, not kept healthy.
//! - A live object annotated `argocd.argoproj.io/ignore-healthcheck: "true"`
//!   is left out.
//! - Kinds without a health check are left out (no health, not Unknown).
//! - A resource in Git but not in the cluster is `Missing` in the resource
//!   tree, but does not lower the app's health by itself: OutOfSync already
//!   says so. Only when *none* of the app's resources exist is the app
//!   `Missing`.
//! - A child Argo CD `Application` that is Missing or Unknown does not affect
//!   its parent, and an app that manages its own `Application` object does
//!   not judge itself.
//! - Otherwise the app takes the worst status in Argo's order
//!   (`Healthy < Suspended < Progressing < Missing < Degraded < Unknown`).

use serde_json::Value;

use super::assessment::Health;
use super::dispatch::assess;
use super::fields::{TypeMeta, annotation, str_or_empty};
use super::hook::{is_hook, is_skipped};
use super::status::HealthStatus;

pub use crate::engine::conventions::annotations::IGNORE_HEALTHCHECK_ANNOTATION;

/// One resource an application manages: what Git wants and what the cluster
/// has; either side may be absent.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ManagedResource<'a> {
    pub desired: Option<&'a Value>,
    pub live: Option<&'a Value>,
}

impl<'a> ManagedResource<'a> {
    pub fn new(desired: Option<&'a Value>, live: Option<&'a Value>) -> Self {
        ManagedResource { desired, live }
    }

    /// Whether the resource is a hook (or marked `Skip`), which never counts.
    fn is_hook_or_skipped(&self) -> bool {
        self.desired
            .is_some_and(|desired| is_hook(desired) || is_skipped(desired))
            || self
                .live
                .is_some_and(|live| is_hook(live) || is_skipped(live))
    }

    fn type_meta(&self) -> TypeMeta<'a> {
        self.live.or(self.desired).map_or(
            TypeMeta {
                group: "",
                version: "",
                kind: "",
            },
            TypeMeta::of,
        )
    }
}

/// The application whose health is being computed (its `Application`
/// object's namespace and name), so a self-managing app skips itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppIdentity<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
}

/// The health shown for one resource in the app's resource tree: `None` for
/// hooks and kinds without a health check, `Missing` when it is not live.
pub fn resource_health(resource: &ManagedResource<'_>) -> Option<Health> {
    if resource.is_hook_or_skipped() {
        return None;
    }
    match resource.live {
        None => Some(Health::missing("")),
        Some(live) => assess(live),
    }
}

/// The application's health from its managed resources (see the module docs
/// for the rules).
pub fn app_health<'a>(
    resources: impl IntoIterator<Item = ManagedResource<'a>>,
    app: Option<AppIdentity<'_>>,
) -> HealthStatus {
    let mut status = HealthStatus::Healthy;
    let mut has_resources = false;
    let mut has_live_resources = false;
    for resource in resources {
        if resource.is_hook_or_skipped() {
            continue;
        }
        has_resources = true;
        let Some(live) = resource.live else {
            // Missing resources are reported per resource, not for the app.
            continue;
        };
        has_live_resources = true;
        if annotation(live, IGNORE_HEALTHCHECK_ANNOTATION) == Some("true") {
            continue;
        }
        let gvk = resource.type_meta();
        let is_application = gvk.group == "argoproj.io" && gvk.kind == "Application";
        if is_application && app.is_some_and(|app| is_same_app(live, app)) {
            continue;
        }
        let Some(health) = assess(live) else {
            continue;
        };
        if is_application && matches!(health.status, HealthStatus::Missing | HealthStatus::Unknown)
        {
            continue;
        }
        status = status.worst(health.status);
    }
    if has_resources && !has_live_resources {
        status = status.worst(HealthStatus::Missing);
    }
    status
}

fn is_same_app(live: &Value, app: AppIdentity<'_>) -> bool {
    str_or_empty(live, &["metadata", "name"]) == app.name
        && str_or_empty(live, &["metadata", "namespace"]) == app.namespace
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::health::hook::HOOK_ANNOTATION;
    use serde_json::json;

    fn pod(phase: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": phase},
               "spec": {"restartPolicy": "Always"}, "status": {"phase": phase}})
    }

    fn service() -> Value {
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}, "spec": {"type": "ClusterIP"}})
    }

    fn live(object: &Value) -> ManagedResource<'_> {
        ManagedResource::new(Some(object), Some(object))
    }

    fn absent(object: &Value) -> ManagedResource<'_> {
        ManagedResource::new(Some(object), None)
    }

    #[test]
    fn app_takes_the_worst_resource_status() {
        let healthy = service();
        let pending = pod("Pending");
        let failed = pod("Failed");
        let unknown = pod("Weird");
        assert_eq!(app_health([live(&healthy)], None), HealthStatus::Healthy);
        assert_eq!(
            app_health([live(&healthy), live(&pending)], None),
            HealthStatus::Progressing
        );
        assert_eq!(
            app_health([live(&pending), live(&failed), live(&healthy)], None),
            HealthStatus::Degraded
        );
        assert_eq!(
            app_health([live(&failed), live(&unknown)], None),
            HealthStatus::Unknown
        );
    }

    #[test]
    fn an_empty_app_is_healthy() {
        assert_eq!(app_health([], None), HealthStatus::Healthy);
    }

    #[test]
    fn missing_resources_show_but_only_an_all_missing_app_is_missing() {
        let healthy = service();
        let gone = pod("Running");
        assert_eq!(resource_health(&absent(&gone)), Some(Health::missing("")));
        assert_eq!(
            app_health([live(&healthy), absent(&gone)], None),
            HealthStatus::Healthy
        );
        assert_eq!(
            app_health([absent(&gone), absent(&healthy)], None),
            HealthStatus::Missing
        );
        // Missing ranks below Degraded: a degraded app with missing parts stays Degraded.
        let failed = pod("Failed");
        assert_eq!(
            app_health([live(&failed), absent(&gone)], None),
            HealthStatus::Degraded
        );
    }

    #[test]
    fn hooks_ignored_and_healthless_resources_do_not_count() {
        let mut hook = pod("Failed");
        hook["metadata"]["annotations"] = json!({HOOK_ANNOTATION: "PreSync"});
        let mut ignored = pod("Failed");
        ignored["metadata"]["annotations"] = json!({IGNORE_HEALTHCHECK_ANNOTATION: "true"});
        let config_map =
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}});
        let healthy = service();
        assert_eq!(resource_health(&live(&hook)), None);
        assert_eq!(resource_health(&live(&config_map)), None);
        assert_eq!(
            app_health(
                [
                    live(&hook),
                    live(&ignored),
                    live(&config_map),
                    live(&healthy)
                ],
                None
            ),
            HealthStatus::Healthy
        );
        // Only hooks: nothing counts, so the app is not Missing either.
        assert_eq!(app_health([absent(&hook)], None), HealthStatus::Healthy);
    }

    #[test]
    fn unknown_child_applications_and_self_are_skipped() {
        // Applications have no built-in check; a deleting one is Progressing.
        let child = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "child", "namespace": "argocd", "deletionTimestamp": "2024-01-01T00:00:00Z"}});
        assert_eq!(app_health([live(&child)], None), HealthStatus::Progressing);
        let me = AppIdentity {
            namespace: "argocd",
            name: "child",
        };
        assert_eq!(app_health([live(&child)], Some(me)), HealthStatus::Healthy);
    }
}
