//! [`Repo`]: one repository, local or cached, shared as `Arc<Repo>`.
//!
//! git2 handles are `Send` but not `Sync`, so every read borrows a handle of
//! its own from the repository's [`HandlePool`] (opened once, reused after)
//! and any number of reads run in parallel.
//! Fetches of a remote repository are serialised by a per-repository mutex;
//! reads do not take it (libgit2 sees new refs and packs as they land).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use git2::{AutotagOption, FetchOptions, FetchPrune, Repository};

use super::credentials::remote_callbacks;
use super::handle_pool::{HandlePool, PooledHandle};
use super::{CommitId, CommitInfo, GitTree, RepoPath, SourceError, TreeListings};

/// How a repository is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum RepoKind {
    /// A local repository read in place; never fetched.
    Local,
    /// A bare mirror of a remote repository inside the cache directory.
    Remote,
}

/// The ref names a remote mirror fetches: every branch and tag, force-updated
/// (history may be rewritten upstream) and pruned when deleted upstream.
pub(crate) const MIRROR_REFSPECS: [&str; 2] =
    ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];

/// The remote name used inside cache mirrors.
pub(crate) const ORIGIN: &str = "origin";

/// A Git repository: resolve revisions, read trees, walk history.
#[derive(Debug)]
pub struct Repo {
    name: String,
    git_dir: PathBuf,
    kind: RepoKind,
    fetch_lock: Mutex<()>,
    /// Opened handles, reused across reads (see [`HandlePool`]).
    handles: Arc<HandlePool>,
    /// Directory listings of this repository's tree objects, shared by
    /// every tree read from it (see [`TreeListings`]).
    listings: Arc<TreeListings>,
}

impl Repo {
    pub(crate) fn new(name: String, git_dir: PathBuf, kind: RepoKind) -> Self {
        let handles = Arc::new(HandlePool::new(name.clone(), git_dir.clone()));
        Self {
            name,
            git_dir,
            kind,
            fetch_lock: Mutex::new(()),
            handles,
            listings: Arc::new(TreeListings::default()),
        }
    }

    /// The parsed tree objects this repository's trees share.
    pub fn tree_listings(&self) -> &TreeListings {
        &self.listings
    }

    /// The name used in messages: the canonical path of a local repository,
    /// or the URL (without any password) of a remote one.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the repository is read in place or mirrored.
    pub fn kind(&self) -> RepoKind {
        self.kind
    }

    /// Where the repository lives on disk (the local path, or the mirror in
    /// the cache directory).
    pub fn path(&self) -> &Path {
        &self.git_dir
    }

    /// A git2 handle for one operation (an idle one, or newly opened),
    /// back in the pool when dropped.
    fn handle(&self) -> Result<PooledHandle, SourceError> {
        self.handles.take()
    }

    /// Brings a remote mirror up to date with its origin: branches and tags
    /// are force-updated, deleted ones pruned, and HEAD follows the remote's
    /// default branch.
    ///
    /// A local repository is read in place, so this is a no-op for it: its
    /// owner updates it. Only one fetch per repository runs at a time; a
    /// second caller waits and then fetches again (cheap when nothing is new).
    pub fn fetch(&self) -> Result<(), SourceError> {
        if self.kind == RepoKind::Local {
            return Ok(());
        }
        // The guard protects no data, so a poisoned lock is still usable.
        let _guard = self
            .fetch_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let handle = self.handle()?;
        fetch_origin(&handle).map_err(|source| SourceError::Fetch {
            repo: self.name.clone(),
            source,
        })
    }

    /// The commit a revision names: `HEAD` (or `""`), a branch, a tag
    /// (annotated tags are peeled), a full `refs/...` name, a full commit id,
    /// or an unambiguous abbreviated commit id (at least 4 hex digits).
    ///
    /// Branches win over tags of the same name (as in Argo CD). For a local
    /// repository, `refs/remotes/origin/<name>` is tried after local branches
    /// so a checkout's remote branches resolve too.
    pub fn resolve(&self, revision: &str) -> Result<CommitId, SourceError> {
        let repo = self.handle()?;
        let revision = revision.trim();
        let unknown = || SourceError::UnknownRevision {
            repo: self.name.clone(),
            revision: revision.to_owned(),
        };
        if revision.is_empty() || revision == "HEAD" {
            return self.peel_ref(&repo, "HEAD", revision)?.ok_or_else(unknown);
        }
        if revision.len() == 40 && is_hex(revision) {
            let oid = git2::Oid::from_str(revision).map_err(|_| unknown())?;
            return match repo.find_commit(oid) {
                Ok(commit) => Ok(CommitId::from_oid(commit.id())),
                Err(err) if is_missing(&err) => Err(unknown()),
                Err(err) => Err(self.read_error(revision, err)),
            };
        }
        let mut candidates = Vec::with_capacity(4);
        if revision.starts_with("refs/") {
            candidates.push(revision.to_owned());
        } else {
            candidates.push(format!("refs/heads/{revision}"));
            if self.kind == RepoKind::Local {
                candidates.push(format!("refs/remotes/{ORIGIN}/{revision}"));
            }
            candidates.push(format!("refs/tags/{revision}"));
        }
        for name in &candidates {
            if let Some(id) = self.peel_ref(&repo, name, revision)? {
                return Ok(id);
            }
        }
        if revision.len() >= 4 && is_hex(revision) {
            return match repo.find_commit_by_prefix(revision) {
                Ok(commit) => Ok(CommitId::from_oid(commit.id())),
                Err(err) if err.code() == git2::ErrorCode::Ambiguous => {
                    Err(SourceError::AmbiguousRevision {
                        repo: self.name.clone(),
                        revision: revision.to_owned(),
                    })
                }
                Err(err) if is_missing(&err) => Err(unknown()),
                Err(err) => Err(self.read_error(revision, err)),
            };
        }
        Err(unknown())
    }

    /// The commit a ref points at, peeling tags; `None` if there is no such
    /// ref (or the name is not a valid ref name).
    fn peel_ref(
        &self,
        repo: &Repository,
        name: &str,
        revision: &str,
    ) -> Result<Option<CommitId>, SourceError> {
        let reference = match repo.find_reference(name) {
            Ok(reference) => reference,
            Err(err) if is_missing(&err) => return Ok(None),
            Err(err) => return Err(self.read_error(revision, err)),
        };
        match reference.peel_to_commit() {
            Ok(commit) => Ok(Some(CommitId::from_oid(commit.id()))),
            // An unborn HEAD, or a ref to something that is not a commit.
            Err(err) if is_missing(&err) || err.code() == git2::ErrorCode::Peel => Ok(None),
            Err(err) => Err(self.read_error(revision, err)),
        }
    }

    fn read_error(&self, revision: &str, source: git2::Error) -> SourceError {
        SourceError::read(&self.name, format!("revision '{revision}'"), source)
    }

    /// The files of `commit`, read from the object database (no checkout).
    /// The tree owns its own handle, so it can move to another thread; its
    /// directories come from (and go to) the repository's shared listings.
    pub fn tree(&self, commit: CommitId) -> Result<GitTree, SourceError> {
        let repo = self.handle()?;
        let tree_id = {
            let found = self.find_commit(&repo, commit)?;
            found.tree_id()
        };
        Ok(GitTree::new(
            repo,
            tree_id,
            commit,
            self.name.clone(),
            Arc::clone(&self.listings),
        ))
    }

    /// Id, subject, author and time of one commit.
    pub fn commit_info(&self, commit: CommitId) -> Result<CommitInfo, SourceError> {
        let repo = self.handle()?;
        let found = self.find_commit(&repo, commit)?;
        Ok(CommitInfo::from_commit(&found))
    }

    fn find_commit<'r>(
        &self,
        repo: &'r Repository,
        commit: CommitId,
    ) -> Result<git2::Commit<'r>, SourceError> {
        repo.find_commit(commit.to_oid()).map_err(|err| {
            if is_missing(&err) {
                SourceError::UnknownRevision {
                    repo: self.name.clone(),
                    revision: commit.to_string(),
                }
            } else {
                self.read_error(&commit.to_string(), err)
            }
        })
    }

    /// The commits that changed `path`, newest first, at most `limit` of them
    /// (`0` gives none).
    ///
    /// Walks the first-parent chain from `from` (the mainline, as a deploy
    /// history reads it) and keeps each commit whose entry at `path` (file or
    /// directory; the root is the whole tree) differs from its first parent's,
    /// including appearing or disappearing. The root commit counts if it has
    /// the path.
    pub fn history(
        &self,
        from: CommitId,
        path: &RepoPath,
        limit: usize,
    ) -> Result<Vec<CommitInfo>, SourceError> {
        let repo = self.handle()?;
        let mut found = Vec::new();
        if limit == 0 {
            return Ok(found);
        }
        let mut current = self.find_commit(&repo, from)?;
        let mut current_entry = self.entry_at(&current, path)?;
        loop {
            let parent = match current.parent(0) {
                Ok(parent) => Some(parent),
                Err(err) if is_missing(&err) => None,
                Err(err) => {
                    return Err(SourceError::read(
                        &self.name,
                        format!("parent of {}", CommitId::from_oid(current.id()).short()),
                        err,
                    ));
                }
            };
            let parent_entry = match &parent {
                Some(parent) => self.entry_at(parent, path)?,
                None => None,
            };
            if current_entry != parent_entry {
                found.push(CommitInfo::from_commit(&current));
                if found.len() >= limit {
                    break;
                }
            }
            match parent {
                Some(parent) => {
                    current = parent;
                    current_entry = parent_entry;
                }
                None => break,
            }
        }
        Ok(found)
    }

    /// The object id and mode at `path` in `commit`'s tree, `None` if absent.
    fn entry_at(
        &self,
        commit: &git2::Commit<'_>,
        path: &RepoPath,
    ) -> Result<Option<(git2::Oid, i32)>, SourceError> {
        let read_error = |err| {
            SourceError::read(
                &self.name,
                format!("'{path}' at {}", CommitId::from_oid(commit.id()).short()),
                err,
            )
        };
        let tree = commit.tree().map_err(read_error)?;
        if path.is_root() {
            return Ok(Some((tree.id(), 0o040000)));
        }
        match tree.get_path(Path::new(path.as_str())) {
            Ok(entry) => Ok(Some((entry.id(), entry.filemode()))),
            Err(err) if is_missing(&err) => Ok(None),
            Err(err) => Err(read_error(err)),
        }
    }
}

/// Fetches the mirror refspecs from `origin` into `repo` and points HEAD at
/// the remote's default branch.
pub(crate) fn fetch_origin(repo: &Repository) -> Result<(), git2::Error> {
    let mut remote = repo.find_remote(ORIGIN)?;
    let mut options = FetchOptions::new();
    options
        .remote_callbacks(remote_callbacks(repo.config()?))
        .prune(FetchPrune::On)
        .download_tags(AutotagOption::None);
    remote.fetch(
        &MIRROR_REFSPECS,
        Some(&mut options),
        Some("fleetdeck: fetch"),
    )?;
    // The advertised refs stay readable after the fetch disconnects.
    let default_branch = remote
        .default_branch()
        .ok()
        .and_then(|name| name.as_str().ok().map(str::to_owned));
    match default_branch {
        Some(name) if repo.find_reference(&name).is_ok() => repo.set_head(&name)?,
        _ => {
            if repo.head().is_err() {
                // No advertised default (or it was not fetched): settle on a
                // conventional branch so HEAD resolves if at all possible.
                for fallback in ["refs/heads/main", "refs/heads/master"] {
                    if repo.find_reference(fallback).is_ok() {
                        repo.set_head(fallback)?;
                        break;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Not found, or not a valid name (so it cannot exist).
fn is_missing(err: &git2::Error) -> bool {
    matches!(
        err.code(),
        git2::ErrorCode::NotFound | git2::ErrorCode::InvalidSpec | git2::ErrorCode::UnbornBranch
    )
}

fn is_hex(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_hexdigit())
}
