//! Sync options: Argo CD's `Key=value` switches, from the Application's
//! `syncPolicy.syncOptions` and from a resource's
//! `argocd.argoproj.io/sync-options` annotation (comma separated).

use serde_json::Value;

use crate::engine::conventions::annotations::{SYNC_OPTIONS_ANNOTATION, option_list};
use crate::engine::manifest::annotation;

/// A set of `Key=value` options. A resource's own options win over the
/// Application's for that resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncOptions {
    entries: Vec<(String, String)>,
}

impl SyncOptions {
    /// Parses `Key=value` entries; an entry without `=` is ignored, as Argo
    /// CD ignores it.
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Self {
        SyncOptions {
            entries: entries
                .into_iter()
                .filter_map(|entry| entry.trim().split_once('='))
                .map(|(key, value)| (key.trim().to_string(), value.trim().to_string()))
                .collect(),
        }
    }

    /// The options in a resource's annotation.
    pub fn of_resource(object: &Value) -> Self {
        SyncOptions::parse(
            annotation(object, SYNC_OPTIONS_ANNOTATION)
                .into_iter()
                .flat_map(option_list),
        )
    }

    /// The value of `key`; the last entry wins.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .rev()
            .find(|(candidate, _)| candidate == key)
            .map(|(_, value)| value.as_str())
    }

    /// Whether `key` is set to `value` (case-insensitive, as `true`/`True`
    /// both appear in the wild).
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.get(key)
            .is_some_and(|found| found.eq_ignore_ascii_case(value))
    }

    /// The resource's options layered over the Application's.
    pub fn layered(app: &SyncOptions, resource: &SyncOptions) -> SyncOptions {
        let mut entries = app.entries.clone();
        entries.extend(resource.entries.iter().cloned());
        SyncOptions { entries }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn resource_options_override_app_options() {
        let app = SyncOptions::parse(["PruneLast=true", "CreateNamespace=true", "junk"]);
        let resource = SyncOptions::of_resource(&json!({"metadata": {"annotations": {
            SYNC_OPTIONS_ANNOTATION: "Prune=false, PruneLast=false"
        }}}));
        let layered = SyncOptions::layered(&app, &resource);
        assert!(layered.is("Prune", "false"));
        assert!(layered.is("PruneLast", "false"));
        assert!(layered.is("CreateNamespace", "TRUE"));
        assert_eq!(layered.get("junk"), None);
    }
}
