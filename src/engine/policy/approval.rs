//! Approval gates: apps on clusters carrying a configured label (e.g.
//! `environment=production`), or in projects that ask for it, never
//! auto-sync a new revision until an operator approves that revision.
//! Self-heal of an already deployed revision needs no new approval.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::label_match::TextSelector;
use super::pause::AppFacts;

/// The configured gates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalGate {
    /// A cluster whose labels match any of these is gated.
    #[serde(default)]
    pub cluster_selectors: Vec<TextSelector>,
    /// Apps of these projects are gated wherever they run.
    #[serde(default)]
    pub projects: Vec<String>,
}

impl ApprovalGate {
    pub fn is_gated(&self, app: &AppFacts, cluster_labels: &BTreeMap<String, String>) -> bool {
        self.why_gated(app, cluster_labels).is_some()
    }

    /// Why `app` needs approval: "cluster matches environment=production"
    /// or "project payments requires approval"; `None` when it does not.
    pub fn why_gated(
        &self,
        app: &AppFacts,
        cluster_labels: &BTreeMap<String, String>,
    ) -> Option<String> {
        if let Some(selector) = self
            .cluster_selectors
            .iter()
            .find(|selector| selector.matches(cluster_labels))
        {
            return Some(format!("cluster {} matches {selector}", app.cluster));
        }
        self.projects
            .iter()
            .find(|project| **project == app.project)
            .map(|project| format!("project {project} requires approval"))
    }
}

/// An app's approval state as the auto-sync decision sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApprovalState {
    pub gated: bool,
    /// The revision an operator approved last, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved_revision: Option<String>,
}

impl ApprovalState {
    /// Whether automation may deploy `revision`.
    pub fn allows(&self, revision: &str) -> bool {
        !self.gated || self.approved_revision.as_deref() == Some(revision)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    fn app(project: &str) -> AppFacts {
        AppFacts {
            name: "web".into(),
            project: project.into(),
            cluster: "prod-eu".into(),
            labels: BTreeMap::new(),
        }
    }

    fn gate() -> ApprovalGate {
        ApprovalGate {
            cluster_selectors: vec![TextSelector::parse("environment=production").unwrap()],
            projects: vec!["payments".into()],
        }
    }

    #[test]
    fn gated_by_cluster_labels_or_by_project() {
        let production = labels(&[("environment", "production"), ("region", "eu")]);
        let staging = labels(&[("environment", "staging")]);
        assert!(gate().is_gated(&app("default"), &production));
        assert_eq!(
            gate().why_gated(&app("default"), &production).unwrap(),
            "cluster prod-eu matches environment=production"
        );
        assert!(!gate().is_gated(&app("default"), &staging));
        assert!(gate().is_gated(&app("payments"), &staging));
        assert_eq!(
            gate().why_gated(&app("payments"), &staging).unwrap(),
            "project payments requires approval"
        );
        assert!(!ApprovalGate::default().is_gated(&app("payments"), &production));
    }

    #[test]
    fn loads_from_config_text() {
        let gate: ApprovalGate = serde_json::from_value(serde_json::json!({
            "clusterSelectors": ["environment in (production,dr)"],
            "projects": ["payments"]
        }))
        .unwrap();
        assert!(gate.is_gated(&app("default"), &labels(&[("environment", "dr")])));
        assert!(
            serde_json::from_value::<ApprovalGate>(serde_json::json!({
                "clusterSelectors": ["environment in production"]
            }))
            .is_err()
        );
    }

    #[test]
    fn only_the_approved_revision_passes_a_gate() {
        let open = ApprovalState::default();
        assert!(open.allows("abc"));
        let mut gated = ApprovalState {
            gated: true,
            approved_revision: None,
        };
        assert!(!gated.allows("abc"));
        gated.approved_revision = Some("abc".into());
        assert!(gated.allows("abc"));
        assert!(!gated.allows("def"));
    }
}
