//! `spec.syncPolicy`: automated sync (prune, self-heal), sync options
//! (`Key=value` strings), retry with backoff, and metadata for namespaces
//! Argo CD creates.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::duration::{DurationError, parse_backoff_duration};
use super::error::ValidationError;
use super::serde_helpers::is_false;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPolicy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automated: Option<AutomatedSync>,
    /// Argo CD sync options as written: `CreateNamespace=true`,
    /// `PruneLast=true`, `Prune=false`, `ServerSideApply=true`...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sync_options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<RetryStrategy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_namespace_metadata: Option<ManagedNamespaceMetadata>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `syncPolicy.automated`. Its presence turns automated sync on unless
/// `enabled: false` (a newer Argo CD field that lets a template keep the
/// prune/selfHeal settings while switching automation off).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AutomatedSync {
    #[serde(default, skip_serializing_if = "is_false")]
    pub prune: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub self_heal: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub allow_empty: bool,
    /// Absent means enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Retry of failed syncs. `limit` below 0 means retry forever; 0 means no
/// retries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryStrategy {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff: Option<Backoff>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Exponential backoff between retries. Durations are strings: a plain
/// integer is seconds, otherwise a Go duration (`5s`, `3m`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Backoff {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub duration: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub max_duration: String,
}

/// Labels and annotations for the destination namespace when
/// `CreateNamespace=true` creates it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedNamespaceMetadata {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl SyncPolicy {
    /// Automated sync is on: `automated` is present and not `enabled: false`.
    pub fn is_automated(&self) -> bool {
        self.automated
            .as_ref()
            .is_some_and(|automated| automated.enabled != Some(false))
    }

    /// Whether the exact option (`CreateNamespace=true`) is set. Argo CD
    /// compares sync options as exact strings, so `CreateNamespace=True`
    /// does not count; neither does fleetdeck.
    pub fn has_sync_option(&self, option: &str) -> bool {
        self.sync_options.iter().any(|written| written == option)
    }

    /// The value of option `key` (`PrunePropagationPolicy` →
    /// `foreground`); the last one written wins.
    pub fn sync_option(&self, key: &str) -> Option<&str> {
        self.sync_options
            .iter()
            .rev()
            .filter_map(|written| written.split_once('='))
            .find(|(written_key, _)| *written_key == key)
            .map(|(_, value)| value)
    }

    /// Backoff durations must parse: Argo CD accepts any text here but
    /// then fails every retry, so fleetdeck reports it up front.
    pub(crate) fn validate(&self, path: &str) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        let Some(backoff) = self.retry.as_ref().and_then(|retry| retry.backoff.as_ref()) else {
            return errors;
        };
        let backoff_path = format!("{path}.retry.backoff");
        for (field, text) in [
            ("duration", &backoff.duration),
            ("maxDuration", &backoff.max_duration),
        ] {
            if let Err(error) = parse_optional(text) {
                errors.push(ValidationError::new(
                    format!("{backoff_path}.{field}"),
                    error.to_string(),
                ));
            }
        }
        errors
    }
}

impl Backoff {
    /// The base backoff, if written.
    pub fn duration(&self) -> Result<Option<Duration>, DurationError> {
        parse_optional(&self.duration)
    }

    /// The longest backoff, if written.
    pub fn max_duration(&self) -> Result<Option<Duration>, DurationError> {
        parse_optional(&self.max_duration)
    }
}

fn parse_optional(text: &str) -> Result<Option<Duration>, DurationError> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse_backoff_duration(text).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn policy(value: Value) -> SyncPolicy {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn automated_means_present_and_not_disabled() {
        assert!(!policy(json!({})).is_automated());
        assert!(policy(json!({"automated": {}})).is_automated());
        assert!(policy(json!({"automated": {"enabled": true}})).is_automated());
        assert!(!policy(json!({"automated": {"prune": true, "enabled": false}})).is_automated());
    }

    #[test]
    fn sync_options_match_exactly_and_expose_values() {
        let policy = policy(json!({"syncOptions": [
            "CreateNamespace=true", "PrunePropagationPolicy=background",
            "PrunePropagationPolicy=foreground"
        ]}));
        assert!(policy.has_sync_option("CreateNamespace=true"));
        assert!(!policy.has_sync_option("CreateNamespace=True"));
        assert!(!policy.has_sync_option("PruneLast=true"));
        assert_eq!(
            policy.sync_option("PrunePropagationPolicy"),
            Some("foreground")
        );
        assert_eq!(policy.sync_option("CreateNamespace"), Some("true"));
        assert_eq!(policy.sync_option("Validate"), None);
    }

    #[test]
    fn backoff_durations_are_checked() {
        let good = policy(json!({"retry": {"limit": 5, "backoff": {
            "duration": "5", "factor": 2, "maxDuration": "3m"}}}));
        assert!(good.validate("spec.syncPolicy").is_empty());
        let backoff = good.retry.unwrap().backoff.unwrap();
        assert_eq!(backoff.duration().unwrap(), Some(Duration::from_secs(5)));
        assert_eq!(
            backoff.max_duration().unwrap(),
            Some(Duration::from_secs(180))
        );

        let bad = policy(json!({"retry": {"backoff": {"duration": "soon", "maxDuration": "1y"}}}));
        let paths: Vec<_> = bad
            .validate("spec.syncPolicy")
            .into_iter()
            .map(|error| error.path)
            .collect();
        assert_eq!(
            paths,
            vec![
                "spec.syncPolicy.retry.backoff.duration",
                "spec.syncPolicy.retry.backoff.maxDuration"
            ]
        );
    }
}
