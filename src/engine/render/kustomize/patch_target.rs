//! Patch targets: which objects a patch applies to. Group, version, kind,
//! name and namespace are anchored regular expressions (as in kustomize);
//! label and annotation selectors use Kubernetes' selector syntax.

use regex::Regex;
use serde_json::Value;

use super::kustomization::Selector;
use super::resource::Resource;

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
            labels: parse_selector(&selector.label_selector)?,
            annotations: parse_selector(&selector.annotation_selector)?,
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

/// One term of a label selector.
#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    fn matches(&self, map: &Value) -> bool {
        let get = |key: &str| map.get(key).and_then(Value::as_str);
        match self {
            Requirement::Equals(key, value) => get(key) == Some(value.as_str()),
            Requirement::NotEquals(key, value) => get(key) != Some(value.as_str()),
            Requirement::In(key, values) => get(key).is_some_and(|v| values.iter().any(|x| x == v)),
            Requirement::NotIn(key, values) => {
                get(key).is_none_or(|v| !values.iter().any(|x| x == v))
            }
            Requirement::Exists(key) => get(key).is_some(),
            Requirement::NotExists(key) => get(key).is_none(),
        }
    }
}

/// Parses `a=b,c!=d,e in (x,y),f notin (z),g,!h`.
fn parse_selector(text: &str) -> Result<Vec<Requirement>, String> {
    let mut requirements = Vec::new();
    for term in split_terms(text) {
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        let invalid = || format!("invalid selector term '{term}'");
        let requirement = if let Some(key) = term.strip_prefix('!') {
            Requirement::NotExists(key.trim().to_string())
        } else if let Some((key, value)) = term.split_once("!=") {
            Requirement::NotEquals(key.trim().into(), value.trim().into())
        } else if let Some((key, value)) = term.split_once("==") {
            Requirement::Equals(key.trim().into(), value.trim().into())
        } else if let Some((key, value)) = term.split_once('=') {
            Requirement::Equals(key.trim().into(), value.trim().into())
        } else if let Some((key, values)) = set_term(term, " notin ") {
            Requirement::NotIn(key, values.ok_or_else(invalid)?)
        } else if let Some((key, values)) = set_term(term, " in ") {
            Requirement::In(key, values.ok_or_else(invalid)?)
        } else if term.contains(' ') || term.contains('(') {
            return Err(invalid());
        } else {
            Requirement::Exists(term.to_string())
        };
        requirements.push(requirement);
    }
    Ok(requirements)
}

fn set_term(term: &str, operator: &str) -> Option<(String, Option<Vec<String>>)> {
    let (key, rest) = term.split_once(operator)?;
    let values = rest
        .trim()
        .strip_prefix('(')
        .and_then(|inner| inner.strip_suffix(')'))
        .map(|inner| inner.split(',').map(|v| v.trim().to_string()).collect());
    Some((key.trim().to_string(), values))
}

/// Splits on commas outside parentheses.
fn split_terms(text: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (index, ch) in text.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    terms.push(&text[start..]);
    terms
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
