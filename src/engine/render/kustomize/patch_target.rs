//! Patch targets: which objects a patch applies to. Group, version, kind,
//! name and namespace are anchored regular expressions (as in kustomize);
//! label and annotation selectors use Kubernetes' selector syntax.

use regex::Regex;

use super::kustomization::Selector;
use super::resource::Resource;
use crate::engine::selector::{Requirement, parse_selector};

/// A compiled [`Selector`].
pub struct Target {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
}

impl Target {
    /// Compiles `selector`; the error is the message for the field.
    pub fn new(selector: &Selector) -> Result<Target, String> {
        let compile = |field: &str, text: &str| -> Result<Option<Regex>, String> {
            if text.is_empty() {
                return Ok(None);
            }
            Regex::new(&format!("^(?:{text})$"))
                .map(Some)
                .map_err(|error| format!("invalid {field} pattern '{text}': {error}"))
        };
        Ok(Target {
            group: compile("group", &selector.group)?,
            version: compile("version", &selector.version)?,
            kind: compile("kind", &selector.kind)?,
            name: compile("name", &selector.name)?,
            namespace: compile("namespace", &selector.namespace)?,
            labels: parse_selector(&selector.label_selector)
                .map_err(|error| format!("labelSelector: {error}"))?,
            annotations: parse_selector(&selector.annotation_selector)
                .map_err(|error| format!("annotationSelector: {error}"))?,
        })
    }

    /// Whether `resource` is selected. Names and namespaces match against
    /// the current ones and every earlier one, as kustomize does.
    pub fn matches(&self, resource: &Resource) -> bool {
        let is = |pattern: &Option<Regex>, value: &str| {
            pattern.as_ref().is_none_or(|regex| regex.is_match(value))
        };
        if !is(&self.group, resource.group())
            || !is(&self.version, resource.version())
            || !is(&self.kind, resource.kind())
        {
            return false;
        }
        if let Some(name) = &self.name
            && !resource.names.iter().any(|known| name.is_match(known))
        {
            return false;
        }
        if let Some(namespace) = &self.namespace
            && !resource
                .namespaces
                .iter()
                .any(|known| namespace.is_match(known))
        {
            return false;
        }
        let labels = &resource.object["metadata"]["labels"];
        let annotations = &resource.object["metadata"]["annotations"];
        self.labels.iter().all(|r| r.matches(labels))
            && self.annotations.iter().all(|r| r.matches(annotations))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors() {
        let labels = json!({"app": "web", "tier": "front"});
        let all = |text: &str| {
            parse_selector(text)
                .unwrap()
                .iter()
                .all(|r| r.matches(&labels))
        };
        assert!(all("app=web,tier in (front, back)"));
        assert!(all("app,!missing,tier!=back"));
        assert!(!all("app notin (web)"));
        assert!(!all("tier==back"));
        assert!(parse_selector("app in web").is_err());
    }
}
