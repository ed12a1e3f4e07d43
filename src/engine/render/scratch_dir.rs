//! Copies part of a [`SourceTree`] into a temporary directory, for external
//! binaries that read files from disk.
//!
//! Only what the binary needs is written (the chart directory and the files
//! it names), under the same repository-relative paths, so paths printed by
//! the binary map straight back to the repository. The directory is removed
//! when the [`ScratchDir`] is dropped.

use std::path::{Path, PathBuf};

use super::RenderError;
use super::tool_error::ToolError;
use crate::engine::source::{EntryKind, RepoPath, SourceTree};

/// Where the repository's files go inside the scratch directory.
const REPO_DIR: &str = "repo";
/// Where files fleetdeck generates (inline values, `$ref` files) go.
const GENERATED_DIR: &str = "generated";

/// A temporary copy of selected files of a source tree.
#[derive(Debug)]
pub(crate) struct ScratchDir {
    dir: tempfile::TempDir,
    tool: &'static str,
}

impl ScratchDir {
    pub(crate) fn new(tool: &'static str) -> Result<Self, ToolError> {
        let dir = tempfile::Builder::new()
            .prefix("fleetdeck-render-")
            .tempdir()
            .map_err(|source| ToolError::ScratchCreate { tool, source })?;
        Ok(Self { dir, tool })
    }

    /// Where `path` lives inside the scratch directory.
    pub(crate) fn local(&self, path: &RepoPath) -> PathBuf {
        let mut local = self.dir.path().join(REPO_DIR);
        local.extend(path.components());
        local
    }

    /// The path of a generated file relative to the directory `from` of the
    /// repository copy, so command lines do not depend on where the
    /// temporary directory happens to be.
    pub(crate) fn relative_generated(&self, from: &RepoPath, local: &Path) -> PathBuf {
        let mut relative = PathBuf::new();
        // `from` sits at REPO_DIR/<components>: climb that many levels.
        for _ in 0..from.components().count() + 1 {
            relative.push("..");
        }
        match local.strip_prefix(self.dir.path()) {
            Ok(rest) => relative.join(rest),
            Err(_) => local.to_path_buf(),
        }
    }

    /// Writes `bytes` at `path` (creating parent directories).
    pub(crate) fn write(&self, path: &RepoPath, bytes: &[u8]) -> Result<PathBuf, ToolError> {
        self.write_local(self.local(path), bytes)
    }

    /// Writes `bytes` at a path relative to the scratch root that is not part
    /// of the repository (generated files such as inline values).
    pub(crate) fn write_extra(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, ToolError> {
        self.write_local(self.dir.path().join(GENERATED_DIR).join(name), bytes)
    }

    fn write_local(&self, local: PathBuf, bytes: &[u8]) -> Result<PathBuf, ToolError> {
        let scratch = |source| ToolError::Scratch {
            tool: self.tool,
            path: local.clone(),
            source,
        };
        if let Some(parent) = local.parent() {
            std::fs::create_dir_all(parent).map_err(scratch)?;
        }
        std::fs::write(&local, bytes).map_err(scratch)?;
        Ok(local)
    }

    /// Copies the directory `path` of `tree`, recursively (symlinks inside the
    /// tree followed, submodules skipped as they are not part of the commit).
    pub(crate) fn copy_dir(
        &self,
        tree: &dyn SourceTree,
        path: &RepoPath,
    ) -> Result<(), RenderError> {
        let local = self.local(path);
        std::fs::create_dir_all(&local).map_err(|source| ToolError::Scratch {
            tool: self.tool,
            path: local.clone(),
            source,
        })?;
        for entry in tree.require_dir(path)? {
            let child = path.join(&entry.name)?;
            match entry.kind {
                EntryKind::Submodule => {}
                EntryKind::Dir => self.copy_dir(tree, &child)?,
                // A symlinked directory is not followed: it could point at
                // an ancestor and never end. Symlinked files are copied.
                EntryKind::File | EntryKind::Symlink => {
                    if let Some(bytes) = tree.read_file(&child)? {
                        self.write(&child, &bytes)?;
                    }
                }
            }
        }
        Ok(())
    }
}
