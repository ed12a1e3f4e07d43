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
    /// The kubeconfig kubectl would use: the first file of `$KUBECONFIG`,
    /// else `~/.kube/config`.
    pub default_kubeconfig: PathBuf,
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
            default_kubeconfig: default_kubeconfig()?,
        })
    }

    /// Sync history and rollback pins (durable: they are the audit trail).
    pub fn app_state_dir(&self) -> PathBuf {
        self.data_dir.join("state")
    }

    pub fn repo_cache_dir(&self) -> PathBuf {
        self.data_dir.join("repos")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }
}

fn default_kubeconfig() -> color_eyre::Result<PathBuf> {
    if let Some(first) = std::env::var_os("KUBECONFIG")
        .as_deref()
        .and_then(|paths| std::env::split_paths(paths).find(|path| !path.as_os_str().is_empty()))
    {
        return Ok(first);
    }
    let base = directories::BaseDirs::new()
        .ok_or_else(|| eyre!("cannot determine a home directory for ~/.kube/config"))?;
    Ok(base.home_dir().join(".kube").join("config"))
}
