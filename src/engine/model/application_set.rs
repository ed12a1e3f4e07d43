//! The `ApplicationSet` resource: generators produce parameter sets, and
//! each set fills the template to make one Application.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::application::ApplicationSpec;
use super::error::{ModelError, ValidationError, deserialize_at};
use super::generators::Generator;
use super::object_meta::ObjectMeta;
use super::resource::{self, ArgoResource};
use super::serde_helpers::is_false;
use super::strategy::ApplicationSetStrategy;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSet {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: ApplicationSetSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSetSpec {
    /// Templates use Go `text/template` (`{{ .path.basename }}`) instead of
    /// the legacy `{{path.basename}}` substitution.
    #[serde(default, skip_serializing_if = "is_false")]
    pub go_template: bool,
    /// Go template options, e.g. `missingkey=error`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub go_template_options: Vec<String>,
    #[serde(default)]
    pub generators: Vec<Generator>,
    pub template: ApplicationSetTemplate,
    /// A templated YAML/JSON text merged over each rendered Application:
    /// Argo's way to set non-string fields from parameters.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub template_patch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_policy: Option<ApplicationSetSyncPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<ApplicationSetStrategy>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The Application template.
///
/// `spec` is deliberately raw JSON, not an [`ApplicationSpec`]: a template
/// is not an Application yet. Its strings hold `{{...}}` placeholders, a
/// placeholder may stand for any field, required fields may only arrive via
/// `templatePatch` or a generator's own `template`, and checking Application
/// rules before substitution would report errors that substitution fixes (or
/// miss ones it introduces). So the template is kept exactly as written, and
/// typing happens where it is meaningful: the ApplicationSet renderer
/// substitutes parameters into this value and parses the result with
/// `Application::from_value`, which names the failing field. `spec_view`
/// gives a typed look at templates whose non-string fields are literal.
/// `metadata` is typed because all of its fields are strings anyway.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSetTemplate {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub spec: Value,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// What the controller may do to the Applications it generates.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSetSyncPolicy {
    /// Keep the Applications' resources when the ApplicationSet goes away.
    #[serde(default, skip_serializing_if = "is_false")]
    pub preserve_resources_on_deletion: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applications_sync: Option<ApplicationsSync>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `applicationsSync`: which changes to generated Applications are allowed.
/// Absent means `sync` (create, update and delete).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApplicationsSync {
    CreateOnly,
    CreateUpdate,
    CreateDelete,
    Sync,
}

impl ApplicationsSync {
    /// The policy as written in YAML.
    pub fn name(self) -> &'static str {
        match self {
            ApplicationsSync::CreateOnly => "create-only",
            ApplicationsSync::CreateUpdate => "create-update",
            ApplicationsSync::CreateDelete => "create-delete",
            ApplicationsSync::Sync => "sync",
        }
    }

    pub fn allows_update(self) -> bool {
        matches!(
            self,
            ApplicationsSync::CreateUpdate | ApplicationsSync::Sync
        )
    }

    pub fn allows_delete(self) -> bool {
        matches!(
            self,
            ApplicationsSync::CreateDelete | ApplicationsSync::Sync
        )
    }
}

impl ApplicationSetTemplate {
    /// The template spec read as an [`ApplicationSpec`], for templates whose
    /// non-string fields are literal. Errors name the field under
    /// `spec.template.spec`.
    pub fn spec_view(&self) -> Result<ApplicationSpec, ModelError> {
        deserialize_at(self.spec.clone(), "spec.template.spec")
    }
}

impl ApplicationSet {
    /// Reads an `argoproj.io/v1alpha1` `ApplicationSet` document.
    pub fn from_value(value: Value) -> Result<Self, ModelError> {
        resource::from_value(value)
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The effective `applicationsSync` policy (`sync` when unset).
    pub fn applications_sync(&self) -> ApplicationsSync {
        self.spec
            .sync_policy
            .as_ref()
            .and_then(|policy| policy.applications_sync)
            .unwrap_or(ApplicationsSync::Sync)
    }

    /// Structural checks Argo CD applies before generating: a name, well
    /// formed generators (one kind per entry, matrix of two, merge with
    /// keys, git with directories or files), a template spec mapping and a
    /// usable RollingSync strategy. Template contents are not checked; see
    /// [`ApplicationSetTemplate`].
    pub fn validate(&self) -> Vec<ValidationError> {
        let mut errors = resource::validate_name(&self.metadata);
        for (index, generator) in self.spec.generators.iter().enumerate() {
            errors.extend(generator.validate(&format!("spec.generators[{index}]")));
        }
        if !self.spec.template.spec.is_object() {
            errors.push(ValidationError::new(
                "spec.template.spec",
                "must be a mapping (the Application spec template)",
            ));
        }
        if let Some(strategy) = &self.spec.strategy {
            errors.extend(strategy.validate("spec.strategy"));
        }
        errors
    }
}

impl ArgoResource for ApplicationSet {
    const KIND: &'static str = "ApplicationSet";

    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn validate(&self) -> Vec<ValidationError> {
        ApplicationSet::validate(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn appset(spec: Value) -> ApplicationSet {
        ApplicationSet::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
            "metadata": {"name": "guestbook"}, "spec": spec,
        }))
        .unwrap()
    }

    #[test]
    fn templated_non_string_fields_parse_and_are_kept_raw() {
        let set = appset(json!({
            "goTemplate": true,
            "generators": [{"list": {"elements": [{"prune": true}]}}],
            "template": {
                "metadata": {"name": "app-{{ .name }}"},
                "spec": {"project": "default",
                    "syncPolicy": {"automated": {"prune": "{{ .prune }}"}}}
            }
        }));
        assert!(set.validate().is_empty());
        assert_eq!(
            set.spec.template.spec["syncPolicy"]["automated"]["prune"],
            json!("{{ .prune }}")
        );
        let error = set.spec.template.spec_view().unwrap_err();
        assert_eq!(
            error.path(),
            "spec.template.spec.syncPolicy.automated.prune"
        );
    }

    #[test]
    fn literal_templates_have_a_typed_view() {
        let set = appset(json!({
            "generators": [{"clusters": {}}],
            "template": {"metadata": {"name": "{{name}}-web"}, "spec": {
                "project": "default",
                "source": {"repoURL": "https://g", "path": "web"},
                "destination": {"server": "{{server}}", "namespace": "web"}}}
        }));
        let view = set.spec.template.spec_view().unwrap();
        assert_eq!(view.destination.server, "{{server}}");
        assert_eq!(set.applications_sync(), ApplicationsSync::Sync);
    }

    #[test]
    fn template_spec_must_be_a_mapping() {
        let set = appset(json!({"generators": [], "template": {"metadata": {}}}));
        let paths: Vec<_> = set.validate().into_iter().map(|error| error.path).collect();
        assert_eq!(paths, vec!["spec.template.spec"]);
    }

    #[test]
    fn applications_sync_policies() {
        let set = appset(json!({"generators": [], "template": {"spec": {}},
            "syncPolicy": {"applicationsSync": "create-only", "preserveResourcesOnDeletion": true}}));
        let policy = set.applications_sync();
        assert_eq!(policy, ApplicationsSync::CreateOnly);
        assert!(!policy.allows_update() && !policy.allows_delete());
        assert!(ApplicationsSync::CreateUpdate.allows_update());
        assert!(!ApplicationsSync::CreateUpdate.allows_delete());
    }
}
