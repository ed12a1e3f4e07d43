//! Argo Workflow (`argoproj.io`) health, built into gitops-engine: the
//! workflow phase decides and `status.message` is passed through.

use serde_json::Value;

use super::assessment::Health;
use super::fields::str_or_empty;

pub(crate) fn assess(object: &Value) -> Health {
    let message = str_or_empty(object, &["status", "message"]);
    match str_or_empty(object, &["status", "phase"]) {
        "" | "Pending" | "Running" => Health::progressing(message),
        "Succeeded" => Health::healthy(message),
        "Failed" | "Error" => Health::degraded(message),
        _ => Health::unknown(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failed_and_errored_workflows_are_degraded() {
        for phase in ["Failed", "Error"] {
            let object = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                "status": {"phase": phase, "message": "step 2 failed"}});
            assert_eq!(assess(&object), Health::degraded("step 2 failed"));
        }
    }
}
