//! [`RepoCache`]: every repository the engine reads, opened once.
//!
//! Local paths are read in place. Remote URLs are mirrored as bare
//! repositories under the cache directory the caller chose (the CLI passes
//! `<data dir>/repos`). A first clone is made in a temporary directory beside
//! the cache entry and renamed into place only when complete, so an
//! interrupted or failed clone never leaves a half-made entry behind.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use git2::Repository;

use super::location::{Location, cache_dir_name, redact_url};
use super::repo::{MIRROR_REFSPECS, ORIGIN, fetch_origin};
use super::{Repo, RepoKind, SourceError};

/// One cache slot: empty until the repository opened successfully, so a
/// failed open is retried by the next caller.
type Slot = Arc<Mutex<Option<Arc<Repo>>>>;

/// The repositories in use, keyed by canonical local path or URL.
#[derive(Debug)]
pub struct RepoCache {
    cache_dir: PathBuf,
    slots: Mutex<HashMap<String, Slot>>,
}

impl RepoCache {
    /// A cache keeping remote mirrors under `cache_dir` (created on the first
    /// clone).
    pub fn new(cache_dir: PathBuf) -> Self {
        Self {
            cache_dir,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The directory holding remote mirrors.
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    /// The repository at `location`, opened (or cloned) on first use; later
    /// calls with the same location return the same `Arc`.
    ///
    /// A local path (absolute or relative) is opened in place, never cloned
    /// or fetched. A URL (`file://`, `http(s)://`, `ssh://`, `git://` or
    /// scp-like `user@host:path`) is cloned bare into the cache the first time;
    /// a mirror left by an earlier run is reused as it is (call
    /// [`Repo::fetch`] to update it).
    ///
    /// Opening different repositories runs in parallel; concurrent opens of
    /// the same one wait for a single clone.
    pub fn open(&self, location: &str) -> Result<Arc<Repo>, SourceError> {
        let parsed = Location::parse(location).ok_or_else(|| SourceError::InvalidLocation {
            location: location.to_owned(),
        })?;
        let key = match &parsed {
            Location::Local(path) => match fs::canonicalize(path) {
                Ok(canonical) => format!("local:{}", canonical.display()),
                // Let the open below report the problem with git's words.
                Err(_) => format!("local:{}", path.display()),
            },
            Location::Remote(url) => format!("remote:{url}"),
        };
        let slot = {
            let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            Arc::clone(slots.entry(key).or_default())
        };
        let mut entry = slot.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(repo) = entry.as_ref() {
            return Ok(Arc::clone(repo));
        }
        let repo = Arc::new(match parsed {
            Location::Local(path) => open_local(location, &path)?,
            Location::Remote(url) => self.open_remote(&url)?,
        });
        *entry = Some(Arc::clone(&repo));
        Ok(repo)
    }

    /// Opens `location` like [`RepoCache::open`], but never reaches the
    /// network: a remote repository with no mirror in the cache yet is
    /// [`SourceError::NotCloned`] rather than a clone.
    pub fn open_cached(&self, location: &str) -> Result<Arc<Repo>, SourceError> {
        if let Some(Location::Remote(url)) = Location::parse(location)
            && !self.cache_dir.join(cache_dir_name(&url)).exists()
        {
            return Err(SourceError::NotCloned {
                repo: redact_url(&url),
            });
        }
        self.open(location)
    }

    fn open_remote(&self, url: &str) -> Result<Repo, SourceError> {
        let name = redact_url(url);
        let dir = self.cache_dir.join(cache_dir_name(url));
        if dir.exists() {
            match open_mirror(&dir, url) {
                Ok(()) => return Ok(Repo::new(name, dir, RepoKind::Remote)),
                Err(err) => {
                    tracing::warn!(
                        repo = %name,
                        dir = %dir.display(),
                        error = %err,
                        "cached mirror is unusable; cloning it again"
                    );
                    fs::remove_dir_all(&dir)
                        .map_err(|err| SourceError::io("remove broken mirror", &dir, err))?;
                }
            }
        }
        self.clone_mirror(url, &name, &dir)?;
        Ok(Repo::new(name, dir, RepoKind::Remote))
    }

    /// Clones `url` bare into a temporary directory, then renames it to `dir`.
    fn clone_mirror(&self, url: &str, name: &str, dir: &Path) -> Result<(), SourceError> {
        fs::create_dir_all(&self.cache_dir)
            .map_err(|err| SourceError::io("create cache directory", &self.cache_dir, err))?;
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let file_name = dir.file_name().map_or_else(
            || "repo".to_owned(),
            |file_name| file_name.to_string_lossy().into_owned(),
        );
        let temp = self.cache_dir.join(format!(
            ".tmp-{file_name}-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let cloned = init_and_fetch(&temp, url).map_err(|source| SourceError::Clone {
            repo: name.to_owned(),
            source,
        });
        if let Err(err) = cloned {
            remove_quietly(&temp);
            return Err(err);
        }
        if let Err(err) = fs::rename(&temp, dir) {
            remove_quietly(&temp);
            // Another process may have finished the same clone first.
            if open_mirror(dir, url).is_err() {
                return Err(SourceError::io("move clone into place at", dir, err));
            }
        }
        Ok(())
    }
}

fn open_local(location: &str, path: &Path) -> Result<Repo, SourceError> {
    let repo = Repository::open(path).map_err(|source| SourceError::Open {
        repo: location.to_owned(),
        source,
    })?;
    drop(repo);
    let canonical =
        fs::canonicalize(path).map_err(|err| SourceError::io("resolve path", path, err))?;
    let name = canonical.display().to_string();
    Ok(Repo::new(name, canonical, RepoKind::Local))
}

/// Checks that `dir` is a bare mirror of `url`.
fn open_mirror(dir: &Path, url: &str) -> Result<(), git2::Error> {
    let repo = Repository::open_bare(dir)?;
    let remote = repo.find_remote(ORIGIN)?;
    if remote.url_bytes() != url.as_bytes() {
        return Err(git2::Error::from_str("mirror belongs to another URL"));
    }
    Ok(())
}

fn init_and_fetch(dir: &Path, url: &str) -> Result<(), git2::Error> {
    let repo = Repository::init_bare(dir)?;
    repo.remote_with_fetch(ORIGIN, url, MIRROR_REFSPECS[0])?;
    for spec in &MIRROR_REFSPECS[1..] {
        repo.remote_add_fetch(ORIGIN, spec)?;
    }
    fetch_origin(&repo)
}

fn remove_quietly(dir: &Path) {
    if let Err(err) = fs::remove_dir_all(dir)
        && err.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(dir = %dir.display(), error = %err, "cannot remove a failed clone");
    }
}
