//! Name references: after every prefix, suffix, namespace and hash suffix
//! is applied, fields that name another object (a ConfigMap in a volume, a
//! Service in an Ingress, a ServiceAccount in a RoleBinding, ...) are updated
//! to that object's final name, as kustomize's built-in `nameReference`
//! configuration does.
//!
//! A reference matches an object of the referenced kind that had the written
//! name at some point of the build and lives in the referrer's namespace, or,
//! when the reference writes a namespace of its own, was or is in that
//! namespace (cluster-scoped targets match regardless of namespace). As in
//! kustomize, an intermediate namespace (set by a base, changed by an
//! overlay) does not match.

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::Value;

use super::KustomizeError;
use super::field_spec::visit_path;
use super::namespace::is_cluster_scoped;
use super::resource::Resource;

/// What a reference can point at.
struct Known {
    id: String,
    lineage: Vec<String>,
    names: Vec<String>,
    namespaces: Vec<String>,
    name: String,
    namespace: String,
}

fn same_namespace(a: &str, b: &str) -> bool {
    let normal = |ns: &str| if ns.is_empty() { "default" } else { ns }.to_string();
    normal(a) == normal(b)
}

/// Which namespace a reference means.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// The referrer's own (current) namespace: the target must be there now.
    Referrer(&'a str),
    /// A namespace written next to the name (RoleBinding subjects, webhook
    /// services): the target's original or current namespace.
    Written(&'a str),
    /// No namespace at all (a subject of a ClusterRoleBinding that names
    /// none): any namespace, if the name is unique.
    Any,
}

/// Every object by (kind, any name it has had), so a lookup does not scan
/// the whole build.
struct Index {
    known: Vec<Known>,
    by_name: HashMap<(String, String), Vec<usize>>,
    /// References that matched several objects with different names.
    ambiguous: RefCell<Option<(String, String, Vec<String>)>>,
}

/// The object holding a reference.
#[derive(Clone, Copy)]
struct Referrer<'a> {
    namespace: &'a str,
    /// Prefixes and suffixes applied to it, in order.
    lineage: &'a [String],
}

impl Index {
    fn new(resources: &[Resource]) -> Index {
        let known: Vec<Known> = resources
            .iter()
            .map(|resource| Known {
                id: resource.id(),
                lineage: resource.lineage.clone(),
                names: resource.names.clone(),
                namespaces: resource.namespaces.clone(),
                name: resource.name().to_string(),
                namespace: resource.namespace().to_string(),
            })
            .collect();
        let mut by_name: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (at, (entry, resource)) in known.iter().zip(resources).enumerate() {
            for name in &entry.names {
                let slot = by_name
                    .entry((resource.kind().to_string(), name.clone()))
                    .or_default();
                if slot.last() != Some(&at) {
                    slot.push(at);
                }
            }
        }
        Index {
            known,
            by_name,
            ambiguous: RefCell::new(None),
        }
    }

    /// The object of `kind` once named `old` that `referrer` means, if any.
    ///
    /// As in kustomize: candidates in the right namespace; if several, the
    /// ones built with the same prefixes and suffixes as the referrer; if
    /// still several with different names, the reference is ambiguous.
    fn find(
        &self,
        kind: &str,
        old: &str,
        scope: Scope<'_>,
        referrer: Referrer<'_>,
    ) -> Option<&Known> {
        let hits = self.by_name.get(&(kind.to_string(), old.to_string()))?;
        let in_scope: Vec<&Known> = hits
            .iter()
            .map(|&at| &self.known[at])
            .filter(|known| {
                is_cluster_scoped(kind)
                    || match scope {
                        Scope::Any => true,
                        Scope::Referrer(namespace) => same_namespace(&known.namespace, namespace),
                        Scope::Written(namespace) => {
                            same_namespace(&known.namespace, namespace)
                                || known
                                    .namespaces
                                    .first()
                                    .is_some_and(|original| same_namespace(original, namespace))
                        }
                    }
            })
            .collect();
        if in_scope.len() <= 1 {
            return in_scope.first().copied();
        }
        let same_lineage: Vec<&Known> = in_scope
            .iter()
            .copied()
            .filter(|known| known.lineage == referrer.lineage)
            .collect();
        match same_lineage.as_slice() {
            [one] => Some(one),
            [] => None,
            [first, rest @ ..] => {
                if rest.iter().all(|known| known.name == first.name) {
                    return Some(first);
                }
                let mut ambiguous = self.ambiguous.borrow_mut();
                if ambiguous.is_none() {
                    *ambiguous = Some((
                        kind.to_string(),
                        old.to_string(),
                        same_lineage.iter().map(|known| known.id.clone()).collect(),
                    ));
                }
                None
            }
        }
    }

    fn rename(&self, kind: &str, value: &mut Value, referrer: Referrer<'_>) {
        let scope = Scope::Referrer(referrer.namespace);
        if let Value::String(old) = value
            && let Some(known) = self.find(kind, old, scope, referrer)
        {
            *old = known.name.clone();
        }
    }
}

/// Where a pod spec sits in each workload kind.
fn pod_spec_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Pod" | "PodTemplate" => &["spec"],
        "Deployment"
        | "ReplicaSet"
        | "DaemonSet"
        | "StatefulSet"
        | "Job"
        | "ReplicationController" => &["spec", "template", "spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => return None,
    })
}

/// Updates every reference in `resources`.
pub fn fix_references(resources: &mut [Resource]) -> Result<(), KustomizeError> {
    let index = Index::new(resources);
    for resource in resources.iter_mut() {
        let kind = resource.kind().to_string();
        let namespace = resource.namespace().to_string();
        let ns = Referrer {
            namespace: &namespace,
            lineage: &resource.lineage,
        };
        let object = &mut resource.object;
        if let Some(path) = pod_spec_path(&kind) {
            visit_path(object, path, false, &mut |spec| {
                fix_pod_spec(&index, spec, ns)
            });
        }
        let at = |object: &mut Value, path: &str, target: &str| {
            let parts: Vec<&str> = path.split('/').collect();
            visit_path(object, &parts, false, &mut |value| {
                index.rename(target, value, ns)
            });
        };
        match kind.as_str() {
            "StatefulSet" => {
                at(object, "spec/serviceName", "Service");
                at(
                    object,
                    "spec/volumeClaimTemplates/spec/storageClassName",
                    "StorageClass",
                );
            }
            "Ingress" => {
                at(
                    object,
                    "spec/rules/http/paths/backend/service/name",
                    "Service",
                );
                at(
                    object,
                    "spec/rules/http/paths/backend/serviceName",
                    "Service",
                );
                at(object, "spec/defaultBackend/service/name", "Service");
                at(object, "spec/backend/serviceName", "Service");
                at(object, "spec/tls/secretName", "Secret");
            }
            "ServiceAccount" => {
                at(object, "imagePullSecrets/name", "Secret");
                at(object, "secrets/name", "Secret");
            }
            "PersistentVolumeClaim" => {
                at(object, "spec/volumeName", "PersistentVolume");
                at(object, "spec/storageClassName", "StorageClass");
            }
            "PersistentVolume" => at(object, "spec/storageClassName", "StorageClass"),
            "APIService" => fix_with_namespace(&index, object, &["spec", "service"], "Service", ns),
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" => {
                fix_with_namespace(
                    &index,
                    object,
                    &["webhooks", "clientConfig", "service"],
                    "Service",
                    ns,
                )
            }
            "RoleBinding" | "ClusterRoleBinding" => fix_binding(&index, object, ns),
            "HorizontalPodAutoscaler" => {
                if let Some(target) = object["spec"]["scaleTargetRef"]["kind"]
                    .as_str()
                    .map(str::to_string)
                {
                    at(object, "spec/scaleTargetRef/name", &target);
                }
            }
            _ => {}
        }
        if let Some((target, name, candidates)) = index.ambiguous.borrow_mut().take() {
            return Err(KustomizeError::AmbiguousReference {
                file: resource.origin.file.to_string(),
                referrer: resource.id(),
                kind: target,
                name,
                candidates,
            });
        }
    }
    Ok(())
}

fn fix_pod_spec(index: &Index, spec: &mut Value, ns: Referrer<'_>) {
    let mut at = |path: &[&str], target: &str| {
        visit_path(spec, path, false, &mut |value| {
            index.rename(target, value, ns)
        });
    };
    at(&["serviceAccountName"], "ServiceAccount");
    at(&["serviceAccount"], "ServiceAccount");
    at(&["priorityClassName"], "PriorityClass");
    at(&["imagePullSecrets", "name"], "Secret");
    at(&["volumes", "configMap", "name"], "ConfigMap");
    at(&["volumes", "secret", "secretName"], "Secret");
    at(
        &["volumes", "projected", "sources", "configMap", "name"],
        "ConfigMap",
    );
    at(
        &["volumes", "projected", "sources", "secret", "name"],
        "Secret",
    );
    at(
        &["volumes", "persistentVolumeClaim", "claimName"],
        "PersistentVolumeClaim",
    );
    at(
        &["volumes", "csi", "nodePublishSecretRef", "name"],
        "Secret",
    );
    for containers in ["containers", "initContainers", "ephemeralContainers"] {
        at(
            &[containers, "env", "valueFrom", "configMapKeyRef", "name"],
            "ConfigMap",
        );
        at(
            &[containers, "env", "valueFrom", "secretKeyRef", "name"],
            "Secret",
        );
        at(
            &[containers, "envFrom", "configMapRef", "name"],
            "ConfigMap",
        );
        at(&[containers, "envFrom", "secretRef", "name"], "Secret");
    }
}

/// A `{name, namespace}` reference: both follow the target.
fn fix_with_namespace(
    index: &Index,
    object: &mut Value,
    path: &[&str],
    target: &str,
    ns: Referrer<'_>,
) {
    visit_path(object, path, false, &mut |reference| {
        let Some(old) = reference["name"].as_str().map(str::to_string) else {
            return;
        };
        let written_ns = reference["namespace"].as_str().map(str::to_string);
        let scope = match &written_ns {
            Some(written) => Scope::Written(written),
            None => Scope::Referrer(ns.namespace),
        };
        let Some(known) = index.find(target, &old, scope, ns) else {
            return;
        };
        if let Some(map) = reference.as_object_mut() {
            map.insert("name".into(), Value::String(known.name.clone()));
            if written_ns.is_some() && !known.namespace.is_empty() {
                map.insert("namespace".into(), Value::String(known.namespace.clone()));
            }
        }
    });
}

/// `roleRef` (Role or ClusterRole) and ServiceAccount `subjects`, whose
/// namespace follows the account.
fn fix_binding(index: &Index, object: &mut Value, ns: Referrer<'_>) {
    let cluster_wide = object["kind"].as_str() == Some("ClusterRoleBinding");
    if let Some(role_kind) = object["roleRef"]["kind"].as_str().map(str::to_string)
        && let Some(name) = object.get_mut("roleRef").and_then(|r| r.get_mut("name"))
    {
        index.rename(&role_kind, name, ns);
    }
    let Some(Value::Array(subjects)) = object.get_mut("subjects") else {
        return;
    };
    for subject in subjects {
        if subject["kind"].as_str() != Some("ServiceAccount") {
            continue;
        }
        let Some(old) = subject["name"].as_str().map(str::to_string) else {
            continue;
        };
        let subject_ns = subject["namespace"].as_str().map(str::to_string);
        let scope = match &subject_ns {
            Some(written) => Scope::Written(written),
            None if cluster_wide => Scope::Any,
            None => Scope::Referrer(ns.namespace),
        };
        // Kustomize writes the account's namespace into the subject even
        // when the subject named none: the API server needs it to find the
        // account (and refuses a ClusterRoleBinding subject without it).
        if let Some(known) = index.find("ServiceAccount", &old, scope, ns)
            && let Some(map) = subject.as_object_mut()
        {
            map.insert("name".into(), Value::String(known.name.clone()));
            if !known.namespace.is_empty() {
                map.insert("namespace".into(), Value::String(known.namespace.clone()));
            }
        }
    }
}
