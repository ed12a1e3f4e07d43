//! The `AppProject` resource: the guard rails for a group of Applications
//! (allowed sources and destinations, resource kinds, roles, sync windows).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::destination::Destination;
use super::error::{ModelError, ValidationError};
use super::object_meta::ObjectMeta;
use super::resource::{self, ArgoResource};
use super::serde_helpers::is_false;
use super::sync_window::SyncWindow;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProject {
    pub api_version: String,
    pub kind: String,
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// An empty spec is a valid project that permits nothing.
    #[serde(default)]
    pub spec: AppProjectSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProjectSpec {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Repository URL globs Applications may use (`*` for any).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_repos: Vec<String>,
    /// Namespaces Applications of this project may live in (apps in any
    /// namespace).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_namespaces: Vec<String>,
    /// Allowed destinations; fields are globs, `!` negates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destinations: Vec<Destination>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_resource_whitelist: Vec<GroupKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_resource_blacklist: Vec<GroupKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespace_resource_whitelist: Vec<GroupKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespace_resource_blacklist: Vec<GroupKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<ProjectRole>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sync_windows: Vec<SyncWindow>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orphaned_resources: Option<OrphanedResources>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signature_keys: Vec<SignatureKey>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub permit_only_project_scoped_clusters: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A resource kind in a white/blacklist; both fields are globs and an empty
/// group is the core group. `group` is always written, as users do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub kind: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectRole {
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Casbin lines: `p, proj:<project>:<role>, <resource>, <action>, <object>, <allow|deny>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
    /// SSO groups bound to the role.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jwt_tokens: Vec<JwtToken>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Metadata of a token issued for a role (the token itself is not stored).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JwtToken {
    #[serde(default)]
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
}

/// Report (and optionally warn about) live objects in the destination
/// namespaces that no Application of the project manages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrphanedResources {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<OrphanedResourceKey>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrphanedResourceKey {
    /// Always written, like [`GroupKind::group`].
    #[serde(default)]
    pub group: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// A GnuPG key ID whose signatures are required on synced commits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureKey {
    #[serde(rename = "keyID")]
    pub key_id: String,
}

impl AppProject {
    /// Reads an `argoproj.io/v1alpha1` `AppProject` document.
    pub fn from_value(value: Value) -> Result<Self, ModelError> {
        resource::from_value(value)
    }

    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// The checks Argo CD makes when a project is saved: a name, no
    /// duplicate source repos or destinations, unique well-formed role names
    /// with policies for this project and role, and valid sync windows.
    pub fn validate(&self) -> Vec<ValidationError> {
        let mut errors = resource::validate_name(&self.metadata);
        let spec = &self.spec;
        let mut repos = BTreeMap::new();
        for (index, repo) in spec.source_repos.iter().enumerate() {
            if let Some(first) = repos.insert(repo.as_str(), index) {
                errors.push(ValidationError::new(
                    format!("spec.sourceRepos[{index}]"),
                    format!("{repo:?} is already listed at spec.sourceRepos[{first}]"),
                ));
            }
        }
        let mut destinations = BTreeMap::new();
        for (index, destination) in spec.destinations.iter().enumerate() {
            let cluster = if destination.server.is_empty() {
                &destination.name
            } else {
                &destination.server
            };
            let key = format!("{cluster}/{}", destination.namespace);
            if let Some(first) = destinations.insert(key.clone(), index) {
                errors.push(ValidationError::new(
                    format!("spec.destinations[{index}]"),
                    format!("{key:?} is already listed at spec.destinations[{first}]"),
                ));
            }
        }
        let mut roles = BTreeMap::new();
        for (index, role) in spec.roles.iter().enumerate() {
            let path = format!("spec.roles[{index}]");
            if !is_valid_role_name(&role.name) {
                errors.push(ValidationError::new(
                    format!("{path}.name"),
                    format!(
                        "{:?} must be letters, digits, '-' or '_', starting and ending with a letter or digit",
                        role.name
                    ),
                ));
            } else if let Some(first) = roles.insert(role.name.as_str(), index) {
                errors.push(ValidationError::new(
                    format!("{path}.name"),
                    format!("{:?} is already the name of spec.roles[{first}]", role.name),
                ));
            }
            for (policy_index, policy) in role.policies.iter().enumerate() {
                if let Err(message) = check_policy(policy, self.name(), &role.name) {
                    errors.push(ValidationError::new(
                        format!("{path}.policies[{policy_index}]"),
                        message,
                    ));
                }
            }
        }
        for (index, window) in spec.sync_windows.iter().enumerate() {
            errors.extend(window.validate(&format!("spec.syncWindows[{index}]")));
        }
        errors
    }
}

fn is_valid_role_name(name: &str) -> bool {
    let valid_char = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    name.chars().all(valid_char) && edge(name.chars().next()) && edge(name.chars().last())
}

/// Checks the shape Argo CD requires of a role policy line.
fn check_policy(policy: &str, project: &str, role: &str) -> Result<(), String> {
    let parts: Vec<&str> = policy.split(',').map(str::trim).collect();
    let [kind, subject, _resource, _action, object, effect] = parts.as_slice() else {
        return Err("must be of the form 'p, subject, resource, action, object, effect'".into());
    };
    if *kind != "p" {
        return Err("must be of the form 'p, subject, resource, action, object, effect'".into());
    }
    let expected_subject = format!("proj:{project}:{role}");
    if *subject != expected_subject {
        return Err(format!(
            "subject must be {expected_subject:?}, found {subject:?}"
        ));
    }
    if !object.starts_with(&format!("{project}/")) {
        return Err(format!(
            "object must start with \"{project}/\", found {object:?}"
        ));
    }
    if !matches!(*effect, "allow" | "deny") {
        return Err(format!("effect must be allow or deny, found {effect:?}"));
    }
    Ok(())
}

impl ArgoResource for AppProject {
    const KIND: &'static str = "AppProject";

    fn metadata(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn validate(&self) -> Vec<ValidationError> {
        AppProject::validate(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn project(spec: Value) -> AppProject {
        AppProject::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
            "metadata": {"name": "team"}, "spec": spec,
        }))
        .unwrap()
    }

    fn paths(project: &AppProject) -> Vec<String> {
        project
            .validate()
            .into_iter()
            .map(|error| error.path)
            .collect()
    }

    #[test]
    fn roles_and_policies_are_checked() {
        let team = project(json!({"roles": [
            {"name": "ci", "policies": [
                "p, proj:team:ci, applications, sync, team/*, allow",
                "p, proj:other:ci, applications, sync, team/*, allow",
                "p, proj:team:ci, applications, sync, other/*, allow",
                "p, proj:team:ci, applications, sync",
            ]},
            {"name": "ci"},
            {"name": "-bad"},
        ]}));
        assert_eq!(
            paths(&team),
            vec![
                "spec.roles[0].policies[1]",
                "spec.roles[0].policies[2]",
                "spec.roles[0].policies[3]",
                "spec.roles[1].name",
                "spec.roles[2].name",
            ]
        );
    }

    #[test]
    fn duplicates_are_reported() {
        let team = project(json!({
            "sourceRepos": ["https://a", "https://a"],
            "destinations": [
                {"server": "https://k", "namespace": "web"},
                {"name": "in-cluster", "namespace": "web"},
                {"server": "https://k", "namespace": "web"},
            ]
        }));
        assert_eq!(
            paths(&team),
            vec!["spec.sourceRepos[1]", "spec.destinations[2]"]
        );
    }

    #[test]
    fn empty_spec_is_a_valid_project() {
        let empty = AppProject::from_value(json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
            "metadata": {"name": "locked"}}))
        .unwrap();
        assert!(empty.validate().is_empty());
        assert_eq!(empty.spec, AppProjectSpec::default());
    }
}
