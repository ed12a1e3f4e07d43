//! The escape hatch: Kustomize sources built by an external `kustomize
//! build` or `kubectl kustomize` instead of the native renderer.
//!
//! An overlay may reach anywhere in its repository (`../../base`), so the
//! whole tree at the commit is copied to a scratch directory and the binary
//! runs in the overlay's directory. Objects take the kustomization file as
//! their origin, numbered in output order, since the binary does not say
//! which file each one came from.

use super::external_command::run_tool;
use super::scratch_dir::ScratchDir;
use super::tool_error::ToolError;
use super::{ExternalKustomize, KUSTOMIZATION_FILES, RenderError, parse_manifest_file};
use crate::engine::manifest::Manifest;
use crate::engine::model::{ApplicationSource, SourceKustomize};
use crate::engine::source::{RepoPath, SourceTree};

/// Builds the kustomization at `path` of `tree` with `kustomize`.
///
/// `spec.source.kustomize` overrides are refused: Argo CD applies them with
/// `kustomize edit`, and fleetdeck applies them natively only.
pub fn render_external_kustomize(
    tree: &dyn SourceTree,
    source: &ApplicationSource,
    path: &RepoPath,
    kustomize: &ExternalKustomize,
    timeout: std::time::Duration,
) -> Result<Vec<Manifest>, RenderError> {
    if source
        .kustomize
        .as_ref()
        .is_some_and(|overrides| *overrides != SourceKustomize::default())
    {
        return Err(ToolError::ExternalKustomizeOverrides.into());
    }
    let entries = tree.require_dir(path)?;
    let file_name = KUSTOMIZATION_FILES
        .iter()
        .find(|name| entries.iter().any(|entry| entry.name == **name))
        .copied()
        .unwrap_or(KUSTOMIZATION_FILES[0]);
    let kustomization = path.join(file_name)?;

    let tool = match kustomize.mode {
        super::KustomizeMode::Kustomize => "kustomize",
        super::KustomizeMode::Kubectl => "kubectl",
    };
    let scratch = ScratchDir::new(tool)?;
    scratch.copy_dir(tree, &RepoPath::root())?;
    let args = kustomize.args(std::path::Path::new("."));
    let output = run_tool(
        tool,
        &kustomize.binary,
        &args,
        &scratch.local(path),
        timeout,
    )?;
    parse_manifest_file(&kustomization, output.as_bytes())
        .map_err(|error| RenderError::InvalidFiles(vec![error]))
}
