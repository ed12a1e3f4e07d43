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

/// `~` and `~/…` in a path from the config file or a `--flag=~/…`
/// argument (no shell expanded it) become the home directory. `~user`
/// forms and paths without a leading `~` are left as they are.
pub fn expand_tilde(path: &std::path::Path, home: Option<&std::path::Path>) -> PathBuf {
    let Some(home) = home else {
        return path.to_path_buf();
    };
    match path.strip_prefix("~") {
        Ok(rest) => home.join(rest),
        Err(_) => path.to_path_buf(),
    }
}

/// [`expand_tilde`] for text that may be a URL: only a local path
/// starting with `~/` (or exactly `~`) is expanded.
pub fn expand_tilde_text(text: &str, home: Option<&std::path::Path>) -> String {
    if text == "~" || text.starts_with("~/") {
        expand_tilde(std::path::Path::new(text), home)
            .display()
            .to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tilde_tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn a_leading_tilde_is_the_home_directory_and_nothing_else_changes() {
        let home = Some(Path::new("/home/alice"));
        assert_eq!(
            expand_tilde(Path::new("~/.kube/config"), home),
            Path::new("/home/alice/.kube/config")
        );
        assert_eq!(expand_tilde(Path::new("~"), home), Path::new("/home/alice"));
        assert_eq!(
            expand_tilde(Path::new("/etc/kube/config"), home),
            Path::new("/etc/kube/config")
        );
        assert_eq!(
            expand_tilde(Path::new("~bob/config"), home),
            Path::new("~bob/config")
        );
        assert_eq!(
            expand_tilde(Path::new("~/x"), None),
            Path::new("~/x"),
            "no home: left alone"
        );
        assert_eq!(expand_tilde_text("~/gitops", home), "/home/alice/gitops");
        assert_eq!(
            expand_tilde_text("https://git.example.com/~team/repo.git", home),
            "https://git.example.com/~team/repo.git"
        );
    }
}
