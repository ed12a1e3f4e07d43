//! AppProject rules: which repositories an Application may render from,
//! which clusters and namespaces it may deploy to, and which kinds it may
//! create there — decided as Argo CD decides them, over plain data.
//!
//! Argo CD's semantics, kept here:
//! - `sourceRepos`: globs over normalised URLs (`*` stops at `/`, `**`
//!   does not). A source is permitted when some pattern matches it and no
//!   `!` pattern denies it. A `!p` entry counts as matching every URL that
//!   `p` does not match, so `["!https://bad/*"]` alone permits the rest.
//! - `destinations`: `server`, `name` and `namespace` are globs, each may be
//!   negated. A destination is permitted when an entry matches its cluster
//!   (by server or by name) and namespace, and no entry's `!` pattern denies
//!   it. Every namespace an object is written to is checked the same way.
//! - Kinds: a cluster-scoped kind must be in `clusterResourceWhitelist` (an
//!   empty one permits none); a namespaced kind must be in
//!   `namespaceResourceWhitelist` unless that list is empty (then all are);
//!   a blacklist entry wins over the whitelist. `group` and `kind` are globs.
//! - The `default` project, when Git does not define it, permits everything
//!   (Argo CD creates it that way); any other project that Git does not
//!   define permits nothing.
//!
//! A pattern that does not compile forbids (and says so) rather than being
//! skipped: a typo in a deny rule must not let through what it was written
//! to stop.

mod pattern;
mod violation;

use std::collections::BTreeMap;

use crate::engine::cluster::{ClusterEntry, IN_CLUSTER_SERVER};
use crate::engine::conventions::scope::{CrdScopes, lookup};
use crate::engine::diff::ResourceScope;
use crate::engine::manifest::Manifest;
use crate::engine::model::app_project::{AppProjectSpec, GroupKind};
use crate::engine::model::{AppProject, Application, DEFAULT_PROJECT};

pub use pattern::{InvalidPattern, normalize_repo_url};
pub use violation::{ProjectRule, ProjectViolation};

use pattern::{glob_matches, is_deny, matches_allowing_negation};

/// The rules an Application is held to.
#[derive(Debug, Clone, PartialEq)]
pub enum ProjectRules {
    /// `default` is not defined in Git: Argo CD's built-in default project,
    /// which permits every source, destination and kind.
    ImplicitDefault,
    Defined(Box<AppProject>),
    /// The app names a project that Git does not define.
    Missing(String),
}

impl ProjectRules {
    /// The rules of `app`'s project, looked up with `find`.
    pub fn for_app<'a>(
        app: &Application,
        find: impl FnOnce(&str) -> Option<&'a AppProject>,
    ) -> ProjectRules {
        let name = app.project();
        match find(name) {
            Some(project) => ProjectRules::Defined(Box::new(project.clone())),
            None if name == DEFAULT_PROJECT => ProjectRules::ImplicitDefault,
            None => ProjectRules::Missing(name.to_string()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            ProjectRules::ImplicitDefault => DEFAULT_PROJECT,
            ProjectRules::Defined(project) => project.name(),
            ProjectRules::Missing(name) => name,
        }
    }
}

/// Where an app deploys, as the fleet resolved it: the cluster's fleet name
/// and API server URL, both of which project `destinations` may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDestination {
    pub cluster: String,
    pub server: String,
    /// The hub is also `https://kubernetes.default.svc` (Argo's in-cluster).
    pub hub: bool,
    /// The app's `spec.destination.namespace` (may be empty).
    pub namespace: String,
}

impl ResolvedDestination {
    pub fn new(entry: &ClusterEntry, namespace: impl Into<String>) -> Self {
        ResolvedDestination {
            cluster: entry.name.clone(),
            server: entry.server.clone(),
            hub: entry.hub,
            namespace: namespace.into(),
        }
    }

    /// The server URLs the cluster answers to.
    fn servers(&self) -> Vec<&str> {
        let mut servers = vec![self.server.trim_end_matches('/')];
        if self.hub {
            servers.push(IN_CLUSTER_SERVER);
        }
        servers
    }

    fn describe(&self, namespace: &str) -> String {
        let namespace = if namespace.is_empty() {
            "no namespace".to_string()
        } else {
            format!("namespace {namespace}")
        };
        format!("{namespace} on cluster {} ({})", self.cluster, self.server)
    }
}

/// Every violation of `app` rendered into `manifests` (placed in their
/// namespaces) for `destination`. `scope` says which kinds are namespaced
/// (discovery); the app's own CRDs and the built-in table fill the gaps.
pub fn check_application(
    rules: &ProjectRules,
    app: &Application,
    destination: &ResolvedDestination,
    manifests: &[Manifest],
    scope: &dyn ResourceScope,
) -> Vec<ProjectViolation> {
    let repos: Vec<&str> = app
        .sources()
        .iter()
        .map(|source| source.repo_url.as_str())
        .collect();
    check(rules, &repos, destination, manifests, scope)
}

/// [`check_application`] over the facts a sync keeps: the sources' repo
/// URLs instead of the Application.
pub fn check(
    rules: &ProjectRules,
    source_repos: &[&str],
    destination: &ResolvedDestination,
    manifests: &[Manifest],
    scope: &dyn ResourceScope,
) -> Vec<ProjectViolation> {
    let project = match rules {
        ProjectRules::ImplicitDefault => return Vec::new(),
        ProjectRules::Missing(name) => {
            return vec![ProjectViolation {
                project: name.clone(),
                rule: ProjectRule::Project,
                detail: "no AppProject of this name is defined in Git, so nothing may be synced"
                    .to_string(),
            }];
        }
        ProjectRules::Defined(project) => project,
    };
    let mut found = Findings::new(project.name());
    check_sources(&project.spec, source_repos, &mut found);
    check_destination(
        &project.spec,
        destination,
        &destination.namespace,
        &mut found,
    );
    check_objects(&project.spec, destination, manifests, scope, &mut found);
    found.violations
}

struct Findings {
    project: String,
    violations: Vec<ProjectViolation>,
}

impl Findings {
    fn new(project: &str) -> Self {
        Findings {
            project: project.to_string(),
            violations: Vec::new(),
        }
    }

    fn push(&mut self, rule: ProjectRule, detail: String) {
        self.violations.push(ProjectViolation {
            project: self.project.clone(),
            rule,
            detail,
        });
    }

    fn invalid(&mut self, rule: ProjectRule, error: &InvalidPattern) {
        self.push(
            rule,
            format!(
                "pattern {:?} is not a valid glob ({}); it forbids until fixed",
                error.pattern, error.message
            ),
        );
    }
}

fn check_sources(spec: &AppProjectSpec, repos: &[&str], found: &mut Findings) {
    for repo in repos {
        let url = normalize_repo_url(repo);
        let mut matched = false;
        let mut denied_by = None;
        for pattern in &spec.source_repos {
            let normalized = match pattern.strip_prefix('!') {
                Some(denied) => format!("!{}", normalize_repo_url(denied)),
                None => normalize_repo_url(pattern),
            };
            match matches_allowing_negation(&normalized, &url, true) {
                Ok(true) => matched = true,
                Ok(false) if is_deny(&normalized) => {
                    denied_by = Some(pattern.clone());
                    break;
                }
                Ok(false) => {}
                Err(error) => {
                    found.invalid(ProjectRule::SourceRepos, &error);
                    denied_by = Some(pattern.clone());
                    break;
                }
            }
        }
        match denied_by {
            Some(pattern) => found.push(
                ProjectRule::SourceRepos,
                format!("repository {repo} is denied by {pattern:?}"),
            ),
            None if !matched => found.push(
                ProjectRule::SourceRepos,
                format!(
                    "repository {repo} matches none of the permitted repositories ({})",
                    list_or_none(&spec.source_repos)
                ),
            ),
            None => {}
        }
    }
}

/// Whether a cluster may be written to in `namespace`; a violation is
/// recorded when it may not.
fn check_destination(
    spec: &AppProjectSpec,
    destination: &ResolvedDestination,
    namespace: &str,
    found: &mut Findings,
) -> bool {
    match destination_verdict(spec, destination, namespace) {
        Ok(DestinationVerdict::Permitted) => true,
        Ok(DestinationVerdict::Denied(index)) => {
            let item = &spec.destinations[index];
            found.push(
                ProjectRule::Destinations,
                format!(
                    "{} is denied by destinations[{index}] (server {:?}, name {:?}, namespace {:?})",
                    destination.describe(namespace),
                    item.server,
                    item.name,
                    item.namespace
                ),
            );
            false
        }
        Ok(DestinationVerdict::Unmatched) => {
            found.push(
                ProjectRule::Destinations,
                format!(
                    "{} matches none of the project's {} destinations",
                    destination.describe(namespace),
                    spec.destinations.len()
                ),
            );
            false
        }
        Err(error) => {
            found.invalid(ProjectRule::Destinations, &error);
            false
        }
    }
}

enum DestinationVerdict {
    Permitted,
    /// The index of the entry whose `!` pattern denies it.
    Denied(usize),
    Unmatched,
}

fn destination_verdict(
    spec: &AppProjectSpec,
    destination: &ResolvedDestination,
    namespace: &str,
) -> Result<DestinationVerdict, InvalidPattern> {
    let servers = destination.servers();
    let mut any_matched = false;
    for (index, item) in spec.destinations.iter().enumerate() {
        let name_matched = !destination.cluster.is_empty()
            && matches_allowing_negation(&item.name, &destination.cluster, false)?;
        // A deny pattern denies if any URL the cluster answers to is denied.
        let server_matched = match item.server.strip_prefix('!') {
            Some(denied) => {
                let mut none_denied = true;
                for server in &servers {
                    none_denied &= !glob_matches(denied.trim_end_matches('/'), server, false)?;
                }
                none_denied
            }
            None => {
                let mut any = false;
                for server in &servers {
                    any |= glob_matches(item.server.trim_end_matches('/'), server, false)?;
                }
                any
            }
        };
        let namespace_matched = matches_allowing_negation(&item.namespace, namespace, false)?;
        if (server_matched || name_matched) && namespace_matched {
            any_matched = true;
        } else if (!name_matched && is_deny(&item.name))
            || (!server_matched && is_deny(&item.server))
            || (!namespace_matched && is_deny(&item.namespace))
        {
            return Ok(DestinationVerdict::Denied(index));
        }
    }
    Ok(if any_matched {
        DestinationVerdict::Permitted
    } else {
        DestinationVerdict::Unmatched
    })
}

/// Kinds against the white and blacklists, and the namespace of every
/// namespaced object against `destinations`. One violation per rule and
/// kind (or namespace), naming the objects.
fn check_objects(
    spec: &AppProjectSpec,
    destination: &ResolvedDestination,
    manifests: &[Manifest],
    scope: &dyn ResourceScope,
    found: &mut Findings,
) {
    let crds = CrdScopes::from_objects(manifests.iter().map(|manifest| &manifest.object));
    let mut by_kind: BTreeMap<(ProjectRule, String, String, String), Vec<String>> = BTreeMap::new();
    let mut by_namespace: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for manifest in manifests {
        let key = manifest.key();
        let namespaced = lookup(scope, Some(&crds), &key.group, &key.kind).unwrap_or(true);
        match kind_verdict(spec, &key.group, &key.kind, namespaced) {
            Ok(None) => {}
            Ok(Some((rule, why))) => by_kind
                .entry((rule, key.group.clone(), key.kind.clone(), why))
                .or_default()
                .push(key.name.clone()),
            Err((rule, error)) => found.invalid(rule, &error),
        }
        if namespaced && !key.namespace.is_empty() && key.namespace != destination.namespace {
            by_namespace
                .entry(key.namespace.clone())
                .or_default()
                .push(key.to_string());
        }
    }
    for ((rule, group, kind, why), names) in by_kind {
        let group_kind = if group.is_empty() {
            kind
        } else {
            format!("{group}/{kind}")
        };
        found.push(rule, format!("{group_kind} {}: {why}", names.join(", ")));
    }
    for (namespace, objects) in by_namespace {
        let before = found.violations.len();
        if !check_destination(spec, destination, &namespace, found)
            && let Some(violation) = found.violations.get_mut(before)
        {
            violation.detail = format!("{} (objects {})", violation.detail, objects.join(", "));
        }
    }
}

type KindError = (ProjectRule, InvalidPattern);

/// `None` when the kind is permitted, else the rule and why.
fn kind_verdict(
    spec: &AppProjectSpec,
    group: &str,
    kind: &str,
    namespaced: bool,
) -> Result<Option<(ProjectRule, String)>, KindError> {
    let (whitelist, whitelist_rule, blacklist, blacklist_rule) = if namespaced {
        (
            &spec.namespace_resource_whitelist,
            ProjectRule::NamespaceResourceWhitelist,
            &spec.namespace_resource_blacklist,
            ProjectRule::NamespaceResourceBlacklist,
        )
    } else {
        (
            &spec.cluster_resource_whitelist,
            ProjectRule::ClusterResourceWhitelist,
            &spec.cluster_resource_blacklist,
            ProjectRule::ClusterResourceBlacklist,
        )
    };
    let scope_word = if namespaced {
        "namespaced"
    } else {
        "cluster-scoped"
    };
    if let Some(entry) = in_list(blacklist, group, kind).map_err(|error| (blacklist_rule, error))? {
        return Ok(Some((
            blacklist_rule,
            format!(
                "{scope_word} kind blacklisted by {{group: {:?}, kind: {:?}}}",
                entry.group, entry.kind
            ),
        )));
    }
    if whitelist.is_empty() {
        return Ok((!namespaced).then(|| {
            (
                whitelist_rule,
                "cluster-scoped kind not permitted (clusterResourceWhitelist is empty)".to_string(),
            )
        }));
    }
    if in_list(whitelist, group, kind)
        .map_err(|error| (whitelist_rule, error))?
        .is_none()
    {
        return Ok(Some((
            whitelist_rule,
            format!("{scope_word} kind not in the whitelist"),
        )));
    }
    Ok(None)
}

fn in_list<'a>(
    list: &'a [GroupKind],
    group: &str,
    kind: &str,
) -> Result<Option<&'a GroupKind>, InvalidPattern> {
    for entry in list {
        if glob_matches(&entry.group, group, false)? && glob_matches(&entry.kind, kind, false)? {
            return Ok(Some(entry));
        }
    }
    Ok(None)
}

fn list_or_none(patterns: &[String]) -> String {
    if patterns.is_empty() {
        "none".to_string()
    } else {
        patterns.join(", ")
    }
}

#[cfg(test)]
mod tests;
