//! What the live cache keeps of a tracked object: everything diff and
//! health read, minus the two fields that are most of an object's size and
//! that nothing reads from a cached copy. (Untracked objects are not kept
//! whole at all: see [`super::store`].)
//!
//! - `kubectl.kubernetes.io/last-applied-configuration` is a second copy of
//!   the object (and of Secret values); normalisation drops it anyway.
//! - `metadata.managedFields` is kept only where the diff reads it: the
//!   entries of manager `fleetdeck` (what the last apply set, so a field
//!   removed from Git is drift) and of the managers an app's
//!   `ignoreDifferences.managedFieldsManagers` names.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::engine::conventions::tracking::{FIELD_MANAGER, TRACKING_ANNOTATION};

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Strips a tracked `object` in place (an untracked one is left as it is:
/// its summary is taken from it whole); `kept_managers` are the field
/// managers whose entries are kept besides fleetdeck's own.
pub fn strip(object: &mut Value, kept_managers: &BTreeSet<String>) {
    let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let tracked = metadata
        .get("annotations")
        .and_then(|annotations| annotations.get(TRACKING_ANNOTATION))
        .is_some();
    if !tracked {
        return;
    }
    if let Some(annotations) = metadata
        .get_mut("annotations")
        .and_then(Value::as_object_mut)
    {
        annotations.remove(LAST_APPLIED);
    }
    let keep = |entry: &Value| {
        entry["manager"]
            .as_str()
            .is_some_and(|manager| manager == FIELD_MANAGER || kept_managers.contains(manager))
    };
    let emptied = match metadata
        .get_mut("managedFields")
        .and_then(Value::as_array_mut)
    {
        Some(entries) => {
            entries.retain(keep);
            entries.is_empty()
        }
        None => false,
    };
    if emptied {
        metadata.remove("managedFields");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(tracked: bool) -> Value {
        let mut annotations = json!({LAST_APPLIED: "{\"huge\": true}", "team": "web"});
        if tracked {
            annotations[TRACKING_ANNOTATION] = json!("web:/ConfigMap:shop/web");
        }
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {
                "name": "web", "namespace": "shop", "annotations": annotations,
                "managedFields": [
                    {"manager": "fleetdeck", "operation": "Apply", "fieldsV1": {"f:data": {}}},
                    {"manager": "kubectl-edit", "operation": "Update", "fieldsV1": {}},
                    {"manager": "hpa-controller", "operation": "Update", "fieldsV1": {}},
                ],
            },
            "data": {"mode": "fast"},
        })
    }

    fn managers(object: &Value) -> Vec<&str> {
        object["metadata"]["managedFields"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|entry| entry["manager"].as_str())
            .collect()
    }

    #[test]
    fn a_tracked_object_keeps_fleetdecks_entry_and_the_named_managers() {
        let mut tracked = object(true);
        let kept = BTreeSet::from(["hpa-controller".to_string()]);
        strip(&mut tracked, &kept);
        assert_eq!(managers(&tracked), ["fleetdeck", "hpa-controller"]);
        assert!(
            tracked["metadata"]["annotations"]
                .get(LAST_APPLIED)
                .is_none()
        );
        assert_eq!(tracked["metadata"]["annotations"]["team"], "web");
        assert_eq!(tracked["data"]["mode"], "fast", "the content stays");
    }

    #[test]
    fn an_untracked_object_is_left_whole_for_its_summary() {
        let mut child = object(false);
        let before = child.clone();
        strip(&mut child, &BTreeSet::new());
        assert_eq!(child, before);
    }

    #[test]
    fn a_tracked_object_is_diffed_whole() {
        let mut tracked = object(true);
        tracked["spec"] = json!({"template": {"spec": {"containers": []}}});
        strip(&mut tracked, &BTreeSet::new());
        assert!(tracked["spec"].get("template").is_some());
    }

    #[test]
    fn no_entry_left_means_no_field() {
        let mut tracked = object(true);
        tracked["metadata"]["managedFields"] = json!([{"manager": "kubectl-edit"}]);
        strip(&mut tracked, &BTreeSet::new());
        assert!(tracked["metadata"].get("managedFields").is_none());
    }
}
