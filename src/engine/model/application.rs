//! The `Application` resource: one source (or several) rendered into one
//! destination, under a project, with a sync policy.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::application_source::{ApplicationSource, is_valid_ref_name};
use super::destination::Destination;
use super::error::{ModelError, ValidationError};
use super::ignore_differences::ResourceIgnoreDifferences;
use super::object_meta::ObjectMeta;
use super::resource::{self, ArgoResource, default_api_version};
use super::sync_policy::{AutomatedSync, SyncPolicy};

/// The project Argo CD uses when `spec.project` is an empty string.
pub const DEFAULT_PROJECT: &str = "default";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: ApplicationSpec,
    /// Controller-written status, kept raw: fleetdeck computes its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
    /// Other top-level fields (e.g. `operation`), kept as written.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSpec {
    /// `None` when the key is missing (which Argo's CRD rejects); an empty
    /// string means the `default` project, as Argo CD's `GetProject` does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ApplicationSource>,
    /// When non-empty, Argo CD uses these and ignores `source`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ApplicationSource>,
    #[serde(default, skip_serializing_if = "Destination::is_empty")]
    pub destination: Destination,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<SyncPolicy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore_differences: Vec<ResourceIgnoreDifferences>,
    /// Free-form name/value pairs shown in the UI.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub info: Vec<Info>,
    /// How many past syncs to keep in history (Argo's default is 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i64>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Info {
    pub name: String,
    pub value: String,
}

impl Application {
    /// An Application built in code (tests, generated Applications).
    pub fn new(name: impl Into<String>, spec: ApplicationSpec) -> Self {
        Application {
            api_version: default_api_version(),
            kind: Self::KIND.to_string(),
            metadata: ObjectMeta {
                name: name.into(),
                ..ObjectMeta::default()
            },
            spec,
            status: None,
            extra: Map::new(),
        }
    }

    /// Reads an `argoproj.io/v1alpha1` `Application` document.
    pub fn from_value(value: Value) -> Result<Self, ModelError> {
        resource::from_value(value)
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The sources Argo CD renders: `spec.sources` when non-empty, else
    /// `spec.source`, else none.
    pub fn sources(&self) -> &[ApplicationSource] {
        if !self.spec.sources.is_empty() {
            &self.spec.sources
        } else {
            self.spec.source.as_slice()
        }
    }

    /// Argo CD's multi-source mode: `spec.sources` is used.
    pub fn has_multiple_sources(&self) -> bool {
        !self.spec.sources.is_empty()
    }

    /// The project name; `default` when `spec.project` is empty or missing.
    pub fn project(&self) -> &str {
        match self.spec.project.as_deref() {
            None | Some("") => DEFAULT_PROJECT,
            Some(project) => project,
        }
    }

    /// The automated sync settings, when automated sync is on.
    pub fn automated_sync(&self) -> Option<&AutomatedSync> {
        let policy = self.spec.sync_policy.as_ref()?;
        if policy.is_automated() {
            policy.automated.as_ref()
        } else {
            None
        }
    }

    pub fn is_automated(&self) -> bool {
        self.automated_sync().is_some()
    }

    /// Reads every Git source at `revision` (a rollback, or a sync at a
    /// chosen commit). A Helm repository source keeps its chart version: a
    /// commit SHA means nothing to it.
    pub fn pin_git_sources(&mut self, revision: &str) {
        let pin = |source: &mut ApplicationSource| {
            if !source.path.is_empty() {
                source.target_revision = revision.to_string();
            }
        };
        if let Some(source) = self.spec.source.as_mut() {
            pin(source);
        }
        self.spec.sources.iter_mut().for_each(pin);
    }

    /// Whether the exact sync option (`CreateNamespace=true`) is set.
    pub fn has_sync_option(&self, option: &str) -> bool {
        self.spec
            .sync_policy
            .as_ref()
            .is_some_and(|policy| policy.has_sync_option(option))
    }

    /// The value of sync option `key`, if set.
    pub fn sync_option(&self, key: &str) -> Option<&str> {
        self.spec.sync_policy.as_ref()?.sync_option(key)
    }

    /// Argo CD's checks: a name, a project key, a destination cluster (server
    /// or name, not both), at least one source with what Argo requires of
    /// it, unique valid `ref`s that `$ref/...` value files resolve to, and
    /// parseable retry backoff durations. When both `source` and `sources`
    /// are set only `sources` is checked, because only it is used.
    pub fn validate(&self) -> Vec<ValidationError> {
        let mut errors = resource::validate_name(&self.metadata);
        let spec = &self.spec;
        if spec.project.is_none() {
            errors.push(ValidationError::new(
                "spec.project",
                "required (write `default` for the default project)",
            ));
        }
        errors.extend(
            spec.destination
                .validate_for_application("spec.destination"),
        );
        if self.has_multiple_sources() {
            errors.extend(validate_multiple_sources(&spec.sources));
        } else if let Some(source) = &spec.source {
            errors.extend(source.validate("spec.source", false));
        } else {
            errors.push(ValidationError::new(
                "spec.source",
                "required (or spec.sources)",
            ));
        }
        if let Some(policy) = &spec.sync_policy {
            errors.extend(policy.validate("spec.syncPolicy"));
        }
        errors
    }
}

fn validate_multiple_sources(sources: &[ApplicationSource]) -> Vec<ValidationError> {
    let mut errors = Vec::new();
    let mut refs: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, source) in sources.iter().enumerate() {
        let path = format!("spec.sources[{index}]");
        errors.extend(source.validate(&path, true));
        if source.ref_name.is_empty() {
            continue;
        }
        if !is_valid_ref_name(&source.ref_name) {
            errors.push(ValidationError::new(
                format!("{path}.ref"),
                format!(
                    "{:?} may contain only letters, digits, '_' and '-'",
                    source.ref_name
                ),
            ));
        } else if let Some(first) = refs.get(source.ref_name.as_str()) {
            errors.push(ValidationError::new(
                format!("{path}.ref"),
                format!(
                    "{:?} is already the ref of spec.sources[{first}]",
                    source.ref_name
                ),
            ));
        } else {
            refs.insert(&source.ref_name, index);
        }
    }
    for (index, source) in sources.iter().enumerate() {
        let Some(helm) = &source.helm else { continue };
        for (file_index, file) in helm.value_files.iter().enumerate() {
            let Some(rest) = file.strip_prefix('$') else {
                continue;
            };
            let ref_name = rest.split_once('/').map_or(rest, |(name, _)| name);
            if !refs.contains_key(ref_name) {
                errors.push(ValidationError::new(
                    format!("spec.sources[{index}].helm.valueFiles[{file_index}]"),
                    format!("refers to ${ref_name}, but no source has `ref: {ref_name}`"),
                ));
            }
        }
    }
    errors
}

impl ArgoResource for Application {
    const KIND: &'static str = "Application";

    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn validate(&self) -> Vec<ValidationError> {
        Application::validate(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn app(spec: Value) -> Application {
        Application::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "web", "namespace": "argocd"},
            "spec": spec,
        }))
        .unwrap()
    }

    fn error_paths(app: &Application) -> Vec<String> {
        app.validate().into_iter().map(|error| error.path).collect()
    }

    fn git_source() -> Value {
        json!({"repoURL": "https://git.example.com/web.git", "path": "deploy"})
    }

    #[test]
    fn sources_prefer_the_list_over_the_single_source() {
        let single = app(json!({"project": "p", "source": git_source(),
            "destination": {"name": "in-cluster"}}));
        assert_eq!(single.sources().len(), 1);
        assert!(!single.has_multiple_sources());

        let both = app(json!({"project": "p", "source": git_source(),
            "sources": [git_source(), git_source()], "destination": {"name": "c"}}));
        assert_eq!(both.sources().len(), 2);

        let none = app(json!({"project": "p", "destination": {"name": "c"}}));
        assert!(none.sources().is_empty());
        assert_eq!(error_paths(&none), vec!["spec.source"]);
    }

    #[test]
    fn empty_project_means_default_but_missing_project_is_invalid() {
        let empty = app(json!({"project": "", "source": git_source(),
            "destination": {"name": "c"}}));
        assert_eq!(empty.project(), DEFAULT_PROJECT);
        assert!(empty.validate().is_empty());

        let missing = app(json!({"source": git_source(), "destination": {"name": "c"}}));
        assert_eq!(missing.project(), DEFAULT_PROJECT);
        assert_eq!(error_paths(&missing), vec!["spec.project"]);
    }

    #[test]
    fn destination_needs_exactly_one_cluster_reference() {
        let both = app(json!({"project": "p", "source": git_source(),
            "destination": {"server": "https://k", "name": "c"}}));
        assert_eq!(error_paths(&both), vec!["spec.destination"]);
        // `name: ''` next to a server is what Argo's UI exports; it is unset.
        let exported = app(json!({"project": "p", "source": git_source(),
            "destination": {"server": "https://k", "name": ""}}));
        assert!(exported.validate().is_empty());
        let neither = app(json!({"project": "p", "source": git_source(),
            "destination": {"namespace": "web"}}));
        assert_eq!(error_paths(&neither), vec!["spec.destination"]);
    }

    #[test]
    fn multi_source_refs_must_be_unique_valid_and_resolvable() {
        let application = app(
            json!({"project": "p", "destination": {"name": "c"}, "sources": [
                {"repoURL": "https://charts.example.com", "chart": "web", "targetRevision": "1.0.0",
                 "helm": {"valueFiles": ["$values/prod.yaml", "$other/x.yaml"]}},
                {"repoURL": "https://git.example.com/v.git", "ref": "values"},
                {"repoURL": "https://git.example.com/w.git", "ref": "values"},
                {"repoURL": "https://git.example.com/y.git", "ref": "bad.ref"},
            ]}),
        );
        assert_eq!(
            error_paths(&application),
            vec![
                "spec.sources[2].ref",
                "spec.sources[3].ref",
                "spec.sources[0].helm.valueFiles[1]",
            ]
        );
    }

    #[test]
    fn automation_and_sync_options() {
        let application = app(json!({"project": "p", "source": git_source(),
            "destination": {"name": "c"},
            "syncPolicy": {"automated": {"selfHeal": true}, "syncOptions": ["CreateNamespace=true"]}}));
        assert!(application.is_automated());
        assert!(
            application
                .automated_sync()
                .is_some_and(|automated| automated.self_heal)
        );
        assert!(application.has_sync_option("CreateNamespace=true"));
        assert_eq!(application.sync_option("CreateNamespace"), Some("true"));

        let disabled = app(json!({"project": "p", "source": git_source(),
            "destination": {"name": "c"}, "syncPolicy": {"automated": {"enabled": false}}}));
        assert!(!disabled.is_automated());
        assert!(!disabled.has_sync_option("CreateNamespace=true"));
    }

    #[test]
    fn rejects_other_kinds_and_versions() {
        let wrong_kind = Application::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject", "spec": {}}));
        assert!(matches!(wrong_kind, Err(ModelError::WrongKind { .. })));
        let wrong_version = Application::from_value(json!({
            "apiVersion": "argoproj.io/v1beta1", "kind": "Application", "spec": {}}));
        assert!(matches!(
            wrong_version,
            Err(ModelError::UnsupportedApiVersion { .. })
        ));
    }

    #[test]
    fn built_applications_serialize_as_argo_documents() {
        let application = Application::new("web", ApplicationSpec::default());
        let value = serde_json::to_value(&application).unwrap();
        assert_eq!(
            value,
            json!({
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "web"}, "spec": {}
            })
        );
        assert_eq!(Application::from_value(value).unwrap(), application);
    }
}
