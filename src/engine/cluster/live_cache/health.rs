//! Whether a cluster's cache can be believed, from what its discovery and
//! its watches report: [`CacheState`].
//!
//! A cache is `Ready` once every watched kind finished its first list (a
//! kind the credentials may not read counts as done: it is reported, not
//! waited for). A connection failure of any watch makes the whole cluster
//! `Unreachable` at once, so its apps turn Unknown instead of showing a
//! picture frozen at the disconnect; the first successful answer after it
//! (a watch event, or the probe the cache sends while unreachable, since a
//! resumed watch with nothing new to say says nothing) clears it.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

/// A watched kind: (group, kind).
pub type KindId = (String, String);

/// What the reconciler may conclude from a cluster's cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum CacheState {
    /// Discovery or the first lists are still running.
    Syncing,
    /// Every watched kind is listed and being watched.
    Ready { version: String },
    /// The API server cannot be reached; the cache is stale.
    Unreachable { error: String },
}

impl CacheState {
    /// Whether a status computed from the cache means anything.
    pub fn is_ready(&self) -> bool {
        matches!(self, CacheState::Ready { .. })
    }
}

#[derive(Debug, Default)]
struct Inner {
    discovery_error: Option<String>,
    version: Option<String>,
    watched: BTreeSet<KindId>,
    listed: BTreeSet<KindId>,
    /// Kinds whose watch lost the connection, with the error.
    disconnected: BTreeMap<KindId, String>,
    /// Kinds the server refuses to list or watch, with the error.
    unreadable: BTreeMap<KindId, String>,
}

impl Inner {
    fn state(&self) -> CacheState {
        if let Some(error) = &self.discovery_error {
            return CacheState::Unreachable {
                error: error.clone(),
            };
        }
        if let Some(error) = self.disconnected.values().next() {
            return CacheState::Unreachable {
                error: error.clone(),
            };
        }
        let listed = self
            .watched
            .iter()
            .all(|kind| self.listed.contains(kind) || self.unreadable.contains_key(kind));
        match (&self.version, listed) {
            (Some(version), true) => CacheState::Ready {
                version: version.clone(),
            },
            _ => CacheState::Syncing,
        }
    }
}

/// Shared by a cluster's watch tasks and its supervisor; every update
/// says whether the state changed, so the caller can mark the cluster's
/// apps dirty exactly then.
#[derive(Debug, Default)]
pub struct CacheHealth {
    inner: Mutex<Inner>,
}

impl CacheHealth {
    pub fn state(&self) -> CacheState {
        self.lock().state()
    }

    /// Kinds that cannot be read, in words (`deployments.apps: forbidden`).
    pub fn unreadable(&self) -> Vec<String> {
        self.lock().unreadable.values().cloned().collect()
    }

    pub fn discovered(&self, version: String, watched: BTreeSet<KindId>) -> bool {
        self.update(|inner| {
            inner.discovery_error = None;
            inner.version = Some(version);
            inner.listed.retain(|kind| watched.contains(kind));
            inner.disconnected.retain(|kind, _| watched.contains(kind));
            inner.unreadable.retain(|kind, _| watched.contains(kind));
            inner.watched = watched;
        })
    }

    pub fn discovery_failed(&self, error: String) -> bool {
        self.update(|inner| inner.discovery_error = Some(error))
    }

    /// A kind's list finished (first time or relist).
    pub fn listed(&self, kind: &KindId) -> bool {
        self.update(|inner| {
            inner.listed.insert(kind.clone());
            inner.disconnected.remove(kind);
            inner.unreadable.remove(kind);
        })
    }

    /// A kind's watch delivered something: the connection is fine, and
    /// the kind is readable after all.
    pub fn answered(&self, kind: &KindId) -> bool {
        self.update(|inner| {
            inner.disconnected.remove(kind);
            inner.unreadable.remove(kind);
        })
    }

    pub fn disconnected(&self, kind: &KindId, error: String) -> bool {
        self.update(|inner| {
            inner.disconnected.insert(kind.clone(), error);
        })
    }

    pub fn refused(&self, kind: &KindId, error: String) -> bool {
        self.update(|inner| {
            inner.disconnected.remove(kind);
            inner.unreadable.insert(kind.clone(), error);
        })
    }

    /// The server answered a probe: whatever the watches last said about
    /// the connection is over (they resume on their own).
    pub fn probed(&self, version: String) -> bool {
        self.update(|inner| {
            inner.version = Some(version);
            inner.disconnected.clear();
        })
    }

    fn update(&self, change: impl FnOnce(&mut Inner)) -> bool {
        let mut inner = self.lock();
        let before = inner.state();
        change(&mut inner);
        inner.state() != before
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Each update is a few inserts that cannot panic half-way.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str) -> KindId {
        (String::new(), name.to_string())
    }

    #[test]
    fn ready_once_every_kind_is_listed_or_refused() {
        let health = CacheHealth::default();
        assert_eq!(health.state(), CacheState::Syncing);
        health.discovered("v1.31".into(), [kind("Pod"), kind("Secret")].into());
        assert!(!health.listed(&kind("Pod")), "still syncing");
        assert!(health.refused(&kind("Secret"), "secrets: forbidden".into()));
        assert_eq!(
            health.state(),
            CacheState::Ready {
                version: "v1.31".into()
            }
        );
        assert_eq!(health.unreadable(), ["secrets: forbidden"]);
    }

    #[test]
    fn a_lost_watch_makes_the_cluster_unreachable_until_it_answers() {
        let health = CacheHealth::default();
        health.discovered("v1.31".into(), [kind("Pod")].into());
        health.listed(&kind("Pod"));
        assert!(health.disconnected(&kind("Pod"), "connection refused".into()));
        assert!(matches!(health.state(), CacheState::Unreachable { .. }));
        assert!(health.probed("v1.31".into()));
        assert!(health.state().is_ready());
    }
}
