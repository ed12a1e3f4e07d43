//! Running one generator entry: interpolating an outer parameter set into
//! its definition (for a matrix's second child), dispatching on its kind,
//! then applying its post `selector`.

use serde_json::Value;

use super::error::GeneratorError;
use super::generator_clusters::GeneratorClusters;
use super::git_files::{FileGlobbing, GitFiles};
use super::params::{ParamStyle, Params};
use super::template::{Engine, render_value};
use super::{clusters, git, list, matrix, merge, selector};
use crate::engine::model::{Generator, GeneratorKind};

/// What every generator may read while running.
pub(crate) struct Env<'a> {
    pub style: ParamStyle,
    pub engine: Engine,
    pub clusters: &'a GeneratorClusters,
    pub git: Option<&'a dyn GitFiles>,
    pub file_globbing: FileGlobbing,
}

/// The parameter sets of one generator entry, in generator order.
pub(crate) fn run(
    generator: &Generator,
    env: &Env<'_>,
    outer: Option<&Params>,
) -> Result<Vec<Params>, GeneratorError> {
    let interpolated;
    let generator = match outer {
        Some(params) if !params.0.is_empty() => {
            interpolated = interpolate(generator, env, params)?;
            &interpolated
        }
        _ => generator,
    };
    let kinds = generator.kinds();
    let kind = match kinds.as_slice() {
        [only] => *only,
        several => {
            return Err(GeneratorError::Ambiguous {
                found: several.len(),
            });
        }
    };
    let params = match kind {
        GeneratorKind::List(list) => list::generate(list, env)?,
        GeneratorKind::Clusters(clusters) => clusters::generate(clusters, env)?,
        GeneratorKind::Git(git) => git::generate(git, env)?,
        GeneratorKind::Matrix(matrix) => matrix::generate(matrix, env)?,
        GeneratorKind::Merge(merge) => merge::generate(merge, env)?,
        GeneratorKind::Other { name, .. } => {
            return Err(GeneratorError::Unsupported {
                kind: name.to_string(),
            });
        }
    };
    Ok(selector::filter(params, generator.selector.as_ref()))
}

/// The generator's own `template` override, if it has one.
pub(crate) fn kind_template(generator: &Generator) -> Option<&Value> {
    match generator.kind()? {
        GeneratorKind::List(list) => list.template.as_ref(),
        GeneratorKind::Clusters(clusters) => clusters.template.as_ref(),
        GeneratorKind::Git(git) => git.template.as_ref(),
        GeneratorKind::Matrix(matrix) => matrix.template.as_ref(),
        GeneratorKind::Merge(merge) => merge.template.as_ref(),
        GeneratorKind::Other { .. } => None,
    }
}

/// Substitutes `params` into every string of the generator's definition,
/// as Argo CD does for a matrix's second child. The kind's own `template`
/// is left alone: it is rendered later with the combined parameters.
fn interpolate(
    generator: &Generator,
    env: &Env<'_>,
    params: &Params,
) -> Result<Generator, GeneratorError> {
    let mut value =
        serde_json::to_value(generator).map_err(|error| GeneratorError::InterpolatedShape {
            message: error.to_string(),
        })?;
    let mut templates = Vec::new();
    if let Value::Object(kinds) = &mut value {
        for (kind, config) in kinds.iter_mut() {
            if let Some(template) = config
                .as_object_mut()
                .and_then(|config| config.remove("template"))
            {
                templates.push((kind.clone(), template));
            }
        }
    }
    let mut rendered = render_value(&value, env.engine, params).map_err(|error| {
        GeneratorError::Interpolation {
            params: params.summary(),
            source: error.error,
        }
    })?;
    if let Value::Object(kinds) = &mut rendered {
        for (kind, template) in templates {
            if let Some(Value::Object(config)) = kinds.get_mut(&kind) {
                config.insert("template".into(), template);
            }
        }
    }
    serde_json::from_value(rendered).map_err(|error| GeneratorError::InterpolatedShape {
        message: error.to_string(),
    })
}

/// Wraps a child generator's error with its path below the parent.
pub(crate) fn nested(path: String) -> impl FnOnce(GeneratorError) -> GeneratorError {
    move |source| GeneratorError::Nested {
        path,
        source: Box::new(source),
    }
}
