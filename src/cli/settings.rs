//! The effective settings of one invocation: the config file with the global
//! flags layered on top.

use std::path::{Path, PathBuf};
use std::time::Duration;

use color_eyre::eyre::{WrapErr, bail};

use super::{GlobalArgs, ProjectPaths};
use crate::config::{ClusterConfig, Config, KustomizeToolMode, RepoConfig, ToolsConfig};
use crate::engine::render::{DEFAULT_TOOL_TIMEOUT, ExternalKustomize, KustomizeMode, RenderTools};

/// Everything a subcommand needs to know, already merged and validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    /// Repositories to read Argo CD resources from, flags first.
    pub repos: Vec<RepoConfig>,
    pub readonly: bool,
    pub kubeconfig: Option<PathBuf>,
    pub clusters: Vec<ClusterConfig>,
    pub hub: Option<String>,
    /// External renderer binaries, resolved once (flags, config, `PATH`).
    pub render_tools: RenderTools,
    pub paths: ProjectPaths,
}

impl Settings {
    pub fn resolve(args: &GlobalArgs, paths: &ProjectPaths) -> color_eyre::Result<Settings> {
        // A config named explicitly must exist; the default one need not.
        let (config_path, required) = match &args.config {
            Some(path) => (path.clone(), true),
            None => (paths.config_file.clone(), false),
        };
        let config = Config::load(&config_path, required)?;

        // Paths in the config file (and `--flag=~/…`, which no shell
        // expanded) may start with `~`.
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let home = home.as_deref().filter(|home| !home.as_os_str().is_empty());
        let mut repos = config.repos.clone();
        if let Some(url) = &args.repo {
            repos = vec![RepoConfig {
                url: url.clone(),
                name: None,
                path: "argocd".to_string(),
                revision: "HEAD".to_string(),
            }];
        }
        for repo in &mut repos {
            repo.url = super::paths::expand_tilde_text(&repo.url, home);
            if let Some(path) = &args.path {
                repo.path = path.clone();
            }
            if let Some(revision) = &args.revision {
                repo.revision = revision.clone();
            }
        }

        let clusters = if args.contexts.is_empty() {
            config.clusters.clone()
        } else {
            args.contexts
                .iter()
                .map(|context| {
                    config
                        .clusters
                        .iter()
                        .find(|cluster| &cluster.context == context)
                        .cloned()
                        .unwrap_or_else(|| ClusterConfig {
                            context: context.clone(),
                            name: None,
                            labels: Default::default(),
                        })
                })
                .collect()
        };

        Ok(Settings {
            readonly: args.readonly || config.readonly,
            kubeconfig: args
                .kubeconfig
                .clone()
                .or_else(|| config.kubeconfig.clone())
                .map(|path| super::paths::expand_tilde(&path, home)),
            hub: args.hub.clone().or_else(|| config.hub.clone()),
            render_tools: render_tools(
                args.helm.as_deref(),
                &config.tools,
                std::env::var_os("PATH").as_deref(),
                home,
            ),
            repos,
            clusters,
            config,
            paths: paths.clone(),
        })
    }

    /// The repositories to read, or a message telling the user how to name one.
    /// Who is acting, for history and audit: `operator:` from the config,
    /// else the login name.
    pub fn operator_name(&self) -> String {
        self.config
            .operator
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("USERNAME").ok())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "unknown".to_string())
    }

    pub fn require_repos(&self) -> color_eyre::Result<&[RepoConfig]> {
        if self.repos.is_empty() {
            bail!(
                "no Git repository given: pass --repo <path|url> or add `repos:` to {}",
                self.paths.config_file.display()
            );
        }
        Ok(&self.repos)
    }

    /// Creates the repository cache directory on first use.
    pub fn repo_cache_dir(&self) -> color_eyre::Result<PathBuf> {
        let dir = self.paths.repo_cache_dir();
        std::fs::create_dir_all(&dir)
            .wrap_err_with(|| format!("cannot create repository cache {}", dir.display()))?;
        Ok(dir)
    }
}

/// The external renderer binaries: `--helm` over `tools.helm` over `helm` on
/// `PATH` (`None` if none, so Helm apps fail alone with "helm binary not
/// found"); the external kustomize only when configured.
fn render_tools(
    helm_flag: Option<&Path>,
    tools: &ToolsConfig,
    path_var: Option<&std::ffi::OsStr>,
    home: Option<&Path>,
) -> RenderTools {
    let expand = |path: &Path| super::paths::expand_tilde(path, home);
    let helm = helm_flag
        .map(expand)
        .or_else(|| tools.helm.as_deref().map(expand))
        .or_else(|| find_on_path("helm", path_var));
    let kustomize = tools.kustomize.as_ref().map(|kustomize| ExternalKustomize {
        binary: expand(&kustomize.binary),
        mode: match kustomize.mode {
            KustomizeToolMode::Kustomize => KustomizeMode::Kustomize,
            KustomizeToolMode::Kubectl => KustomizeMode::Kubectl,
        },
    });
    RenderTools {
        helm,
        kustomize,
        timeout: tools
            .timeout_seconds
            .map_or(DEFAULT_TOOL_TIMEOUT, Duration::from_secs),
    }
}

/// The first executable file called `name` in the directories of `path_var`.
fn find_on_path(name: &str, path_var: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path_var?)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helm_flag_beats_config_beats_path() {
        let dir = tempfile::tempdir().unwrap();
        let on_path = dir.path().join("helm");
        std::fs::write(&on_path, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&on_path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path_var = std::env::join_paths([dir.path()]).unwrap();
        let configured = ToolsConfig {
            helm: Some(PathBuf::from("/opt/helm")),
            ..ToolsConfig::default()
        };

        let flag = render_tools(
            Some(Path::new("/flag/helm")),
            &configured,
            Some(&path_var),
            None,
        );
        assert_eq!(flag.helm, Some(PathBuf::from("/flag/helm")));
        let config = render_tools(None, &configured, Some(&path_var), None);
        assert_eq!(config.helm, Some(PathBuf::from("/opt/helm")));
        let path = render_tools(None, &ToolsConfig::default(), Some(&path_var), None);
        assert_eq!(path.helm, Some(on_path));
        let in_home = ToolsConfig {
            helm: Some(PathBuf::from("~/bin/helm")),
            ..ToolsConfig::default()
        };
        let expanded = render_tools(None, &in_home, None, Some(Path::new("/home/alice")));
        assert_eq!(expanded.helm, Some(PathBuf::from("/home/alice/bin/helm")));
        let none = render_tools(None, &ToolsConfig::default(), None, None);
        assert_eq!(none.helm, None);
        assert_eq!(none.kustomize, None);
        assert_eq!(none.timeout, DEFAULT_TOOL_TIMEOUT);
    }

    #[test]
    fn non_executable_files_on_path_are_not_helm() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("helm"), "not a program").unwrap();
        let path_var = std::env::join_paths([dir.path()]).unwrap();
        assert_eq!(find_on_path("helm", Some(&path_var)), None);
    }
}
