//! The list generator: `elements` (and `elementsYaml`) as parameter sets.
//!
//! With Go templates an element is used as written. With the legacy
//! templating, strings are used as they are, a `values` map becomes
//! `values.<key>` (its values must be strings) and any other value is
//! written as JSON text, as Argo CD does.

use serde_json::{Map, Value};

use super::error::GeneratorError;
use super::generate::Env;
use super::params::{ParamStyle, Params};
use crate::engine::model::generators::ListGenerator;
use crate::engine::yaml::parse_single;

pub(crate) fn generate(list: &ListGenerator, env: &Env<'_>) -> Result<Vec<Params>, GeneratorError> {
    let mut elements: Vec<(String, &Value)> = list
        .elements
        .iter()
        .enumerate()
        .map(|(index, element)| (format!("elements[{index}]"), element))
        .collect();
    let from_yaml = if list.elements_yaml.trim().is_empty() {
        Vec::new()
    } else {
        match parse_single(&list.elements_yaml)
            .map_err(|source| GeneratorError::ElementsYaml { source })?
        {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            _ => {
                return Err(GeneratorError::ElementNotAMapping {
                    field: "elementsYaml".into(),
                });
            }
        }
    };
    elements.extend(
        from_yaml
            .iter()
            .enumerate()
            .map(|(index, element)| (format!("elementsYaml[{index}]"), element)),
    );
    elements
        .into_iter()
        .map(|(field, element)| {
            let Value::Object(map) = element else {
                return Err(GeneratorError::ElementNotAMapping { field });
            };
            match env.style {
                ParamStyle::Nested => Ok(Params(map.clone())),
                ParamStyle::Flat => flat(map, &field),
            }
        })
        .collect()
}

fn flat(map: &Map<String, Value>, field: &str) -> Result<Params, GeneratorError> {
    let mut params = Params::new();
    for (key, value) in map {
        match (key.as_str(), value) {
            ("values", Value::Object(values)) => {
                for (name, value) in values {
                    let Value::String(text) = value else {
                        return Err(GeneratorError::ValueNotAString {
                            field: field.to_string(),
                            key: name.clone(),
                        });
                    };
                    params
                        .0
                        .insert(format!("values.{name}"), Value::String(text.clone()));
                }
            }
            (_, Value::String(text)) => {
                params.0.insert(key.clone(), Value::String(text.clone()));
            }
            (_, other) => {
                let text = serde_json::to_string(other).unwrap_or_default();
                params.0.insert(key.clone(), Value::String(text));
            }
        }
    }
    Ok(params)
}
