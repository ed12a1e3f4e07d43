//! Which applications a window applies to. Argo CD matches a window's
//! `applications` against the Application's name, `namespaces` against its
//! destination namespace and `clusters` against its destination cluster name
//! or server URL, each a list of globs (`*` matches any text, `/` included).
//! A window applies when any non-empty list matches; with `andOperator: true`
//! every non-empty list must match. A window with no lists applies to nothing.

use globset::{Glob, GlobMatcher};

use crate::engine::model::{Application, SyncWindow};

use super::error::{WindowError, WindowName};

/// The application facts window matching reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowTarget<'a> {
    /// `metadata.name`.
    pub app: &'a str,
    /// `spec.destination.namespace`.
    pub namespace: &'a str,
    /// `spec.destination.name` (may be empty).
    pub cluster_name: &'a str,
    /// `spec.destination.server` (may be empty).
    pub cluster_server: &'a str,
}

impl<'a> WindowTarget<'a> {
    pub fn of(app: &'a Application) -> Self {
        WindowTarget {
            app: &app.metadata.name,
            namespace: &app.spec.destination.namespace,
            cluster_name: &app.spec.destination.name,
            cluster_server: &app.spec.destination.server,
        }
    }
}

/// A window's compiled application, namespace and cluster globs.
#[derive(Debug, Clone)]
pub(super) struct Selector {
    applications: Vec<GlobMatcher>,
    namespaces: Vec<GlobMatcher>,
    clusters: Vec<GlobMatcher>,
    and_operator: bool,
}

impl Selector {
    pub(super) fn compile(window: &SyncWindow, name: &WindowName) -> Result<Self, WindowError> {
        let globs = |field: &'static str, patterns: &[String]| {
            patterns
                .iter()
                .map(|pattern| {
                    Glob::new(pattern)
                        .map(|glob| glob.compile_matcher())
                        .map_err(|source| WindowError::Pattern {
                            window: name.clone(),
                            field,
                            pattern: pattern.clone(),
                            source: Box::new(source),
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Selector {
            applications: globs("applications", &window.applications)?,
            namespaces: globs("namespaces", &window.namespaces)?,
            clusters: globs("clusters", &window.clusters)?,
            and_operator: window
                .extra
                .get("andOperator")
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false),
        })
    }

    pub(super) fn applies_to(&self, target: &WindowTarget<'_>) -> bool {
        let any = |globs: &[GlobMatcher], text: &str| globs.iter().any(|g| g.is_match(text));
        // An empty destination name or server never matches (a `*` cluster glob
        // must not select through the field the app did not set).
        let cluster = |text: &str| !text.is_empty() && any(&self.clusters, text);
        // `None` for an empty list (not part of the decision).
        let lists = [
            (!self.applications.is_empty()).then(|| any(&self.applications, target.app)),
            (!self.namespaces.is_empty()).then(|| any(&self.namespaces, target.namespace)),
            (!self.clusters.is_empty())
                .then(|| cluster(target.cluster_name) || cluster(target.cluster_server)),
        ];
        let mut used = lists.iter().flatten().peekable();
        if used.peek().is_none() {
            return false;
        }
        if self.and_operator {
            used.all(|matched| *matched)
        } else {
            used.any(|matched| *matched)
        }
    }
}
