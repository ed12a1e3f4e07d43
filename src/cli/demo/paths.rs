//! Where the demo keeps its files: everything under `<data dir>/demo`, and
//! nothing else is ever deleted by `--fresh`.

use std::path::{Path, PathBuf};

/// The demo's directory and what lives in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPaths {
    /// `<data dir>/demo`: the only directory `--fresh` removes.
    pub root: PathBuf,
}

impl DemoPaths {
    /// The demo's files under fleetdeck's data directory.
    pub fn under(data_dir: &Path) -> DemoPaths {
        DemoPaths {
            root: data_dir.join("demo"),
        }
    }

    /// The demo GitOps repository (reused across runs).
    pub fn repo(&self) -> PathBuf {
        self.root.join("repo")
    }

    /// The simulated fleet's kubeconfig (rewritten at every start: the
    /// ports change).
    pub fn kubeconfig(&self) -> PathBuf {
        self.root.join("kubeconfig")
    }

    /// Sync history, pauses, approvals and the audit log of the demo.
    pub fn state(&self) -> PathBuf {
        self.root.join("state")
    }

    /// Removes the demo directory (and only it), for `--fresh`.
    pub fn remove(&self) -> std::io::Result<()> {
        match std::fs::remove_dir_all(&self.root) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
}
