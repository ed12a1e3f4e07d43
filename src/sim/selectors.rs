//! Label selectors (`=`, `==`, `!=`, `in`, `notin`, `key`, `!key`) and field selectors
//! (`metadata.name`, `metadata.namespace` and other dotted paths; `=`, `==`, `!=`) as
//! the API server parses them from list and watch query strings.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum LabelRequirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A parsed `labelSelector`; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LabelSelector {
    requirements: Vec<LabelRequirement>,
}

/// Splits on commas outside parentheses (`a in (x,y),b` is two requirements).
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
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

fn parse_set(key: &str, rest: &str, original: &str) -> Result<(String, Vec<String>), String> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| format!("unable to parse requirement: {original}: expected (values)"))?;
    let values: Vec<String> = inner
        .split(',')
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() || !values.iter().all(|v| valid_value(v)) {
        return Err(format!(
            "unable to parse requirement: {original}: invalid values"
        ));
    }
    Ok((key.to_string(), values))
}

impl LabelSelector {
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let requirement = if let Some(key) = part.strip_prefix('!') {
                LabelRequirement::NotExists(key.trim().to_string())
            } else if let Some((key, value)) = part.split_once("!=") {
                LabelRequirement::NotEquals(key.trim().into(), value.trim().into())
            } else if let Some((key, value)) = part.split_once("==") {
                LabelRequirement::Equals(key.trim().into(), value.trim().into())
            } else if let Some((key, value)) = part.split_once('=') {
                LabelRequirement::Equals(key.trim().into(), value.trim().into())
            } else if let Some((key, rest)) = part.split_once(" notin ") {
                let (key, values) = parse_set(key.trim(), rest, part)?;
                LabelRequirement::NotIn(key, values)
            } else if let Some((key, rest)) = part.split_once(" in ") {
                let (key, values) = parse_set(key.trim(), rest, part)?;
                LabelRequirement::In(key, values)
            } else {
                LabelRequirement::Exists(part.to_string())
            };
            let (key, values): (&str, Vec<&str>) = match &requirement {
                LabelRequirement::Equals(k, v) | LabelRequirement::NotEquals(k, v) => {
                    (k, vec![v.as_str()])
                }
                LabelRequirement::In(k, vs) | LabelRequirement::NotIn(k, vs) => {
                    (k, vs.iter().map(String::as_str).collect())
                }
                LabelRequirement::Exists(k) | LabelRequirement::NotExists(k) => (k, Vec::new()),
            };
            if !valid_key(key) || !values.iter().all(|v| valid_value(v)) {
                return Err(format!("unable to parse requirement: {part:?}"));
            }
            requirements.push(requirement);
        }
        Ok(LabelSelector { requirements })
    }

    /// The selector a workload's `spec.selector.matchLabels` / `matchExpressions` means.
    pub fn from_label_selector_object(selector: &Value) -> Self {
        let mut requirements = Vec::new();
        for (key, value) in selector["matchLabels"].as_object().into_iter().flatten() {
            requirements.push(LabelRequirement::Equals(
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
                "In" => LabelRequirement::In(key, values),
                "NotIn" => LabelRequirement::NotIn(key, values),
                "Exists" => LabelRequirement::Exists(key),
                _ => LabelRequirement::NotExists(key),
            };
            requirements.push(requirement);
        }
        LabelSelector { requirements }
    }

    pub fn matches(&self, object: &Value) -> bool {
        let labels = &object["metadata"]["labels"];
        let label = |key: &str| labels.get(key).and_then(Value::as_str);
        self.requirements
            .iter()
            .all(|requirement| match requirement {
                LabelRequirement::Equals(k, v) => label(k) == Some(v.as_str()),
                LabelRequirement::NotEquals(k, v) => label(k) != Some(v.as_str()),
                LabelRequirement::In(k, vs) => label(k).is_some_and(|l| vs.iter().any(|v| v == l)),
                LabelRequirement::NotIn(k, vs) => {
                    label(k).is_none_or(|l| vs.iter().all(|v| v != l))
                }
                LabelRequirement::Exists(k) => label(k).is_some(),
                LabelRequirement::NotExists(k) => label(k).is_none(),
            })
    }

    /// The `key=value,...` text form (the `selector` of a Scale status).
    pub fn to_query(&self) -> String {
        self.requirements
            .iter()
            .map(|r| match r {
                LabelRequirement::Equals(k, v) => format!("{k}={v}"),
                LabelRequirement::NotEquals(k, v) => format!("{k}!={v}"),
                LabelRequirement::In(k, vs) => format!("{k} in ({})", vs.join(",")),
                LabelRequirement::NotIn(k, vs) => format!("{k} notin ({})", vs.join(",")),
                LabelRequirement::Exists(k) => k.clone(),
                LabelRequirement::NotExists(k) => format!("!{k}"),
            })
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
        for part in split_top_level(text) {
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
