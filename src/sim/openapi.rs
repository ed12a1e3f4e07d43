//! A minimal OpenAPI v3 surface: the `/openapi/v3` index and one document per group
//! version listing each kind's PATCH operation with its `x-kubernetes-group-version-kind`
//! and query parameters. That is what kubectl reads to learn that the server validates
//! fields itself (`fieldValidation`), so `kubectl apply` / `create` skip client-side
//! schema validation (which would need full schemas we do not have).

use serde_json::{Map, Value, json};

use super::resource_kinds::ResourceKind;

/// `group/version` path key of the index ("api/v1", "apis/apps/v1").
fn index_key(kind: &ResourceKind) -> String {
    if kind.group.is_empty() {
        format!("api/{}", kind.version)
    } else {
        format!("apis/{}/{}", kind.group, kind.version)
    }
}

fn query_parameter(name: &str, ty: &str) -> Value {
    json!({"name": name, "in": "query", "schema": {"type": ty, "uniqueItems": true}})
}

/// The document of one group version, or `None` if nothing is served there.
pub(crate) fn group_version_document(
    kinds: &[ResourceKind],
    group: &str,
    version: &str,
) -> Option<Value> {
    let served: Vec<&ResourceKind> = kinds
        .iter()
        .filter(|k| k.group == group && k.version == version)
        .collect();
    if served.is_empty() {
        return None;
    }
    let mut paths = Map::new();
    for kind in served {
        let prefix = format!("/{}", index_key(kind));
        let path = if kind.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", kind.plural)
        } else {
            format!("{prefix}/{}/{{name}}", kind.plural)
        };
        let parameters = vec![
            query_parameter("dryRun", "string"),
            query_parameter("fieldManager", "string"),
            query_parameter("fieldValidation", "string"),
            query_parameter("force", "boolean"),
        ];
        paths.insert(
            path,
            json!({"patch": {
                "operationId": format!("patch{}", kind.kind),
                "x-kubernetes-action": "patch",
                "x-kubernetes-group-version-kind":
                    {"group": kind.group, "version": kind.version, "kind": kind.kind},
                "parameters": parameters,
                "responses": {"200": {"description": "OK"}},
            }}),
        );
    }
    Some(json!({
        "openapi": "3.0.0",
        "info": {"title": "fleetdeck simulated cluster", "version": "v1"},
        "paths": paths,
        "components": {"schemas": {}},
    }))
}

/// The `/openapi/v3` index: one entry per served group version, with a content hash so
/// clients' caches notice CRD changes.
pub(crate) fn index(kinds: &[ResourceKind]) -> Value {
    let mut paths = Map::new();
    for kind in kinds {
        let key = index_key(kind);
        if paths.contains_key(&key) {
            continue;
        }
        let document = group_version_document(kinds, &kind.group, &kind.version);
        let hash = blake3::hash(document.unwrap_or_default().to_string().as_bytes());
        let hash = hash.to_hex();
        paths.insert(
            key.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{key}?hash={}", &hash[..32])}),
        );
    }
    json!({"paths": paths})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resource_kinds::builtin_kinds;

    #[test]
    fn patch_operations_advertise_field_validation() {
        let doc = group_version_document(builtin_kinds(), "apps", "v1").expect("apps/v1");
        let patch =
            &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
        assert_eq!(
            patch["x-kubernetes-group-version-kind"]["kind"],
            "Deployment"
        );
        assert!(
            patch["parameters"]
                .as_array()
                .expect("params")
                .iter()
                .any(|p| p["name"] == "fieldValidation")
        );
        let index = index(builtin_kinds());
        assert!(
            index["paths"]["api/v1"]["serverRelativeURL"]
                .as_str()
                .expect("url")
                .starts_with("/openapi/v3/api/v1?hash=")
        );
        assert!(group_version_document(builtin_kinds(), "apps", "v9").is_none());
    }
}
