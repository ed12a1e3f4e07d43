//! Native Kustomize: a directory holding `kustomization.yaml`,
//! `kustomization.yml` or `Kustomization` to the objects `kustomize build`
//! (and `kubectl kustomize`) would print, without either binary.
//!
//! The build follows kustomize's own pipeline: each kustomization loads its
//! resources (files, other kustomizations, legacy bases) recursively, runs
//! its generators, then its components, then its transformers (patches,
//! namespace, prefix/suffix, labels, annotations, JSON 6902 patches,
//! replicas, images). At the very end, generated names get their content
//! hash, every reference follows the final names, and the output is put in
//! kustomize's order. Fields fleetdeck does not implement are refused with
//! an error naming the field and the file, never skipped.

mod error;
mod field_spec;
mod generators;
mod hash;
mod images;
mod json6902;
mod kustomization;
mod labels;
mod name_reference;
mod namespace;
mod ordering;
mod overrides;
mod patch_target;
mod patches;
mod prefix_suffix;
mod replicas;
mod resource;
mod resources;
mod strategic_merge;
mod transformers;
mod vars;

pub use error::KustomizeError;
pub use hash::content_hash;
pub use ordering::{ORDER_FIRST, ORDER_LAST};

use crate::engine::manifest::Manifest;
use crate::engine::model::SourceKustomize;
use crate::engine::source::{RepoPath, SourceTree};

/// Builds the kustomization in `dir` of `tree`, with an Application's
/// `spec.source.kustomize` overrides applied as Argo CD applies them.
pub fn render_kustomization(
    tree: &dyn SourceTree,
    dir: &RepoPath,
    overrides: Option<&SourceKustomize>,
) -> Result<Vec<Manifest>, KustomizeError> {
    let mut top = resources::load_kustomization(tree, dir)?;
    if let Some(overrides) = overrides {
        overrides::apply_overrides(&top.file, &mut top.kustomization, overrides)?;
    }
    // A Component built on its own is built like a Kustomization, as
    // `kustomize build` does; only *including* one as a resource is wrong.
    let mut built = Vec::new();
    let mut builder = resources::Builder::new(tree);
    builder.accumulate(&top, &mut built)?;
    for resource in built.iter_mut().filter(|resource| resource.needs_hash) {
        let name = format!("{}-{}", resource.name(), content_hash(&resource.object));
        resource.set_name(name);
    }
    name_reference::fix_references(&mut built)?;
    vars::resolve_vars(&top.file, &builder.vars, &mut built)?;
    ordering::sort(&mut built, top.kustomization.sort_options.as_ref())
        .map_err(|message| KustomizeError::invalid(&top.file, "sortOptions", message))?;
    Ok(built
        .into_iter()
        .map(resource::Resource::into_manifest)
        .collect())
}
