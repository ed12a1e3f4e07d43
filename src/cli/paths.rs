//! Where fleetdeck keeps its files, following the platform's conventions
//! (XDG on Linux) through `directories`.

use std::path::PathBuf;

use color_eyre::eyre::eyre;

/// The directories fleetdeck may write to. Resolved once in `main` and passed
/// down, so tests can point every one of them into a temp dir.
#[derive(Debug, Clone)]
pub struct ProjectPaths {
    /// Default config file location (`config.yaml` in the config dir).
    pub config_file: PathBuf,
    /// Durable data: the Git repository cache lives under `repos/`.
    pub data_dir: PathBuf,
    /// Logs and other state that may be deleted without losing work.
    pub state_dir: PathBuf,
}

impl ProjectPaths {
    pub fn discover() -> color_eyre::Result<ProjectPaths> {
        let dirs = directories::ProjectDirs::from("dev", "fleetdeck", "fleetdeck")
            .ok_or_else(|| eyre!("cannot determine a home directory for fleetdeck's files"))?;
        Ok(ProjectPaths {
            config_file: dirs.config_dir().join("config.yaml"),
            data_dir: dirs.data_dir().to_path_buf(),
            state_dir: dirs
                .state_dir()
                .unwrap_or_else(|| dirs.data_local_dir())
                .to_path_buf(),
        })
    }

    pub fn repo_cache_dir(&self) -> PathBuf {
        self.data_dir.join("repos")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }
}
