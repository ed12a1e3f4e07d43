//! `templatePatch`: a templated YAML text merged over each rendered
//! Application, Argo CD's way to set non-string fields (`prune: true`,
//! replica counts, whole lists) from parameters.
//!
//! The patch is rendered as one string with the ApplicationSet's engine,
//! parsed as YAML and applied as a JSON merge patch (RFC 7396): mappings
//! merge, anything else replaces, `null` deletes. Argo applies it as a
//! strategic merge patch against the Application type, whose fields carry
//! no list merge keys, so for Applications the two agree (strategic-merge
//! `$patch` directives are not supported).

use serde_json::Value;

use super::budget::Budget;
use super::error::TemplatePatchProblem;
use super::params::Params;
use super::template::{CompiledString, Engine};
use crate::engine::yaml::parse_single;

/// A compiled `templatePatch`.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplatePatch {
    text: CompiledString,
    engine: Engine,
}

impl TemplatePatch {
    pub fn compile(text: &str, engine: Engine) -> Result<Self, super::error::TemplateError> {
        Ok(TemplatePatch {
            text: CompiledString::compile(text, engine)?,
            engine,
        })
    }

    /// Renders the patch with `params` and merges it into `target`.
    pub fn apply(&self, target: &mut Value, params: &Params) -> Result<(), TemplatePatchProblem> {
        let data = match self.engine {
            Engine::Go(_) => Value::Object(params.0.clone()),
            Engine::Fast => Value::Null,
        };
        let text = self
            .text
            .render(params, &data, self.engine, &mut Budget::per_application())
            .map_err(TemplatePatchProblem::Render)?;
        let patch = parse_single(&text).map_err(TemplatePatchProblem::Yaml)?;
        match patch {
            Value::Null => Ok(()),
            Value::Object(_) => {
                merge_patch(target, &patch);
                Ok(())
            }
            _ => Err(TemplatePatchProblem::NotAMapping),
        }
    }
}

/// RFC 7396 JSON merge patch: mappings merge key by key, `null` removes a
/// key, anything else replaces the target.
fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(serde_json::Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::appset::gotemplate::GoOptions;
    use serde_json::json;

    #[test]
    fn sets_typed_fields_from_parameters() {
        let patch = TemplatePatch::compile(
            "spec:\n  syncPolicy:\n    automated:\n      prune: {{ .prune }}\n{{- if .labels }}\nmetadata:\n  labels: {{ toJson .labels }}\n{{- end }}\n",
            Engine::Go(GoOptions::default()),
        )
        .unwrap();
        let mut app = json!({"metadata": {"name": "web"}, "spec": {"project": "default"}});
        let params = Params(
            json!({"prune": true, "labels": {"team": "a"}})
                .as_object()
                .cloned()
                .unwrap(),
        );
        patch.apply(&mut app, &params).unwrap();
        assert_eq!(
            app,
            json!({"metadata": {"name": "web", "labels": {"team": "a"}},
                "spec": {"project": "default", "syncPolicy": {"automated": {"prune": true}}}})
        );
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = json!({"a": {"b": 1, "c": 2}, "l": [1, 2], "d": 1});
        merge_patch(
            &mut target,
            &json!({"a": {"b": null, "e": 3}, "l": [3], "d": null}),
        );
        assert_eq!(target, json!({"a": {"c": 2, "e": 3}, "l": [3]}));
    }

    #[test]
    fn a_patch_that_is_not_a_mapping_is_refused() {
        let patch = TemplatePatch::compile("- a\n- b\n", Engine::Fast).unwrap();
        let mut app = json!({});
        assert!(matches!(
            patch.apply(&mut app, &Params::new()),
            Err(TemplatePatchProblem::NotAMapping)
        ));
    }
}
