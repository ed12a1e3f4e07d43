//! The per-generator `selector`: a label selector applied, after the
//! generator ran, to each parameter set's flattened view (`a.b.c` keys,
//! string values), as Argo CD does.

use super::params::Params;
use crate::engine::model::LabelSelector;

pub(crate) fn filter(params: Vec<Params>, selector: Option<&LabelSelector>) -> Vec<Params> {
    let Some(selector) = selector else {
        return params;
    };
    if selector.match_labels.is_empty() && selector.match_expressions.is_empty() {
        return params;
    }
    params
        .into_iter()
        .filter(|set| selector.matches(&set.flattened()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_on_flattened_params() {
        let sets = vec![
            Params(
                json!({"env": "staging", "values": {"tier": "1"}})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
            Params(
                json!({"env": "prod", "values": {"tier": "2"}})
                    .as_object()
                    .cloned()
                    .unwrap(),
            ),
        ];
        let selector: LabelSelector = serde_json::from_value(json!({
            "matchExpressions": [{"key": "values.tier", "operator": "In", "values": ["2"]}]
        }))
        .unwrap();
        let kept = filter(sets.clone(), Some(&selector));
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].get("env"), Some(&json!("prod")));
        assert_eq!(filter(sets, Some(&LabelSelector::default())).len(), 2);
    }
}
