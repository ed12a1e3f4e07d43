//! The demo GitOps repository on disk: built once with real history (see
//! [`super::content`]) and reused on later runs, so history, diffs and
//! rollbacks have something to show.
//!
//! It is built in a sibling directory and renamed into place, so an
//! interrupted build never leaves a half repository behind for the next run.

use std::path::{Path, PathBuf};

use git2::{Repository, RepositoryInitOptions, Signature, Time};

use super::content::{self, DemoCommit};

/// Author and committer of every demo commit.
pub const AUTHOR_NAME: &str = "fleetdeck demo";
pub const AUTHOR_EMAIL: &str = "demo@fleetdeck.dev";
/// 2026-03-02T09:00:00Z: the first commit; each later one a day after.
/// Fixed times give the same commit ids on every machine (screenshots and
/// docs can name them).
const FIRST_COMMIT_TIME: i64 = 1_772_442_000;
const COMMIT_SPACING: i64 = 24 * 60 * 60;

#[derive(Debug, thiserror::Error)]
pub enum DemoRepoError {
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("demo repository {}: cannot {action}: {source}", path.display())]
    Git {
        action: &'static str,
        path: PathBuf,
        source: git2::Error,
    },
    #[error(
        "{} exists but is not a usable demo repository ({reason}); run `fleetdeck demo --fresh` to rebuild it",
        path.display()
    )]
    Unusable { path: PathBuf, reason: String },
}

/// The demo repository, ready to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoRepo {
    pub path: PathBuf,
    /// The commit `HEAD` points at (full id).
    pub head: String,
    /// Built by this call (not reused from an earlier run).
    pub created: bool,
}

/// Opens the repository at `path`, or builds it there when it does not
/// exist yet. Blocking (git2): call it off the async threads.
pub fn open_or_build(path: &Path) -> Result<DemoRepo, DemoRepoError> {
    if path.exists() {
        return open(path);
    }
    let partial = path.with_extension("partial");
    if partial.exists() {
        std::fs::remove_dir_all(&partial).map_err(|source| DemoRepoError::Io {
            action: "remove the unfinished build",
            path: partial.clone(),
            source,
        })?;
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| DemoRepoError::Io {
            action: "create",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let head = build(&partial, &content::history())?;
    std::fs::rename(&partial, path).map_err(|source| DemoRepoError::Io {
        action: "move the new demo repository into place at",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(DemoRepo {
        path: path.to_path_buf(),
        head,
        created: true,
    })
}

fn open(path: &Path) -> Result<DemoRepo, DemoRepoError> {
    let unusable = |reason: String| DemoRepoError::Unusable {
        path: path.to_path_buf(),
        reason,
    };
    let repo = Repository::open(path).map_err(|error| unusable(error.message().to_string()))?;
    let head = repo
        .head()
        .and_then(|head| head.peel_to_commit())
        .map_err(|error| unusable(format!("no HEAD commit: {}", error.message())))?;
    Ok(DemoRepo {
        path: path.to_path_buf(),
        head: head.id().to_string(),
        created: false,
    })
}

/// Writes and commits `history` into a new repository at `path` (branch
/// `main`, remote `origin` = [`content::REPO_URL`]); returns the last
/// commit's id.
fn build(path: &Path, history: &[DemoCommit]) -> Result<String, DemoRepoError> {
    let git = |action: &'static str| {
        move |source: git2::Error| DemoRepoError::Git {
            action,
            path: path.to_path_buf(),
            source,
        }
    };
    let mut options = RepositoryInitOptions::new();
    options.initial_head("main");
    let repo = Repository::init_opts(path, &options).map_err(git("initialise"))?;
    repo.remote("origin", content::REPO_URL)
        .map_err(git("add the origin remote"))?;
    let mut head = String::new();
    for (number, commit) in history.iter().enumerate() {
        for (relative, contents) in &commit.files {
            write_file(&path.join(relative), contents)?;
        }
        let mut index = repo.index().map_err(git("open the index"))?;
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .map_err(git("stage files"))?;
        index.write().map_err(git("write the index"))?;
        let tree_id = index.write_tree().map_err(git("write a tree"))?;
        let tree = repo.find_tree(tree_id).map_err(git("read a tree"))?;
        let when = Time::new(FIRST_COMMIT_TIME + COMMIT_SPACING * number as i64, 0);
        let signature =
            Signature::new(AUTHOR_NAME, AUTHOR_EMAIL, &when).map_err(git("make a signature"))?;
        let parent = repo.head().ok().and_then(|head| head.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let id = repo
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                commit.message,
                &tree,
                &parents,
            )
            .map_err(git("commit"))?;
        head = id.to_string();
    }
    Ok(head)
}

fn write_file(path: &Path, contents: &str) -> Result<(), DemoRepoError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|source| DemoRepoError::Io {
            action: "create",
            path: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(path, contents).map_err(|source| DemoRepoError::Io {
        action: "write",
        path: path.to_path_buf(),
        source,
    })
}
