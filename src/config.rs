//! fleetdeck's configuration file: its schema, parsing and validation.
//!
//! The file is YAML (`~/.config/fleetdeck/config.yaml` by default; the CLI
//! picks the path, this module never does). Unknown keys are rejected rather
//! than ignored, because a misspelt `readonly` silently ignored on a bastion
//! host is exactly the kind of surprise an operator cannot afford. Every error
//! names the file, the line and the field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::engine::policy::roles::{Grant, Role, RoleBook};
use crate::engine::yaml;

/// The whole configuration file. Every field is optional: an empty file (or
/// no file) means "the demo defaults and the kubeconfig's contexts".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Config {
    /// Who the operator is: recorded in the audit trail and shown on pauses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// Refuse every write to a cluster (sync, prune, rollback, pause).
    #[serde(default)]
    pub readonly: bool,
    /// Git repositories holding Application / ApplicationSet / AppProject YAML.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repos: Vec<RepoConfig>,
    /// Kubeconfig file; defaults to `$KUBECONFIG` or `~/.kube/config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<PathBuf>,
    /// Which kubeconfig contexts form the fleet; empty means all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<ClusterConfig>,
    /// The cluster that `https://kubernetes.default.svc` means (by cluster
    /// name); defaults to the kubeconfig's current context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hub: Option<String>,
    #[serde(default)]
    pub ui: UiConfig,
    /// External renderer binaries (helm, an optional external kustomize).
    #[serde(default, skip_serializing_if = "ToolsConfig::is_empty")]
    pub tools: ToolsConfig,
    /// How hard fleetdeck may press each cluster's API server.
    #[serde(default, skip_serializing_if = "ApiConfig::is_empty")]
    pub api: ApiConfig,
    /// How long a sync waits for a wave to become healthy and a hook to finish.
    #[serde(default, skip_serializing_if = "SyncConfig::is_empty")]
    pub sync: SyncConfig,
    /// Apps that automation may sync to a new revision only after an
    /// operator's approval.
    #[serde(default, skip_serializing_if = "ApprovalConfig::is_empty")]
    pub approval: ApprovalConfig,
    /// Who may do what. No section: every operator is admin, as before
    /// roles existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<RolesConfig>,
}

/// Operator roles (`readonly`, `sync`, `admin`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RolesConfig {
    /// The role of operators not listed; `readonly` when the section is
    /// there but does not say (least privilege once roles are in use).
    #[serde(default)]
    pub default: Role,
    /// By operator name: a role (`alice: admin`) or a role limited to some
    /// projects and clusters (`bob: {role: sync, projects: [payments]}`),
    /// outside which the operator is readonly.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub operators: BTreeMap<String, OperatorRole>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OperatorRole {
    Role(Role),
    Scoped(Grant),
}

impl Config {
    /// The operator roles this config grants.
    pub fn role_book(&self) -> RoleBook {
        let Some(roles) = &self.roles else {
            return RoleBook::default();
        };
        RoleBook::new(
            roles.default,
            roles.operators.iter().map(|(name, role)| {
                let grant = match role {
                    OperatorRole::Role(role) => Grant::new(*role),
                    OperatorRole::Scoped(grant) => grant.clone(),
                };
                (name.clone(), grant)
            }),
        )
    }
}

/// The approval gate.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApprovalConfig {
    /// Label selectors over cluster labels (`environment=production`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_selectors: Vec<String>,
    /// Projects whose apps are always gated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
}

impl ApprovalConfig {
    fn is_empty(&self) -> bool {
        self == &ApprovalConfig::default()
    }
}

/// Per-cluster API request limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ApiConfig {
    /// Average requests per second to one cluster (0: unlimited; default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qps: Option<f64>,
    /// Requests that may go at once before the average applies (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u32>,
    /// Seconds before one request is abandoned (default 30).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

impl ApiConfig {
    fn is_empty(&self) -> bool {
        self == &ApiConfig::default()
    }
}

/// Sync timeouts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SyncConfig {
    /// Seconds a wave may take to become healthy (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wave_timeout_seconds: Option<u64>,
    /// Seconds a hook may run (default 600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hook_timeout_seconds: Option<u64>,
    /// How long a rollback pauses the app's automation (`1h`, `30m`; `0`
    /// for no pause; default 1h). The rollback pin holds it either way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_pause: Option<String>,
}

impl SyncConfig {
    fn is_empty(&self) -> bool {
        self == &SyncConfig::default()
    }
}

/// External binaries used to render sources.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ToolsConfig {
    /// The `helm` binary for Helm sources; defaults to `helm` on `PATH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub helm: Option<PathBuf>,
    /// Build Kustomize sources with this binary instead of the native
    /// renderer (an escape hatch; off by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kustomize: Option<KustomizeToolConfig>,
    /// Seconds one external render may take before it is stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

impl ToolsConfig {
    fn is_empty(&self) -> bool {
        self == &ToolsConfig::default()
    }
}

/// An external Kustomize binary and the command line it takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KustomizeToolConfig {
    pub binary: PathBuf,
    /// `kustomize` runs `<binary> build <dir>`; `kubectl` runs
    /// `<binary> kustomize <dir>`.
    #[serde(default)]
    pub mode: KustomizeToolMode,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KustomizeToolMode {
    #[default]
    Kustomize,
    Kubectl,
}

/// One Git repository and where its Argo CD resources live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RepoConfig {
    /// A local path or a URL (`https://`, `ssh://`, `git@host:org/repo`, `file://`).
    pub url: String,
    /// Short name for display; defaults to the last URL segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Directory (inside the repo) holding the Application YAML.
    #[serde(default = "default_apps_path")]
    pub path: String,
    /// Branch, tag or commit to read the Application YAML from.
    #[serde(default = "default_revision")]
    pub revision: String,
}

/// A kubeconfig context that is part of the fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ClusterConfig {
    pub context: String,
    /// Display and destination name; defaults to the context name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Labels the `clusters` ApplicationSet generator selects on.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

impl ClusterConfig {
    pub fn name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.context)
    }
}

/// Look and feel: names of shipped or user theme and keymap files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UiConfig {
    #[serde(default = "default_name")]
    pub theme: String,
    #[serde(default = "default_name")]
    pub keymap: String,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            theme: default_name(),
            keymap: default_name(),
        }
    }
}

fn default_apps_path() -> String {
    "argocd".to_string()
}

fn default_revision() -> String {
    "HEAD".to_string()
}

fn default_name() -> String {
    "default".to_string()
}

/// Why a configuration file could not be used.
#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config file {path}, line {line}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("config file {path}, line {line}: field `{field}`: {message}")]
    Field {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
    #[error("config file {path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Reads and validates a config file. A missing file is not an error when
    /// `required` is false (the default location need not exist).
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(Config::default())
            }
            Err(source) => Err(ConfigError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Parses config text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let value = yaml::parse_single(text).map_err(|error| ConfigError::Syntax {
            path: path.to_path_buf(),
            line: error.line,
            message: error.message,
        })?;
        if value.is_null() {
            return Ok(Config::default());
        }
        // The typed pass over the JSON value names the field; serde-saphyr's
        // typed pass over the text knows the line. Users need both.
        let config: Config = serde_path_to_error::deserialize(value).map_err(|error| {
            let field = error.path().to_string();
            let line = serde_saphyr::from_str::<Config>(text)
                .err()
                .and_then(|typed| typed.location())
                .map_or(1, |location| location.line() as usize);
            ConfigError::Field {
                path: path.to_path_buf(),
                line,
                field,
                message: error.inner().to_string(),
            }
        })?;
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        if self.tools.timeout_seconds == Some(0) {
            return Err(invalid(
                "tools.timeoutSeconds must be at least 1".to_string(),
            ));
        }
        for (index, repo) in self.repos.iter().enumerate() {
            if repo.url.trim().is_empty() {
                return Err(invalid(format!("repos[{index}].url is empty")));
            }
        }
        let mut seen = BTreeMap::new();
        for cluster in &self.clusters {
            if let Some(previous) = seen.insert(cluster.name().to_string(), &cluster.context) {
                return Err(invalid(format!(
                    "cluster name `{}` is used by contexts `{previous}` and `{}`",
                    cluster.name(),
                    cluster.context
                )));
            }
        }
        if let Some(hub) = &self.hub
            && !self.clusters.is_empty()
            && !seen.contains_key(hub)
        {
            return Err(invalid(format!(
                "hub `{hub}` is not one of the configured clusters"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/etc/fleetdeck.yaml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        let config = parse("# nothing yet\n").unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.ui.theme, "default");
    }

    #[test]
    fn full_schema_parses() {
        let config = parse(
            "operator: alice\nreadonly: true\nrepos:\n  - url: https://git.example/gitops.git\n    revision: main\nclusters:\n  - context: kind-prod\n    name: prod\n    labels: {env: prod}\nhub: prod\nui: {theme: dark}\n",
        )
        .unwrap();
        assert_eq!(config.operator.as_deref(), Some("alice"));
        assert!(config.readonly);
        assert_eq!(config.repos[0].path, "argocd");
        assert_eq!(config.repos[0].revision, "main");
        assert_eq!(config.clusters[0].name(), "prod");
        assert_eq!(config.clusters[0].labels["env"], "prod");
        assert_eq!(config.ui.keymap, "default");
    }

    #[test]
    fn unknown_key_names_field_and_line() {
        let error = parse("operator: bob\nclusters:\n  - context: a\n    lables: {x: y}\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("/etc/fleetdeck.yaml"), "{error}");
        assert!(error.contains("line 4"), "{error}");
        assert!(error.contains("clusters[0]"), "{error}");
        assert!(error.contains("lables"), "{error}");
    }

    #[test]
    fn wrong_type_names_field() {
        let error = parse("readonly: sometimes\n").unwrap_err().to_string();
        assert!(error.contains("line 1"), "{error}");
        assert!(error.contains("readonly"), "{error}");
    }

    #[test]
    fn syntax_error_names_line() {
        let error = parse("operator: bob\nrepos: [\n").unwrap_err();
        assert!(matches!(error, ConfigError::Syntax { .. }), "{error}");
    }

    #[test]
    fn tools_section_parses_and_rejects_unknown_modes() {
        let config = parse(
            "tools:\n  helm: /opt/helm/bin/helm\n  kustomize: {binary: /usr/bin/kubectl, mode: kubectl}\n  timeoutSeconds: 30\n",
        )
        .unwrap();
        assert_eq!(config.tools.helm, Some(PathBuf::from("/opt/helm/bin/helm")));
        let kustomize = config.tools.kustomize.unwrap();
        assert_eq!(kustomize.mode, KustomizeToolMode::Kubectl);
        assert_eq!(config.tools.timeout_seconds, Some(30));

        let default_mode = parse("tools: {kustomize: {binary: kustomize}}\n").unwrap();
        assert_eq!(
            default_mode.tools.kustomize.unwrap().mode,
            KustomizeToolMode::Kustomize
        );

        let error = parse("tools:\n  kustomize: {binary: k, mode: oc}\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("tools.kustomize.mode"), "{error}");
        let error = parse("tools: {timeoutSeconds: 0}\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("timeoutSeconds"), "{error}");
    }

    #[test]
    fn hub_must_be_a_configured_cluster() {
        let error = parse("clusters:\n  - context: a\nhub: b\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("hub `b`"), "{error}");
    }

    #[test]
    fn roles_parse_plain_and_scoped() {
        use crate::engine::policy::roles::{ActionTarget, OperatorAction};
        let config = parse(
            "roles:\n  default: sync\n  operators:\n    alice: admin\n    bob: {role: sync, projects: [payments], clusters: [staging]}\n    carol: readonly\n",
        )
        .unwrap();
        let book = config.role_book();
        let payments = ActionTarget::app("web", "payments", Some("staging".to_string()));
        assert!(
            book.check("alice", OperatorAction::Prune, &payments)
                .is_ok()
        );
        assert!(book.check("bob", OperatorAction::Sync, &payments).is_ok());
        assert!(book.check("bob", OperatorAction::Prune, &payments).is_err());
        assert!(
            book.check("carol", OperatorAction::Pause, &payments)
                .is_err()
        );
        assert!(book.check("dave", OperatorAction::Sync, &payments).is_ok());
        assert!(
            book.check("dave", OperatorAction::Prune, &payments)
                .is_err()
        );

        let open = parse("operator: x\n").unwrap().role_book();
        assert!(
            open.check("x", OperatorAction::FreezeFleet, &ActionTarget::default())
                .is_ok()
        );
        let silent_default = parse("roles: {operators: {alice: admin}}\n")
            .unwrap()
            .role_book();
        assert!(
            silent_default
                .check("bob", OperatorAction::Sync, &payments)
                .is_err()
        );

        let error = parse("roles:\n  default: root\n").unwrap_err().to_string();
        assert!(error.contains("roles.default"), "{error}");
        let error = parse("roles:\n  operators:\n    bob: {role: sync, project: [x]}\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("roles.operators"), "{error}");
    }

    #[test]
    fn missing_optional_file_is_default_but_required_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent.yaml");
        assert_eq!(Config::load(&path, false).unwrap(), Config::default());
        assert!(matches!(
            Config::load(&path, true),
            Err(ConfigError::Read { .. })
        ));
    }
}
