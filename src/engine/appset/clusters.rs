//! The clusters generator: one parameter set per cluster of the
//! [`GeneratorClusters`] matching the selector.
//!
//! Parameters, as Argo CD names them: `name`, `nameNormalized`, `server`,
//! `metadata.labels.<key>`, `metadata.annotations.<key>` and
//! `values.<key>` (nested under `metadata` and `values` for Go templates).
//! `values` are themselves templates over the cluster's parameters. An
//! unregistered hub (the in-cluster cluster) is only listed when the
//! selector is empty, as Argo CD lists its local cluster.

use serde_json::{Map, Value};

use super::budget::Budget;
use super::error::GeneratorError;
use super::generate::Env;
use super::generator_clusters::{ClusterInfo, GeneratorClusters};
use super::normalize::normalize_name;
use super::params::Params;
use super::template::CompiledString;
use crate::engine::model::generators::ClusterGenerator;

pub(crate) fn generate(
    generator: &ClusterGenerator,
    env: &Env<'_>,
) -> Result<Vec<Params>, GeneratorError> {
    let selector = generator.selector.clone().unwrap_or_default();
    let selects_all = selector.match_labels.is_empty() && selector.match_expressions.is_empty();
    let mut out = Vec::new();
    for cluster in selected(env.clusters, |cluster| {
        if cluster.is_unregistered_hub() {
            selects_all
        } else {
            selector.matches(&cluster.labels)
        }
    }) {
        let mut params = cluster_params(cluster, env);
        add_values(&mut params, &generator.values, env)?;
        out.push(params);
    }
    Ok(out)
}

fn selected<'r>(
    registry: &'r GeneratorClusters,
    keep: impl Fn(&ClusterInfo) -> bool + 'r,
) -> impl Iterator<Item = &'r ClusterInfo> + 'r {
    registry
        .clusters()
        .iter()
        .filter(move |cluster| keep(cluster))
}

fn cluster_params(cluster: &ClusterInfo, env: &Env<'_>) -> Params {
    let mut params = Params::new();
    let name = cluster.param_name();
    // Argo CD does not normalise the name of its implicit local cluster.
    let normalized = if cluster.is_unregistered_hub() {
        name.to_string()
    } else {
        normalize_name(name)
    };
    params
        .0
        .insert("name".into(), Value::String(name.to_string()));
    params
        .0
        .insert("nameNormalized".into(), Value::String(normalized));
    params.0.insert(
        "server".into(),
        Value::String(cluster.param_server().to_string()),
    );
    match env.style {
        super::params::ParamStyle::Flat => {
            for (key, value) in &cluster.labels {
                params.0.insert(
                    format!("metadata.labels.{key}"),
                    Value::String(value.clone()),
                );
            }
            for (key, value) in &cluster.annotations {
                params.0.insert(
                    format!("metadata.annotations.{key}"),
                    Value::String(value.clone()),
                );
            }
        }
        super::params::ParamStyle::Nested => {
            let strings = |map: &std::collections::BTreeMap<String, String>| {
                Value::Object(
                    map.iter()
                        .map(|(key, value)| (key.clone(), Value::String(value.clone())))
                        .collect::<Map<String, Value>>(),
                )
            };
            let mut metadata = Map::new();
            metadata.insert("labels".into(), strings(&cluster.labels));
            metadata.insert("annotations".into(), strings(&cluster.annotations));
            params.0.insert("metadata".into(), Value::Object(metadata));
        }
    }
    params
}

/// Adds `values.<key>`, each rendered with the parameters built so far
/// (Argo CD lets values refer to the cluster's own parameters).
pub(crate) fn add_values(
    params: &mut Params,
    values: &std::collections::BTreeMap<String, String>,
    env: &Env<'_>,
) -> Result<(), GeneratorError> {
    if values.is_empty() {
        return Ok(());
    }
    let data = Value::Object(params.0.clone());
    let mut rendered = Vec::with_capacity(values.len());
    for (key, template) in values {
        let value = CompiledString::compile(template, env.engine)
            .and_then(|compiled| {
                compiled.render(params, &data, env.engine, &mut Budget::per_application())
            })
            .map_err(|source| GeneratorError::Values {
                key: key.clone(),
                source,
            })?;
        rendered.push((key.clone(), value));
    }
    for (key, value) in rendered {
        params.insert_at(env.style, &["values", &key], Value::String(value));
    }
    Ok(())
}
