//! Gateway API HTTPRoute (`gateway.networking.k8s.io`) health, following
//! Argo CD's health script. Each parent (Gateway) reports conditions for the
//! route; only parents whose conditions were written for the route's current
//! generation count. Unresolved backends or a rejected route → Degraded; not
//! yet programmed → Progressing (messages name the parent); Healthy once a
//! current parent reports.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{conditions_at, get, list_at, str_or_empty};
use super::gateway::judge;

pub(crate) fn assess(object: &Value) -> Health {
    let parents = list_at(object, &["status", "parents"]);
    let current = |parent: &&Value| generation_observed(object, parent);
    for parent in parents
        .iter()
        .filter(|parent| get(parent, &["conditions"]).is_some())
        .filter(current)
    {
        let name = str_or_empty(parent, &["parentRef", "name"]);
        if let Some(health) = judge(
            conditions_at(parent, &["conditions"]),
            "Route is still being programmed",
        ) {
            return Health::new(health.status, format!("Parent {name}: {}", health.message));
        }
    }
    let reported = parents
        .iter()
        .filter(|parent| !list_at(parent, &["conditions"]).is_empty())
        .any(|parent| generation_observed(object, parent));
    if reported {
        return Health::healthy("HTTPRoute is healthy");
    }
    Health::progressing("Waiting for HTTPRoute status")
}

/// Whether a parent's conditions belong to the route's current generation
/// (any condition's `observedGeneration` equals `metadata.generation`); a
/// route without a generation accepts every parent.
fn generation_observed(route: &Value, parent: &Value) -> bool {
    let Some(generation) = get(route, &["metadata", "generation"]) else {
        return true;
    };
    list_at(parent, &["conditions"]).iter().any(|condition| {
        get(condition, &["observedGeneration"])
            .is_some_and(|observed| same_number(observed, generation))
    })
}

fn same_number(left: &Value, right: &Value) -> bool {
    match (left.as_f64(), right.as_f64()) {
        (Some(left), Some(right)) => left == right,
        _ => left == right,
    }
}
