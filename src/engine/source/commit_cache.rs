//! [`CommitCache`]: commit subject, author and time by commit id, read
//! from Git once per commit.
//!
//! A commit never changes, so an answer never goes stale; the reconciler
//! asks for the commit of every app on every pass, and a hit must cost a
//! hash lookup, not a repository open. Only full commit ids are looked up:
//! any other revision text (a Helm chart version, a branch name) has no
//! commit to describe and yields `None` without touching Git.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};

use super::{CommitId, CommitInfo, Repo, SourceError};

/// How many commits are kept unless the caller says otherwise: a few
/// hundred bytes each, enough for every app's current revision and
/// history in a large fleet.
pub const DEFAULT_COMMIT_CACHE: usize = 16_384;

/// A bounded, thread-safe cache of [`CommitInfo`] by commit id. When full,
/// the commit cached first is dropped first.
#[derive(Debug)]
pub struct CommitCache {
    capacity: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<CommitId, CommitInfo>,
    order: VecDeque<CommitId>,
}

impl CommitCache {
    /// `capacity` is the number of commits kept, at least one.
    pub fn new(capacity: usize) -> Self {
        CommitCache {
            capacity: capacity.max(1),
            inner: Mutex::new(Entries::default()),
        }
    }

    /// The cached info of `id`, if it was read before.
    pub fn get(&self, id: CommitId) -> Option<CommitInfo> {
        self.lock().map.get(&id).cloned()
    }

    /// The commit info of `revision`: `None` when it is not a full commit
    /// id (a chart version, a branch) or the repository has no such commit
    /// (or is not cloned yet). On a miss, `repo` is called for the
    /// repository to read (so a hit never opens one); its other errors, and
    /// a failure to read the commit, are returned. Unknown commits are not
    /// cached: a later fetch may bring them.
    pub fn lookup(
        &self,
        revision: &str,
        repo: impl FnOnce() -> Result<Arc<Repo>, SourceError>,
    ) -> Result<Option<CommitInfo>, SourceError> {
        let Ok(id) = revision.trim().parse::<CommitId>() else {
            return Ok(None);
        };
        if let Some(info) = self.get(id) {
            return Ok(Some(info));
        }
        let repo = match repo() {
            Ok(repo) => repo,
            Err(SourceError::NotCloned { .. }) => return Ok(None),
            Err(error) => return Err(error),
        };
        match repo.commit_info(id) {
            Ok(info) => {
                self.insert(info.clone());
                Ok(Some(info))
            }
            Err(SourceError::UnknownRevision { .. }) => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Commits held now.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn insert(&self, info: CommitInfo) {
        let mut entries = self.lock();
        let id = info.id;
        if entries.map.insert(id, info).is_none() {
            entries.order.push_back(id);
        }
        while entries.map.len() > self.capacity {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            entries.map.remove(&oldest);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // Every update is an insert and a pop that cannot panic half-way.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for CommitCache {
    fn default() -> Self {
        CommitCache::new(DEFAULT_COMMIT_CACHE)
    }
}
