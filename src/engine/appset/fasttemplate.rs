//! Argo CD's default templating: `{{param}}` replaced by the parameter's
//! string value, one template string at a time.
//!
//! As in Argo (fasttemplate with `{{`/`}}` tags): the tag is trimmed of
//! spaces before lookup, so `{{ name }}` works; a tag naming no parameter,
//! or a parameter that is not a string, is written back exactly as it was,
//! so an unresolved `{{x}}` stays in the output; a `{{` without `}}` is an
//! error. Rendering draws on a [`Budget`]: a thousand tags each replaced
//! by a large parameter cannot build an unbounded string.

use serde_json::Value;

use super::budget::{Budget, OverBudget};
use super::error::TemplateError;
use super::params::Params;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Tag {
        /// The tag as written between the braces.
        raw: String,
        /// The parameter name (trimmed).
        key: String,
    },
}

/// A parsed template string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastTemplate {
    parts: Vec<Part>,
}

impl FastTemplate {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let mut parts = Vec::new();
        let mut pos = 0;
        while let Some(found) = text[pos..].find("{{") {
            let start = pos + found;
            if start > pos {
                parts.push(Part::Text(text[pos..start].to_string()));
            }
            let Some(close) = text[start + 2..].find("}}") else {
                return Err(TemplateError::Unclosed { offset: start });
            };
            let raw = &text[start + 2..start + 2 + close];
            parts.push(Part::Tag {
                raw: raw.to_string(),
                key: raw.trim().to_string(),
            });
            pos = start + 2 + close + 2;
        }
        if pos < text.len() {
            parts.push(Part::Text(text[pos..].to_string()));
        }
        Ok(FastTemplate { parts })
    }

    /// The text, when there is no tag at all.
    pub fn static_text(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [] => Some(""),
            [Part::Text(text)] => Some(text),
            _ => None,
        }
    }

    pub fn render(&self, params: &Params, budget: &mut Budget) -> Result<String, OverBudget> {
        let mut out = String::new();
        for part in &self.parts {
            budget.step("template")?;
            match part {
                Part::Text(text) => {
                    budget.reserve("template", Some(text.len()))?;
                    out.push_str(text)
                }
                Part::Tag { raw, key } => match params.get(key) {
                    Some(Value::String(value)) if !key.is_empty() => {
                        budget.reserve(&format!("{{{{{key}}}}}"), Some(value.len()))?;
                        out.push_str(value)
                    }
                    _ => {
                        budget.reserve("template", Some(raw.len() + 4))?;
                        out.push_str("{{");
                        out.push_str(raw);
                        out.push_str("}}");
                    }
                },
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(value: Value) -> Params {
        Params(value.as_object().cloned().unwrap())
    }

    #[test]
    fn replaces_known_and_keeps_unknown_tags() {
        let template = FastTemplate::parse("{{name}}-{{ path.basename }}/{{nope}}/{{}}").unwrap();
        let out = template
            .render(
                &params(json!({"name": "web", "path.basename": "prod"})),
                &mut Budget::default(),
            )
            .unwrap();
        assert_eq!(out, "web-prod/{{nope}}/{{}}");
    }

    #[test]
    fn values_are_inserted_verbatim() {
        let template = FastTemplate::parse("x: {{v}}").unwrap();
        let out = template.render(&params(json!({"v": "a\"b"})), &mut Budget::default());
        assert_eq!(out.unwrap(), "x: a\"b");
        assert_eq!(
            FastTemplate::parse("plain").unwrap().static_text(),
            Some("plain")
        );
    }

    #[test]
    fn many_tags_of_a_large_parameter_are_over_budget() {
        let template = FastTemplate::parse(&"{{big}}".repeat(1000)).unwrap();
        let big = "x".repeat(1 << 20);
        let error = template
            .render(&params(json!({ "big": big })), &mut Budget::default())
            .unwrap_err();
        assert!(
            error.to_string().contains("{{big}} would produce"),
            "{error}"
        );
    }

    #[test]
    fn unclosed_tag_is_an_error() {
        assert_eq!(
            FastTemplate::parse("ab{{name").unwrap_err(),
            TemplateError::Unclosed { offset: 2 }
        );
    }
}
