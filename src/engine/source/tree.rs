//! [`SourceTree`]: read-only access to a tree of files, whatever holds it.
//!
//! Renderers take `&dyn SourceTree` so the same code reads a commit straight
//! from the object database ([`super::GitTree`]) or a directory on disk
//! ([`super::FsTree`], used by tests and fixtures). Symlinks are resolved here,
//! once, lexically and inside the tree only, so both implementations agree
//! and neither can be tricked into reading outside the repository.

use serde::Serialize;

use super::{RepoPath, SourceError};

/// What a directory entry is, without following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// A gitlink (submodule commit); its contents are not part of this tree.
    Submodule,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TreeEntry {
    pub name: String,
    pub kind: EntryKind,
}

/// Read-only access to a tree of files at one version.
///
/// Paths are [`RepoPath`]s from the tree root. Symlinks whose target stays in
/// the tree are followed by `read_file` and `list_dir`; a target outside the
/// tree is [`SourceError::PathEscapesRepo`].
pub trait SourceTree: Send {
    /// The contents of the file at `path`; `None` if nothing is there or it
    /// is not a file (a directory or a submodule).
    fn read_file(&self, path: &RepoPath) -> Result<Option<Vec<u8>>, SourceError>;

    /// The entries of the directory at `path`, sorted by name; `None` if
    /// nothing is there or it is not a directory.
    fn list_dir(&self, path: &RepoPath) -> Result<Option<Vec<TreeEntry>>, SourceError>;

    /// A short name for messages, such as `repo@abc1234` or a directory path.
    fn describe(&self) -> String;

    /// Like [`SourceTree::read_file`], but a missing file is an error that
    /// names this tree and the path.
    fn require_file(&self, path: &RepoPath) -> Result<Vec<u8>, SourceError> {
        self.read_file(path)?
            .ok_or_else(|| SourceError::PathNotFound {
                tree: self.describe(),
                path: path.clone(),
            })
    }

    /// Like [`SourceTree::list_dir`], but a missing path is
    /// [`SourceError::PathNotFound`] and a non-directory is
    /// [`SourceError::NotADirectory`].
    fn require_dir(&self, path: &RepoPath) -> Result<Vec<TreeEntry>, SourceError> {
        if let Some(entries) = self.list_dir(path)? {
            return Ok(entries);
        }
        let exists = match path.parent() {
            Some(parent) => self.list_dir(&parent)?.is_some_and(|entries| {
                entries
                    .iter()
                    .any(|entry| Some(entry.name.as_str()) == path.file_name())
            }),
            None => true,
        };
        Err(if exists {
            SourceError::NotADirectory {
                tree: self.describe(),
                path: path.clone(),
            }
        } else {
            SourceError::PathNotFound {
                tree: self.describe(),
                path: path.clone(),
            }
        })
    }
}

/// What a tree holds at a path, without following a symlink at that path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    File,
    Dir,
    /// A symlink and its target text.
    Symlink(String),
    Submodule,
}

/// How many symlinks one lookup may pass through (as Linux's `MAXSYMLINKS`).
const MAX_LINK_HOPS: usize = 40;

/// Resolves symlinks in `path` (in every component, not just the last) using
/// `lstat`, which reports what is at a path without following links.
///
/// Returns the final symlink-free path and what is there, `None` if a
/// component is missing or is not a directory. Links are resolved lexically
/// relative to their directory; an absolute target or one climbing above the
/// root is [`SourceError::PathEscapesRepo`].
pub(crate) fn resolve<F>(
    describe: &dyn Fn() -> String,
    path: &RepoPath,
    mut lstat: F,
) -> Result<Option<(RepoPath, Node)>, SourceError>
where
    F: FnMut(&RepoPath) -> Result<Option<Node>, SourceError>,
{
    let mut pending = path.clone();
    let mut hops = 0;
    'restart: loop {
        let mut done = RepoPath::root();
        let mut node = Node::Dir;
        let parts: Vec<String> = pending.components().map(str::to_owned).collect();
        for (index, part) in parts.iter().enumerate() {
            if node != Node::Dir {
                return Ok(None);
            }
            let here = done.join(part)?;
            match lstat(&here)? {
                None => return Ok(None),
                Some(Node::Symlink(target)) => {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Err(SourceError::SymlinkLoop {
                            tree: describe(),
                            path: path.clone(),
                        });
                    }
                    if target.starts_with('/') {
                        return Err(SourceError::PathEscapesRepo {
                            path: format!("{here} -> {target}"),
                        });
                    }
                    let rest = parts[index + 1..].join("/");
                    let joined = done
                        .join(&target)
                        .and_then(|base| base.join(&rest))
                        .map_err(|_| SourceError::PathEscapesRepo {
                            path: format!("{here} -> {target}"),
                        })?;
                    pending = joined;
                    continue 'restart;
                }
                Some(other) => {
                    node = other;
                    done = here;
                }
            }
        }
        return Ok(Some((done, node)));
    }
}
