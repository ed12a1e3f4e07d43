//! Job (`batch/v1`) health from its conditions: `Failed` → Degraded (with
//! the failure message), `Complete` → Healthy, a true `Suspended` → Suspended,
//! no final condition yet → Progressing.

use serde_json::Value;

use super::assessment::Health;
use super::fields::{TypeMeta, conditions};

pub(crate) fn assess(object: &Value) -> Health {
    let gvk = TypeMeta::of(object);
    if gvk.version != "v1" {
        return Health::unsupported_version("Job", gvk);
    }
    let mut failed = false;
    let mut complete = false;
    let mut suspended = false;
    let mut failure_message = "";
    let mut message = "";
    for condition in conditions(object) {
        match condition.kind {
            "Failed" => {
                failed = true;
                complete = true;
                failure_message = condition.message_or_empty();
            }
            "Complete" => {
                complete = true;
                message = condition.message_or_empty();
            }
            "Suspended" => {
                complete = true;
                message = condition.message_or_empty();
                suspended |= condition.status == "True";
            }
            _ => {}
        }
    }
    if !complete {
        Health::progressing(message)
    } else if failed {
        Health::degraded(failure_message)
    } else if suspended {
        Health::suspended(message)
    } else {
        Health::healthy(message)
    }
}
