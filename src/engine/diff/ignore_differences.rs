//! The Application's `ignoreDifferences`: fields left out of the
//! comparison for the resources a rule matches.
//!
//! A rule matches by group and kind (`*` and globs allowed, as in Argo CD)
//! and, when given, by name and namespace. `jsonPointers` remove a field
//! from both sides; `managedFieldsManagers` remove every field those
//! managers own in the live object (e.g. an HPA's `spec.replicas`).
//! `jqPathExpressions` need a jq engine fleetdeck does not embed: they are
//! a typed [`DiffError::UnsupportedJqPath`], never silently skipped.

use globset::Glob;
use serde_json::Value;

use super::error::DiffError;
use super::removed_fields::{Operations, managed_field_set, remove_owned};
use crate::engine::manifest::ObjectKey;
use crate::engine::model::ignore_differences::ResourceIgnoreDifferences;

/// Whether `rule` applies to the resource `key`.
pub fn rule_matches(rule: &ResourceIgnoreDifferences, key: &ObjectKey) -> bool {
    pattern_matches(&rule.group, &key.group)
        && pattern_matches(&rule.kind, &key.kind)
        && (rule.name.is_empty() || rule.name == key.name)
        && (rule.namespace.is_empty() || rule.namespace == key.namespace)
}

fn pattern_matches(pattern: &str, value: &str) -> bool {
    if pattern == value || pattern == "*" {
        return true;
    }
    pattern.contains(['*', '?', '['])
        && Glob::new(pattern).is_ok_and(|glob| glob.compile_matcher().is_match(value))
}

/// Removes the ignored fields of `key` from the normalised `desired` and
/// `live`; `raw_live` (with `managedFields`) tells who owns what.
pub(crate) fn apply_ignore_rules(
    rules: &[ResourceIgnoreDifferences],
    key: &ObjectKey,
    raw_live: &Value,
    desired: &mut Value,
    live: &mut Value,
) -> Result<(), DiffError> {
    for rule in rules.iter().filter(|rule| rule_matches(rule, key)) {
        if let Some(expression) = rule.jq_path_expressions.first() {
            return Err(DiffError::UnsupportedJqPath {
                resource: Box::new(key.clone()),
                expression: expression.clone(),
            });
        }
        for pointer in &rule.json_pointers {
            let tokens =
                parse_pointer(pointer).map_err(|reason| DiffError::InvalidJsonPointer {
                    resource: Box::new(key.clone()),
                    pointer: pointer.clone(),
                    reason,
                })?;
            remove_at(desired, &tokens);
            remove_at(live, &tokens);
        }
        for manager in &rule.managed_fields_managers {
            if let Some(set) = managed_field_set(raw_live, manager, Operations::Any, key)? {
                remove_owned(desired, &set);
                remove_owned(live, &set);
            }
        }
    }
    Ok(())
}

/// RFC 6901 tokens of a pointer (`/metadata/annotations/a~1b`).
fn parse_pointer(pointer: &str) -> Result<Vec<String>, &'static str> {
    let Some(rest) = pointer.strip_prefix('/') else {
        return Err("a JSON pointer must start with `/`");
    };
    rest.split('/')
        .map(|token| {
            let mut out = String::with_capacity(token.len());
            let mut chars = token.chars();
            while let Some(c) = chars.next() {
                if c != '~' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('0') => out.push('~'),
                    Some('1') => out.push('/'),
                    _ => return Err("`~` must be followed by `0` or `1`"),
                }
            }
            Ok(out)
        })
        .collect()
}

/// Removes the value at `tokens`, if there is one.
fn remove_at(value: &mut Value, tokens: &[String]) {
    let Some((last, parents)) = tokens.split_last() else {
        return;
    };
    let mut current = value;
    for token in parents {
        let next = match current {
            Value::Object(map) => map.get_mut(token),
            Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        };
        match next {
            Some(next) => current = next,
            None => return,
        }
    }
    match current {
        Value::Object(map) => {
            map.remove(last);
        }
        Value::Array(items) => {
            if let Some(index) = last.parse::<usize>().ok().filter(|i| *i < items.len()) {
                items.remove(index);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(group: &str, kind: &str, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    fn rule(group: &str, kind: &str) -> ResourceIgnoreDifferences {
        ResourceIgnoreDifferences {
            group: group.into(),
            kind: kind.into(),
            ..ResourceIgnoreDifferences::default()
        }
    }

    #[test]
    fn matching_by_group_kind_name_namespace() {
        let web = key("apps", "Deployment", "shop", "web");
        assert!(rule_matches(&rule("apps", "Deployment"), &web));
        assert!(rule_matches(&rule("*", "*"), &web));
        assert!(rule_matches(&rule("app*", "Deploy*"), &web));
        assert!(!rule_matches(&rule("", "Deployment"), &web));
        let named = ResourceIgnoreDifferences {
            name: "api".into(),
            ..rule("apps", "Deployment")
        };
        assert!(!rule_matches(&named, &web));
        let namespaced = ResourceIgnoreDifferences {
            namespace: "shop".into(),
            ..rule("apps", "Deployment")
        };
        assert!(rule_matches(&namespaced, &web));
    }

    #[test]
    fn pointers_unescape_and_remove() {
        assert_eq!(
            parse_pointer("/metadata/annotations/a~1b~0c").unwrap(),
            vec!["metadata", "annotations", "a/b~c"]
        );
        assert!(parse_pointer("spec").is_err());
        assert!(parse_pointer("/a~2").is_err());
        let mut value = json!({"spec": {"replicas": 3, "list": [1, 2, 3]}});
        remove_at(&mut value, &parse_pointer("/spec/replicas").unwrap());
        remove_at(&mut value, &parse_pointer("/spec/list/1").unwrap());
        remove_at(&mut value, &parse_pointer("/spec/missing/deep").unwrap());
        assert_eq!(value, json!({"spec": {"list": [1, 3]}}));
    }

    #[test]
    fn jq_is_unsupported_and_names_the_resource() {
        let jq = ResourceIgnoreDifferences {
            jq_path_expressions: vec![".spec.replicas".into()],
            ..rule("apps", "Deployment")
        };
        let web = key("apps", "Deployment", "shop", "web");
        let error = apply_ignore_rules(&[jq], &web, &json!({}), &mut json!({}), &mut json!({}))
            .unwrap_err();
        assert!(matches!(error, DiffError::UnsupportedJqPath { .. }));
        assert!(error.to_string().contains("Deployment.apps/shop/web"));
    }
}
