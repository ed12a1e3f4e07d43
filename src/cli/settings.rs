//! The effective settings of one invocation: the config file with the global
//! flags layered on top.

use std::path::PathBuf;

use color_eyre::eyre::{WrapErr, bail};

use super::{GlobalArgs, ProjectPaths};
use crate::config::{ClusterConfig, Config, RepoConfig};

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
                .or_else(|| config.kubeconfig.clone()),
            hub: args.hub.clone().or_else(|| config.hub.clone()),
            repos,
            clusters,
            config,
            paths: paths.clone(),
        })
    }

    /// The repositories to read, or a message telling the user how to name one.
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
