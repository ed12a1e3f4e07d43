//! [`SourceError`]: everything that can go wrong reading a Git source.
//!
//! Each variant names the repository (or the tree, `repo@abc1234`) and, where
//! it matters, the revision and path, so a message shown to a user stands on
//! its own. Lower-level causes (git2, io) are kept as `#[source]` rather than
//! pasted into the message, so error reporters print the chain once.

use std::path::PathBuf;

use super::RepoPath;

/// An error from the Git source layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The location could not be understood as a path or a Git URL.
    #[error("repository location '{location}' is not a path or a Git URL")]
    InvalidLocation { location: String },

    /// An existing repository (local or cached clone) could not be opened.
    #[error("repository {repo}: cannot open")]
    Open {
        repo: String,
        #[source]
        source: git2::Error,
    },

    /// The first clone of a remote repository into the cache failed.
    #[error("repository {repo}: cannot clone")]
    Clone {
        repo: String,
        #[source]
        source: git2::Error,
    },

    /// Fetching new commits from a remote repository failed.
    #[error("repository {repo}: cannot fetch")]
    Fetch {
        repo: String,
        #[source]
        source: git2::Error,
    },

    /// A remote repository asked for without network access (no clone,
    /// no fetch) has no mirror in the cache yet.
    #[error("repository {repo}: not cloned yet")]
    NotCloned { repo: String },

    /// The revision names no branch, tag, ref or commit in the repository.
    #[error("repository {repo}: unknown revision '{revision}'")]
    UnknownRevision { repo: String, revision: String },

    /// An abbreviated commit id matches more than one object.
    #[error("repository {repo}: revision '{revision}' is ambiguous; use more digits")]
    AmbiguousRevision { repo: String, revision: String },

    /// A string that should be a full commit id is not 40 hex digits.
    #[error("'{value}' is not a commit id (40 hex digits)")]
    InvalidCommitId { value: String },

    /// A path required to exist in a tree does not.
    #[error("{tree}: path '{path}' not found")]
    PathNotFound { tree: String, path: RepoPath },

    /// A path required to be a directory is a file, symlink or submodule.
    #[error("{tree}: path '{path}' is not a directory")]
    NotADirectory { tree: String, path: RepoPath },

    /// A path (or a symlink target) leads outside the repository root.
    #[error("path '{path}' escapes the repository root")]
    PathEscapesRepo { path: String },

    /// Symlinks point at each other (or chain too deep) while resolving a path.
    #[error("{tree}: too many levels of symbolic links resolving '{path}'")]
    SymlinkLoop { tree: String, path: RepoPath },

    /// Reading objects (commits, trees, blobs, refs) failed.
    #[error("repository {repo}: cannot read {what}")]
    Read {
        repo: String,
        what: String,
        #[source]
        source: git2::Error,
    },

    /// A file-system operation failed (cache directory, plain-directory tree).
    #[error("cannot {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl SourceError {
    /// Shorthand for [`SourceError::Io`].
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// Shorthand for [`SourceError::Read`].
    pub(crate) fn read(repo: &str, what: impl Into<String>, source: git2::Error) -> Self {
        Self::Read {
            repo: repo.to_owned(),
            what: what.into(),
            source,
        }
    }
}
