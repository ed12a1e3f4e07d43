//! `PauseStoreError`: what can go wrong reading or writing `pauses.json`,
//! always naming the file.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::engine::policy::pause::PauseError;

#[derive(Debug, Error)]
pub enum PauseStoreError {
    #[error("cannot create state directory {path}: {source}")]
    Directory {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot {action} {path}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    /// Not valid pause state. Left as it is (fix or remove it by hand);
    /// fleetdeck never overwrites it.
    #[error("pause file {path} is corrupt (fix or remove it; it is left untouched): {source}")]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error(
        "pause file {path} has format version {found}; this fleetdeck reads version {supported}"
    )]
    UnsupportedVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("cannot encode the pauses: {source}")]
    Encode {
        #[source]
        source: serde_json::Error,
    },
    /// The request itself is not a valid pause.
    #[error(transparent)]
    Invalid(#[from] PauseError),
}

impl PauseStoreError {
    /// The file concerned, when there is one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            PauseStoreError::Directory { path, .. }
            | PauseStoreError::Io { path, .. }
            | PauseStoreError::Corrupt { path, .. }
            | PauseStoreError::UnsupportedVersion { path, .. } => Some(path),
            PauseStoreError::Encode { .. } | PauseStoreError::Invalid(_) => None,
        }
    }
}
