//! `spec.source` / `spec.sources[]`: where an Application's manifests come
//! from (a Git path or a Helm chart) and how to render them (plain directory,
//! Kustomize, Helm, plugin). Also the rules Argo CD checks before rendering.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::error::ValidationError;
use super::serde_helpers::is_false;
use super::source_helm::SourceHelm;
use super::source_kustomize::SourceKustomize;

/// One source. Strings are empty when not written (Argo CD treats empty and
/// absent alike).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSource {
    #[serde(rename = "repoURL", default, skip_serializing_if = "String::is_empty")]
    pub repo_url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// Git: branch, tag or commit (empty means `HEAD`). Helm: chart version.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target_revision: String,
    /// Chart name, for sources that are Helm repositories.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub chart: String,
    /// In a multi-source Application: the name other sources use to refer
    /// to this one (`$<ref>/path` in Helm value files).
    #[serde(rename = "ref", default, skip_serializing_if = "String::is_empty")]
    pub ref_name: String,
    /// Optional display name of the source (multi-source Applications).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub directory: Option<SourceDirectory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<SourceKustomize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm: Option<SourceHelm>,
    /// Config management plugin settings, kept as written: fleetdeck does not
    /// run plugins, but must not lose them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plugin: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Options for a plain directory of manifests (YAML, JSON, Jsonnet).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceDirectory {
    #[serde(default, skip_serializing_if = "is_false")]
    pub recurse: bool,
    /// Glob of files to include (may be `{a.yaml,b.yaml}`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub include: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub exclude: String,
    /// Jsonnet options (extVars, tlas, libs), kept as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jsonnet: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl ApplicationSource {
    /// A Helm chart from a Helm (or OCI) repository rather than a Git path.
    pub fn is_helm_chart(&self) -> bool {
        !self.chart.is_empty()
    }

    /// The revision to resolve: `targetRevision`, or `HEAD` for Git sources
    /// that leave it out.
    pub fn target_revision_or_head(&self) -> &str {
        if self.target_revision.is_empty() && !self.is_helm_chart() {
            "HEAD"
        } else {
            &self.target_revision
        }
    }

    /// Value files that point into another source (`$values/env/prod.yaml`),
    /// as (ref name, path inside that source).
    pub fn referenced_value_files(&self) -> impl Iterator<Item = (&str, &str)> {
        self.helm
            .iter()
            .flat_map(|helm| helm.value_files.iter())
            .filter_map(|file| {
                let rest = file.strip_prefix('$')?;
                Some(rest.split_once('/').unwrap_or((rest, "")))
            })
    }

    /// Argo CD's source checks: a repo URL and something to render (a path or
    /// a chart; in a multi-source Application a `ref`-only source is fine),
    /// and a version for a Helm chart.
    pub(crate) fn validate(&self, path: &str, multi_source: bool) -> Vec<ValidationError> {
        let mut errors = Vec::new();
        if self.repo_url.is_empty() {
            errors.push(ValidationError::new(format!("{path}.repoURL"), "required"));
        }
        let has_content = !self.path.is_empty()
            || !self.chart.is_empty()
            || (multi_source && !self.ref_name.is_empty());
        if !has_content {
            let needs = if multi_source {
                "needs path, chart or ref"
            } else {
                "needs path or chart"
            };
            errors.push(ValidationError::new(path, needs));
        }
        if self.is_helm_chart() && self.target_revision.is_empty() {
            errors.push(ValidationError::new(
                format!("{path}.targetRevision"),
                "required for a Helm chart source (the chart version)",
            ));
        }
        errors
    }
}

/// Whether `name` is a valid `ref` (Argo CD allows letters, digits, `_`, `-`).
pub(crate) fn is_valid_ref_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn value_file_references_split_ref_and_path() {
        let source: ApplicationSource = serde_json::from_value(json!({
            "repoURL": "https://charts.example.com", "chart": "web", "targetRevision": "1.2.0",
            "helm": {"valueFiles": ["values.yaml", "$values/env/prod.yaml"]}
        }))
        .unwrap();
        let refs: Vec<_> = source.referenced_value_files().collect();
        assert_eq!(refs, vec![("values", "env/prod.yaml")]);
        assert_eq!(source.target_revision_or_head(), "1.2.0");
    }

    #[test]
    fn ref_only_sources_are_valid_only_in_multi_source_apps() {
        let source = ApplicationSource {
            repo_url: "https://git.example.com/values.git".into(),
            ref_name: "values".into(),
            ..Default::default()
        };
        assert!(source.validate("spec.sources[1]", true).is_empty());
        let errors = source.validate("spec.source", false);
        assert_eq!(
            errors,
            vec![ValidationError::new("spec.source", "needs path or chart")]
        );
        assert_eq!(source.target_revision_or_head(), "HEAD");
    }

    #[test]
    fn chart_sources_need_a_version() {
        let source = ApplicationSource {
            repo_url: "https://charts.example.com".into(),
            chart: "web".into(),
            ..Default::default()
        };
        let errors = source.validate("spec.source", false);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "spec.source.targetRevision");
    }

    #[test]
    fn ref_names_allow_only_simple_characters() {
        assert!(is_valid_ref_name("my_values-1"));
        assert!(!is_valid_ref_name("my.values"));
        assert!(!is_valid_ref_name(""));
    }
}
