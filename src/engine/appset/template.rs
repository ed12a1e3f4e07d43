//! [`CompiledTemplate`]: a JSON value whose strings are templates, parsed
//! once and rendered for every parameter set.
//!
//! Argo CD renders an Application template string by string (field values
//! and map keys), with either engine, and never turns a string into another
//! JSON type: non-string fields come from `templatePatch`. Compiling once
//! per ApplicationSet keeps a 10,000-app expansion from re-parsing the same
//! strings 10,000 times.

use serde_json::{Map, Value};

use super::budget::Budget;
use super::error::TemplateError;
use super::fasttemplate::FastTemplate;
use super::gotemplate::{GoOptions, GoTemplate};
use super::params::Params;

/// Which templating an ApplicationSet uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Legacy `{{param}}` replacement.
    Fast,
    /// `goTemplate: true`, with its options.
    Go(GoOptions),
}

impl Engine {
    pub fn new(go_template: bool, options: &[String]) -> Self {
        if go_template {
            Engine::Go(GoOptions::from_options(options))
        } else {
            Engine::Fast
        }
    }
}

/// One template string.
#[derive(Debug, Clone, PartialEq)]
pub enum CompiledString {
    Static(String),
    Fast(FastTemplate),
    Go(GoTemplate),
}

impl CompiledString {
    pub fn compile(text: &str, engine: Engine) -> Result<Self, TemplateError> {
        Ok(match engine {
            Engine::Fast => {
                let template = FastTemplate::parse(text)?;
                match template.static_text() {
                    Some(text) => CompiledString::Static(text.to_string()),
                    None => CompiledString::Fast(template),
                }
            }
            Engine::Go(_) => {
                let template = GoTemplate::parse(text)?;
                match template.static_text() {
                    Some(text) => CompiledString::Static(text.to_string()),
                    None => CompiledString::Go(template),
                }
            }
        })
    }

    /// Renders with `params`; `data` is the same set as one JSON value
    /// (built once per parameter set by the caller, for Go templates).
    /// Everything it produces is claimed from `budget` first.
    pub fn render(
        &self,
        params: &Params,
        data: &Value,
        engine: Engine,
        budget: &mut Budget,
    ) -> Result<String, TemplateError> {
        match self {
            CompiledString::Static(text) => Ok(text.clone()),
            CompiledString::Fast(template) => Ok(template.render(params, budget)?),
            CompiledString::Go(template) => {
                let options = match engine {
                    Engine::Go(options) => options,
                    Engine::Fast => GoOptions::default(),
                };
                Ok(template.render_within(data, options, budget)?)
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Literal(Value),
    Str(CompiledString),
    Array(Vec<Node>),
    Object(Vec<(CompiledString, Node)>),
}

/// A JSON value with compiled strings.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledTemplate {
    root: Node,
    engine: Engine,
}

/// Where in the value a string failed: a field path such as
/// `spec.source.path` (relative to the compiled value).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub error: TemplateError,
}

impl CompiledTemplate {
    pub fn compile(value: &Value, engine: Engine) -> Result<Self, FieldError> {
        let mut path = Vec::new();
        let root = compile_node(value, engine, &mut path)?;
        Ok(CompiledTemplate { root, engine })
    }

    /// Renders one Application (or generator definition) within one
    /// [`Budget`], so its strings together stay bounded.
    pub fn render(&self, params: &Params) -> Result<Value, FieldError> {
        let data = match self.engine {
            Engine::Go(_) => Value::Object(params.0.clone()),
            Engine::Fast => Value::Null,
        };
        let mut path = Vec::new();
        let mut render = Render {
            params,
            data: &data,
            engine: self.engine,
            budget: Budget::per_application(),
        };
        render.node(&self.root, &mut path)
    }
}

fn field_error(path: &[String], error: TemplateError) -> FieldError {
    let mut field = String::new();
    for segment in path {
        if segment.starts_with('[') || field.is_empty() {
            field.push_str(segment);
        } else {
            field.push('.');
            field.push_str(segment);
        }
    }
    FieldError { field, error }
}

fn compile_node(value: &Value, engine: Engine, path: &mut Vec<String>) -> Result<Node, FieldError> {
    Ok(match value {
        Value::String(text) => Node::Str(
            CompiledString::compile(text, engine).map_err(|error| field_error(path, error))?,
        ),
        Value::Array(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                path.push(format!("[{index}]"));
                nodes.push(compile_node(item, engine, path)?);
                path.pop();
            }
            Node::Array(nodes)
        }
        Value::Object(map) => {
            let mut entries = Vec::with_capacity(map.len());
            for (key, item) in map {
                path.push(key.clone());
                let compiled_key = CompiledString::compile(key, engine)
                    .map_err(|error| field_error(path, error))?;
                entries.push((compiled_key, compile_node(item, engine, path)?));
                path.pop();
            }
            Node::Object(entries)
        }
        other => Node::Literal(other.clone()),
    })
}

/// What every string of one render shares.
struct Render<'a> {
    params: &'a Params,
    data: &'a Value,
    engine: Engine,
    budget: Budget,
}

impl Render<'_> {
    fn string(&mut self, compiled: &CompiledString) -> Result<String, TemplateError> {
        compiled.render(self.params, self.data, self.engine, &mut self.budget)
    }

    fn node(&mut self, node: &Node, path: &mut Vec<String>) -> Result<Value, FieldError> {
        Ok(match node {
            Node::Literal(value) => value.clone(),
            Node::Str(compiled) => Value::String(
                self.string(compiled)
                    .map_err(|error| field_error(path, error))?,
            ),
            Node::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (index, item) in items.iter().enumerate() {
                    path.push(format!("[{index}]"));
                    out.push(self.node(item, path)?);
                    path.pop();
                }
                Value::Array(out)
            }
            Node::Object(entries) => {
                let mut out = Map::with_capacity(entries.len());
                for (key, item) in entries {
                    let name = match key {
                        CompiledString::Static(text) => text.clone(),
                        other => self
                            .string(other)
                            .map_err(|error| field_error(path, error))?,
                    };
                    path.push(name.clone());
                    let value = self.node(item, path)?;
                    path.pop();
                    out.insert(name, value);
                }
                Value::Object(out)
            }
        })
    }
}

/// Renders every string of `value` once (no compiled cache): used for
/// generator definitions and `values`, which are small.
pub fn render_value(value: &Value, engine: Engine, params: &Params) -> Result<Value, FieldError> {
    CompiledTemplate::compile(value, engine)?.render(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn renders_strings_and_keys_and_keeps_other_types() {
        let template = json!({"name": "{{.app}}", "labels": {"{{.key}}": "x"}, "n": 3, "l": ["{{.app}}", true]});
        let compiled =
            CompiledTemplate::compile(&template, Engine::Go(GoOptions::default())).unwrap();
        let params = Params(
            json!({"app": "web", "key": "team"})
                .as_object()
                .cloned()
                .unwrap(),
        );
        assert_eq!(
            compiled.render(&params).unwrap(),
            json!({"name": "web", "labels": {"team": "x"}, "n": 3, "l": ["web", true]})
        );
    }

    #[test]
    fn errors_name_the_field() {
        let template = json!({"spec": {"sources": [{"path": "{{ .a.b }}"}]}});
        let options = GoOptions::from_options(&["missingkey=error".into()]);
        let compiled = CompiledTemplate::compile(&template, Engine::Go(options)).unwrap();
        let error = compiled.render(&Params::new()).unwrap_err();
        assert_eq!(error.field, "spec.sources[0].path");
        assert_eq!(error.error.parameter(), Some("a"));
    }
}
