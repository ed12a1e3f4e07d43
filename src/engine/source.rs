//! Git sources: a cache of repositories, revision resolution, reading trees at
//! a commit without a checkout, the history of a path, and commit subjects
//! and authors by commit id.
//!
//! The layer is synchronous (git2 is); callers run it in `spawn_blocking`.
//! Renderers read files through the [`SourceTree`] trait, so the same code
//! runs over a commit ([`GitTree`]) or a plain directory ([`FsTree`]).

mod cache;
mod commit_cache;
mod commit_id;
mod commit_info;
mod credentials;
mod error;
mod fs_tree;
mod git_tree;
mod handle_pool;
mod location;
mod repo;
mod repo_path;
mod resolver;
mod tree;
mod tree_listings;

pub use cache::RepoCache;
pub use commit_cache::{CommitCache, DEFAULT_COMMIT_CACHE};
pub use commit_id::{CommitId, short_revision};
pub use commit_info::CommitInfo;
pub use error::SourceError;
pub use fs_tree::FsTree;
pub use git_tree::GitTree;
pub use repo::{Repo, RepoKind};
pub use repo_path::RepoPath;
pub use resolver::{LocalFirstResolver, RepoResolver, repo_url_key};
pub use tree::{EntryKind, SourceTree, TreeEntry};
pub use tree_listings::{DEFAULT_TREE_LISTING_ENTRIES, TreeListings};
