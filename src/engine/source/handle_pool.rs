//! [`HandlePool`]: opened git2 handles of one repository, kept for reuse.
//!
//! Opening a repository reads its config files (the user's and the
//! system's too) and stats a dozen paths; once trees were parsed only once,
//! that was most of what rendering a small app cost, paid for every
//! resolve and every tree. git2 handles are `Send` but not `Sync`, so they
//! cannot be shared between threads; instead a read borrows an idle handle
//! (opening one when none is idle) and gives it back when done. A reused
//! handle sees what a fresh one would: libgit2 reads refs from disk on each
//! lookup and looks for new packs when an object is missing, and what it
//! caches is keyed by content.

use std::fmt;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use git2::Repository;

use super::SourceError;

/// Idle handles kept per repository: enough for every render worker and a
/// few readers besides; more are opened when needed and closed after.
const MAX_IDLE: usize = 16;

/// The idle handles of one repository.
pub(crate) struct HandlePool {
    name: String,
    git_dir: PathBuf,
    idle: Mutex<Vec<Repository>>,
}

impl HandlePool {
    pub fn new(name: String, git_dir: PathBuf) -> Self {
        HandlePool {
            name,
            git_dir,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// An idle handle, or a newly opened one; it comes back to the pool
    /// when the returned guard is dropped.
    pub fn take(self: &Arc<Self>) -> Result<PooledHandle, SourceError> {
        let idle = self.lock().pop();
        let repo = match idle {
            Some(repo) => repo,
            None => Repository::open(&self.git_dir).map_err(|source| SourceError::Open {
                repo: self.name.clone(),
                source,
            })?,
        };
        Ok(PooledHandle {
            repo: Some(repo),
            pool: Arc::clone(self),
        })
    }

    /// Handles waiting for reuse.
    pub fn idle(&self) -> usize {
        self.lock().len()
    }

    fn give_back(&self, repo: Repository) {
        let mut idle = self.lock();
        if idle.len() < MAX_IDLE {
            idle.push(repo);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Repository>> {
        // A push or a pop cannot leave the list half-updated.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl fmt::Debug for HandlePool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlePool")
            .field("git_dir", &self.git_dir)
            .field("idle", &self.idle())
            .finish()
    }
}

/// A handle borrowed from a [`HandlePool`], given back on drop.
pub(crate) struct PooledHandle {
    /// `Some` until dropped.
    repo: Option<Repository>,
    pool: Arc<HandlePool>,
}

impl Deref for PooledHandle {
    type Target = Repository;

    fn deref(&self) -> &Repository {
        self.repo
            .as_ref()
            .expect("a pooled handle is only taken back when dropped")
    }
}

impl Drop for PooledHandle {
    fn drop(&mut self) {
        if let Some(repo) = self.repo.take() {
            self.pool.give_back(repo);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handle_given_back_is_reused_and_two_at_once_are_two() {
        let dir = tempfile::tempdir().unwrap();
        Repository::init(dir.path()).unwrap();
        let pool = Arc::new(HandlePool::new("repo".into(), dir.path().to_path_buf()));
        let first = pool.take().unwrap();
        let first_at = first.path().to_path_buf();
        let second = pool.take().unwrap();
        assert_eq!(pool.idle(), 0, "both handles are out");
        drop(first);
        drop(second);
        assert_eq!(pool.idle(), 2);
        let again = pool.take().unwrap();
        assert_eq!(again.path(), first_at);
        assert_eq!(pool.idle(), 1, "an idle handle was reused, none opened");
    }

    #[test]
    fn a_repository_that_does_not_open_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let pool = Arc::new(HandlePool::new(
            "nowhere".into(),
            dir.path().join("missing"),
        ));
        assert!(matches!(pool.take(), Err(SourceError::Open { .. })));
        assert_eq!(pool.idle(), 0);
    }
}
