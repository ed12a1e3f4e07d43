//! The output order: kustomize's legacy order (its default), or the order
//! resources were read in (`sortOptions.order: fifo`).
//!
//! Legacy order sorts by a kind rank (namespaces and CRDs first, webhooks
//! last, everything else in between), then by `group_version_kind` text
//! (`~G` for the core group, so named groups come first), then by
//! `namespace|name`.

use super::kustomization::SortOptions;
use super::namespace::is_cluster_scoped;
use super::resource::Resource;

/// Kinds output first, in this order.
pub const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];

/// Kinds output last, in this order.
pub const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Sorts `resources` as `options` (default: legacy) ask.
pub fn sort(resources: &mut [Resource], options: Option<&SortOptions>) -> Result<(), String> {
    let (first, last): (Vec<&str>, Vec<&str>) = match options {
        None => (ORDER_FIRST.to_vec(), ORDER_LAST.to_vec()),
        Some(options) => match options.order.as_str() {
            "fifo" => {
                if options.legacy_sort_options.is_some() {
                    return Err("legacySortOptions needs order: legacy".to_string());
                }
                return Ok(());
            }
            "legacy" => match &options.legacy_sort_options {
                Some(custom) => (
                    custom.order_first.iter().map(String::as_str).collect(),
                    custom.order_last.iter().map(String::as_str).collect(),
                ),
                None => (ORDER_FIRST.to_vec(), ORDER_LAST.to_vec()),
            },
            other => return Err(format!("unknown order '{other}' (expected legacy or fifo)")),
        },
    };
    let rank = |kind: &str| -> i64 {
        if let Some(at) = first.iter().position(|k| *k == kind) {
            return at as i64 - first.len() as i64;
        }
        if let Some(at) = last.iter().position(|k| *k == kind) {
            return at as i64 + 1;
        }
        0
    };
    resources.sort_by_cached_key(|resource| {
        (rank(resource.kind()), gvk_text(resource), id_text(resource))
    });
    Ok(())
}

fn gvk_text(resource: &Resource) -> String {
    let or = |text: &str, missing: &str| {
        if text.is_empty() {
            missing.to_string()
        } else {
            text.to_string()
        }
    };
    format!(
        "{}_{}_{}",
        or(resource.group(), "~G"),
        or(resource.version(), "~V"),
        or(resource.kind(), "~K")
    )
}

fn id_text(resource: &Resource) -> String {
    let namespace = if is_cluster_scoped(resource.kind()) {
        ""
    } else {
        resource.namespace()
    };
    format!("{namespace}|{}", resource.name())
}
