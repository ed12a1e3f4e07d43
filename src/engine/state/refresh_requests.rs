//! Refresh requests from other processes: `fleetdeck refresh [app]` writes
//! `<state dir>/refresh.json`, and a running engine on the same directory
//! notices the new generation within a second and reads Git and the
//! clusters again. A file, like pauses, because the controller may run in
//! another terminal and there is no server to call.
//!
//! Two requests racing may both write the same generation; one refresh
//! answers both, so nothing is lost that matters.

use std::io;
use std::path::{Path, PathBuf};

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::atomic_file::write_atomically;

/// The file's name inside the state directory.
pub const REFRESH_FILE: &str = "refresh.json";

/// The newest request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    /// Grows by one per request.
    pub generation: u64,
    /// One app, or `None` for the whole fleet.
    pub app: Option<String>,
    /// Render again and relist the live objects, trusting no cache (a
    /// file written before this field existed asks for a plain refresh).
    #[serde(default)]
    pub hard: bool,
    pub by: String,
    pub at: Timestamp,
}

#[derive(Debug, thiserror::Error)]
pub enum RefreshRequestError {
    #[error("cannot {action} {path}: {source}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("{path} is not a refresh request (remove it; the next request rewrites it): {source}")]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

#[derive(Debug, Clone)]
pub struct RefreshRequests {
    path: PathBuf,
}

impl RefreshRequests {
    pub fn new(state_dir: &Path) -> Self {
        RefreshRequests {
            path: state_dir.join(REFRESH_FILE),
        }
    }

    /// The newest request, if there ever was one.
    pub fn latest(&self) -> Result<Option<RefreshRequest>, RefreshRequestError> {
        let text = match std::fs::read(&self.path) {
            Ok(text) => text,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(RefreshRequestError::Io {
                    path: self.path.clone(),
                    action: "read",
                    source,
                });
            }
        };
        serde_json::from_slice(&text)
            .map(Some)
            .map_err(|source| RefreshRequestError::Corrupt {
                path: self.path.clone(),
                source,
            })
    }

    /// Asks every engine on this state directory to refresh. A corrupt
    /// file is replaced: it holds no state worth keeping.
    pub fn request(
        &self,
        app: Option<&str>,
        hard: bool,
        by: &str,
        now: Timestamp,
    ) -> Result<RefreshRequest, RefreshRequestError> {
        let previous = self
            .latest()
            .ok()
            .flatten()
            .map_or(0, |request| request.generation);
        let request = RefreshRequest {
            generation: previous + 1,
            app: app.map(str::to_string),
            hard,
            by: by.to_string(),
            at: now,
        };
        let io_error = |action, source| RefreshRequestError::Io {
            path: self.path.clone(),
            action,
            source,
        };
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|source| io_error("create the directory of", source))?;
        }
        let text = serde_json::to_vec_pretty(&request)
            .map_err(|source| io_error("encode", io::Error::other(source)))?;
        write_atomically(&self.path, &text).map_err(|source| io_error("write", source))?;
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_count_up_and_survive_a_corrupt_file() {
        let dir = tempfile::tempdir().unwrap();
        let requests = RefreshRequests::new(dir.path());
        assert_eq!(requests.latest().unwrap(), None);
        let now = Timestamp::UNIX_EPOCH;
        assert_eq!(
            requests
                .request(None, false, "alice", now)
                .unwrap()
                .generation,
            1
        );
        let second = requests.request(Some("web"), true, "bob", now).unwrap();
        assert_eq!(second.generation, 2);
        assert!(second.hard);
        assert_eq!(requests.latest().unwrap(), Some(second));
        std::fs::write(dir.path().join(REFRESH_FILE), "{not json").unwrap();
        assert!(matches!(
            requests.latest(),
            Err(RefreshRequestError::Corrupt { .. })
        ));
        assert_eq!(
            requests
                .request(None, false, "carol", now)
                .unwrap()
                .generation,
            1
        );
    }
}
