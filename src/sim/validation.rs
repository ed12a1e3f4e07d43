//! The validation the simulator does before storing an object (422 Invalid): object
//! names, label values, workload selectors matching their pod template, CRD names. A
//! small, deliberate subset of the real server's checks — the ones fleetdeck's users
//! hit with hand-written manifests.

use serde_json::Value;

use super::resource_kinds::ResourceKind;
use super::selectors::LabelSelector;
use super::status_error::ApiError;

/// DNS-1123 subdomain: lowercase alphanumerics, '-' and '.', alphanumeric at both ends.
pub(crate) fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// DNS-1123 label: a subdomain without dots, at most 63 characters.
pub(crate) fn is_dns_label(name: &str) -> bool {
    name.len() <= 63 && !name.contains('.') && is_dns_subdomain(name)
}

/// RBAC objects and a few others accept any path-segment name (`system:controller`).
fn is_path_segment_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('%')
}

fn valid_name(kind: &ResourceKind, name: &str) -> bool {
    if kind.is_namespace() {
        is_dns_label(name)
    } else if kind.group == "rbac.authorization.k8s.io" {
        is_path_segment_name(name)
    } else {
        is_dns_subdomain(name)
    }
}

pub(crate) fn validate(kind: &ResourceKind, object: &Value) -> Result<(), ApiError> {
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let mut causes: Vec<(String, String)> = Vec::new();
    if !valid_name(kind, name) {
        causes.push((
            "metadata.name".into(),
            format!(
                "Invalid value: {name:?}: a lowercase RFC 1123 subdomain must consist of lower case \
                 alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
            ),
        ));
    }
    for (key, value) in object["metadata"]["labels"]
        .as_object()
        .into_iter()
        .flatten()
    {
        let ok = value.as_str().is_some_and(|v| {
            v.len() <= 63
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
        if !ok {
            causes.push((
                "metadata.labels".to_string(),
                format!("Invalid value: {value}: label {key:?} must be 63 characters or less of alphanumerics, '-', '_' or '.'"),
            ));
        }
    }
    let workload = !kind.custom
        && kind.group == "apps"
        && matches!(
            kind.plural.as_str(),
            "deployments" | "replicasets" | "statefulsets" | "daemonsets"
        );
    if workload {
        validate_workload(object, &mut causes);
    }
    if kind.is_crd() {
        let spec = &object["spec"];
        let expected = format!(
            "{}.{}",
            spec["names"]["plural"].as_str().unwrap_or_default(),
            spec["group"].as_str().unwrap_or_default()
        );
        if name != expected {
            causes.push((
                "metadata.name".into(),
                format!("Invalid value: {name:?}: must be spec.names.plural+\".\"+spec.group"),
            ));
        }
        if spec["names"]["kind"].as_str().is_none_or(str::is_empty) {
            causes.push(("spec.names.kind".into(), "Required value".into()));
        }
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(kind, name, &causes))
    }
}

/// Fields that cannot change once set (422 "field is immutable"), the ones that make
/// GitOps tools fall back to delete-and-recreate.
pub(crate) fn validate_update(
    kind: &ResourceKind,
    old: &Value,
    new: &Value,
) -> Result<(), ApiError> {
    if kind.custom {
        return Ok(());
    }
    let immutable: &[&str] = match (kind.group.as_str(), kind.plural.as_str()) {
        ("apps", "deployments" | "replicasets" | "statefulsets" | "daemonsets") => &["selector"],
        ("batch", "jobs") => &["selector", "template"],
        ("", "services") => &["clusterIP"],
        _ => &[],
    };
    let causes: Vec<(String, String)> = immutable
        .iter()
        .filter(|field| {
            let before = &old["spec"][**field];
            !before.is_null() && *before != new["spec"][**field]
        })
        .map(|field| (format!("spec.{field}"), "field is immutable".to_string()))
        .collect();
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(
            kind,
            old["metadata"]["name"].as_str().unwrap_or_default(),
            &causes,
        ))
    }
}

fn validate_workload(object: &Value, causes: &mut Vec<(String, String)>) {
    let spec = &object["spec"];
    let selector = &spec["selector"];
    if !selector.is_object()
        || (selector["matchLabels"]
            .as_object()
            .is_none_or(|m| m.is_empty())
            && selector["matchExpressions"]
                .as_array()
                .is_none_or(|m| m.is_empty()))
    {
        causes.push(("spec.selector".into(), "Required value".into()));
    } else {
        let template = &spec["template"];
        if !LabelSelector::from_label_selector_object(selector).matches(template) {
            causes.push((
                "spec.template.metadata.labels".into(),
                "Invalid value: `selector` does not match template `labels`".into(),
            ));
        }
    }
    if spec["template"]["spec"]["containers"]
        .as_array()
        .is_none_or(|c| c.is_empty())
    {
        causes.push((
            "spec.template.spec.containers".into(),
            "Required value".into(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resource_kinds::builtin;
    use serde_json::json;

    #[test]
    fn selectors_are_immutable() {
        let kind = builtin("apps", "v1", "deployments").expect("kind");
        let old = json!({"metadata": {"name": "web"}, "spec": {"selector": {"matchLabels": {"app": "a"}}}});
        let mut new = old.clone();
        validate_update(kind, &old, &new).expect("unchanged");
        new["spec"]["selector"]["matchLabels"]["app"] = json!("b");
        let error = validate_update(kind, &old, &new).expect_err("immutable");
        assert!(error.message.contains("spec.selector: field is immutable"));
    }

    #[test]
    fn names_follow_dns_rules() {
        assert!(is_dns_subdomain("web-1.example"));
        assert!(!is_dns_subdomain("Web"));
        assert!(!is_dns_subdomain("-web"));
        assert!(!is_dns_label("a.b"));
    }

    #[test]
    fn deployment_selector_must_match_template() {
        let kind = builtin("apps", "v1", "deployments").expect("kind");
        let good = json!({"metadata": {"name": "web"}, "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c"}]}}}});
        validate(kind, &good).expect("valid");
        let mut bad = good.clone();
        bad["spec"]["template"]["metadata"]["labels"]["app"] = json!("other");
        let error = validate(kind, &bad).expect_err("invalid");
        assert_eq!((error.code, error.reason), (422, "Invalid"));
        assert!(error.message.contains("spec.template.metadata.labels"));
    }
}
