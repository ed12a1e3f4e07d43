//! [`GitTree`]: the tree of one commit, read straight from the object
//! database.
//!
//! No working tree is checked out, so any number of revisions can be read at
//! once. Each `GitTree` owns its own `git2::Repository` handle (handles are
//! `Send` but not `Sync`), so trees can move to worker threads freely.

use std::fmt;
use std::path::Path;

use super::tree::{Node, resolve};
use super::{CommitId, EntryKind, RepoPath, SourceError, SourceTree, TreeEntry};

/// Git's file modes for tree entries.
const MODE_DIR: i32 = 0o040000;
const MODE_SYMLINK: i32 = 0o120000;
const MODE_GITLINK: i32 = 0o160000;

/// The files of one commit.
pub struct GitTree {
    repo: git2::Repository,
    tree: git2::Oid,
    commit: CommitId,
    repo_name: String,
}

impl GitTree {
    pub(crate) fn new(
        repo: git2::Repository,
        tree: git2::Oid,
        commit: CommitId,
        repo_name: String,
    ) -> Self {
        Self {
            repo,
            tree,
            commit,
            repo_name,
        }
    }

    /// The commit whose tree this is.
    pub fn commit(&self) -> CommitId {
        self.commit
    }

    /// The repository's display name (its location).
    pub fn repo_name(&self) -> &str {
        &self.repo_name
    }

    fn root_tree(&self) -> Result<git2::Tree<'_>, SourceError> {
        self.repo
            .find_tree(self.tree)
            .map_err(|err| self.read_error(&RepoPath::root(), err))
    }

    fn read_error(&self, path: &RepoPath, err: git2::Error) -> SourceError {
        SourceError::read(
            &self.repo_name,
            format!("'{path}' at {}", self.commit.short()),
            err,
        )
    }

    fn lstat(&self, path: &RepoPath) -> Result<Option<Node>, SourceError> {
        if path.is_root() {
            return Ok(Some(Node::Dir));
        }
        let root = self.root_tree()?;
        let entry = match root.get_path(Path::new(path.as_str())) {
            Ok(entry) => entry,
            Err(err) if err.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(err) => return Err(self.read_error(path, err)),
        };
        Ok(Some(match entry.filemode() & 0o170000 {
            MODE_DIR => Node::Dir,
            MODE_GITLINK => Node::Submodule,
            MODE_SYMLINK => {
                let blob = self
                    .repo
                    .find_blob(entry.id())
                    .map_err(|err| self.read_error(path, err))?;
                Node::Symlink(String::from_utf8_lossy(blob.content()).into_owned())
            }
            _ => Node::File,
        }))
    }

    fn resolve(&self, path: &RepoPath) -> Result<Option<(RepoPath, Node)>, SourceError> {
        resolve(&|| self.describe(), path, |here| self.lstat(here))
    }
}

impl SourceTree for GitTree {
    fn read_file(&self, path: &RepoPath) -> Result<Option<Vec<u8>>, SourceError> {
        let Some((real, Node::File)) = self.resolve(path)? else {
            return Ok(None);
        };
        let root = self.root_tree()?;
        let entry = root
            .get_path(Path::new(real.as_str()))
            .map_err(|err| self.read_error(&real, err))?;
        let blob = self
            .repo
            .find_blob(entry.id())
            .map_err(|err| self.read_error(&real, err))?;
        Ok(Some(blob.content().to_vec()))
    }

    fn list_dir(&self, path: &RepoPath) -> Result<Option<Vec<TreeEntry>>, SourceError> {
        let Some((real, Node::Dir)) = self.resolve(path)? else {
            return Ok(None);
        };
        let root = self.root_tree()?;
        let dir = if real.is_root() {
            root
        } else {
            let entry = root
                .get_path(Path::new(real.as_str()))
                .map_err(|err| self.read_error(&real, err))?;
            self.repo
                .find_tree(entry.id())
                .map_err(|err| self.read_error(&real, err))?
        };
        let mut entries = Vec::with_capacity(dir.len());
        for entry in dir.iter() {
            let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                tracing::warn!(tree = %self.describe(), dir = %real, "skipping a file name that is not UTF-8");
                continue;
            };
            let kind = match entry.filemode() & 0o170000 {
                MODE_DIR => EntryKind::Dir,
                MODE_GITLINK => EntryKind::Submodule,
                MODE_SYMLINK => EntryKind::Symlink,
                _ => EntryKind::File,
            };
            entries.push(TreeEntry {
                name: name.to_owned(),
                kind,
            });
        }
        // Git sorts directories as if they ended in '/'; callers want plain
        // name order.
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some(entries))
    }

    fn describe(&self) -> String {
        format!("{}@{}", self.repo_name, self.commit.short())
    }
}

impl fmt::Debug for GitTree {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GitTree")
            .field("repo", &self.repo_name)
            .field("commit", &self.commit)
            .finish_non_exhaustive()
    }
}
