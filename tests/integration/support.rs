//! Shared test support: a libgit2 sandbox and a builder for throw-away Git
//! repositories.
//!
//! Every test that touches Git (directly or through the engine) must call
//! [`sandbox`] first; [`TestRepo::new`] does it for you.

#![allow(dead_code)] // Each test module uses a different part of this file.

use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Once, OnceLock};

use git2::{BranchType, Repository, Signature, Time};

/// The directory libgit2 searches for global, XDG, system and program-data
/// configuration during tests: empty, so no user or system git config applies.
static CONFIG_HOME: OnceLock<PathBuf> = OnceLock::new();
static SANDBOX: Once = Once::new();

/// Points libgit2's configuration search paths at an empty temporary
/// directory, once per test process, so tests never read the user's or the
/// machine's git config (identity, URL rewrites, credential helpers, hooks).
pub fn sandbox() {
    SANDBOX.call_once(|| {
        let dir = tempfile::Builder::new()
            .prefix("fleetdeck-test-gitconfig-")
            .tempdir()
            .expect("create empty git config dir")
            .keep();
        for level in [
            git2::ConfigLevel::System,
            git2::ConfigLevel::Global,
            git2::ConfigLevel::XDG,
            git2::ConfigLevel::ProgramData,
        ] {
            // SAFETY: `set_search_path` mutates libgit2's global settings
            // without synchronisation. It runs exactly once, inside
            // `Once::call_once` (so never concurrently with itself), and
            // before any libgit2 use by the tests: every test touching Git
            // calls `sandbox()` first, and concurrent callers block on the
            // `Once` until this closure has finished.
            unsafe { git2::opts::set_search_path(level, &dir) }
                .expect("set libgit2 config search path");
        }
        let _ = CONFIG_HOME.set(dir);
    });
}

/// Author and committer of every test commit.
const TEST_NAME: &str = "Fleet Tester";
const TEST_EMAIL: &str = "tester@fleetdeck.test";
/// 2023-11-14T22:13:20Z; each commit or tag is one minute later than the last.
const EPOCH: i64 = 1_700_000_000;

/// A non-bare repository in a temporary directory, built step by step.
///
/// Methods take `&self` so calls chain:
/// `repo.write("a.yaml", "x").write("b.yaml", "y").commit("add")`.
/// The initial branch is `main`.
pub struct TestRepo {
    dir: tempfile::TempDir,
    repo: Repository,
    clock: Cell<i64>,
}

impl TestRepo {
    pub fn new() -> Self {
        sandbox();
        let dir = tempfile::Builder::new()
            .prefix("fleetdeck-test-repo-")
            .tempdir()
            .expect("create repo dir");
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &options).expect("git init");
        Self {
            dir,
            repo,
            clock: Cell::new(EPOCH),
        }
    }

    /// The working directory (also what `RepoCache::open` takes for a local
    /// repository).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The working directory as a `file://` URL, for clone tests.
    pub fn url(&self) -> String {
        format!("file://{}", self.path().display())
    }

    /// The underlying git2 repository, for anything the builder lacks.
    pub fn git(&self) -> &Repository {
        &self.repo
    }

    /// Writes a file in the working tree (parent directories are created).
    pub fn write(&self, path: &str, contents: impl AsRef<[u8]>) -> &Self {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent).expect("create parent dirs");
        }
        fs::write(&full, contents).expect("write file");
        self
    }

    /// Creates a symlink in the working tree pointing at `target`.
    #[cfg(unix)]
    pub fn symlink(&self, path: &str, target: &str) -> &Self {
        let full = self.path().join(path);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent).expect("create parent dirs");
        }
        std::os::unix::fs::symlink(target, &full).expect("create symlink");
        self
    }

    /// Removes a file or a whole directory from the working tree.
    pub fn remove(&self, path: &str) -> &Self {
        let full = self.path().join(path);
        let meta = fs::symlink_metadata(&full).expect("path to remove exists");
        if meta.is_dir() {
            fs::remove_dir_all(&full).expect("remove dir");
        } else {
            fs::remove_file(&full).expect("remove file");
        }
        self
    }

    /// Stages everything (additions, changes, deletions) and commits on the
    /// current branch; returns the new commit's full id.
    pub fn commit(&self, message: &str) -> String {
        let mut index = self.repo.index().expect("index");
        index
            .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
            .expect("stage files");
        index.update_all(["*"], None).expect("stage deletions");
        index.write().expect("write index");
        let tree_id = index.write_tree().expect("write tree");
        let tree = self.repo.find_tree(tree_id).expect("find tree");
        let signature = self.signature();
        let parent = self
            .repo
            .head()
            .ok()
            .and_then(|head| head.peel_to_commit().ok());
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let id = self
            .repo
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                message,
                &tree,
                &parents,
            )
            .expect("commit");
        id.to_string()
    }

    /// Creates branch `name` at the current commit (without switching to it).
    pub fn branch(&self, name: &str) -> &Self {
        let head = self.head_commit();
        self.repo.branch(name, &head, false).expect("create branch");
        self
    }

    /// Switches to branch `name`, updating the working tree to match it.
    pub fn checkout(&self, name: &str) -> &Self {
        self.repo
            .find_branch(name, BranchType::Local)
            .expect("branch to check out exists");
        self.repo
            .set_head(&format!("refs/heads/{name}"))
            .expect("set HEAD");
        let mut checkout = git2::build::CheckoutBuilder::new();
        checkout.force().remove_untracked(true);
        self.repo
            .checkout_head(Some(&mut checkout))
            .expect("check out");
        self
    }

    /// Creates a lightweight tag `name` at the current commit.
    pub fn tag(&self, name: &str) -> &Self {
        let head = self.head_commit();
        self.repo
            .tag_lightweight(name, head.as_object(), false)
            .expect("create tag");
        self
    }

    /// Creates an annotated tag `name` at the current commit; returns the id
    /// of the tag object (not the commit).
    pub fn annotated_tag(&self, name: &str, message: &str) -> String {
        let head = self.head_commit();
        let id = self
            .repo
            .tag(name, head.as_object(), &self.signature(), message, false)
            .expect("create annotated tag");
        id.to_string()
    }

    /// The current commit's full id.
    pub fn head(&self) -> String {
        self.head_commit().id().to_string()
    }

    fn head_commit(&self) -> git2::Commit<'_> {
        self.repo
            .head()
            .and_then(|head| head.peel_to_commit())
            .expect("HEAD has a commit")
    }

    /// The fixed test identity at the next tick of the repository's clock.
    fn signature(&self) -> Signature<'static> {
        let now = self.clock.get() + 60;
        self.clock.set(now);
        Signature::new(TEST_NAME, TEST_EMAIL, &Time::new(now, 0)).expect("signature")
    }
}

impl Default for TestRepo {
    fn default() -> Self {
        Self::new()
    }
}

/// The fleetdeck binary with a clean environment whose HOME, XDG
/// directories and git config all point into `home`.
pub fn fleetdeck_command(home: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_fleetdeck"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("GIT_CONFIG_NOSYSTEM", "1");
    command
}
