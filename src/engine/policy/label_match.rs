//! `TextSelector`: a label selector written as text (`environment=production`,
//! `tier in (db,cache),!canary`), kept as the operator wrote it and matched
//! against a label map. Parsing is [`crate::engine::selector`]'s grammar;
//! matching is the model's [`LabelSelector`], so the rules are written once.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::model::label_selector::{LabelSelector, LabelSelectorRequirement};
use crate::engine::selector::{Requirement, SelectorError, parse_selector};

/// A parsed text selector. Serialises as its text; deserialising parses it
/// again, so a stored selector is always valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TextSelector {
    text: String,
    selector: LabelSelector,
}

impl TextSelector {
    /// Parses `text`. The empty selector would match everything, which is
    /// never what a pause or a gate means, so it is refused.
    pub fn parse(text: &str) -> Result<Self, SelectorError> {
        let text = text.trim();
        let requirements = parse_selector(text)?;
        if requirements.is_empty() {
            return Err(SelectorError {
                term: text.to_string(),
                reason: "an empty selector would match everything",
            });
        }
        let match_expressions = requirements.iter().map(to_model).collect();
        Ok(TextSelector {
            text: text.to_string(),
            selector: LabelSelector {
                match_labels: BTreeMap::new(),
                match_expressions,
            },
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.selector.matches(labels)
    }
}

/// `a=b` is `a In (b)` and `a!=b` is `a NotIn (b)`, as in Kubernetes.
fn to_model(requirement: &Requirement) -> LabelSelectorRequirement {
    let operator = match requirement {
        Requirement::Equals(..) | Requirement::In(..) => "In",
        Requirement::NotEquals(..) | Requirement::NotIn(..) => "NotIn",
        Requirement::Exists(_) => "Exists",
        Requirement::NotExists(_) => "DoesNotExist",
    };
    LabelSelectorRequirement {
        key: requirement.key().to_string(),
        operator: operator.to_string(),
        values: requirement.values().to_vec(),
    }
}

impl TryFrom<String> for TextSelector {
    type Error = SelectorError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        TextSelector::parse(&text)
    }
}

impl From<TextSelector> for String {
    fn from(selector: TextSelector) -> Self {
        selector.text
    }
}

impl fmt::Display for TextSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
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
    fn matches_every_operator() {
        let db = labels(&[("tier", "db"), ("env", "prod")]);
        let web = labels(&[("tier", "web"), ("canary", "yes")]);
        let check = |text: &str, expected: [bool; 2]| {
            let selector = TextSelector::parse(text).unwrap();
            assert_eq!(
                [selector.matches(&db), selector.matches(&web)],
                expected,
                "{text}"
            );
        };
        check("tier=db", [true, false]);
        check("tier!=db", [false, true]);
        check("tier in (db,cache)", [true, false]);
        check("tier notin (db)", [false, true]);
        check("canary", [false, true]);
        check("!canary", [true, false]);
        check("tier=db,env=prod", [true, false]);
        check("tier=db,env=staging", [false, false]);
    }

    #[test]
    fn round_trips_as_text_and_refuses_bad_or_empty_selectors() {
        let selector = TextSelector::parse(" environment=production ").unwrap();
        let json = serde_json::to_string(&selector).unwrap();
        assert_eq!(json, "\"environment=production\"");
        let back: TextSelector = serde_json::from_str(&json).unwrap();
        assert_eq!(back, selector);
        assert_eq!(back.to_string(), "environment=production");
        assert!(TextSelector::parse("").is_err());
        assert!(TextSelector::parse(" , ").is_err());
        assert!(TextSelector::parse("a in x").is_err());
        assert!(serde_json::from_str::<TextSelector>("\"a in ()\"").is_err());
    }
}
