//! Server-side printing: `kubectl get` asks for `application/json;as=Table;g=meta.k8s.io`
//! and prints the columns the server chose. We answer with a `meta.k8s.io/v1` Table
//! (Name, a few kind-specific columns, Age) whose rows carry the object's metadata.

use serde_json::{Value, json};

use super::meta;
use super::resource_kinds::ResourceKind;

/// Whether the Accept header asks for a Table.
pub(crate) fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.contains("as=Table") && first.contains("g=meta.k8s.io"))
}

type Cell = fn(&Value) -> Value;

fn ready_of_desired(object: &Value) -> Value {
    json!(format!(
        "{}/{}",
        object["status"]["readyReplicas"].as_i64().unwrap_or(0),
        object["spec"]["replicas"].as_i64().unwrap_or(1)
    ))
}

fn columns(kind: &ResourceKind) -> Vec<(&'static str, &'static str, Cell)> {
    if kind.custom {
        return Vec::new();
    }
    match (kind.group.as_str(), kind.plural.as_str()) {
        ("", "namespaces") => vec![("Status", "string", |o| o["status"]["phase"].clone())],
        ("", "configmaps") => vec![("Data", "integer", |o| {
            json!(
                o["data"].as_object().map_or(0, |m| m.len())
                    + o["binaryData"].as_object().map_or(0, |m| m.len())
            )
        })],
        ("", "secrets") => vec![
            ("Type", "string", |o| o["type"].clone()),
            ("Data", "integer", |o| {
                json!(o["data"].as_object().map_or(0, |m| m.len()))
            }),
        ],
        ("", "pods") => vec![
            ("Ready", "string", |o| {
                let statuses = o["status"]["containerStatuses"].as_array();
                let ready = statuses.map_or(0, |s| {
                    s.iter()
                        .filter(|c| c["ready"].as_bool() == Some(true))
                        .count()
                });
                let total = o["spec"]["containers"].as_array().map_or(0, Vec::len);
                json!(format!("{ready}/{total}"))
            }),
            ("Status", "string", pod_status_column),
            ("Restarts", "integer", |o| {
                json!(o["status"]["containerStatuses"].as_array().map_or(0, |s| {
                    s.iter()
                        .map(|c| c["restartCount"].as_i64().unwrap_or(0))
                        .sum::<i64>()
                }))
            }),
        ],
        ("", "services") => vec![
            ("Type", "string", |o| {
                o["spec"]["type"]
                    .as_str()
                    .map_or(json!("ClusterIP"), |t| json!(t))
            }),
            ("Cluster-IP", "string", |o| {
                o["spec"]["clusterIP"]
                    .as_str()
                    .map_or(json!("<none>"), |t| json!(t))
            }),
        ],
        ("apps", "deployments") => vec![
            ("Ready", "string", ready_of_desired),
            ("Up-to-date", "integer", |o| {
                json!(o["status"]["updatedReplicas"].as_i64().unwrap_or(0))
            }),
            ("Available", "integer", |o| {
                json!(o["status"]["availableReplicas"].as_i64().unwrap_or(0))
            }),
        ],
        ("apps", "statefulsets") => vec![("Ready", "string", ready_of_desired)],
        ("apps", "replicasets") => vec![
            ("Desired", "integer", |o| {
                json!(o["spec"]["replicas"].as_i64().unwrap_or(1))
            }),
            ("Current", "integer", |o| {
                json!(o["status"]["replicas"].as_i64().unwrap_or(0))
            }),
            ("Ready", "integer", |o| {
                json!(o["status"]["readyReplicas"].as_i64().unwrap_or(0))
            }),
        ],
        _ => Vec::new(),
    }
}

fn row(object: &Value, kind: &ResourceKind, include_object: &str) -> Value {
    let mut cells = vec![json!(meta::name(object))];
    cells.extend(columns(kind).iter().map(|(_, _, cell)| match cell(object) {
        Value::Null => json!("<none>"),
        v => v,
    }));
    let created = object["metadata"]["creationTimestamp"]
        .as_str()
        .unwrap_or_default();
    cells.push(json!(meta::short_age(meta::age_seconds(created))));
    let embedded = match include_object {
        "None" => Value::Null,
        "Object" => object.clone(),
        _ => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": object["metadata"],
        }),
    };
    json!({"cells": cells, "object": embedded})
}

/// A Table of `objects` with the given list metadata.
pub(crate) fn table(
    kind: &ResourceKind,
    objects: &[Value],
    include_object: &str,
    list_meta: Value,
) -> Value {
    let mut definitions = vec![json!({"name": "Name", "type": "string", "format": "name",
        "description": "Name must be unique within a namespace.", "priority": 0})];
    for (name, ty, _) in columns(kind) {
        definitions.push(
            json!({"name": name, "type": ty, "format": "", "description": "", "priority": 0}),
        );
    }
    definitions.push(json!({"name": "Age", "type": "string", "format": "",
        "description": "CreationTimestamp is a timestamp representing the server time when this object was created.",
        "priority": 0}));
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta,
        "columnDefinitions": definitions,
        "rows": objects.iter().map(|o| row(o, kind, include_object)).collect::<Vec<_>>(),
    })
}

/// kubectl's pod STATUS: a container's waiting or terminated reason (the last such
/// container wins) over the phase, and Terminating while being deleted.
fn pod_status_column(pod: &Value) -> Value {
    if pod["metadata"]["deletionTimestamp"].is_string() {
        return json!("Terminating");
    }
    let mut reason = pod["status"]["reason"]
        .as_str()
        .or_else(|| pod["status"]["phase"].as_str())
        .unwrap_or_default()
        .to_string();
    for container in pod["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let state = &container["state"];
        if let Some(waiting) = state["waiting"]["reason"]
            .as_str()
            .filter(|r| !r.is_empty())
        {
            reason = waiting.to_string();
        } else if let Some(terminated) = state["terminated"].as_object() {
            reason = match terminated.get("reason").and_then(Value::as_str) {
                Some(r) if !r.is_empty() => r.to_string(),
                _ => format!(
                    "ExitCode:{}",
                    terminated.get("exitCode").unwrap_or(&json!(0))
                ),
            };
        }
    }
    json!(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resource_kinds::builtin;

    #[test]
    fn table_negotiation_and_rows() {
        assert!(wants_table(
            "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
        ));
        assert!(!wants_table("application/json"));
        let kind = builtin("", "v1", "namespaces").expect("ns");
        let ns = json!({"metadata": {"name": "default", "creationTimestamp": meta::now()},
            "status": {"phase": "Active"}});
        let t = table(kind, &[ns], "Metadata", json!({}));
        assert_eq!(t["rows"][0]["cells"][0], "default");
        assert_eq!(t["rows"][0]["cells"][1], "Active");
        assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(t["columnDefinitions"].as_array().expect("cols").len(), 3);
        let deploy = builtin("apps", "v1", "deployments").expect("deployments");
        let d = json!({"metadata": {"name": "web"}, "spec": {"replicas": 3},
            "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}});
        let t = table(deploy, &[d], "None", json!({}));
        let cells = &t["rows"][0]["cells"];
        assert_eq!(
            (&cells[1], &cells[2], &cells[3]),
            (&json!("2/3"), &json!(3), &json!(2))
        );
        assert!(t["rows"][0]["object"].is_null());
    }

    #[test]
    fn pod_status_shows_the_container_reason_as_kubectl_does() {
        let crash = json!({"status": {"phase": "Running", "containerStatuses": [
            {"state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}});
        assert_eq!(pod_status_column(&crash), "CrashLoopBackOff");
        let running = json!({"status": {"phase": "Running", "containerStatuses": [
            {"state": {"running": {}}}]}});
        assert_eq!(pod_status_column(&running), "Running");
        let deleting = json!({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}});
        assert_eq!(pod_status_column(&deleting), "Terminating");
    }
}
