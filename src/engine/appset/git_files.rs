//! [`GitFiles`]: what the git generator reads from a repository, behind a
//! trait so expansion stays pure and tests can serve a plain directory.
//!
//! A listing (every directory and file at one revision) is taken once per
//! (repository, revision) and shared: a matrix that runs the same git
//! generator once per cluster reads the tree once, not once per cluster.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::engine::source::{
    EntryKind, RepoPath, RepoResolver, SourceError, SourceTree, repo_url_key,
};

/// How the files generator matches its path globs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FileGlobbing {
    /// Argo CD's default: `*` also matches `/` (so `a/*.yaml` finds files
    /// at any depth under `a`).
    #[default]
    Legacy,
    /// Argo CD's opt-in "new globbing": `*` stops at `/`, `**` crosses it.
    Strict,
}

/// Every directory and file of a tree at one revision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitListing {
    /// Directories in depth-first name order; hidden ones (`.x`) and the
    /// directories below them are left out, as Argo CD's listing does.
    pub dirs: Vec<String>,
    /// Files (and symlinks) sorted by path.
    pub files: Vec<String>,
}

/// Read access to the repositories git generators name.
pub trait GitFiles {
    /// The listing of `repo_url` at `revision` (`""` or `HEAD` for the
    /// default branch).
    fn listing(&self, repo_url: &str, revision: &str) -> Result<Arc<GitListing>, SourceError>;

    /// The contents of `paths` (from the listing) at `revision`, in order;
    /// `None` for a path that is not a readable file.
    fn read_files(
        &self,
        repo_url: &str,
        revision: &str,
        paths: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError>;
}

/// Walks `tree` from the root.
pub fn list_tree(tree: &dyn SourceTree) -> Result<GitListing, SourceError> {
    let mut listing = GitListing::default();
    walk(tree, &RepoPath::root(), false, &mut listing)?;
    listing.files.sort();
    Ok(listing)
}

/// Depth-first, by name. Hidden directories (`.github`) are not listed as
/// directories, nor is anything below them, as Argo CD's directory walk
/// skips them; their files are still listed, as `git ls-files` lists them
/// for the files generator.
fn walk(
    tree: &dyn SourceTree,
    dir: &RepoPath,
    hidden: bool,
    listing: &mut GitListing,
) -> Result<(), SourceError> {
    let Some(entries) = tree.list_dir(dir)? else {
        return Ok(());
    };
    for entry in entries {
        let path = dir.join(&entry.name)?;
        match entry.kind {
            EntryKind::Dir => {
                let hidden = hidden || entry.name.starts_with('.');
                if !hidden {
                    listing.dirs.push(path.as_str().to_string());
                }
                walk(tree, &path, hidden, listing)?;
            }
            EntryKind::File | EntryKind::Symlink => listing.files.push(path.as_str().to_string()),
            EntryKind::Submodule => {}
        }
    }
    Ok(())
}

fn read_all(tree: &dyn SourceTree, paths: &[&str]) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
    paths
        .iter()
        .map(|path| tree.read_file(&RepoPath::new(path)?))
        .collect()
}

/// One tree served for every repository URL and revision: a checkout, a
/// fixture directory ([`crate::engine::source::FsTree`]) or one commit.
pub struct TreeGitFiles<T: SourceTree> {
    tree: Mutex<T>,
    listing: Mutex<Option<Arc<GitListing>>>,
}

impl<T: SourceTree> TreeGitFiles<T> {
    pub fn new(tree: T) -> Self {
        TreeGitFiles {
            tree: Mutex::new(tree),
            listing: Mutex::new(None),
        }
    }
}

impl<T: SourceTree> GitFiles for TreeGitFiles<T> {
    fn listing(&self, _repo_url: &str, _revision: &str) -> Result<Arc<GitListing>, SourceError> {
        let mut cached = self.listing.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(listing) = cached.as_ref() {
            return Ok(listing.clone());
        }
        let tree = self.tree.lock().unwrap_or_else(PoisonError::into_inner);
        let listing = Arc::new(list_tree(&*tree)?);
        *cached = Some(listing.clone());
        Ok(listing)
    }

    fn read_files(
        &self,
        _repo_url: &str,
        _revision: &str,
        paths: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        let tree = self.tree.lock().unwrap_or_else(PoisonError::into_inner);
        read_all(&*tree, paths)
    }
}

/// Repositories found through a [`RepoResolver`], read at the commit each
/// revision resolves to. Revisions are resolved once per instance, so one
/// expansion pass sees one commit per (repository, revision) even if a
/// branch moves meanwhile; make a new instance for the next pass.
pub struct ResolverGitFiles<'a> {
    resolver: &'a dyn RepoResolver,
    listings: Mutex<HashMap<(String, String), Arc<GitListing>>>,
    commits: Mutex<HashMap<(String, String), crate::engine::source::CommitId>>,
}

impl<'a> ResolverGitFiles<'a> {
    pub fn new(resolver: &'a dyn RepoResolver) -> Self {
        ResolverGitFiles {
            resolver,
            listings: Mutex::new(HashMap::new()),
            commits: Mutex::new(HashMap::new()),
        }
    }

    fn tree(
        &self,
        repo_url: &str,
        revision: &str,
    ) -> Result<(crate::engine::source::GitTree, (String, String)), SourceError> {
        let key = (repo_url_key(repo_url), revision.trim().to_string());
        let repo = self.resolver.repo_for(repo_url)?;
        let known = self
            .commits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .copied();
        let commit = match known {
            Some(commit) => commit,
            None => {
                let commit = repo.resolve(revision)?;
                self.commits
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key.clone(), commit);
                commit
            }
        };
        Ok((repo.tree(commit)?, key))
    }
}

impl GitFiles for ResolverGitFiles<'_> {
    fn listing(&self, repo_url: &str, revision: &str) -> Result<Arc<GitListing>, SourceError> {
        let key = (repo_url_key(repo_url), revision.trim().to_string());
        if let Some(listing) = self
            .listings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
        {
            return Ok(listing.clone());
        }
        let (tree, key) = self.tree(repo_url, revision)?;
        let listing = Arc::new(list_tree(&tree)?);
        self.listings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(key, listing.clone());
        Ok(listing)
    }

    fn read_files(
        &self,
        repo_url: &str,
        revision: &str,
        paths: &[&str],
    ) -> Result<Vec<Option<Vec<u8>>>, SourceError> {
        let (tree, _) = self.tree(repo_url, revision)?;
        read_all(&tree, paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::source::FsTree;

    #[test]
    fn lists_dirs_depth_first_and_files_sorted_skipping_hidden_dirs() {
        let dir = tempfile::tempdir().unwrap();
        for path in [
            "a/b/f.yaml",
            "a-c/g.yaml",
            ".github/workflows/ci.yaml",
            "top.json",
        ] {
            let full = dir.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, "x: 1\n").unwrap();
        }
        let listing = list_tree(&FsTree::new(dir.path())).unwrap();
        assert_eq!(listing.dirs, ["a", "a/b", "a-c"]);
        assert_eq!(
            listing.files,
            [
                ".github/workflows/ci.yaml",
                "a-c/g.yaml",
                "a/b/f.yaml",
                "top.json"
            ]
        );
        let files = TreeGitFiles::new(FsTree::new(dir.path()));
        let read = files.read_files("any", "HEAD", &["top.json", "a"]).unwrap();
        assert_eq!(read, [Some(b"x: 1\n".to_vec()), None]);
    }
}
