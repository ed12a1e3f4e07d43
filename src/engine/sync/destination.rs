//! Desired objects placed where they will live: a namespaced object written
//! without a namespace goes to the Application's destination namespace, a
//! cluster-scoped one loses any namespace. Done once before planning, so the
//! plan, the comparison and the cluster all speak of the same identities.

use serde_json::Value;

use crate::engine::conventions::scope::{CrdScopes, lookup};
use crate::engine::diff::CompareOptions;
use crate::engine::manifest::Manifest;

pub fn place_in_destination(desired: &[Manifest], options: &CompareOptions) -> Vec<Manifest> {
    let crds = CrdScopes::from_objects(desired.iter().map(|manifest| &manifest.object));
    desired
        .iter()
        .map(|manifest| {
            let mut placed = manifest.clone();
            let key = manifest.key();
            let namespaced =
                lookup(options.scope.as_ref(), Some(&crds), &key.group, &key.kind).unwrap_or(true);
            if let Some(metadata) = placed
                .object
                .get_mut("metadata")
                .and_then(Value::as_object_mut)
            {
                if !namespaced {
                    metadata.remove("namespace");
                } else if key.namespace.is_empty() && !options.destination_namespace.is_empty() {
                    metadata.insert(
                        "namespace".into(),
                        Value::String(options.destination_namespace.clone()),
                    );
                }
            }
            placed
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::manifest::Origin;
    use serde_json::json;

    fn manifest(object: Value) -> Manifest {
        Manifest {
            object,
            origin: Origin {
                file: "a.yaml".into(),
                document: 0,
                line: 1,
            },
        }
    }

    #[test]
    fn namespaced_objects_get_the_destination_and_cluster_scoped_ones_none() {
        let options = CompareOptions::new("web", "shop");
        let placed = place_in_destination(
            &[
                manifest(
                    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
                ),
                manifest(json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "b", "namespace": "other"}})),
                manifest(
                    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                    "metadata": {"name": "c", "namespace": "shop"}}),
                ),
            ],
            &options,
        );
        assert_eq!(placed[0].key().namespace, "shop");
        assert_eq!(placed[1].key().namespace, "other");
        assert_eq!(placed[2].key().namespace, "");
    }
}
