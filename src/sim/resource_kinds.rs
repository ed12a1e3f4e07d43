//! The resource kinds a simulated cluster serves: the built-in table (the kinds fleetdeck
//! deploys and inspects) plus the kinds defined by stored CustomResourceDefinitions, which
//! exist only while their CRD does, as in Kubernetes.

use std::sync::LazyLock;

use serde_json::Value;

/// One served resource (group, version, plural) and what discovery says about it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ResourceKind {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub plural: String,
    pub singular: String,
    pub namespaced: bool,
    pub short_names: Vec<String>,
    pub categories: Vec<String>,
    /// Has a `/status` subresource: writes to the main resource keep the old status.
    pub status: bool,
    /// Has a `/scale` subresource (autoscaling/v1 Scale over `spec.replicas`).
    pub scale: bool,
    /// A custom resource (no strategic merge patch, CRD-driven discovery).
    pub custom: bool,
    /// Kind of list responses (`ConfigMapList`, a CRD's `names.listKind`).
    pub list_kind: String,
}

impl ResourceKind {
    /// `v1` or `apps/v1`.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Storage identity: objects are stored once per (group, plural), whatever version
    /// they are read through.
    pub fn storage_key(&self) -> String {
        format!("{}/{}", self.group, self.plural)
    }

    pub fn is_namespace(&self) -> bool {
        self.group.is_empty() && self.plural == "namespaces"
    }

    pub fn is_crd(&self) -> bool {
        self.group == "apiextensions.k8s.io" && self.plural == "customresourcedefinitions"
    }
}

struct Builtin {
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    status: bool,
    scale: bool,
    all: bool,
}

const fn b(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
) -> Builtin {
    Builtin {
        group,
        version,
        kind,
        plural,
        namespaced,
        short_names,
        status: false,
        scale: false,
        all: false,
    }
}

const fn with_status(mut builtin: Builtin) -> Builtin {
    builtin.status = true;
    builtin
}

const fn with_scale(mut builtin: Builtin) -> Builtin {
    builtin.scale = true;
    builtin
}

const fn in_all(mut builtin: Builtin) -> Builtin {
    builtin.all = true;
    builtin
}

const BUILTINS: &[Builtin] = &[
    with_status(b("", "v1", "Namespace", "namespaces", false, &["ns"])),
    b("", "v1", "ConfigMap", "configmaps", true, &["cm"]),
    b("", "v1", "Secret", "secrets", true, &[]),
    b("", "v1", "ServiceAccount", "serviceaccounts", true, &["sa"]),
    in_all(with_status(b(
        "",
        "v1",
        "Service",
        "services",
        true,
        &["svc"],
    ))),
    b("", "v1", "Endpoints", "endpoints", true, &["ep"]),
    in_all(with_status(b("", "v1", "Pod", "pods", true, &["po"]))),
    with_status(b(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
        &["pvc"],
    )),
    b("", "v1", "Event", "events", true, &["ev"]),
    in_all(with_scale(with_status(b(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
        &["deploy"],
    )))),
    in_all(with_scale(with_status(b(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        true,
        &["rs"],
    )))),
    in_all(with_scale(with_status(b(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        true,
        &["sts"],
    )))),
    in_all(with_status(b(
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        true,
        &["ds"],
    ))),
    in_all(with_status(b("batch", "v1", "Job", "jobs", true, &[]))),
    in_all(with_status(b(
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        true,
        &["cj"],
    ))),
    with_status(b(
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        true,
        &["ing"],
    )),
    b(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        true,
        &["netpol"],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "Role",
        "roles",
        true,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
        &[],
    ),
    b(
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
        &[],
    ),
    in_all(with_status(b(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
        &["hpa"],
    ))),
    with_status(b(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        true,
        &["pdb"],
    )),
    b("coordination.k8s.io", "v1", "Lease", "leases", true, &[]),
    with_status(b(
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
        &["crd", "crds"],
    )),
];

static BUILTIN_KINDS: LazyLock<Vec<ResourceKind>> = LazyLock::new(|| {
    BUILTINS
        .iter()
        .map(|builtin| ResourceKind {
            group: builtin.group.into(),
            version: builtin.version.into(),
            kind: builtin.kind.into(),
            plural: builtin.plural.into(),
            singular: builtin.kind.to_ascii_lowercase(),
            namespaced: builtin.namespaced,
            short_names: builtin.short_names.iter().map(|s| s.to_string()).collect(),
            categories: if builtin.all {
                vec!["all".into()]
            } else {
                Vec::new()
            },
            status: builtin.status,
            scale: builtin.scale,
            custom: false,
            list_kind: format!("{}List", builtin.kind),
        })
        .collect()
});

/// The built-in kinds, in discovery order.
pub(crate) fn builtin_kinds() -> &'static [ResourceKind] {
    &BUILTIN_KINDS
}

pub(crate) fn builtin(group: &str, version: &str, plural: &str) -> Option<&'static ResourceKind> {
    BUILTIN_KINDS
        .iter()
        .find(|k| k.group == group && k.version == version && k.plural == plural)
}

/// The served kinds a CustomResourceDefinition defines (one per served version).
pub(crate) fn kinds_of_crd(crd: &Value) -> Vec<ResourceKind> {
    let spec = &crd["spec"];
    let names = &spec["names"];
    let (Some(group), Some(plural), Some(kind)) = (
        spec["group"].as_str(),
        names["plural"].as_str(),
        names["kind"].as_str(),
    ) else {
        return Vec::new();
    };
    let singular = names["singular"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| kind.to_ascii_lowercase());
    let list_kind = names["listKind"]
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{kind}List"));
    let short_names = string_list(&names["shortNames"]);
    let categories = string_list(&names["categories"]);
    let namespaced = spec["scope"].as_str() != Some("Cluster");
    spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["served"].as_bool().unwrap_or(false))
        .filter_map(|v| {
            let version = v["name"].as_str()?;
            Some(ResourceKind {
                group: group.into(),
                version: version.into(),
                kind: kind.into(),
                plural: plural.into(),
                singular: singular.clone(),
                namespaced,
                short_names: short_names.clone(),
                categories: categories.clone(),
                status: v["subresources"]["status"].is_object(),
                scale: v["subresources"]["scale"].is_object(),
                custom: true,
                list_kind: list_kind.clone(),
            })
        })
        .collect()
}

fn string_list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn builtins_are_found_by_group_version_plural() {
        let deploy = builtin("apps", "v1", "deployments").expect("deployments");
        assert_eq!(deploy.kind, "Deployment");
        assert!(deploy.scale && deploy.status && deploy.namespaced);
        assert!(builtin("apps", "v1beta1", "deployments").is_none());
        assert!(!builtin("", "v1", "namespaces").expect("ns").namespaced);
    }

    #[test]
    fn crd_defines_only_served_versions() {
        let crd = json!({"spec": {"group": "example.com", "scope": "Namespaced",
        "names": {"plural": "widgets", "kind": "Widget", "shortNames": ["wd"]},
        "versions": [
            {"name": "v1", "served": true, "storage": true, "subresources": {"status": {}}},
            {"name": "v0", "served": false, "storage": false}
        ]}});
        let kinds = kinds_of_crd(&crd);
        assert_eq!(kinds.len(), 1);
        assert_eq!(kinds[0].singular, "widget");
        assert_eq!(kinds[0].list_kind, "WidgetList");
        assert!(kinds[0].status && !kinds[0].scale && kinds[0].custom);
    }
}
