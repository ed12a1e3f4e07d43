//! The Argo CD resources found among a set of manifests (typically every
//! document of a Git repository), sorted into Applications, ApplicationSets
//! and AppProjects, with every problem reported and located.
//!
//! One bad document must not hide the rest of a repository: a document that
//! fails to parse or to validate becomes a [`CatalogError`] (one per problem)
//! and is left out, and everything else loads. Objects that are not Argo CD
//! resources (Deployments, other `argoproj.io` kinds such as Rollouts) are
//! only counted.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;
use thiserror::Error;

use super::app_project::AppProject;
use super::application::Application;
use super::application_set::ApplicationSet;
use super::error::{ModelError, ValidationError};
use super::resource::{self, ArgoResource, GROUP};
use crate::engine::manifest::{Manifest, Origin};

/// The Argo CD kinds the catalog reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ResourceKind {
    Application,
    ApplicationSet,
    AppProject,
}

impl ResourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Application => Application::KIND,
            ResourceKind::ApplicationSet => ApplicationSet::KIND,
            ResourceKind::AppProject => AppProject::KIND,
        }
    }

    /// The kind of `manifest` if it is one of Argo CD's resources (any
    /// version of the `argoproj.io` group; unknown versions are then
    /// reported rather than silently skipped).
    pub fn of(manifest: &Manifest) -> Option<ResourceKind> {
        if manifest.group() != GROUP {
            return None;
        }
        match manifest.kind() {
            Application::KIND => Some(ResourceKind::Application),
            ApplicationSet::KIND => Some(ResourceKind::ApplicationSet),
            AppProject::KIND => Some(ResourceKind::AppProject),
            _ => None,
        }
    }
}

impl fmt::Display for ResourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource and the document it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Located<T> {
    pub value: T,
    pub origin: Origin,
}

/// A document of an Argo CD kind that did not load.
#[derive(Debug, Clone, PartialEq, Error, Serialize)]
#[error("{origin}: {kind}{}: {problem}", name_suffix(.name))]
pub struct CatalogError {
    pub origin: Origin,
    pub kind: ResourceKind,
    /// `metadata.name`, when the document has one.
    pub name: Option<String>,
    pub problem: CatalogProblem,
}

#[derive(Debug, Clone, PartialEq, Error, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CatalogProblem {
    /// The document does not have the resource's shape.
    #[error(transparent)]
    Parse(ModelError),
    /// The document breaks one of Argo CD's rules.
    #[error(transparent)]
    Invalid(ValidationError),
    /// Another document of the same kind already has this namespace and
    /// name; the one earliest by origin (file, document) wins.
    #[error("metadata.name: duplicate name, already defined in {first}")]
    Duplicate { first: Origin },
}

impl CatalogError {
    /// The field path the problem is about (`""` for the whole document).
    pub fn path(&self) -> &str {
        match &self.problem {
            CatalogProblem::Parse(error) => error.path(),
            CatalogProblem::Invalid(error) => &error.path,
            CatalogProblem::Duplicate { .. } => "metadata.name",
        }
    }
}

fn name_suffix(name: &Option<String>) -> String {
    name.as_ref()
        .map(|name| format!(" {name}"))
        .unwrap_or_default()
}

/// Every Argo CD resource of a set of manifests. Lists are sorted by name,
/// then namespace, then origin; errors by origin.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Catalog {
    pub applications: Vec<Located<Application>>,
    pub application_sets: Vec<Located<ApplicationSet>>,
    pub projects: Vec<Located<AppProject>>,
    pub errors: Vec<CatalogError>,
    /// Documents that are not Argo CD Applications, ApplicationSets or
    /// AppProjects.
    pub ignored: usize,
}

impl Catalog {
    pub fn from_manifests(manifests: impl IntoIterator<Item = Manifest>) -> Catalog {
        let mut catalog = Catalog::default();
        for manifest in manifests {
            let Some(kind) = ResourceKind::of(&manifest) else {
                catalog.ignored += 1;
                continue;
            };
            let errors = &mut catalog.errors;
            match kind {
                ResourceKind::Application => {
                    load(kind, manifest, &mut catalog.applications, errors)
                }
                ResourceKind::ApplicationSet => {
                    load(kind, manifest, &mut catalog.application_sets, errors)
                }
                ResourceKind::AppProject => load(kind, manifest, &mut catalog.projects, errors),
            }
        }
        let errors = &mut catalog.errors;
        finish(ResourceKind::Application, &mut catalog.applications, errors);
        finish(
            ResourceKind::ApplicationSet,
            &mut catalog.application_sets,
            errors,
        );
        finish(ResourceKind::AppProject, &mut catalog.projects, errors);
        catalog
            .errors
            .sort_by(|left, right| left.origin.cmp(&right.origin));
        catalog
    }

    /// The first Application named `name` (in any namespace).
    pub fn application(&self, name: &str) -> Option<&Located<Application>> {
        self.applications
            .iter()
            .find(|located| located.value.name() == name)
    }

    pub fn application_set(&self, name: &str) -> Option<&Located<ApplicationSet>> {
        self.application_sets
            .iter()
            .find(|located| located.value.name() == name)
    }

    pub fn project(&self, name: &str) -> Option<&Located<AppProject>> {
        self.projects
            .iter()
            .find(|located| located.value.name() == name)
    }
}

/// Parses and validates one document, or records why it did not load.
fn load<T: ArgoResource>(
    kind: ResourceKind,
    manifest: Manifest,
    loaded: &mut Vec<Located<T>>,
    errors: &mut Vec<CatalogError>,
) {
    let name = Some(manifest.name().to_string()).filter(|name| !name.is_empty());
    let Manifest { object, origin } = manifest;
    let error = |problem| CatalogError {
        origin: origin.clone(),
        kind,
        name: name.clone(),
        problem,
    };
    let value = match resource::from_value::<T>(object) {
        Ok(value) => value,
        Err(parse_error) => {
            errors.push(error(CatalogProblem::Parse(parse_error)));
            return;
        }
    };
    let problems = value.validate();
    if problems.is_empty() {
        loaded.push(Located { value, origin });
    } else {
        errors.extend(problems.into_iter().map(CatalogProblem::Invalid).map(error));
    }
}

/// Drops duplicates (same kind, namespace and name; the earliest origin
/// wins) and sorts by name.
fn finish<T: ArgoResource>(
    kind: ResourceKind,
    loaded: &mut Vec<Located<T>>,
    errors: &mut Vec<CatalogError>,
) {
    loaded.sort_by(|left, right| left.origin.cmp(&right.origin));
    // By (namespace, name): a catalog holds thousands of apps, and a scan
    // of the ones seen so far made this quadratic.
    let mut seen: HashMap<(&str, &str), &Origin> = HashMap::with_capacity(loaded.len());
    let mut duplicates = HashSet::new();
    for (index, located) in loaded.iter().enumerate() {
        let metadata = located.value.metadata();
        let namespace = metadata.namespace().unwrap_or_default();
        match seen.get(&(namespace, metadata.name.as_str())).copied() {
            Some(first) => {
                errors.push(CatalogError {
                    origin: located.origin.clone(),
                    kind,
                    name: Some(metadata.name.clone()),
                    problem: CatalogProblem::Duplicate {
                        first: first.clone(),
                    },
                });
                duplicates.insert(index);
            }
            None => {
                seen.insert((namespace, &metadata.name), &located.origin);
            }
        }
    }
    let mut index = 0;
    loaded.retain(|_| {
        let keep = !duplicates.contains(&index);
        index += 1;
        keep
    });
    loaded.sort_by(|left, right| {
        let (left_meta, right_meta) = (left.value.metadata(), right.value.metadata());
        (&left_meta.name, left_meta.namespace(), &left.origin).cmp(&(
            &right_meta.name,
            right_meta.namespace(),
            &right.origin,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn manifest(file: &str, document: usize, object: Value) -> Manifest {
        Manifest {
            object,
            origin: Origin {
                file: file.into(),
                document,
                line: 1 + document * 10,
            },
        }
    }

    fn app(name: &str) -> Value {
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": name, "namespace": "argocd"},
            "spec": {"project": "default", "destination": {"name": "in-cluster"},
                "source": {"repoURL": "https://g", "path": name}}})
    }

    #[test]
    fn classifies_and_counts_ignored_documents() {
        let catalog = Catalog::from_manifests([
            manifest("a.yaml", 0, app("web")),
            manifest(
                "a.yaml",
                1,
                json!({"apiVersion": "apps/v1", "kind": "Deployment"}),
            ),
            manifest(
                "a.yaml",
                2,
                json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout"}),
            ),
            manifest(
                "b.yaml",
                0,
                json!({"apiVersion": "argoproj.io/v1alpha1",
                "kind": "AppProject", "metadata": {"name": "team"}}),
            ),
        ]);
        assert_eq!(catalog.applications.len(), 1);
        assert_eq!(catalog.projects.len(), 1);
        assert_eq!(catalog.ignored, 2);
        assert!(catalog.errors.is_empty());
        assert_eq!(
            catalog.project("team").unwrap().origin.file.as_ref(),
            "b.yaml"
        );
    }

    #[test]
    fn duplicates_keep_the_earliest_and_name_both_origins() {
        // Given out of order on purpose: the result must not depend on it.
        let catalog = Catalog::from_manifests([
            manifest("z.yaml", 0, app("web")),
            manifest("a.yaml", 3, app("web")),
            manifest("a.yaml", 0, app("api")),
        ]);
        let names: Vec<_> = catalog
            .applications
            .iter()
            .map(|a| a.value.name())
            .collect();
        assert_eq!(names, vec!["api", "web"]);
        assert_eq!(
            catalog.application("web").unwrap().origin.file.as_ref(),
            "a.yaml"
        );
        assert_eq!(catalog.errors.len(), 1);
        let error = &catalog.errors[0];
        assert_eq!(error.origin.file.as_ref(), "z.yaml");
        assert_eq!(error.path(), "metadata.name");
        let message = error.to_string();
        assert!(
            message.contains("z.yaml") && message.contains("a.yaml (document 4"),
            "{message}"
        );
    }

    #[test]
    fn bad_documents_become_errors_with_kind_name_and_path() {
        let mut broken = app("broken");
        broken["spec"]["syncPolicy"] = json!({"automated": {"prune": "yes"}});
        let mut invalid = app("invalid");
        invalid["spec"]["destination"] = json!({});
        let catalog = Catalog::from_manifests([
            manifest("a.yaml", 0, broken),
            manifest("a.yaml", 1, invalid),
            manifest("a.yaml", 2, app("ok")),
        ]);
        assert_eq!(catalog.applications.len(), 1);
        assert_eq!(catalog.errors.len(), 2);
        assert_eq!(catalog.errors[0].name.as_deref(), Some("broken"));
        assert_eq!(catalog.errors[0].path(), "spec.syncPolicy.automated.prune");
        assert!(matches!(
            catalog.errors[0].problem,
            CatalogProblem::Parse(_)
        ));
        assert_eq!(catalog.errors[1].path(), "spec.destination");
        assert!(
            catalog.errors[1].to_string().starts_with(
                "a.yaml (document 2, line 11): Application invalid: spec.destination:"
            )
        );
    }

    #[test]
    fn unknown_argo_versions_are_reported_not_ignored() {
        let mut future = app("web");
        future["apiVersion"] = json!("argoproj.io/v1beta1");
        let catalog = Catalog::from_manifests([manifest("a.yaml", 0, future)]);
        assert_eq!(catalog.ignored, 0);
        assert_eq!(catalog.errors[0].path(), "apiVersion");
    }
}
