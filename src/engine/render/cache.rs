//! Renders cached by (repository, commit, path, options).
//!
//! A commit never changes, so a render of it never goes stale: the only
//! reason to drop an entry is memory. The cache keeps the most recently used
//! entries up to a fixed count and hands out `Arc`s, so a hit costs a hash
//! lookup and a reference count, not a copy of thousands of objects.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::engine::manifest::Manifest;
use crate::engine::source::{CommitId, RepoPath};

/// Everything that determines a render's output.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RenderKey {
    /// The repository's location as configured (URL or path).
    pub repo: String,
    pub commit: CommitId,
    pub path: RepoPath,
    /// A canonical encoding of the renderer options (e.g. JSON of them).
    pub options: String,
}

/// A bounded, thread-safe, least-recently-used cache of renders.
#[derive(Debug)]
pub struct RenderCache {
    capacity: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    clock: u64,
    map: HashMap<RenderKey, (Arc<Vec<Manifest>>, u64)>,
}

impl RenderCache {
    /// `capacity` is the number of renders kept, at least one.
    pub fn new(capacity: usize) -> Self {
        RenderCache {
            capacity: capacity.max(1),
            inner: Mutex::new(Entries::default()),
        }
    }

    pub fn get(&self, key: &RenderKey) -> Option<Arc<Vec<Manifest>>> {
        // A panic elsewhere cannot leave the map inconsistent (every update
        // is a single insert or remove), so a poisoned lock is still usable.
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        entries.clock += 1;
        let now = entries.clock;
        entries.map.get_mut(key).map(|(manifests, used)| {
            *used = now;
            manifests.clone()
        })
    }

    pub fn insert(&self, key: RenderKey, manifests: Arc<Vec<Manifest>>) {
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        entries.clock += 1;
        let now = entries.clock;
        entries.map.insert(key, (manifests, now));
        if entries.map.len() > self.capacity {
            let oldest = entries
                .map
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                entries.map.remove(&oldest);
            }
        }
    }

    /// Returns the cached render or runs `render` and caches its success.
    /// Failures are not cached: the next attempt may have a fixed repo.
    pub fn get_or_render<E>(
        &self,
        key: RenderKey,
        render: impl FnOnce() -> Result<Vec<Manifest>, E>,
    ) -> Result<Arc<Vec<Manifest>>, E> {
        if let Some(hit) = self.get(&key) {
            return Ok(hit);
        }
        let manifests = Arc::new(render()?);
        self.insert(key, manifests.clone());
        Ok(manifests)
    }

    /// Runs `render` whatever is cached, and caches its success in place of
    /// the old entry: a hard refresh, for renders that depend on more than
    /// the key says (an external tool upgraded, a chart dependency moved).
    /// On failure the old entry is dropped, so no later pass serves it.
    pub fn render_again<E>(
        &self,
        key: RenderKey,
        render: impl FnOnce() -> Result<Vec<Manifest>, E>,
    ) -> Result<Arc<Vec<Manifest>>, E> {
        match render() {
            Ok(manifests) => {
                let manifests = Arc::new(manifests);
                self.insert(key, manifests.clone());
                Ok(manifests)
            }
            Err(error) => {
                self.lock().map.remove(&key);
                Err(error)
            }
        }
    }

    /// Forgets every render.
    pub fn clear(&self) {
        self.lock().map.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .map
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for RenderCache {
    fn default() -> Self {
        RenderCache::new(1024)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(path: &str) -> RenderKey {
        RenderKey {
            repo: "repo".to_string(),
            commit: "0123456789abcdef0123456789abcdef01234567".parse().unwrap(),
            path: RepoPath::new(path).unwrap(),
            options: String::new(),
        }
    }

    #[test]
    fn hit_returns_the_same_render_without_rendering_again() {
        let cache = RenderCache::new(4);
        let first = cache
            .get_or_render::<()>(key("a"), || Ok(Vec::new()))
            .unwrap();
        let second = cache
            .get_or_render::<()>(key("a"), || panic!("rendered twice"))
            .unwrap();
        assert!(Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn failures_are_not_cached() {
        let cache = RenderCache::new(4);
        assert!(cache.get_or_render(key("a"), || Err("boom")).is_err());
        assert!(cache.is_empty());
    }

    #[test]
    fn render_again_replaces_the_cached_render() {
        let cache = RenderCache::new(4);
        let first = cache
            .get_or_render::<()>(key("a"), || Ok(Vec::new()))
            .unwrap();
        let again = cache
            .render_again::<()>(key("a"), || Ok(Vec::new()))
            .unwrap();
        assert!(!Arc::ptr_eq(&first, &again), "rendered anew");
        let hit = cache
            .get_or_render::<()>(key("a"), || panic!("rendered a third time"))
            .unwrap();
        assert!(
            Arc::ptr_eq(&again, &hit),
            "the new render is the cached one"
        );
        assert!(cache.render_again(key("a"), || Err("boom")).is_err());
        assert!(cache.is_empty(), "a failed render again drops the old one");
        cache.insert(key("b"), Arc::default());
        cache.clear();
        assert!(cache.is_empty());
    }

    #[test]
    fn least_recently_used_entry_is_evicted() {
        let cache = RenderCache::new(2);
        cache.insert(key("a"), Arc::default());
        cache.insert(key("b"), Arc::default());
        assert!(cache.get(&key("a")).is_some());
        cache.insert(key("c"), Arc::default());
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&key("a")).is_some());
        assert!(cache.get(&key("b")).is_none());
        assert!(cache.get(&key("c")).is_some());
    }
}
