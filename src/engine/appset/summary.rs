//! ApplicationSets as operators look at them: what each generator is (kind
//! and the parameters that matter, nested for matrix and merge), how many
//! apps the set contributes, its policies, and why generation failed.
//!
//! The summary is data (`Serialize`, a small tree), computed once per Git
//! pass from the ApplicationSet and the generator clusters; every front end
//! gets its words from [`GeneratorSummary::lines`] and the `Display` impls
//! here, so the text is written in one place.

use std::fmt;

use serde::Serialize;

use super::generator_clusters::GeneratorClusters;
use crate::engine::model::generators::{
    ClusterGenerator, GitGenerator, GitPathItem, ListGenerator,
};
use crate::engine::model::{
    ApplicationSet, ApplicationsSync, Generator, GeneratorKind, LabelSelector, StrategyType,
};

/// One ApplicationSet written in Git and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSetSummary {
    pub name: String,
    pub namespace: Option<String>,
    /// `spec.template.spec.project` as written (it may be a placeholder).
    pub project: Option<String>,
    /// `spec.generators`, in order.
    pub generators: Vec<GeneratorSummary>,
    /// The apps the set contributes to the fleet (what it generates, or
    /// what its `applicationsSync` policy or a failure keeps).
    pub apps: usize,
    /// `syncPolicy.applicationsSync`, when written.
    pub applications_sync: Option<ApplicationsSync>,
    pub preserve_resources_on_deletion: bool,
    pub strategy: SetStrategy,
    /// Why generation failed; the set then keeps the apps it had.
    pub error: Option<String>,
    /// Generated apps left out because another Application already has
    /// their name.
    pub skipped: Vec<String>,
}

/// How the set's apps are synced when they change.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum SetStrategy {
    /// All at once (no `strategy`, or `AllAtOnce`).
    #[default]
    AllAtOnce,
    RollingSync {
        steps: usize,
    },
}

/// One generator entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GeneratorSummary {
    pub kind: GeneratorKindSummary,
    /// The entry's post-`selector` over the generated parameters.
    pub selector: Option<String>,
    /// Apps this entry generated (top-level entries of a set that
    /// generated; `None` for nested entries or a failed set).
    pub apps: Option<usize>,
}

/// Where a git generator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum GitSourceKind {
    Directories,
    Files,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum GeneratorKindSummary {
    /// `elements`, or `None` for a templated `elementsYaml`.
    List {
        elements: Option<usize>,
    },
    Clusters {
        /// `None`: every cluster.
        selector: Option<String>,
        /// Clusters the selector matches now; `None` when the selector is
        /// templated (a matrix's second child).
        clusters: Option<usize>,
        /// The keys of `values`.
        values: Vec<String>,
    },
    Git {
        source: GitSourceKind,
        repo_url: String,
        /// `HEAD` when not written.
        revision: String,
        /// Path globs; excluded ones start with `!`.
        paths: Vec<String>,
    },
    Matrix {
        generators: Vec<GeneratorSummary>,
    },
    Merge {
        merge_keys: Vec<String>,
        generators: Vec<GeneratorSummary>,
    },
    /// A kind fleetdeck does not run (pullRequest, scmProvider, ...).
    Other {
        name: String,
    },
    /// An entry with no kind, or several.
    Invalid {
        kinds: Vec<String>,
    },
}

impl AppSetSummary {
    /// The summary of `set`. `apps` is what it contributes to the fleet;
    /// `error` is the generation failure. Per-generator counts come from
    /// [`Self::count_generated`].
    pub fn of(
        set: &ApplicationSet,
        clusters: &GeneratorClusters,
        apps: usize,
        error: Option<String>,
    ) -> AppSetSummary {
        let policy = set.spec.sync_policy.as_ref();
        let strategy = match &set.spec.strategy {
            Some(strategy) if strategy.strategy_type() == StrategyType::RollingSync => {
                SetStrategy::RollingSync {
                    steps: strategy
                        .rolling_sync
                        .as_ref()
                        .map_or(0, |rolling| rolling.steps.len()),
                }
            }
            _ => SetStrategy::AllAtOnce,
        };
        let generators = set
            .spec
            .generators
            .iter()
            .map(|generator| GeneratorSummary::of(generator, clusters))
            .collect();
        AppSetSummary {
            name: set.name().to_string(),
            namespace: set.metadata.namespace().map(str::to_string),
            project: set
                .spec
                .template
                .spec
                .get("project")
                .and_then(|project| project.as_str())
                .filter(|project| !project.is_empty())
                .map(str::to_string),
            generators,
            apps,
            applications_sync: policy.and_then(|policy| policy.applications_sync),
            preserve_resources_on_deletion: policy
                .is_some_and(|policy| policy.preserve_resources_on_deletion),
            strategy,
            error,
            skipped: Vec::new(),
        }
    }

    /// The generators in a few words, for a list column:
    /// "matrix(list(3) × list(2))".
    pub fn generators_text(&self) -> String {
        join_short(&self.generators, ", ")
    }

    /// Records the apps each top-level generator produced (`counts[i]` for
    /// `spec.generators[i]`).
    pub fn count_generated(&mut self, counts: &[usize]) {
        for (generator, count) in self.generators.iter_mut().zip(counts) {
            generator.apps = Some(*count);
        }
    }

    /// Policies in words, for a one-line header: "applicationsSync
    /// create-only, preserveResourcesOnDeletion, RollingSync (2 steps)".
    /// Empty when the set uses the defaults.
    pub fn policy_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(policy) = self.applications_sync {
            parts.push(format!("applicationsSync {}", policy.name()));
        }
        if self.preserve_resources_on_deletion {
            parts.push("preserveResourcesOnDeletion".to_string());
        }
        if let SetStrategy::RollingSync { steps } = self.strategy {
            parts.push(format!("RollingSync ({steps} steps)"));
        }
        parts.join(", ")
    }
}

impl GeneratorSummary {
    /// The summary of one entry; clusters are counted against `clusters`.
    pub fn of(generator: &Generator, clusters: &GeneratorClusters) -> GeneratorSummary {
        let kinds = generator.kinds();
        let kind = match kinds.as_slice() {
            [only] => kind_summary(only, clusters),
            several => GeneratorKindSummary::Invalid {
                kinds: several.iter().map(|kind| kind.name().to_string()).collect(),
            },
        };
        GeneratorSummary {
            kind,
            selector: generator
                .selector
                .as_ref()
                .map(selector_text)
                .filter(|text| !text.is_empty()),
            apps: None,
        }
    }

    /// The entry as indented lines (depth, text): a leaf is one line; a
    /// matrix or merge is its own line followed by its children one level
    /// deeper. What a tree view draws.
    pub fn lines(&self) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        self.push_lines(0, &mut out);
        out
    }

    fn push_lines(&self, depth: usize, out: &mut Vec<(usize, String)>) {
        match &self.kind {
            GeneratorKindSummary::Matrix { generators }
            | GeneratorKindSummary::Merge { generators, .. } => {
                out.push((depth, self.decorate(self.kind.head())));
                for child in generators {
                    child.push_lines(depth + 1, out);
                }
            }
            _ => out.push((depth, self.decorate(self.kind.to_string()))),
        }
    }

    /// The text with the post-selector and the apps generated.
    fn decorate(&self, mut text: String) -> String {
        if let Some(selector) = &self.selector {
            text.push_str(&format!(", keeping {selector}"));
        }
        if let Some(apps) = self.apps {
            text.push_str(&format!(" → {apps} {}", plural(apps, "app", "apps")));
        }
        text
    }

    /// A few words, for a combinator's one-line form: "clusters(env=prod)",
    /// "list(3)", "git(apps/*)".
    fn short(&self) -> String {
        match &self.kind {
            GeneratorKindSummary::List { elements } => match elements {
                Some(count) => format!("list({count})"),
                None => "list(yaml)".to_string(),
            },
            GeneratorKindSummary::Clusters { selector, .. } => {
                format!("clusters({})", selector.as_deref().unwrap_or("all"))
            }
            GeneratorKindSummary::Git { paths, .. } => format!("git({})", paths.join(",")),
            GeneratorKindSummary::Matrix { generators } => {
                format!("matrix({})", join_short(generators, " × "))
            }
            GeneratorKindSummary::Merge { generators, .. } => {
                format!("merge({})", join_short(generators, " + "))
            }
            GeneratorKindSummary::Other { name } => name.clone(),
            GeneratorKindSummary::Invalid { .. } => "invalid".to_string(),
        }
    }
}

impl GeneratorKindSummary {
    /// A combinator's own line, without its children.
    fn head(&self) -> String {
        match self {
            GeneratorKindSummary::Matrix { .. } => "matrix".to_string(),
            GeneratorKindSummary::Merge { merge_keys, .. } => {
                format!("merge on [{}]", merge_keys.join(", "))
            }
            other => other.to_string(),
        }
    }
}

/// One line per generator kind, children in short form:
/// "list: 3 elements", "clusters: selector env=prod (2 clusters)",
/// "git directories: apps/* in <repo> at HEAD",
/// "matrix: clusters(env=staging) × list(3)", "merge on [name]: ...".
impl fmt::Display for GeneratorKindSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeneratorKindSummary::List { elements } => match elements {
                Some(count) => write!(f, "list: {count} {}", plural(*count, "element", "elements")),
                None => write!(f, "list: elements from elementsYaml"),
            },
            GeneratorKindSummary::Clusters {
                selector,
                clusters,
                values,
            } => {
                match selector {
                    Some(selector) => write!(f, "clusters: selector {selector}")?,
                    None => write!(f, "clusters: every cluster")?,
                }
                if let Some(count) = clusters {
                    write!(f, " ({count} {})", plural(*count, "cluster", "clusters"))?;
                }
                if !values.is_empty() {
                    write!(f, ", values {}", values.join(", "))?;
                }
                Ok(())
            }
            GeneratorKindSummary::Git {
                source,
                repo_url,
                revision,
                paths,
            } => {
                let what = match source {
                    GitSourceKind::Directories => "directories",
                    GitSourceKind::Files => "files",
                };
                write!(
                    f,
                    "git {what}: {} in {} at {revision}",
                    paths.join(", "),
                    short_repo(repo_url)
                )
            }
            GeneratorKindSummary::Matrix { generators } => {
                write!(f, "matrix: {}", join_short(generators, " × "))
            }
            GeneratorKindSummary::Merge {
                merge_keys,
                generators,
            } => write!(
                f,
                "merge on [{}]: {}",
                merge_keys.join(", "),
                join_short(generators, " + ")
            ),
            GeneratorKindSummary::Other { name } => {
                write!(f, "{name}: not supported by fleetdeck")
            }
            GeneratorKindSummary::Invalid { kinds } if kinds.is_empty() => {
                write!(f, "no generator kind")
            }
            GeneratorKindSummary::Invalid { kinds } => {
                write!(f, "several kinds in one entry: {}", kinds.join(", "))
            }
        }
    }
}

fn kind_summary(kind: &GeneratorKind<'_>, clusters: &GeneratorClusters) -> GeneratorKindSummary {
    match kind {
        GeneratorKind::List(list) => list_summary(list),
        GeneratorKind::Clusters(generator) => clusters_summary(generator, clusters),
        GeneratorKind::Git(git) => git_summary(git),
        GeneratorKind::Matrix(matrix) => GeneratorKindSummary::Matrix {
            generators: children(&matrix.generators, clusters),
        },
        GeneratorKind::Merge(merge) => GeneratorKindSummary::Merge {
            merge_keys: merge.merge_keys.clone(),
            generators: children(&merge.generators, clusters),
        },
        GeneratorKind::Other { name, .. } => GeneratorKindSummary::Other {
            name: (*name).to_string(),
        },
    }
}

fn children(generators: &[Generator], clusters: &GeneratorClusters) -> Vec<GeneratorSummary> {
    generators
        .iter()
        .map(|child| GeneratorSummary::of(child, clusters))
        .collect()
}

fn list_summary(list: &ListGenerator) -> GeneratorKindSummary {
    GeneratorKindSummary::List {
        elements: if list.elements.is_empty() && !list.elements_yaml.trim().is_empty() {
            None
        } else {
            Some(list.elements.len())
        },
    }
}

/// Counts clusters as the clusters generator selects them: the unregistered
/// hub only for an empty selector.
fn clusters_summary(
    generator: &ClusterGenerator,
    clusters: &GeneratorClusters,
) -> GeneratorKindSummary {
    let selector = generator.selector.clone().unwrap_or_default();
    let text = selector_text(&selector);
    let templated = text.contains("{{");
    let selects_all = selector.match_labels.is_empty() && selector.match_expressions.is_empty();
    let count = clusters
        .clusters()
        .iter()
        .filter(|cluster| {
            if cluster.is_unregistered_hub() {
                selects_all
            } else {
                selector.matches(&cluster.labels)
            }
        })
        .count();
    GeneratorKindSummary::Clusters {
        selector: (!text.is_empty()).then_some(text),
        clusters: (!templated).then_some(count),
        values: generator.values.keys().cloned().collect(),
    }
}

/// Argo CD reads `directories` when set, else `files`.
fn git_summary(git: &GitGenerator) -> GeneratorKindSummary {
    let (source, items) = if git.directories.is_empty() && !git.files.is_empty() {
        (GitSourceKind::Files, &git.files)
    } else {
        (GitSourceKind::Directories, &git.directories)
    };
    GeneratorKindSummary::Git {
        source,
        repo_url: git.repo_url.clone(),
        revision: if git.revision.is_empty() {
            "HEAD".to_string()
        } else {
            git.revision.clone()
        },
        paths: items.iter().map(path_text).collect(),
    }
}

fn path_text(item: &GitPathItem) -> String {
    if item.exclude {
        format!("!{}", item.path)
    } else {
        item.path.clone()
    }
}

/// A label selector as `kubectl` writes one: `env=prod,tier in (a,b),!gone`.
pub fn selector_text(selector: &LabelSelector) -> String {
    let mut terms: Vec<String> = selector
        .match_labels
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect();
    for requirement in &selector.match_expressions {
        let values = requirement.values.join(",");
        let key = &requirement.key;
        terms.push(match requirement.operator.as_str() {
            "In" => format!("{key} in ({values})"),
            "NotIn" => format!("{key} notin ({values})"),
            "Exists" => key.clone(),
            "DoesNotExist" => format!("!{key}"),
            other => format!("{key} {other} ({values})"),
        });
    }
    terms.join(",")
}

/// The repository without its scheme: the part that tells repos apart.
fn short_repo(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    if rest.is_empty() { url } else { rest }
}

fn join_short(generators: &[GeneratorSummary], separator: &str) -> String {
    generators
        .iter()
        .map(GeneratorSummary::short)
        .collect::<Vec<_>>()
        .join(separator)
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

#[cfg(test)]
mod tests;
