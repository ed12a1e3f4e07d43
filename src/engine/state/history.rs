//! Sync history: what each sync of an application deployed, who asked for
//! it and how it ended — the list a rollback picks a revision from.

use std::fmt;

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::engine::model::application_source::ApplicationSource;

/// How many entries Argo CD keeps when `spec.revisionHistoryLimit` is unset.
pub const DEFAULT_REVISION_HISTORY_LIMIT: usize = 10;

/// The number of entries to keep for an app whose
/// `spec.revisionHistoryLimit` is `limit`: the default when unset, none when
/// zero or negative (Argo keeps what the field says; a negative count keeps
/// nothing rather than failing the sync).
pub fn history_limit(limit: Option<i64>) -> usize {
    match limit {
        None => DEFAULT_REVISION_HISTORY_LIMIT,
        Some(limit) => usize::try_from(limit.max(0)).unwrap_or(usize::MAX),
    }
}

/// One past sync, as kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// Increases by one per sync of the app and is never reused, even after
    /// older entries are dropped.
    pub id: u64,
    /// The commit SHA (or chart version) deployed.
    pub revision: String,
    /// Where the manifests came from (the first source, for multi-source
    /// apps).
    pub source: SourceSummary,
    /// Every source with its revision, for multi-source apps only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceSummary>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<String>,
    /// When the sync finished (RFC 3339, UTC).
    pub deployed_at: Timestamp,
    pub initiated_by: InitiatedBy,
    pub result: SyncResult,
    pub resources: ResourceCounts,
}

/// A sync to record; the store assigns the id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSync {
    pub revision: String,
    pub source: SourceSummary,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceSummary>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<String>,
    pub deployed_at: Timestamp,
    pub initiated_by: InitiatedBy,
    pub result: SyncResult,
    pub resources: ResourceCounts,
    /// The sync went to the app's own `targetRevision` (not a rollback):
    /// the operator moved on, so a rollback pin is cleared with it.
    #[serde(default)]
    pub to_target_revision: bool,
}

impl NewSync {
    pub(crate) fn into_entry(self, id: u64) -> HistoryEntry {
        HistoryEntry {
            id,
            revision: self.revision,
            source: self.source,
            sources: self.sources,
            revisions: self.revisions,
            deployed_at: self.deployed_at,
            initiated_by: self.initiated_by,
            result: self.result,
            resources: self.resources,
        }
    }
}

/// A source in short: enough to tell syncs apart and to roll back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceSummary {
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub chart: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub target_revision: String,
}

impl From<&ApplicationSource> for SourceSummary {
    fn from(source: &ApplicationSource) -> Self {
        SourceSummary {
            repo_url: source.repo_url.clone(),
            path: source.path.clone(),
            chart: source.chart.clone(),
            target_revision: source.target_revision.clone(),
        }
    }
}

impl fmt::Display for SourceSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repo_url)?;
        if !self.chart.is_empty() {
            write!(f, " chart {}", self.chart)?;
        } else if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        if !self.target_revision.is_empty() {
            write!(f, " @ {}", self.target_revision)?;
        }
        Ok(())
    }
}

/// Who started a sync: the automated policy, or a named operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum InitiatedBy {
    Automated,
    Operator { name: String },
}

impl InitiatedBy {
    pub fn operator(name: impl Into<String>) -> Self {
        InitiatedBy::Operator { name: name.into() }
    }
}

impl fmt::Display for InitiatedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitiatedBy::Automated => f.write_str("automated"),
            InitiatedBy::Operator { name } => f.write_str(name),
        }
    }
}

/// How a sync operation ended, with Argo CD's phase names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResultPhase {
    Succeeded,
    /// A resource failed to apply or a hook failed.
    Failed,
    /// The operation could not run (bad input, cluster unreachable).
    Error,
    /// Cancelled by an operator.
    Terminated,
}

impl ResultPhase {
    pub const fn as_str(self) -> &'static str {
        match self {
            ResultPhase::Succeeded => "Succeeded",
            ResultPhase::Failed => "Failed",
            ResultPhase::Error => "Error",
            ResultPhase::Terminated => "Terminated",
        }
    }
}

impl fmt::Display for ResultPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The end of a sync: its phase and the message shown with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncResult {
    pub phase: ResultPhase,
    #[serde(default)]
    pub message: String,
}

impl SyncResult {
    pub fn new(phase: ResultPhase, message: impl Into<String>) -> Self {
        SyncResult {
            phase,
            message: message.into(),
        }
    }
}

/// What a sync did to the app's resources, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceCounts {
    /// Applied (created or updated) successfully.
    pub synced: u32,
    /// Deleted because Git no longer has them.
    pub pruned: u32,
    /// Extraneous but kept (prune off, `Prune=false`).
    pub prune_skipped: u32,
    /// Failed to apply or delete.
    pub failed: u32,
}

impl ResourceCounts {
    pub fn total(&self) -> u32 {
        self.synced
            .saturating_add(self.pruned)
            .saturating_add(self.prune_skipped)
            .saturating_add(self.failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limit_defaults_to_ten_and_never_goes_negative() {
        assert_eq!(history_limit(None), 10);
        assert_eq!(history_limit(Some(3)), 3);
        assert_eq!(history_limit(Some(0)), 0);
        assert_eq!(history_limit(Some(-4)), 0);
    }

    #[test]
    fn entries_serialize_with_argo_style_names() {
        let entry = NewSync {
            revision: "abc123".into(),
            source: SourceSummary {
                repo_url: "https://git.example.com/web.git".into(),
                path: "deploy".into(),
                chart: String::new(),
                target_revision: "main".into(),
            },
            sources: Vec::new(),
            revisions: Vec::new(),
            deployed_at: "2026-01-02T03:04:05Z".parse().unwrap(),
            initiated_by: InitiatedBy::operator("alice"),
            result: SyncResult::new(ResultPhase::Failed, "one resource failed"),
            resources: ResourceCounts {
                synced: 3,
                failed: 1,
                ..ResourceCounts::default()
            },
            to_target_revision: true,
        }
        .into_entry(7);
        assert_eq!(
            serde_json::to_value(&entry).unwrap(),
            json!({
                "id": 7, "revision": "abc123",
                "source": {"repoURL": "https://git.example.com/web.git", "path": "deploy",
                           "targetRevision": "main"},
                "deployedAt": "2026-01-02T03:04:05Z",
                "initiatedBy": {"kind": "operator", "name": "alice"},
                "result": {"phase": "Failed", "message": "one resource failed"},
                "resources": {"synced": 3, "pruned": 0, "pruneSkipped": 0, "failed": 1}
            })
        );
        assert_eq!(entry.resources.total(), 4);
        assert_eq!(
            entry.source.to_string(),
            "https://git.example.com/web.git deploy @ main"
        );
        assert_eq!(
            serde_json::to_value(InitiatedBy::Automated).unwrap(),
            json!({"kind": "automated"})
        );
        assert_eq!(InitiatedBy::Automated.to_string(), "automated");
    }
}
