//! CronJob (`batch`) health, following Argo CD's `batch/CronJob` health script.
//!
//! A suspended CronJob is reported Healthy ("CronJob is Suspended"): Argo CD
//! deliberately maps it to Healthy rather than Suspended so that a paused
//! schedule does not mark the whole application (argo-cd issue 24428). A
//! CronJob whose last run has not (yet) succeeded stays Healthy unless no
//! job is active and the last success predates the last schedule.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{bool_at, get, list_at, str_at};

pub(crate) fn assess(object: &Value) -> Health {
    if bool_at(object, &["spec", "suspend"]) == Some(true) {
        return Health::healthy("CronJob is Suspended");
    }
    if get(object, &["status"]).is_none() {
        return Health::progressing("Waiting for CronJob");
    }
    let Some(last_schedule) = str_at(object, &["status", "lastScheduleTime"]) else {
        return Health::healthy("CronJob has not been scheduled yet");
    };
    let Some(last_success) = str_at(object, &["status", "lastSuccessfulTime"]) else {
        return Health::healthy("The CronJob never completed successfully. It may not be healthy");
    };
    if !list_at(object, &["status", "active"]).is_empty() {
        return Health::healthy(
            "The job is running. Its last execution may not have been successful",
        );
    }
    // RFC 3339 timestamps in UTC compare correctly as strings, as in the script.
    if last_success < last_schedule {
        return Health::degraded("CronJob has not completed its last execution successfully");
    }
    Health::healthy("CronJob has completed its last execution successfully")
}
