//! The merge generator: the first child's parameter sets, each overridden
//! by the sets of later children that agree with it on every merge key.
//! Sets of later children matching no base set are dropped, and two sets
//! of one child with the same merge key are an error, as in Argo CD. The
//! output keeps the first child's order.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::error::GeneratorError;
use super::generate::{Env, nested, run};
use super::params::{ParamStyle, Params, deep_merge};
use crate::engine::model::generators::MergeGenerator;

pub(crate) fn generate(
    merge: &MergeGenerator,
    env: &Env<'_>,
) -> Result<Vec<Params>, GeneratorError> {
    let mut keys: Vec<&str> = Vec::new();
    for key in &merge.merge_keys {
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    let mut children = Vec::with_capacity(merge.generators.len());
    for (index, child) in merge.generators.iter().enumerate() {
        children.push(run(child, env, None).map_err(nested(format!("generators[{index}]")))?);
    }
    let mut children = children.into_iter();
    let mut base = children.next().unwrap_or_default();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (position, params) in base.iter().enumerate() {
        let key = merge_key(params, &keys);
        if index.insert(key.clone(), position).is_some() {
            return Err(GeneratorError::MergeDuplicateKey { child: 0, key });
        }
    }
    for (offset, sets) in children.enumerate() {
        let mut seen = HashSet::new();
        for params in sets {
            let key = merge_key(&params, &keys);
            if !seen.insert(key.clone()) {
                return Err(GeneratorError::MergeDuplicateKey {
                    child: offset + 1,
                    key,
                });
            }
            let Some(&position) = index.get(&key) else {
                continue;
            };
            let target = &mut base[position];
            match env.style {
                ParamStyle::Flat => target.0.extend(params.0),
                ParamStyle::Nested => deep_merge(&mut target.0, &params.0),
            }
        }
    }
    Ok(base)
}

/// The merge-key values of a set as JSON text (`null` for a missing key).
fn merge_key(params: &Params, keys: &[&str]) -> String {
    let values: serde_json::Map<String, Value> = keys
        .iter()
        .map(|key| {
            (
                (*key).to_string(),
                params.lookup(key).cloned().unwrap_or(Value::Null),
            )
        })
        .collect();
    serde_json::to_string(&values).unwrap_or_default()
}
