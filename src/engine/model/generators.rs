//! ApplicationSet generators: the parameter sources (list, clusters, git,
//! and the combinators matrix and merge) whose output is fed into the
//! template.
//!
//! A generator entry mirrors Argo CD's shape, a struct with one optional
//! field per kind, rather than a Rust enum: Argo lets new kinds appear
//! (pullRequest, scmProvider, clusterDecisionResource, plugin...) and a
//! repository using them must still load. Kinds fleetdeck does not model are
//! kept, as written, in `other`. `kinds()` gives the enum view.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::ValidationError;
use super::label_selector::LabelSelector;
use super::serde_helpers::is_false;

/// One entry of `spec.generators` (or of a matrix/merge's `generators`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Generator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<ListGenerator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters: Option<ClusterGenerator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitGenerator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<MatrixGenerator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge: Option<MergeGenerator>,
    /// Post-filter on the generated parameters (label-selector syntax over
    /// the flattened parameter map).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// Generator kinds fleetdeck does not model, keyed by kind name.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// One generator kind of an entry, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GeneratorKind<'a> {
    List(&'a ListGenerator),
    Clusters(&'a ClusterGenerator),
    Git(&'a GitGenerator),
    Matrix(&'a MatrixGenerator),
    Merge(&'a MergeGenerator),
    /// A kind kept as written (`pullRequest`, `scmProvider`, ...).
    Other {
        name: &'a str,
        config: &'a Value,
    },
}

impl GeneratorKind<'_> {
    /// The kind's key in YAML.
    pub fn name(&self) -> &str {
        match self {
            GeneratorKind::List(_) => "list",
            GeneratorKind::Clusters(_) => "clusters",
            GeneratorKind::Git(_) => "git",
            GeneratorKind::Matrix(_) => "matrix",
            GeneratorKind::Merge(_) => "merge",
            GeneratorKind::Other { name, .. } => name,
        }
    }
}

impl Generator {
    /// Every kind set in this entry, in a fixed order (modelled kinds first).
    pub fn kinds(&self) -> Vec<GeneratorKind<'_>> {
        let mut kinds = Vec::with_capacity(1);
        if let Some(list) = &self.list {
            kinds.push(GeneratorKind::List(list));
        }
        if let Some(clusters) = &self.clusters {
            kinds.push(GeneratorKind::Clusters(clusters));
        }
        if let Some(git) = &self.git {
            kinds.push(GeneratorKind::Git(git));
        }
        if let Some(matrix) = &self.matrix {
            kinds.push(GeneratorKind::Matrix(matrix));
        }
        if let Some(merge) = &self.merge {
            kinds.push(GeneratorKind::Merge(merge));
        }
        kinds.extend(
            self.other
                .iter()
                .map(|(name, config)| GeneratorKind::Other { name, config }),
        );
        kinds
    }

    /// The single kind of this entry; `None` when it has none or several.
    pub fn kind(&self) -> Option<GeneratorKind<'_>> {
        match self.kinds().as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }

    /// Each entry holds exactly one generator; matrix combines exactly two,
    /// merge two or more with merge keys; git needs a repo and directories
    /// or files. Nested generators are checked the same way.
    pub(crate) fn validate(&self, path: &str) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        let kinds = self.kinds();
        match kinds.as_slice() {
            [] => errors.push(ValidationError::new(
                path,
                "no generator (list, clusters, git, matrix, merge, ...)",
            )),
            [_] => {}
            several => {
                let names: Vec<_> = several.iter().map(GeneratorKind::name).collect();
                errors.push(ValidationError::new(
                    path,
                    format!(
                        "one generator per entry, found {}; use a matrix or merge to combine",
                        names.join(", ")
                    ),
                ));
            }
        }
        for kind in kinds {
            match kind {
                GeneratorKind::Git(git) => errors.extend(git.validate(&format!("{path}.git"))),
                GeneratorKind::Matrix(matrix) => {
                    let path = format!("{path}.matrix");
                    if matrix.generators.len() != 2 {
                        errors.push(ValidationError::new(
                            format!("{path}.generators"),
                            format!(
                                "a matrix combines exactly 2 generators, found {}",
                                matrix.generators.len()
                            ),
                        ));
                    }
                    errors.extend(validate_children(&matrix.generators, &path));
                }
                GeneratorKind::Merge(merge) => {
                    let path = format!("{path}.merge");
                    if merge.generators.len() < 2 {
                        errors.push(ValidationError::new(
                            format!("{path}.generators"),
                            format!(
                                "a merge needs at least 2 generators, found {}",
                                merge.generators.len()
                            ),
                        ));
                    }
                    if merge.merge_keys.is_empty() {
                        errors.push(ValidationError::new(
                            format!("{path}.mergeKeys"),
                            "required",
                        ));
                    }
                    errors.extend(validate_children(&merge.generators, &path));
                }
                _ => {}
            }
        }
        errors
    }
}

fn validate_children(children: &[Generator], parent: &str) -> Vec<ValidationError> {
    children
        .iter()
        .enumerate()
        .flat_map(|(index, child)| child.validate(&format!("{parent}.generators[{index}]")))
        .collect()
}

/// Parameters written inline. `elements` are arbitrary objects;
/// `elementsYaml` is a YAML list in a string (usually templated).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListGenerator {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<Value>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub elements_yaml: String,
    /// Per-generator template overrides, raw like the main template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One parameter set per registered cluster matching `selector`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterGenerator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// Extra parameters, available as `values.<key>`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One parameter set per matching directory, or per entry of matching
/// JSON/YAML files, in a Git repository.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitGenerator {
    #[serde(rename = "repoURL", default, skip_serializing_if = "String::is_empty")]
    pub repo_url: String,
    /// Branch, tag or commit; empty means `HEAD`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub directories: Vec<GitPathItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<GitPathItem>,
    /// Prefix for the `path` parameters (`<prefix>.path`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path_param_prefix: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requeue_after_seconds: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A path glob of a git generator; `exclude: true` removes matches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitPathItem {
    pub path: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub exclude: bool,
}

impl GitGenerator {
    /// Argo CD uses `directories` when set, else `files`; with neither it
    /// generates nothing and reports an error.
    fn validate(&self, path: &str) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        if self.repo_url.is_empty() {
            errors.push(ValidationError::new(format!("{path}.repoURL"), "required"));
        }
        if self.directories.is_empty() && self.files.is_empty() {
            errors.push(ValidationError::new(path, "needs directories or files"));
        }
        errors
    }
}

/// The cartesian product of two generators' parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MatrixGenerator {
    #[serde(default)]
    pub generators: Vec<Generator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The first generator's parameters, overridden by later generators' sets
/// that agree on every merge key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeGenerator {
    #[serde(default)]
    pub generators: Vec<Generator>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merge_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn generator(value: Value) -> Generator {
        serde_json::from_value(value).unwrap()
    }

    fn paths(errors: Vec<ValidationError>) -> Vec<String> {
        errors.into_iter().map(|error| error.path).collect()
    }

    #[test]
    fn unknown_kinds_are_kept_and_named() {
        let entry = generator(json!({"pullRequest": {"github": {"owner": "o", "repo": "r"}}}));
        let kind = entry.kind().unwrap();
        assert_eq!(kind.name(), "pullRequest");
        assert!(entry.validate("spec.generators[0]").is_empty());
        assert_eq!(
            serde_json::to_value(&entry).unwrap(),
            json!({"pullRequest": {"github": {"owner": "o", "repo": "r"}}})
        );
    }

    #[test]
    fn selector_is_not_a_kind() {
        let entry = generator(json!({"list": {"elements": [{"env": "prod"}]},
            "selector": {"matchLabels": {"env": "prod"}}}));
        assert!(matches!(entry.kind(), Some(GeneratorKind::List(_))));
        assert!(entry.selector.is_some());
    }

    #[test]
    fn entries_hold_exactly_one_generator() {
        let empty = generator(json!({"selector": {}}));
        assert_eq!(paths(empty.validate("g")), vec!["g"]);
        let two = generator(json!({"list": {}, "clusters": {}}));
        let errors = two.validate("g");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].message.contains("list, clusters"),
            "{}",
            errors[0]
        );
        assert_eq!(two.kind(), None);
    }

    #[test]
    fn combinators_check_their_children() {
        let matrix = generator(json!({"matrix": {"generators": [
            {"git": {"repoURL": "https://g", "revision": "HEAD"}}
        ]}}));
        assert_eq!(
            paths(matrix.validate("spec.generators[0]")),
            vec![
                "spec.generators[0].matrix.generators",
                "spec.generators[0].matrix.generators[0].git",
            ]
        );
        let merge = generator(json!({"merge": {"generators": [
            {"clusters": {}}, {"list": {"elements": []}}
        ]}}));
        assert_eq!(
            paths(merge.validate("spec.generators[1]")),
            vec!["spec.generators[1].merge.mergeKeys"]
        );
    }
}
