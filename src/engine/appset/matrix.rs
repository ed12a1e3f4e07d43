//! The matrix generator: every parameter set of the first child combined
//! with every set of the second, the second child being run once per set
//! of the first with that set substituted into its definition (so a git
//! generator can use `{{path}}` from the first child, or a clusters
//! selector a value of it).
//!
//! Combination follows Argo CD: with the legacy templating a key present in
//! both sets with different values is an error; with Go templates the sets
//! are deep-merged, the first child's values winning.

use super::error::GeneratorError;
use super::generate::{Env, nested, run};
use super::params::{ParamStyle, Params, deep_merge};
use crate::engine::model::generators::MatrixGenerator;

pub(crate) fn generate(
    matrix: &MatrixGenerator,
    env: &Env<'_>,
) -> Result<Vec<Params>, GeneratorError> {
    let [first, second] = matrix.generators.as_slice() else {
        return Err(GeneratorError::Ambiguous {
            found: matrix.generators.len(),
        });
    };
    let left = run(first, env, None).map_err(nested("generators[0]".into()))?;
    let mut out = Vec::new();
    for a in &left {
        let right = run(second, env, Some(a)).map_err(nested("generators[1]".into()))?;
        for b in right {
            out.push(combine(a, b, env.style)?);
        }
    }
    Ok(out)
}

fn combine(a: &Params, b: Params, style: ParamStyle) -> Result<Params, GeneratorError> {
    match style {
        ParamStyle::Flat => {
            let mut combined = a.clone();
            for (key, value) in b.0 {
                match combined.0.get(&key) {
                    Some(existing) if *existing != value => {
                        return Err(GeneratorError::MatrixConflict {
                            key,
                            first: text(existing),
                            second: text(&value),
                        });
                    }
                    Some(_) => {}
                    None => {
                        combined.0.insert(key, value);
                    }
                }
            }
            Ok(combined)
        }
        ParamStyle::Nested => {
            let mut combined = b;
            deep_merge(&mut combined.0, &a.0);
            Ok(combined)
        }
    }
}

fn text(value: &serde_json::Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_string)
}
