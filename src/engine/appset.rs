//! ApplicationSet expansion: generators produce parameter sets, templates
//! turn each set into an Application, exactly as Argo CD does it.
//!
//! Pure and synchronous: the caller passes the fleet's clusters
//! ([`GeneratorClusters`]) and git access ([`GitFiles`]); [`expand`] returns
//! the generated Applications of one ApplicationSet or an error naming it
//! (and the parameter at fault), so one broken ApplicationSet never stops
//! the others ([`expand_all`]). Generators: list, clusters, git
//! (directories and files), matrix, merge, plus the per-generator
//! `selector`; templating: Argo's legacy `{{param}}` ([`FastTemplate`]) or
//! `goTemplate: true` ([`GoTemplate`]), and `templatePatch`.
//!
//! Lifecycle (regeneration, `applicationsSync`), progressive sync and
//! app-of-apps discovery build on this module and live elsewhere.

mod budget;
mod clusters;
mod error;
mod expand;
mod fasttemplate;
mod generate;
mod generator_clusters;
mod git;
mod git_files;
mod gotemplate;
mod lifecycle;
mod list;
mod matrix;
mod merge;
mod normalize;
mod params;
mod selector;
mod summary;
mod template;
mod template_patch;

pub use budget::{Budget, MAX_RENDERED_BYTES, MAX_STEPS, OverBudget};
pub use error::{AppSetError, GeneratorError, TemplateError, TemplatePatchProblem};
pub use expand::{AppSetExpansion, ExpandContext, GeneratedApp, expand, expand_all};
pub use fasttemplate::FastTemplate;
pub use generator_clusters::{ClusterInfo, GeneratorClusters, IN_CLUSTER_NAME, IN_CLUSTER_SERVER};
pub use git_files::{
    FileGlobbing, GitFiles, GitListing, ResolverGitFiles, TreeGitFiles, list_tree,
};
pub use gotemplate::{GoOptions, GoTemplate, GoTemplateError, MissingKey};
pub use lifecycle::{GeneratedMemory, RemovedApp, SetApps, SetMemory};
pub use normalize::{normalize_name, slugify};
pub use params::{ParamStyle, Params};
pub use summary::{
    AppSetSummary, GeneratorKindSummary, GeneratorSummary, GitSourceKind, SetStrategy,
    selector_text,
};
pub use template::Engine;
