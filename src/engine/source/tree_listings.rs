//! [`TreeListings`]: Git tree objects, parsed once and shared by every
//! [`super::GitTree`] of a repository.
//!
//! libgit2 keeps no tree object larger than 4 KiB in its object cache, and
//! every read opens its own handle anyway, so each path lookup through a big
//! directory (`apps/` holding 5,000 app directories) inflated and parsed
//! that directory again: several times per render, once more per file read.
//! Tree objects are content addressed, so a listing keyed by its object id
//! never goes stale, whichever commit or handle read it: a new commit that
//! leaves a directory alone shares its listing, one that changes it has a
//! new id and a new listing. The only reason to drop one is memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// How many directory entries (over all listings) are kept unless the
/// caller says otherwise: about 80 bytes each, so ~20 MiB for a repository
/// with a quarter of a million paths.
pub const DEFAULT_TREE_LISTING_ENTRIES: usize = 262_144;

/// One entry of a Git tree object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListingEntry {
    pub name: String,
    /// Git's file mode (`0o040000` for a directory, ...).
    pub mode: i32,
    pub id: git2::Oid,
}

/// The entries of one tree object, sorted by name (plain byte order, not
/// Git's, so lookups can binary search and listings come out as callers
/// want them). Names that are not UTF-8 are left out: no [`super::RepoPath`]
/// can name them.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    entries: Vec<ListingEntry>,
}

impl Listing {
    fn read(repo: &git2::Repository, id: git2::Oid) -> Result<Listing, git2::Error> {
        let tree = repo.find_tree(id)?;
        let mut entries = Vec::with_capacity(tree.len());
        for entry in tree.iter() {
            let Ok(name) = std::str::from_utf8(entry.name_bytes()) else {
                tracing::warn!(tree = %id, "skipping a file name that is not UTF-8");
                continue;
            };
            entries.push(ListingEntry {
                name: name.to_owned(),
                mode: entry.filemode(),
                id: entry.id(),
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Listing { entries })
    }

    pub fn entries(&self) -> &[ListingEntry] {
        &self.entries
    }

    pub fn get(&self, name: &str) -> Option<&ListingEntry> {
        self.entries
            .binary_search_by(|entry| entry.name.as_str().cmp(name))
            .ok()
            .map(|index| &self.entries[index])
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A bounded, thread-safe cache of parsed tree objects by object id. When
/// the entries held pass the budget, the least recently used listings are
/// dropped (down to three quarters of it, so eviction is not paid on every
/// insert).
#[derive(Debug)]
pub struct TreeListings {
    max_entries: usize,
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    clock: u64,
    held: usize,
    reads: u64,
    map: HashMap<git2::Oid, (Arc<Listing>, u64)>,
}

impl TreeListings {
    /// `max_entries` bounds the directory entries held over all listings.
    /// A single listing bigger than that is still served, just not kept.
    pub fn new(max_entries: usize) -> Self {
        TreeListings {
            max_entries,
            inner: Mutex::new(Entries::default()),
        }
    }

    /// The listing of tree `id`, read through `repo` on a miss. The lock
    /// is not held while reading, so different trees are read in parallel
    /// (two threads missing the same tree both read it; the second insert
    /// wins, and both listings are equal).
    pub(crate) fn get_or_read(
        &self,
        repo: &git2::Repository,
        id: git2::Oid,
    ) -> Result<Arc<Listing>, git2::Error> {
        {
            let mut entries = self.lock();
            entries.clock += 1;
            let now = entries.clock;
            if let Some((listing, used)) = entries.map.get_mut(&id) {
                *used = now;
                return Ok(Arc::clone(listing));
            }
        }
        let listing = Arc::new(Listing::read(repo, id)?);
        self.insert(id, Arc::clone(&listing));
        Ok(listing)
    }

    fn insert(&self, id: git2::Oid, listing: Arc<Listing>) {
        let mut entries = self.lock();
        entries.reads += 1;
        if listing.len() > self.max_entries {
            return;
        }
        entries.clock += 1;
        let now = entries.clock;
        entries.held += listing.len();
        if let Some((old, _)) = entries.map.insert(id, (listing, now)) {
            entries.held -= old.len();
        }
        if entries.held > self.max_entries {
            let target = self.max_entries - self.max_entries / 4;
            let mut by_age: Vec<(u64, git2::Oid)> = entries
                .map
                .iter()
                .map(|(id, (_, used))| (*used, *id))
                .collect();
            by_age.sort_unstable();
            for (_, oldest) in by_age {
                if entries.held <= target {
                    break;
                }
                if let Some((old, _)) = entries.map.remove(&oldest) {
                    entries.held -= old.len();
                }
            }
        }
    }

    /// Tree objects read from Git so far (misses), for tests and benches.
    pub fn reads(&self) -> u64 {
        self.lock().reads
    }

    /// Listings held now.
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // Every update leaves the map and the count consistent before any
        // call that could panic, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for TreeListings {
    fn default() -> Self {
        TreeListings::new(DEFAULT_TREE_LISTING_ENTRIES)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository with one commit holding `files`; returns the root tree.
    fn repo_with(files: &[(&str, &str)]) -> (tempfile::TempDir, git2::Repository, git2::Oid) {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init_bare(dir.path()).unwrap();
        let tree = write_tree(&repo, files);
        (dir, repo, tree)
    }

    fn write_tree(repo: &git2::Repository, files: &[(&str, &str)]) -> git2::Oid {
        let mut index = git2::Index::new().unwrap();
        for (path, text) in files {
            let entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                file_size: 0,
                id: repo.blob(text.as_bytes()).unwrap(),
                flags: 0,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            };
            index.add(&entry).unwrap();
        }
        index.write_tree_to(repo).unwrap()
    }

    #[test]
    fn a_tree_is_read_once_and_listed_in_name_order() {
        let (_dir, repo, root) = repo_with(&[("b.yaml", "b"), ("a/x.yaml", "x"), ("a.d", "")]);
        let listings = TreeListings::new(100);
        let first = listings.get_or_read(&repo, root).unwrap();
        let names: Vec<&str> = first.entries().iter().map(|e| e.name.as_str()).collect();
        // Git would order the directory `a` after `a.d`; plain order puts it first.
        assert_eq!(names, ["a", "a.d", "b.yaml"]);
        assert_eq!(first.get("a").map(|e| e.mode), Some(0o040000));
        assert!(first.get("c").is_none());
        let second = listings.get_or_read(&repo, root).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(listings.reads(), 1);
    }

    #[test]
    fn a_changed_tree_is_read_again_and_unchanged_subtrees_are_shared() {
        let (_dir, repo, old_root) = repo_with(&[("app/a.yaml", "a"), ("lib/l.yaml", "l")]);
        let new_root = write_tree(&repo, &[("app/a.yaml", "changed"), ("lib/l.yaml", "l")]);
        let listings = TreeListings::new(100);
        let old = listings.get_or_read(&repo, old_root).unwrap();
        let new = listings.get_or_read(&repo, new_root).unwrap();
        assert!(!Arc::ptr_eq(&old, &new));
        assert_eq!(listings.reads(), 2);
        let lib = |root: &Listing| root.get("lib").unwrap().id;
        assert_eq!(lib(&old), lib(&new));
        listings.get_or_read(&repo, lib(&old)).unwrap();
        listings.get_or_read(&repo, lib(&new)).unwrap();
        assert_eq!(listings.reads(), 3, "the unchanged subtree was read once");
    }

    #[test]
    fn least_recently_used_listings_go_when_over_budget() {
        let (_dir, repo, _) = repo_with(&[]);
        let trees: Vec<git2::Oid> = (0..4)
            .map(|index| write_tree(&repo, &[(&format!("f{index}.yaml"), "x")]))
            .collect();
        let listings = TreeListings::new(3);
        for id in &trees[..3] {
            listings.get_or_read(&repo, *id).unwrap();
        }
        listings.get_or_read(&repo, trees[0]).unwrap();
        listings.get_or_read(&repo, trees[3]).unwrap();
        assert!(listings.len() <= 3);
        let reads = listings.reads();
        listings.get_or_read(&repo, trees[0]).unwrap();
        listings.get_or_read(&repo, trees[3]).unwrap();
        assert_eq!(listings.reads(), reads, "recently used listings were kept");
        listings.get_or_read(&repo, trees[1]).unwrap();
        assert_eq!(listings.reads(), reads + 1, "the oldest was dropped");
    }
}
