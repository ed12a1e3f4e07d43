//! The `/` filter of the application list: words separated by spaces, all
//! of which must hold (AND). A word is either a substring of the app's name
//! (case-insensitive) or `key=value` over the app's labels and the pseudo
//! labels `project`, `cluster`, `namespace`, `sync`, `health`, `appset`
//! and `automation` (pseudo labels win over a real label of the same name).
//! A leading `!` negates a word (`!sync=Synced`, `!guestbook`), and so does
//! `key!=value`.

use crate::engine::api::AppSnapshot;

/// A parsed filter. The empty filter matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    text: String,
    terms: Vec<Term>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    negated: bool,
    kind: TermKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TermKind {
    /// Lowercased substring of the name.
    Name(String),
    /// `key=value`; pseudo labels compare case-insensitively.
    Label { key: String, value: String },
}

/// The keys that name an app's fields rather than its labels.
pub const PSEUDO_LABELS: &[&str] = &[
    "project",
    "cluster",
    "namespace",
    "sync",
    "health",
    "appset",
    "automation",
];

impl Filter {
    pub fn parse(text: &str) -> Filter {
        let terms = text
            .split_whitespace()
            .filter_map(|word| {
                let (negated, word) = match word.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, word),
                };
                if word.is_empty() {
                    return None;
                }
                if let Some((key, value)) = word.split_once("!=") {
                    return Some(Term {
                        negated: !negated,
                        kind: TermKind::Label {
                            key: key.to_string(),
                            value: value.to_string(),
                        },
                    });
                }
                let kind = match word.split_once('=') {
                    Some((key, value)) if !key.is_empty() => TermKind::Label {
                        key: key.to_string(),
                        value: value.to_string(),
                    },
                    _ => TermKind::Name(word.to_lowercase()),
                };
                Some(Term { negated, kind })
            })
            .collect();
        Filter {
            text: text.trim().to_string(),
            terms,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    pub fn matches(&self, app: &AppSnapshot) -> bool {
        self.terms
            .iter()
            .all(|term| term.kind.matches(app) != term.negated)
    }

    /// The cluster a filter is exactly about (`cluster=prod-eu` alone).
    pub fn only_cluster(&self) -> Option<&str> {
        self.only("cluster")
    }

    /// The project a filter is exactly about (`project=payments` alone).
    pub fn only_project(&self) -> Option<&str> {
        self.only("project")
    }

    fn only(&self, wanted: &str) -> Option<&str> {
        match self.terms.as_slice() {
            [
                Term {
                    negated: false,
                    kind: TermKind::Label { key, value },
                },
            ] if key == wanted => Some(value),
            _ => None,
        }
    }

    /// The filter as a Kubernetes label selector (`team=a,tier!=db`), when
    /// every word is about a real label: what a pause of "everything the
    /// filter shows" can hand the engine as one scope.
    pub fn as_label_selector(&self) -> Option<String> {
        if self.terms.is_empty() {
            return None;
        }
        let mut parts = Vec::new();
        for term in &self.terms {
            let TermKind::Label { key, value } = &term.kind else {
                return None;
            };
            if PSEUDO_LABELS.contains(&key.as_str()) {
                return None;
            }
            let op = if term.negated { "!=" } else { "=" };
            parts.push(format!("{key}{op}{value}"));
        }
        Some(parts.join(","))
    }
}

impl TermKind {
    fn matches(&self, app: &AppSnapshot) -> bool {
        match self {
            TermKind::Name(needle) => contains_ignore_case(&app.name, needle),
            TermKind::Label { key, value } => {
                let pseudo = match key.as_str() {
                    "project" => Some(app.project.as_str()),
                    "cluster" => Some(app.cluster.as_deref().unwrap_or("")),
                    "namespace" => Some(app.namespace.as_str()),
                    "sync" => Some(sync_word(app)),
                    "health" => Some(app.health.as_str()),
                    "appset" => Some(app.application_set.as_deref().unwrap_or("")),
                    "automation" => Some(automation_word(app)),
                    _ => None,
                };
                match pseudo {
                    Some(actual) => actual.eq_ignore_ascii_case(value),
                    None => app.labels.get(key).is_some_and(|actual| actual == value),
                }
            }
        }
    }
}

fn sync_word(app: &AppSnapshot) -> &'static str {
    match app.sync {
        crate::engine::api::SyncStatus::Synced => "Synced",
        crate::engine::api::SyncStatus::OutOfSync => "OutOfSync",
        crate::engine::api::SyncStatus::Unknown => "Unknown",
    }
}

fn automation_word(app: &AppSnapshot) -> &'static str {
    use crate::engine::api::AutomationState;
    match app.automation_state {
        AutomationState::Manual => "manual",
        AutomationState::On => "on",
        AutomationState::Syncing => "syncing",
        AutomationState::Paused => "paused",
        AutomationState::Window => "window",
        AutomationState::AwaitingApproval => "approval",
        AutomationState::Held => "held",
    }
}

/// ASCII case-insensitive substring test without allocating (`needle` is
/// already lowercase): a keystroke filters 10,000 names.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if !needle.is_ascii() || !haystack.is_ascii() {
        return haystack.to_lowercase().contains(needle);
    }
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    haystack
        .windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures::demo_snapshot;

    fn names(filter: &str) -> Vec<String> {
        let filter = Filter::parse(filter);
        demo_snapshot()
            .apps
            .iter()
            .filter(|app| filter.matches(app))
            .map(|app| app.name.clone())
            .collect()
    }

    #[test]
    fn substring_labels_pseudo_labels_negation_and_and() {
        assert_eq!(names("GUEST"), ["guestbook-dev", "guestbook-prod"]);
        assert_eq!(names("guest !prod"), ["guestbook-dev"]);
        assert_eq!(
            names("env=prod"),
            ["billing-worker", "guestbook-prod", "payments-api"]
        );
        assert_eq!(names("env=prod tier=api"), ["payments-api"]);
        assert_eq!(
            names("env=prod !tier=api"),
            ["billing-worker", "guestbook-prod"]
        );
        assert_eq!(
            names("env=prod tier!=api"),
            ["billing-worker", "guestbook-prod"]
        );
        assert_eq!(names("cluster=hub"), ["cert-manager", "monitoring"]);
        assert_eq!(
            names("sync=outofsync"),
            ["billing-worker", "guestbook-dev", "guestbook-prod"]
        );
        assert_eq!(names("health=Degraded"), ["payments-api"]);
        assert_eq!(names("automation=paused"), ["guestbook-dev"]);
        assert_eq!(
            names("project=platform !health=Healthy"),
            ["cert-manager", "edge-cache"]
        );
        assert_eq!(names("").len(), demo_snapshot().apps.len());
        assert!(names("nosuchapp").is_empty());
    }

    #[test]
    fn selectors_and_single_scopes() {
        assert_eq!(
            Filter::parse("env=prod !tier=api")
                .as_label_selector()
                .as_deref(),
            Some("env=prod,tier!=api")
        );
        assert_eq!(Filter::parse("guest env=prod").as_label_selector(), None);
        assert_eq!(Filter::parse("cluster=hub").as_label_selector(), None);
        assert_eq!(Filter::parse("cluster=hub").only_cluster(), Some("hub"));
        assert_eq!(Filter::parse("cluster=hub web").only_cluster(), None);
        assert_eq!(Filter::parse("project=shop").only_project(), Some("shop"));
    }
}
