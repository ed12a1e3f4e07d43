//! Argo Rollouts AnalysisRun (`argoproj.io`) health, following Argo CD's
//! health script: the run phase decides; a status message, when present,
//! replaces the default text.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{get, str_at};

pub(crate) fn assess(object: &Value) -> Health {
    if get(object, &["status"]).is_none() {
        return Health::progressing(
            "Waiting for analysis run to finish: status has not been reconciled.",
        );
    }
    let message = |default: &str| {
        str_at(object, &["status", "message"])
            .unwrap_or(default)
            .to_string()
    };
    match str_at(object, &["status", "phase"]).unwrap_or("") {
        "Pending" | "Running" => Health::progressing("Analysis run is running"),
        "Successful" => Health::healthy(message("Analysis run completed successfully")),
        "Failed" => Health::degraded(message("Analysis run failed")),
        "Error" => Health::degraded(message("Analysis run had an error")),
        "Inconclusive" => Health::unknown(message("Analysis run was inconclusive")),
        // The script returns an empty result here, which Argo CD reports as
        // an invalid (so unknown) health status.
        other => Health::unknown(format!("AnalysisRun phase {other:?} is not recognised")),
    }
}
