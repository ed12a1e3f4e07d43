//! [`FsTree`]: a directory on disk seen as a [`SourceTree`].
//!
//! Used by tests and fixtures so renderers can run without a repository.
//! Symlinks are resolved by [`super::tree::resolve`] (lexically, inside the
//! root) rather than by the operating system, so a link can never lead the
//! reader outside the directory. A `.git` entry is hidden, as it is not part
//! of the tree a commit would hold.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::tree::{Node, resolve};
use super::{EntryKind, RepoPath, SourceError, SourceTree, TreeEntry};

/// A directory on disk read as a source tree.
#[derive(Debug, Clone)]
pub struct FsTree {
    root: PathBuf,
}

impl FsTree {
    /// A tree rooted at `root` (which should be a directory; a missing root
    /// reads as an empty tree with no root directory).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The directory this tree reads.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn disk_path(&self, path: &RepoPath) -> PathBuf {
        let mut disk = self.root.clone();
        disk.extend(path.components());
        disk
    }

    fn lstat(&self, path: &RepoPath) -> Result<Option<Node>, SourceError> {
        if path.file_name() == Some(".git") {
            return Ok(None);
        }
        let disk = self.disk_path(path);
        let meta = match fs::symlink_metadata(&disk) {
            Ok(meta) => meta,
            Err(err) if is_missing(&err) => return Ok(None),
            Err(err) => return Err(SourceError::io("inspect", disk, err)),
        };
        let kind = meta.file_type();
        Ok(Some(if kind.is_symlink() {
            let target =
                fs::read_link(&disk).map_err(|err| SourceError::io("read link", &disk, err))?;
            match target.to_str() {
                Some(text) => Node::Symlink(text.to_owned()),
                None => {
                    return Err(SourceError::PathEscapesRepo {
                        path: format!("{path} -> {}", target.display()),
                    });
                }
            }
        } else if kind.is_dir() {
            Node::Dir
        } else {
            Node::File
        }))
    }

    fn resolve(&self, path: &RepoPath) -> Result<Option<(RepoPath, Node)>, SourceError> {
        resolve(&|| self.describe(), path, |here| self.lstat(here))
    }
}

/// Not found, or a path component that is a file (`ENOTDIR`).
fn is_missing(err: &std::io::Error) -> bool {
    matches!(err.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory)
}

impl SourceTree for FsTree {
    fn read_file(&self, path: &RepoPath) -> Result<Option<Vec<u8>>, SourceError> {
        match self.resolve(path)? {
            Some((real, Node::File)) => {
                let disk = self.disk_path(&real);
                match fs::read(&disk) {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(err) if is_missing(&err) => Ok(None),
                    Err(err) => Err(SourceError::io("read", disk, err)),
                }
            }
            _ => Ok(None),
        }
    }

    fn list_dir(&self, path: &RepoPath) -> Result<Option<Vec<TreeEntry>>, SourceError> {
        let real = match self.resolve(path)? {
            Some((real, Node::Dir)) => real,
            _ => return Ok(None),
        };
        let disk = self.disk_path(&real);
        let reader = match fs::read_dir(&disk) {
            Ok(reader) => reader,
            Err(err) if is_missing(&err) => return Ok(None),
            Err(err) => return Err(SourceError::io("list", disk, err)),
        };
        let mut entries = Vec::new();
        for item in reader {
            let item = item.map_err(|err| SourceError::io("list", &disk, err))?;
            let Ok(name) = item.file_name().into_string() else {
                tracing::warn!(dir = %disk.display(), "skipping a file name that is not UTF-8");
                continue;
            };
            if name == ".git" {
                continue;
            }
            let file_type = item
                .file_type()
                .map_err(|err| SourceError::io("inspect", item.path(), err))?;
            let kind = if file_type.is_symlink() {
                EntryKind::Symlink
            } else if file_type.is_dir() {
                EntryKind::Dir
            } else {
                EntryKind::File
            };
            entries.push(TreeEntry { name, kind });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Some(entries))
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}
