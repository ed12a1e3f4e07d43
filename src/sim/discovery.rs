//! Discovery documents: `/version`, `/api` (APIVersions), `/apis` (APIGroupList),
//! `/apis/{group}` (APIGroup) and `/api/v1`, `/apis/{group}/{version}` (APIResourceList
//! with verbs, short names, categories and the status / scale subresources), built from
//! the served kinds so custom resources appear and disappear with their CRD. `/api` and
//! `/apis` also answer aggregated discovery (`apidiscovery.k8s.io/v2`
//! APIGroupDiscoveryList) when the Accept header asks for it, as kubectl and kube-rs's
//! `Discovery::run_aggregated` do: two requests instead of one per group version.

use std::net::SocketAddr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIGroupList, APIResource, APIResourceList, APIVersions, GroupVersionForDiscovery,
    ServerAddressByClientCIDR,
};
use serde_json::{Value, json};

use super::resource_kinds::ResourceKind;

/// The Kubernetes version the simulator claims (the protocol it follows).
pub(crate) const MAJOR: &str = "1";
pub(crate) const MINOR: &str = "32";

pub(crate) fn version() -> Value {
    json!({
        "major": MAJOR,
        "minor": MINOR,
        "gitVersion": format!("v{MAJOR}.{MINOR}.0-fleetdeck-sim"),
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.23.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

fn to_value<T: serde::Serialize>(doc: &T) -> Value {
    serde_json::to_value(doc).unwrap_or(Value::Null)
}

pub(crate) fn core_versions(address: SocketAddr) -> Value {
    to_value(&APIVersions {
        versions: vec!["v1".into()],
        server_address_by_client_cidrs: vec![ServerAddressByClientCIDR {
            client_cidr: "0.0.0.0/0".into(),
            server_address: address.to_string(),
        }],
    })
}

/// Named groups (not the core group) with their versions, in first-seen order.
fn group_docs(kinds: &[ResourceKind]) -> Vec<APIGroup> {
    let mut groups: Vec<APIGroup> = Vec::new();
    for kind in kinds.iter().filter(|k| !k.group.is_empty()) {
        let version = GroupVersionForDiscovery {
            group_version: kind.api_version(),
            version: kind.version.clone(),
        };
        match groups.iter_mut().find(|g| g.name == kind.group) {
            Some(group) => {
                if !group.versions.contains(&version) {
                    group.versions.push(version);
                }
            }
            None => groups.push(APIGroup {
                name: kind.group.clone(),
                preferred_version: Some(version.clone()),
                server_address_by_client_cidrs: None,
                versions: vec![version],
            }),
        }
    }
    groups
}

pub(crate) fn groups(kinds: &[ResourceKind]) -> Value {
    to_value(&APIGroupList {
        groups: group_docs(kinds),
    })
}

pub(crate) fn group(kinds: &[ResourceKind], name: &str) -> Option<Value> {
    group_docs(kinds)
        .into_iter()
        .find(|g| g.name == name)
        .map(|g| to_value(&g))
}

const VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn non_empty(items: &[String]) -> Option<Vec<String>> {
    (!items.is_empty()).then(|| items.to_vec())
}

/// The APIResourceList of one group version, or `None` if it is not served.
pub(crate) fn resource_list(kinds: &[ResourceKind], group: &str, version: &str) -> Option<Value> {
    let served: Vec<&ResourceKind> = kinds
        .iter()
        .filter(|k| k.group == group && k.version == version)
        .collect();
    if served.is_empty() {
        return None;
    }
    let mut resources = Vec::new();
    for kind in served {
        resources.push(APIResource {
            categories: non_empty(&kind.categories),
            group: None,
            kind: kind.kind.clone(),
            name: kind.plural.clone(),
            namespaced: kind.namespaced,
            short_names: non_empty(&kind.short_names),
            singular_name: kind.singular.clone(),
            storage_version_hash: None,
            verbs: strings(VERBS),
            version: None,
        });
        let subresource =
            |name: &str, sub_kind: &str, group: Option<&str>, version: Option<&str>| APIResource {
                categories: None,
                group: group.map(str::to_string),
                kind: sub_kind.to_string(),
                name: format!("{}/{name}", kind.plural),
                namespaced: kind.namespaced,
                short_names: None,
                singular_name: String::new(),
                storage_version_hash: None,
                verbs: strings(&["get", "patch", "update"]),
                version: version.map(str::to_string),
            };
        if kind.status {
            resources.push(subresource("status", &kind.kind, None, None));
        }
        if kind.scale {
            resources.push(subresource(
                "scale",
                "Scale",
                Some("autoscaling"),
                Some("v1"),
            ));
        }
        if kind.is_namespace() {
            resources.push(APIResource {
                verbs: strings(&["update"]),
                ..subresource("finalize", "Namespace", None, None)
            });
        }
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    Some(to_value(&APIResourceList {
        group_version,
        resources,
    }))
}

/// Content type of an aggregated discovery answer.
pub(crate) const AGGREGATED_CONTENT_TYPE: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// Whether an Accept header lists aggregated discovery v2 (before plain JSON or not).
pub(crate) fn wants_aggregated(accept: &str) -> bool {
    accept.split(',').any(|media| {
        let params: Vec<&str> = media.split(';').map(str::trim).collect();
        params.contains(&"as=APIGroupDiscoveryList")
            && params.contains(&"g=apidiscovery.k8s.io")
            && params.contains(&"v=v2")
    })
}

fn gvk(group: &str, version: &str, kind: &str) -> Value {
    json!({"group": group, "version": version, "kind": kind})
}

fn resource_discovery(kind: &ResourceKind) -> Value {
    let mut subresources = Vec::new();
    if kind.status {
        subresources.push(json!({"subresource": "status",
            "responseKind": gvk(&kind.group, &kind.version, &kind.kind),
            "verbs": ["get", "patch", "update"]}));
    }
    if kind.scale {
        subresources.push(json!({"subresource": "scale",
            "responseKind": gvk("autoscaling", "v1", "Scale"),
            "verbs": ["get", "patch", "update"]}));
    }
    let mut resource = json!({
        "resource": kind.plural,
        "responseKind": gvk(&kind.group, &kind.version, &kind.kind),
        "scope": if kind.namespaced { "Namespaced" } else { "Cluster" },
        "singularResource": kind.singular,
        "verbs": VERBS,
    });
    if let Some(map) = resource.as_object_mut() {
        if !kind.short_names.is_empty() {
            map.insert("shortNames".into(), json!(kind.short_names));
        }
        if !kind.categories.is_empty() {
            map.insert("categories".into(), json!(kind.categories));
        }
        if !subresources.is_empty() {
            map.insert("subresources".into(), Value::Array(subresources));
        }
    }
    resource
}

/// Resource documents per version of one group, in first-seen order.
type Versions = Vec<(String, Vec<Value>)>;

/// The aggregated discovery list of the core group (`core`) or of the named groups.
pub(crate) fn aggregated(kinds: &[ResourceKind], core: bool) -> Value {
    let mut groups: Vec<(String, Versions)> = Vec::new();
    for kind in kinds.iter().filter(|k| k.group.is_empty() == core) {
        let g = match groups.iter().position(|(name, _)| *name == kind.group) {
            Some(i) => i,
            None => {
                groups.push((kind.group.clone(), Vec::new()));
                groups.len() - 1
            }
        };
        let versions = &mut groups[g].1;
        let v = match versions.iter().position(|(v, _)| *v == kind.version) {
            Some(i) => i,
            None => {
                versions.push((kind.version.clone(), Vec::new()));
                versions.len() - 1
            }
        };
        versions[v].1.push(resource_discovery(kind));
    }
    let items: Vec<Value> = groups
        .into_iter()
        .map(|(name, versions)| {
            let metadata = if name.is_empty() {
                json!({})
            } else {
                json!({"name": name})
            };
            let versions: Vec<Value> = versions
                .into_iter()
                .map(|(version, resources)| {
                    json!({"version": version, "resources": resources, "freshness": "Current"})
                })
                .collect();
            json!({"metadata": metadata, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resource_kinds::builtin_kinds;

    #[test]
    fn apps_v1_lists_subresources() {
        let doc = resource_list(builtin_kinds(), "apps", "v1").expect("served");
        assert_eq!(doc["kind"], "APIResourceList");
        assert_eq!(doc["groupVersion"], "apps/v1");
        let names: Vec<&str> = doc["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .filter_map(|r| r["name"].as_str())
            .collect();
        assert!(names.contains(&"deployments"));
        assert!(names.contains(&"deployments/status"));
        assert!(names.contains(&"deployments/scale"));
        assert!(resource_list(builtin_kinds(), "apps", "v2").is_none());
    }

    #[test]
    fn aggregated_discovery_lists_groups_and_subresources() {
        assert!(wants_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        ));
        assert!(!wants_aggregated("application/json"));
        let core = aggregated(builtin_kinds(), true);
        assert_eq!(core["items"].as_array().expect("items").len(), 1);
        assert_eq!(core["items"][0]["versions"][0]["version"], "v1");
        let apis = aggregated(builtin_kinds(), false);
        let apps = apis["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|g| g["metadata"]["name"] == "apps")
            .expect("apps");
        let deployments = apps["versions"][0]["resources"]
            .as_array()
            .expect("resources")
            .iter()
            .find(|r| r["resource"] == "deployments")
            .expect("deployments");
        assert_eq!(deployments["scope"], "Namespaced");
        assert_eq!(
            deployments["subresources"][1]["responseKind"]["kind"],
            "Scale"
        );
    }

    #[test]
    fn groups_exclude_core() {
        let doc = groups(builtin_kinds());
        let names: Vec<&str> = doc["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .filter_map(|g| g["name"].as_str())
            .collect();
        assert!(names.contains(&"apps") && names.contains(&"apiextensions.k8s.io"));
        assert!(!names.contains(&""));
        assert_eq!(doc["kind"], "APIGroupList");
    }
}
