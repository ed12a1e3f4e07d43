//! One `ApplicationSource` at a resolved commit to objects: pick the source
//! type the way Argo CD does, then run its renderer.
//!
//! Argo CD decides the type from the source's explicit fields first (`chart`,
//! `helm`, `kustomize`, `plugin`) and otherwise from the files at the path:
//! `Chart.yaml` means Helm, a kustomization file means Kustomize, anything
//! else is a plain directory. Directories and Kustomize render natively, Helm
//! (and Kustomize, when configured) through external binaries; plugins fail
//! clearly, so no app is ever applied half-rendered.

use std::collections::BTreeMap;

use super::{
    DirectoryOptions, RenderContext, RenderError, RenderTools, render_directory,
    render_external_kustomize, render_helm, render_kustomization,
};
use crate::engine::manifest::Manifest;
use crate::engine::model::ApplicationSource;
use crate::engine::source::{RepoPath, SourceTree};

/// The file names that make a path a Kustomize source, in kustomize's order.
pub const KUSTOMIZATION_FILES: [&str; 3] =
    ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// How a source is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceType {
    Directory,
    Kustomize,
    Helm,
    Plugin,
}

impl SourceType {
    pub fn name(self) -> &'static str {
        match self {
            SourceType::Directory => "directory",
            SourceType::Kustomize => "Kustomize",
            SourceType::Helm => "Helm",
            SourceType::Plugin => "config management plugin",
        }
    }
}

/// Decides the source type as Argo CD does.
pub fn detect_source_type(
    tree: &dyn SourceTree,
    source: &ApplicationSource,
    path: &RepoPath,
) -> Result<SourceType, RenderError> {
    if source.plugin.is_some() {
        return Ok(SourceType::Plugin);
    }
    if source.is_helm_chart() || source.helm.is_some() {
        return Ok(SourceType::Helm);
    }
    if source.kustomize.is_some() {
        return Ok(SourceType::Kustomize);
    }
    let entries = tree.require_dir(path)?;
    let has = |name: &str| entries.iter().any(|entry| entry.name == name);
    if has("Chart.yaml") {
        Ok(SourceType::Helm)
    } else if KUSTOMIZATION_FILES.iter().any(|name| has(name)) {
        Ok(SourceType::Kustomize)
    } else {
        Ok(SourceType::Directory)
    }
}

/// Renders one source from `tree` (the source's repository at its commit)
/// with no external tools and no Application context: Helm sources fail
/// with "helm binary not found". See [`render_source_with`].
pub fn render_source(
    tree: &dyn SourceTree,
    source: &ApplicationSource,
) -> Result<Vec<Manifest>, RenderError> {
    let tools = RenderTools::default();
    let ref_files = BTreeMap::new();
    let context = RenderContext {
        app_name: "",
        namespace: "",
        tools: &tools,
        ref_files: &ref_files,
    };
    render_source_with(tree, source, &context)
}

/// Renders one source from `tree` for the Application described by `context`.
pub fn render_source_with(
    tree: &dyn SourceTree,
    source: &ApplicationSource,
    context: &RenderContext<'_>,
) -> Result<Vec<Manifest>, RenderError> {
    let path = RepoPath::new(&source.path)?;
    if source.is_helm_chart() {
        return Err(RenderError::Unsupported {
            tree: source.repo_url.clone(),
            path,
            tool: "Helm chart repository",
        });
    }
    let source_type = detect_source_type(tree, source, &path)?;
    render_source_as(tree, source, &path, source_type, context)
}

/// Renders a source whose type the caller has already detected (the cache
/// key needs the type, so the detection is not done twice).
pub(crate) fn render_source_as(
    tree: &dyn SourceTree,
    source: &ApplicationSource,
    path: &RepoPath,
    source_type: SourceType,
    context: &RenderContext<'_>,
) -> Result<Vec<Manifest>, RenderError> {
    match source_type {
        SourceType::Directory => render_directory(tree, path, &directory_options(source)),
        SourceType::Kustomize => match &context.tools.kustomize {
            Some(external) => {
                render_external_kustomize(tree, source, path, external, context.tools.timeout)
            }
            None => Ok(render_kustomization(tree, path, source.kustomize.as_ref())?),
        },
        SourceType::Helm => render_helm(tree, source, path, context),
        other => Err(RenderError::Unsupported {
            tree: tree.describe(),
            path: path.clone(),
            tool: other.name(),
        }),
    }
}

/// The directory options of a source; a cache key must include them.
pub fn directory_options(source: &ApplicationSource) -> DirectoryOptions {
    let non_empty = |text: &str| (!text.is_empty()).then(|| text.to_string());
    source
        .directory
        .as_ref()
        .map(|directory| DirectoryOptions {
            recurse: directory.recurse,
            include: non_empty(&directory.include),
            exclude: non_empty(&directory.exclude),
        })
        .unwrap_or_default()
}
