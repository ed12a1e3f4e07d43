//! Kubernetes label selectors as used by ApplicationSet generators (cluster
//! selection, per-generator `selector`) and RollingSync steps.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// `{key, operator, values}`; operators are `In`, `NotIn`, `Exists`,
/// `DoesNotExist` (RollingSync steps accept only `In` and `NotIn`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl LabelSelector {
    /// Whether `labels` satisfy the selector. An empty selector matches
    /// everything, as in Kubernetes. Unknown operators match nothing.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value))
            && self
                .match_expressions
                .iter()
                .all(|requirement| requirement.matches(labels))
    }
}

impl LabelSelectorRequirement {
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator.as_str() {
            "In" => value.is_some_and(|value| self.values.contains(value)),
            "NotIn" => value.is_none_or(|value| !self.values.contains(value)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn matches_labels_and_expressions() {
        let selector = LabelSelector {
            match_labels: labels(&[("env", "prod")]),
            match_expressions: vec![LabelSelectorRequirement {
                key: "region".into(),
                operator: "NotIn".into(),
                values: vec!["eu".into()],
            }],
        };
        assert!(selector.matches(&labels(&[("env", "prod"), ("region", "us")])));
        assert!(selector.matches(&labels(&[("env", "prod")])));
        assert!(!selector.matches(&labels(&[("env", "prod"), ("region", "eu")])));
        assert!(!selector.matches(&labels(&[("env", "dev")])));
        assert!(LabelSelector::default().matches(&labels(&[])));
    }
}
