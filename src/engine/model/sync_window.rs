//! AppProject sync windows: cron-scheduled periods that allow or deny syncs
//! for matching applications, namespaces and clusters.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::duration::parse_go_duration;
use super::error::ValidationError;
use super::serde_helpers::is_false;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncWindow {
    pub kind: SyncWindowKind,
    /// Standard 5-field cron expression (or a descriptor like `@daily`)
    /// for when the window opens.
    #[serde(default)]
    pub schedule: String,
    /// How long the window stays open, as a Go duration (`1h30m`).
    #[serde(default)]
    pub duration: String,
    /// Application name globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
    /// Cluster name globs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<String>,
    /// Allow manual syncs while a deny window is active.
    #[serde(default, skip_serializing_if = "is_false")]
    pub manual_sync: bool,
    /// IANA time zone of the schedule; empty means UTC.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub time_zone: String,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyncWindowKind {
    Allow,
    Deny,
}

impl SyncWindow {
    /// Argo CD's checks: a parseable schedule and duration. The cron check
    /// here is structural (five fields or an `@` descriptor); the policy
    /// module evaluates schedules.
    pub(crate) fn validate(&self, path: &str) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        let schedule = self.schedule.trim();
        let fields = schedule.split_whitespace().count();
        let is_descriptor = schedule.starts_with('@') && fields == 1;
        if !is_descriptor && fields != 5 {
            errors.push(ValidationError::new(
                format!("{path}.schedule"),
                format!(
                    "expected a 5-field cron expression, found {:?}",
                    self.schedule
                ),
            ));
        }
        if let Err(error) = parse_go_duration(&self.duration) {
            errors.push(ValidationError::new(
                format!("{path}.duration"),
                error.to_string(),
            ));
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn schedule_and_duration_are_checked() {
        let good: SyncWindow = serde_json::from_value(json!({
            "kind": "deny", "schedule": "0 22 * * *", "duration": "1h", "manualSync": true
        }))
        .unwrap();
        assert_eq!(good.kind, SyncWindowKind::Deny);
        assert!(good.validate("w").is_empty());

        let bad: SyncWindow = serde_json::from_value(json!({
            "kind": "allow", "schedule": "10 1 * *", "duration": "an hour"
        }))
        .unwrap();
        let paths: Vec<_> = bad.validate("w").into_iter().map(|e| e.path).collect();
        assert_eq!(paths, vec!["w.schedule", "w.duration"]);

        let unknown = serde_json::from_value::<SyncWindow>(json!({"kind": "maybe"}));
        assert!(unknown.is_err());
    }
}
