//! What a project forbids, named by the AppProject field that forbids it, so
//! an operator knows which line of which project to read.

use std::fmt;

use serde::Serialize;

/// The AppProject rule a violation comes from, named as in the YAML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum ProjectRule {
    /// `spec.project` names a project that Git does not define.
    #[serde(rename = "project")]
    Project,
    #[serde(rename = "sourceRepos")]
    SourceRepos,
    #[serde(rename = "destinations")]
    Destinations,
    #[serde(rename = "clusterResourceWhitelist")]
    ClusterResourceWhitelist,
    #[serde(rename = "clusterResourceBlacklist")]
    ClusterResourceBlacklist,
    #[serde(rename = "namespaceResourceWhitelist")]
    NamespaceResourceWhitelist,
    #[serde(rename = "namespaceResourceBlacklist")]
    NamespaceResourceBlacklist,
}

impl ProjectRule {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectRule::Project => "project",
            ProjectRule::SourceRepos => "sourceRepos",
            ProjectRule::Destinations => "destinations",
            ProjectRule::ClusterResourceWhitelist => "clusterResourceWhitelist",
            ProjectRule::ClusterResourceBlacklist => "clusterResourceBlacklist",
            ProjectRule::NamespaceResourceWhitelist => "namespaceResourceWhitelist",
            ProjectRule::NamespaceResourceBlacklist => "namespaceResourceBlacklist",
        }
    }
}

impl fmt::Display for ProjectRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing the app's project does not permit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectViolation {
    pub project: String,
    pub rule: ProjectRule,
    /// What is not permitted and why, without the project and rule.
    pub detail: String,
}

impl fmt::Display for ProjectViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "project {} ({}): {}",
            self.project, self.rule, self.detail
        )
    }
}
