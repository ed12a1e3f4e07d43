//! Label selectors (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`) and field selectors
//! (`metadata.name`, `metadata.namespace` and other dotted paths; `=`, `==`, `!=`) as
//! the API server parses them from list and watch query strings.

use serde_json::Value;

use crate::engine::selector::{Requirement, parse_selector, split_terms};

/// A parsed `labelSelector`; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LabelSelector {
    requirements: Vec<Requirement>,
}

fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 316
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn valid_value(value: &str) -> bool {
    value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<Self, String> {
        let requirements = parse_selector(text)
            .map_err(|error| format!("unable to parse requirement: {error}"))?;
        for requirement in &requirements {
            if !valid_key(requirement.key())
                || !requirement.values().iter().all(|value| valid_value(value))
            {
                return Err(format!(
                    "unable to parse requirement: {:?}",
                    requirement.to_string()
                ));
            }
        }
        Ok(LabelSelector { requirements })
    }

    /// The selector a workload's `spec.selector.matchLabels` / `matchExpressions` means.
    pub fn from_label_selector_object(selector: &Value) -> Self {
        let mut requirements = Vec::new();
        for (key, value) in selector["matchLabels"].as_object().into_iter().flatten() {
            requirements.push(Requirement::Equals(
                key.clone(),
                value.as_str().unwrap_or_default().to_string(),
            ));
        }
        for expression in selector["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let key = expression["key"].as_str().unwrap_or_default().to_string();
            let values: Vec<String> = expression["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            let requirement = match expression["operator"].as_str().unwrap_or_default() {
                "In" => Requirement::In(key, values),
                "NotIn" => Requirement::NotIn(key, values),
                "Exists" => Requirement::Exists(key),
                _ => Requirement::NotExists(key),
            };
            requirements.push(requirement);
        }
        LabelSelector { requirements }
    }

    pub fn matches(&self, object: &Value) -> bool {
        let labels = &object["metadata"]["labels"];
        self.requirements
            .iter()
            .all(|requirement| requirement.matches(labels))
    }

    /// The `key=value,...` text form (the `selector` of a Scale status).
    pub fn to_query(&self) -> String {
        self.requirements
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// A parsed `fieldSelector`: every term must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct FieldSelector {
    terms: Vec<(String, bool, String)>,
}

impl FieldSelector {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut terms = Vec::new();
        for part in split_terms(text) {
            let (path, equal, value) = if let Some((p, v)) = part.split_once("!=") {
                (p, false, v)
            } else if let Some((p, v)) = part.split_once("==") {
                (p, true, v)
            } else if let Some((p, v)) = part.split_once('=') {
                (p, true, v)
            } else {
                return Err(format!(
                    "invalid selector: '{part}'; can't understand '{part}'"
                ));
            };
            let path = path.trim();
            if path.is_empty() || path.split('.').any(str::is_empty) {
                return Err(format!("field label not supported: {path}"));
            }
            terms.push((path.to_string(), equal, value.trim().to_string()));
        }
        Ok(FieldSelector { terms })
    }

    /// Values are compared as strings; a missing field is the empty string.
    pub fn matches(&self, object: &Value) -> bool {
        self.terms.iter().all(|(path, equal, value)| {
            let mut current = object;
            for segment in path.split('.') {
                current = &current[segment];
            }
            let actual = match current {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (actual == *value) == *equal
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(labels: Value) -> Value {
        json!({"metadata": {"name": "a", "namespace": "ns1", "labels": labels}})
    }

    #[test]
    fn label_selector_operators() {
        let o = obj(json!({"app": "web", "tier": "front"}));
        let yes = [
            "app=web",
            "app==web",
            "app!=db",
            "app in (web,db)",
            "tier notin (back)",
            "app",
            "!missing",
            "app=web,tier in (front)",
            "",
        ];
        for s in yes {
            assert!(
                LabelSelector::parse(s).expect(s).matches(&o),
                "{s} should match"
            );
        }
        let no = [
            "app=db",
            "app!=web",
            "app in (db)",
            "app notin (web)",
            "missing",
            "!app",
        ];
        for s in no {
            assert!(
                !LabelSelector::parse(s).expect(s).matches(&o),
                "{s} should not match"
            );
        }
        assert!(LabelSelector::parse("app in web").is_err());
        assert!(LabelSelector::parse("a b=c").is_err());
    }

    #[test]
    fn field_selector_on_metadata() {
        let o = obj(json!({}));
        assert!(
            FieldSelector::parse("metadata.name=a")
                .expect("p")
                .matches(&o)
        );
        assert!(
            FieldSelector::parse("metadata.namespace==ns1,metadata.name!=b")
                .expect("p")
                .matches(&o)
        );
        assert!(
            !FieldSelector::parse("metadata.name=b")
                .expect("p")
                .matches(&o)
        );
        assert!(FieldSelector::parse("nonsense").is_err());
    }

    #[test]
    fn workload_selector_round_trips_to_text() {
        let selector =
            LabelSelector::from_label_selector_object(&json!({"matchLabels": {"app": "web"}}));
        assert_eq!(selector.to_query(), "app=web");
        assert!(selector.matches(&obj(json!({"app": "web"}))));
    }
}
