//! [`GitTree`]: the tree of one commit, read straight from the object
//! database.
//!
//! No working tree is checked out, so any number of revisions can be read at
//! once. Each `GitTree` holds its own `git2::Repository` handle (handles are
//! `Send` but not `Sync`; it goes back to the repository's pool when the
//! tree is dropped), so trees can move to worker threads freely.
//! Directories are looked up in the repository's shared [`TreeListings`]
//! (parsed once per tree object), so walking a path through a directory of
//! thousands of entries costs a binary search, not an inflate and a parse.

use std::fmt;
use std::sync::Arc;

use super::handle_pool::PooledHandle;
use super::tree::{Node, resolve};
use super::tree_listings::{Listing, TreeListings};
use super::{CommitId, EntryKind, RepoPath, SourceError, SourceTree, TreeEntry};

/// Git's file modes for tree entries.
const MODE_DIR: i32 = 0o040000;
const MODE_SYMLINK: i32 = 0o120000;
const MODE_GITLINK: i32 = 0o160000;
const MODE_TYPE: i32 = 0o170000;

/// What a path names in a tree: its Git file mode and object id.
#[derive(Debug, Clone, Copy)]
struct Found {
    mode: i32,
    id: git2::Oid,
}

/// The files of one commit.
pub struct GitTree {
    repo: PooledHandle,
    tree: git2::Oid,
    commit: CommitId,
    repo_name: String,
    listings: Arc<TreeListings>,
}

impl GitTree {
    pub(crate) fn new(
        repo: PooledHandle,
        tree: git2::Oid,
        commit: CommitId,
        repo_name: String,
        listings: Arc<TreeListings>,
    ) -> Self {
        Self {
            repo,
            tree,
            commit,
            repo_name,
            listings,
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

    fn read_error(&self, path: &RepoPath, err: git2::Error) -> SourceError {
        SourceError::read(
            &self.repo_name,
            format!("'{path}' at {}", self.commit.short()),
            err,
        )
    }

    /// The listing of the tree object `id` (found at `path`).
    fn listing(&self, path: &RepoPath, id: git2::Oid) -> Result<Arc<Listing>, SourceError> {
        self.listings
            .get_or_read(&self.repo, id)
            .map_err(|err| self.read_error(path, err))
    }

    /// The mode and object id of the tree entry at `path`, without
    /// following symlinks (as Git's `get_path`): `None` if a component is
    /// missing or a non-directory stands where a directory is needed. The
    /// root has no entry.
    fn entry(&self, path: &RepoPath) -> Result<Option<Found>, SourceError> {
        let mut found: Option<Found> = None;
        for part in path.components() {
            let dir = match found {
                None => self.tree,
                Some(Found { mode, id }) if mode & MODE_TYPE == MODE_DIR => id,
                Some(_) => return Ok(None),
            };
            match self.listing(path, dir)?.get(part) {
                Some(entry) => {
                    found = Some(Found {
                        mode: entry.mode,
                        id: entry.id,
                    })
                }
                None => return Ok(None),
            }
        }
        Ok(found)
    }

    fn lstat(&self, path: &RepoPath) -> Result<Option<Node>, SourceError> {
        if path.is_root() {
            return Ok(Some(Node::Dir));
        }
        let Some(entry) = self.entry(path)? else {
            return Ok(None);
        };
        Ok(Some(match entry.mode & MODE_TYPE {
            MODE_DIR => Node::Dir,
            MODE_GITLINK => Node::Submodule,
            MODE_SYMLINK => {
                let blob = self
                    .repo
                    .find_blob(entry.id)
                    .map_err(|err| self.read_error(path, err))?;
                Node::Symlink(String::from_utf8_lossy(blob.content()).into_owned())
            }
            _ => Node::File,
        }))
    }

    fn resolve(&self, path: &RepoPath) -> Result<Option<(RepoPath, Node)>, SourceError> {
        resolve(&|| self.describe(), path, |here| self.lstat(here))
    }

    /// The entry at a path `resolve` just found; its absence now is a
    /// corrupt repository, not a missing path.
    fn resolved_entry(&self, real: &RepoPath) -> Result<Found, SourceError> {
        self.entry(real)?.ok_or_else(|| {
            self.read_error(
                real,
                git2::Error::from_str("tree entry vanished between lookups"),
            )
        })
    }
}

impl SourceTree for GitTree {
    fn read_file(&self, path: &RepoPath) -> Result<Option<Vec<u8>>, SourceError> {
        let Some((real, Node::File)) = self.resolve(path)? else {
            return Ok(None);
        };
        let entry = self.resolved_entry(&real)?;
        let blob = self
            .repo
            .find_blob(entry.id)
            .map_err(|err| self.read_error(&real, err))?;
        Ok(Some(blob.content().to_vec()))
    }

    fn list_dir(&self, path: &RepoPath) -> Result<Option<Vec<TreeEntry>>, SourceError> {
        let Some((real, Node::Dir)) = self.resolve(path)? else {
            return Ok(None);
        };
        let dir = if real.is_root() {
            self.tree
        } else {
            self.resolved_entry(&real)?.id
        };
        // Listings are kept in plain name order, as callers want them.
        let entries = self
            .listing(&real, dir)?
            .entries()
            .iter()
            .map(|entry| TreeEntry {
                name: entry.name.clone(),
                kind: match entry.mode & MODE_TYPE {
                    MODE_DIR => EntryKind::Dir,
                    MODE_GITLINK => EntryKind::Submodule,
                    MODE_SYMLINK => EntryKind::Symlink,
                    _ => EntryKind::File,
                },
            })
            .collect();
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
