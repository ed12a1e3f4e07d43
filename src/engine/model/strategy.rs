//! `spec.strategy` of an ApplicationSet: update all generated Applications
//! at once, or progressively in RollingSync steps selected by labels.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::ValidationError;
use super::int_or_string::IntOrString;
use super::label_selector::LabelSelectorRequirement;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSetStrategy {
    /// Absent means `AllAtOnce`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub strategy_type: Option<StrategyType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_sync: Option<RollingSyncStrategy>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StrategyType {
    #[default]
    AllAtOnce,
    RollingSync,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingSyncStrategy {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<RollingSyncStep>,
}

/// Applications whose labels match every expression are synced in this
/// step, at most `maxUpdate` at a time (a number or a percentage; absent
/// means all of them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RollingSyncStep {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_update: Option<IntOrString>,
}

impl ApplicationSetStrategy {
    pub fn strategy_type(&self) -> StrategyType {
        self.strategy_type.unwrap_or_default()
    }

    /// RollingSync steps select with `In`/`NotIn` only (Argo CD skips a step
    /// with any other operator) and take a non-negative `maxUpdate` number
    /// or percentage.
    pub(crate) fn validate(&self, path: &str) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        if self.strategy_type() != StrategyType::RollingSync {
            return errors;
        }
        let steps = self
            .rolling_sync
            .as_ref()
            .map_or(&[][..], |rolling| &rolling.steps);
        for (index, step) in steps.iter().enumerate() {
            let step_path = format!("{path}.rollingSync.steps[{index}]");
            for (expression_index, expression) in step.match_expressions.iter().enumerate() {
                if !matches!(expression.operator.as_str(), "In" | "NotIn") {
                    errors.push(ValidationError::new(
                        format!("{step_path}.matchExpressions[{expression_index}].operator"),
                        format!("must be In or NotIn, found {:?}", expression.operator),
                    ));
                }
            }
            if let Some(max_update) = &step.max_update
                && max_update.scaled(100).is_none()
            {
                errors.push(ValidationError::new(
                    format!("{step_path}.maxUpdate"),
                    format!("must be a non-negative number or percentage, found {max_update:?}"),
                ));
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rolling_sync_steps_are_checked() {
        let strategy: ApplicationSetStrategy = serde_json::from_value(json!({
            "type": "RollingSync",
            "rollingSync": {"steps": [
                {"matchExpressions": [{"key": "env", "operator": "In", "values": ["dev"]}]},
                {"matchExpressions": [{"key": "env", "operator": "Exists"}], "maxUpdate": "25%"},
                {"matchExpressions": [], "maxUpdate": "lots"},
                {"maxUpdate": 2}
            ]}
        }))
        .unwrap();
        let paths: Vec<_> = strategy
            .validate("spec.strategy")
            .into_iter()
            .map(|error| error.path)
            .collect();
        assert_eq!(
            paths,
            vec![
                "spec.strategy.rollingSync.steps[1].matchExpressions[0].operator",
                "spec.strategy.rollingSync.steps[2].maxUpdate",
            ]
        );
    }

    #[test]
    fn absent_type_is_all_at_once_and_unknown_types_fail_to_parse() {
        let strategy = ApplicationSetStrategy::default();
        assert_eq!(strategy.strategy_type(), StrategyType::AllAtOnce);
        assert!(strategy.validate("s").is_empty());
        let bad = serde_json::from_value::<ApplicationSetStrategy>(json!({"type": "Canary"}));
        assert!(bad.is_err());
    }
}
