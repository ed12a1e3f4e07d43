//! Kubernetes' label selector text syntax (`a=b,c!=d,e in (x,y),f notin (z),g,!h`),
//! parsed and matched against a string map.
//!
//! The same syntax appears in an API server's `labelSelector` query (the
//! simulated fleet) and in Kustomize patch targets (`labelSelector`,
//! `annotationSelector`); one parser keeps them agreeing. Checking that keys
//! and values are valid label text is left to callers, because annotation
//! values may hold anything.

use std::fmt;

use serde_json::Value;

/// One term of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A term that is not selector syntax.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid selector term '{term}': {reason}")]
pub struct SelectorError {
    pub term: String,
    pub reason: &'static str,
}

impl Requirement {
    pub fn key(&self) -> &str {
        match self {
            Requirement::Equals(key, _)
            | Requirement::NotEquals(key, _)
            | Requirement::In(key, _)
            | Requirement::NotIn(key, _)
            | Requirement::Exists(key)
            | Requirement::NotExists(key) => key,
        }
    }

    /// The values the term compares with (none for `key` / `!key`).
    pub fn values(&self) -> &[String] {
        match self {
            Requirement::Equals(_, value) | Requirement::NotEquals(_, value) => {
                std::slice::from_ref(value)
            }
            Requirement::In(_, values) | Requirement::NotIn(_, values) => values,
            Requirement::Exists(_) | Requirement::NotExists(_) => &[],
        }
    }

    /// Whether `map` (an object's `labels` or `annotations`; null when
    /// absent) satisfies the term.
    pub fn matches(&self, map: &Value) -> bool {
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

impl fmt::Display for Requirement {
    /// The canonical text form, which parses back to the same term.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Requirement::Equals(key, value) => write!(f, "{key}={value}"),
            Requirement::NotEquals(key, value) => write!(f, "{key}!={value}"),
            Requirement::In(key, values) => write!(f, "{key} in ({})", values.join(",")),
            Requirement::NotIn(key, values) => write!(f, "{key} notin ({})", values.join(",")),
            Requirement::Exists(key) => write!(f, "{key}"),
            Requirement::NotExists(key) => write!(f, "!{key}"),
        }
    }
}

/// Parses a selector; the empty text is the empty selector (matches all).
pub fn parse_selector(text: &str) -> Result<Vec<Requirement>, SelectorError> {
    split_terms(text).into_iter().map(parse_term).collect()
}

fn parse_term(term: &str) -> Result<Requirement, SelectorError> {
    let requirement = parse_shape(term)?;
    // A term with no valid key (`!`, `=x`) would select every app or none:
    // it is a typo to report, not a scope to act on.
    let invalid = |reason| SelectorError {
        term: term.to_string(),
        reason,
    };
    if !is_label_key(requirement.key()) {
        return Err(invalid("the key is not a valid label key"));
    }
    if !requirement
        .values()
        .iter()
        .all(|value| is_label_value(value))
    {
        return Err(invalid("a value is not a valid label value"));
    }
    Ok(requirement)
}

/// A Kubernetes label key: an optional DNS subdomain prefix and `/`, then
/// a name of at most 63 characters.
fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    prefix.is_none_or(crate::engine::model::is_dns_subdomain)
        && !name.is_empty()
        && is_label_value(name)
}

/// A Kubernetes label value: empty, or at most 63 letters, digits, `-`,
/// `_` and `.`, starting and ending with a letter or digit.
fn is_label_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    value.is_empty()
        || (bytes.len() <= 63
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric())
}

fn parse_shape(term: &str) -> Result<Requirement, SelectorError> {
    let invalid = |reason| SelectorError {
        term: term.to_string(),
        reason,
    };
    let pair = |key: &str, value: &str| (key.trim().to_string(), value.trim().to_string());
    if let Some(key) = term.strip_prefix('!') {
        return Ok(Requirement::NotExists(key.trim().to_string()));
    }
    if let Some((key, value)) = term.split_once("!=") {
        let (key, value) = pair(key, value);
        return Ok(Requirement::NotEquals(key, value));
    }
    if let Some((key, value)) = term.split_once("==").or_else(|| term.split_once('=')) {
        let (key, value) = pair(key, value);
        return Ok(Requirement::Equals(key, value));
    }
    for (operator, negated) in [(" notin ", true), (" in ", false)] {
        if let Some((key, rest)) = term.split_once(operator) {
            let values: Vec<String> = rest
                .trim()
                .strip_prefix('(')
                .and_then(|inner| inner.strip_suffix(')'))
                .ok_or_else(|| invalid("expected a parenthesised set of values"))?
                .split(',')
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
                .collect();
            if values.is_empty() {
                return Err(invalid("a set needs at least one value"));
            }
            let key = key.trim().to_string();
            return Ok(if negated {
                Requirement::NotIn(key, values)
            } else {
                Requirement::In(key, values)
            });
        }
    }
    if term.contains(char::is_whitespace) || term.contains(['(', ')']) {
        return Err(invalid("unknown operator"));
    }
    Ok(Requirement::Exists(term.to_string()))
}

/// Splits on commas outside parentheses (`a in (x,y),b` is two terms),
/// trimmed, empty terms dropped.
pub fn split_terms(text: &str) -> Vec<&str> {
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
        .into_iter()
        .map(str::trim)
        .filter(|term| !term.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_operator_and_prints_it_back() {
        let text = "a=b,c!=d,e in (x, y),f notin (z),g,!h,i==j";
        let requirements = parse_selector(text).unwrap();
        let printed: Vec<String> = requirements.iter().map(ToString::to_string).collect();
        assert_eq!(
            printed,
            ["a=b", "c!=d", "e in (x,y)", "f notin (z)", "g", "!h", "i=j"]
        );
        let again = parse_selector(&printed.join(",")).unwrap();
        assert_eq!(again, requirements);
    }

    #[test]
    fn matches_a_map() {
        let labels = json!({"app": "web", "tier": "front"});
        let all = |text: &str| {
            parse_selector(text)
                .unwrap()
                .iter()
                .all(|requirement| requirement.matches(&labels))
        };
        assert!(all("app=web,tier in (front,back),!missing,app"));
        assert!(all("tier notin (back),app!=api"));
        assert!(!all("app=api"));
        assert!(!all("tier notin (front)"));
        assert!(!all("missing"));
        assert!(all(""));
        assert!(Requirement::NotExists("x".into()).matches(&Value::Null));
    }

    #[test]
    fn accepts_prefixed_keys_and_empty_values() {
        assert!(parse_selector("app.kubernetes.io/name=web,tier==,x_y.z").is_ok());
    }

    #[test]
    fn rejects_malformed_terms() {
        for bad in [
            "a in x",
            "a in ()",
            "a b",
            "a notin (",
            "(a)",
            "!",
            "=x",
            "env!",
            "a=b=c",
            "-a",
            "a=-b",
            "Bad_Prefix/x",
        ] {
            let error = parse_selector(bad).unwrap_err();
            assert_eq!(error.term, bad.trim(), "{bad}");
        }
    }
}
