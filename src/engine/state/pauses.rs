//! `PauseStore`: the fleet's pauses in one file, `<state dir>/pauses.json`,
//! shared by every fleetdeck process using the directory — a pause set from
//! a terminal is seen by a controller running in another.
//!
//! Same conventions as [`super::store`]: writes are read-modify-write under
//! an in-process mutex and an advisory lock on `pauses.json.lock`, and
//! replace the file atomically; readers take no lock. A file that is not
//! valid is an error naming it and is never overwritten. Expired pauses are
//! dropped from the file on the next write (readers simply ignore them).
//!
//! Change detection for pollers: every write bumps the file's
//! `generation`, and [`PauseStore::stamp`] reads only the file's metadata
//! (an atomic replace always makes a new inode), so a controller can poll
//! cheaply and re-read only when the stamp changes.

pub mod error;

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub use self::error::PauseStoreError;
use super::atomic_file::write_atomically;
use crate::engine::policy::duration_text::MAX_TIME_BOX;
use crate::engine::policy::pause::{Pause, PauseRequest, PauseScope};

/// The file's name inside the state directory.
pub const PAUSES_FILE: &str = "pauses.json";

/// The format version written and read; a higher one is refused.
pub const PAUSES_FORMAT_VERSION: u32 = 1;

/// The contents of `pauses.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PauseSet {
    pub version: u32,
    /// Bumped by every write: equal generations mean equal contents.
    pub generation: u64,
    /// The number in the next pause id (`p<n>`); ids are never reused.
    pub next_id: u64,
    /// In the order they were set; may hold expired pauses not yet dropped.
    #[serde(default)]
    pub pauses: Vec<Pause>,
}

impl Default for PauseSet {
    fn default() -> Self {
        PauseSet {
            version: PAUSES_FORMAT_VERSION,
            generation: 0,
            next_id: 1,
            pauses: Vec::new(),
        }
    }
}

impl PauseSet {
    /// The pauses still in force at `now`.
    pub fn active(&self, now: Timestamp) -> Vec<Pause> {
        self.pauses
            .iter()
            .filter(|pause| pause.is_active(now))
            .cloned()
            .collect()
    }
}

/// Which pauses a resume ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "by", content = "value")]
pub enum ResumeTarget {
    /// The pause with this id.
    Id(String),
    /// Every pause set with exactly this scope (resuming app `web` does not
    /// end a pause of its cluster).
    Scope(PauseScope),
}

impl ResumeTarget {
    fn selects(&self, pause: &Pause) -> bool {
        match self {
            ResumeTarget::Id(id) => pause.id == *id,
            ResumeTarget::Scope(scope) => pause.scope == *scope,
        }
    }
}

/// What the file looked like on disk, from metadata only. `None` inside
/// means no file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp(Option<(u64, u64, Option<SystemTime>)>);

#[derive(Debug)]
pub struct PauseStore {
    path: PathBuf,
    max: Duration,
    /// Serialises this process's writers (the lock file serialises
    /// processes).
    write_lock: Mutex<()>,
}

impl PauseStore {
    /// The store in `dir` (created if missing); pauses last at most
    /// [`MAX_TIME_BOX`].
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, PauseStoreError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|source| PauseStoreError::Directory {
            path: dir.to_path_buf(),
            source,
        })?;
        Ok(PauseStore {
            path: dir.join(PAUSES_FILE),
            max: MAX_TIME_BOX,
            write_lock: Mutex::new(()),
        })
    }

    /// Changes the longest pause accepted.
    pub fn with_max_duration(mut self, max: Duration) -> Self {
        self.max = max;
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole file (empty set when there is none).
    pub fn load(&self) -> Result<PauseSet, PauseStoreError> {
        read_set(&self.path)
    }

    /// The pauses in force at `now`, in the order they were set.
    pub fn list(&self, now: Timestamp) -> Result<Vec<Pause>, PauseStoreError> {
        Ok(self.load()?.active(now))
    }

    /// Metadata of the file, to poll for changes without reading it.
    pub fn stamp(&self) -> Result<FileStamp, PauseStoreError> {
        match std::fs::metadata(&self.path) {
            Ok(metadata) => Ok(FileStamp(Some((
                inode(&metadata),
                metadata.len(),
                metadata.modified().ok(),
            )))),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(FileStamp(None)),
            Err(source) => Err(self.io("inspect", source)),
        }
    }

    /// Sets a pause starting at `now`; returns it with its new id.
    pub fn add(&self, request: PauseRequest, now: Timestamp) -> Result<Pause, PauseStoreError> {
        request.validate(self.max)?;
        let max = self.max;
        self.update(now, |set| {
            let id = format!("p{}", set.next_id);
            set.next_id = set.next_id.saturating_add(1);
            let pause = request.into_pause(id, now, max)?;
            set.pauses.push(pause.clone());
            Ok(pause)
        })
    }

    /// Ends the pauses `target` selects; returns those that were still in
    /// force (none when nothing matched).
    pub fn resume(
        &self,
        target: &ResumeTarget,
        now: Timestamp,
    ) -> Result<Vec<Pause>, PauseStoreError> {
        // `update` has dropped expired pauses already.
        self.update(now, |set| {
            let (removed, kept): (Vec<Pause>, Vec<Pause>) = std::mem::take(&mut set.pauses)
                .into_iter()
                .partition(|pause| target.selects(pause));
            set.pauses = kept;
            Ok(removed)
        })
    }

    /// Read-modify-write under both locks. Expired pauses are dropped, and
    /// the file is written (with the next generation) only when something
    /// changed.
    fn update<T>(
        &self,
        now: Timestamp,
        change: impl FnOnce(&mut PauseSet) -> Result<T, PauseStoreError>,
    ) -> Result<T, PauseStoreError> {
        let _in_process = self
            .write_lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let _across_processes = self.lock_file()?;
        let before = read_set(&self.path)?;
        let mut set = before.clone();
        set.pauses.retain(|pause| pause.is_active(now));
        let result = change(&mut set)?;
        if set != before {
            set.generation = before.generation.saturating_add(1);
            let bytes = serde_json::to_vec_pretty(&set)
                .map_err(|source| PauseStoreError::Encode { source })?;
            write_atomically(&self.path, &bytes).map_err(|source| self.io("write", source))?;
        }
        Ok(result)
    }

    /// Takes the advisory lock on `pauses.json.lock` (left in place, as in
    /// [`super::store`]); released when the file drops.
    fn lock_file(&self) -> Result<File, PauseStoreError> {
        let mut lock_path = self.path.as_os_str().to_owned();
        lock_path.push(".lock");
        let lock_path = PathBuf::from(lock_path);
        let io = |action, source| PauseStoreError::Io {
            path: lock_path.clone(),
            action,
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|source| io("open lock file", source))?;
        file.lock().map_err(|source| io("lock", source))?;
        Ok(file)
    }

    fn io(&self, action: &'static str, source: io::Error) -> PauseStoreError {
        PauseStoreError::Io {
            path: self.path.clone(),
            action,
            source,
        }
    }
}

#[cfg(unix)]
fn inode(metadata: &std::fs::Metadata) -> u64 {
    std::os::unix::fs::MetadataExt::ino(metadata)
}

#[cfg(not(unix))]
fn inode(_metadata: &std::fs::Metadata) -> u64 {
    0
}

#[derive(Deserialize)]
struct VersionProbe {
    version: u32,
}

fn read_set(path: &Path) -> Result<PauseSet, PauseStoreError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(PauseSet::default()),
        Err(source) => {
            return Err(PauseStoreError::Io {
                path: path.to_path_buf(),
                action: "read",
                source,
            });
        }
    };
    let corrupt = |source| PauseStoreError::Corrupt {
        path: path.to_path_buf(),
        source,
    };
    let probe: VersionProbe = serde_json::from_slice(&bytes).map_err(corrupt)?;
    if probe.version != PAUSES_FORMAT_VERSION {
        return Err(PauseStoreError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: probe.version,
            supported: PAUSES_FORMAT_VERSION,
        });
    }
    serde_json::from_slice(&bytes).map_err(corrupt)
}

#[cfg(test)]
mod tests;
