//! `StateError`: what can go wrong reading or writing the state store, with
//! the application and the file concerned.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StateError {
    /// An application name that cannot name state (empty).
    #[error("cannot keep state for application {app:?}: {reason}")]
    InvalidAppName { app: String, reason: &'static str },
    /// The state directory cannot be created or used.
    #[error("cannot {action} state directory {path}: {source}")]
    Directory {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    /// Reading, writing, locking or renaming an application's file failed.
    #[error("cannot {action} {path} (state of application {app}): {source}")]
    Io {
        app: String,
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    /// The file exists but is not valid state. It is left as it is (fix or
    /// remove it by hand); fleetdeck does not overwrite it.
    #[error(
        "state file {path} of application {app} is corrupt (fix or remove it; it is left untouched): {source}"
    )]
    Corrupt {
        app: String,
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The file was written by a newer fleetdeck.
    #[error(
        "state file {path} of application {app} has format version {found}; this fleetdeck reads version {supported}"
    )]
    UnsupportedVersion {
        app: String,
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    /// The file holds another application's state (two names sharing a
    /// file name, or a file copied by hand).
    #[error("state file {path} holds application {found:?}, not {app:?}")]
    AppMismatch {
        app: String,
        path: PathBuf,
        found: String,
    },
    /// The state could not be encoded as JSON.
    #[error("cannot encode the state of application {app}: {source}")]
    Encode {
        app: String,
        #[source]
        source: serde_json::Error,
    },
}

impl StateError {
    /// The application concerned, when there is one.
    pub fn app(&self) -> Option<&str> {
        match self {
            StateError::Directory { .. } => None,
            StateError::InvalidAppName { app, .. }
            | StateError::Io { app, .. }
            | StateError::Corrupt { app, .. }
            | StateError::UnsupportedVersion { app, .. }
            | StateError::AppMismatch { app, .. }
            | StateError::Encode { app, .. } => Some(app),
        }
    }
}
