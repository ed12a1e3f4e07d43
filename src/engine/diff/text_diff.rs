//! A unified YAML diff per resource (live → desired: what a sync would
//! change), made with `similar`. Callers pass normalised, pruned and
//! masked objects, so the diff holds only meaningful lines and no secret.

use serde_json::Value;
use similar::TextDiff;

use super::error::{DiffError, Side};
use crate::engine::manifest::ObjectKey;

/// Lines of context around each change.
const CONTEXT_LINES: usize = 3;

/// The unified diff from `live` to `desired`; an absent side is empty
/// (a Missing resource is all additions, an Extraneous one all removals).
pub fn unified_yaml_diff(
    key: &ObjectKey,
    live: Option<&Value>,
    desired: Option<&Value>,
) -> Result<String, DiffError> {
    let live_text = to_yaml(key, Side::Live, live)?;
    let desired_text = to_yaml(key, Side::Desired, desired)?;
    let diff = TextDiff::from_lines(&live_text, &desired_text);
    Ok(diff
        .unified_diff()
        .context_radius(CONTEXT_LINES)
        .header(&format!("live/{key}"), &format!("desired/{key}"))
        .to_string())
}

fn to_yaml(key: &ObjectKey, side: Side, value: Option<&Value>) -> Result<String, DiffError> {
    let Some(value) = value else {
        return Ok(String::new());
    };
    let mut text = serde_saphyr::to_string(value).map_err(|error| DiffError::Yaml {
        resource: Box::new(key.clone()),
        side,
        message: error.to_string(),
    })?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> ObjectKey {
        ObjectKey {
            group: "apps".into(),
            kind: "Deployment".into(),
            namespace: "shop".into(),
            name: "web".into(),
        }
    }

    #[test]
    fn shows_changed_lines_with_headers() {
        let live = json!({"spec": {"replicas": 1, "image": "web:1"}});
        let desired = json!({"spec": {"replicas": 1, "image": "web:2"}});
        let text = unified_yaml_diff(&key(), Some(&live), Some(&desired)).unwrap();
        assert!(
            text.starts_with(
                "--- live/Deployment.apps/shop/web\n+++ desired/Deployment.apps/shop/web\n"
            ),
            "{text}"
        );
        assert!(text.contains("-  image: web:1\n"), "{text}");
        assert!(text.contains("+  image: web:2\n"), "{text}");
        assert!(text.contains("   replicas: 1\n"), "{text}");
    }

    #[test]
    fn absent_side_is_empty() {
        let desired = json!({"kind": "ConfigMap"});
        let text = unified_yaml_diff(&key(), None, Some(&desired)).unwrap();
        assert!(text.contains("+kind: ConfigMap\n"), "{text}");
        assert_eq!(
            unified_yaml_diff(&key(), Some(&desired), Some(&desired)).unwrap(),
            ""
        );
    }
}
