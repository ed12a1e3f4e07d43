//! Which repository serves an Application's `repoURL`.
//!
//! An Application names its source by URL (`https://github.com/acme/gitops`).
//! An operator often has that repository checked out already and points
//! fleetdeck at the checkout; reading the checkout then is both what they mean
//! and the only thing that works offline. So URLs that name a local
//! repository (by its configured URL or one of its remotes) are served from
//! it, and any other URL is cloned into the cache and fetched once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use super::{Repo, RepoCache, RepoKind, SourceError};
use crate::engine::error_chain::error_chain;

/// Finds the repository for a source's `repoURL`.
pub trait RepoResolver: Sync {
    fn repo_for(&self, repo_url: &str) -> Result<Arc<Repo>, SourceError>;
}

/// Local repositories first (matched by URL), then the cache.
#[derive(Debug)]
pub struct LocalFirstResolver<'a> {
    cache: &'a RepoCache,
    aliases: HashMap<String, Arc<Repo>>,
    /// Reach the network: clone a remote repository not mirrored yet, and
    /// fetch it the first time it is served.
    online: bool,
    /// One fetch per remote repository: callers serving it while its
    /// fetch runs wait for it, so every app of a pass (renders run in
    /// parallel) sees the same fetched state.
    fetched: Mutex<HashMap<String, Arc<OnceLock<()>>>>,
    warnings: Mutex<Vec<String>>,
}

impl<'a> LocalFirstResolver<'a> {
    pub fn new(cache: &'a RepoCache) -> Self {
        LocalFirstResolver {
            cache,
            aliases: HashMap::new(),
            online: true,
            fetched: Mutex::new(HashMap::new()),
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// Serves remote repositories as last fetched, never cloning or
    /// fetching (one not mirrored yet is [`SourceError::NotCloned`]): for
    /// reads of commits a render already resolved (their subjects), which
    /// must not cost a round trip to the remote.
    pub fn offline(mut self) -> Self {
        self.online = false;
        self
    }

    /// Serves `url` (and any spelling of it that names the same repository)
    /// from `repo`.
    pub fn alias(&mut self, url: &str, repo: Arc<Repo>) {
        self.aliases.insert(repo_url_key(url), repo);
    }

    /// Serves `repo` for its own name and every remote URL it has.
    pub fn alias_with_remotes(&mut self, repo: Arc<Repo>) {
        let mut urls = remote_urls(&repo);
        urls.push(repo.name().to_string());
        for url in urls {
            self.alias(&url, repo.clone());
        }
    }

    /// Fetch failures met so far: the cached copy was used instead.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl RepoResolver for LocalFirstResolver<'_> {
    fn repo_for(&self, repo_url: &str) -> Result<Arc<Repo>, SourceError> {
        if let Some(repo) = self.aliases.get(&repo_url_key(repo_url)) {
            return Ok(repo.clone());
        }
        if !self.online {
            return self.cache.open_cached(repo_url);
        }
        let repo = self.cache.open(repo_url)?;
        if repo.kind() == RepoKind::Remote {
            let once = Arc::clone(
                self.fetched
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(repo.name().to_string())
                    .or_default(),
            );
            once.get_or_init(|| {
                if let Err(error) = repo.fetch() {
                    self.warnings
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(format!(
                            "{}; using the copy fetched earlier",
                            error_chain(&error)
                        ));
                }
            });
        }
        Ok(repo)
    }
}

/// The URLs of a repository's remotes (`origin` and any other). A repository
/// whose remotes cannot be read simply has no aliases.
fn remote_urls(repo: &Repo) -> Vec<String> {
    let Ok(handle) = git2::Repository::open(repo.path()) else {
        return Vec::new();
    };
    let Ok(names) = handle.remotes() else {
        return Vec::new();
    };
    names
        .iter()
        .flatten()
        .flatten()
        .filter_map(|name| handle.find_remote(name).ok())
        .filter_map(|remote| remote.url().ok().map(str::to_string))
        .collect()
}

/// A spelling-independent key for a repository URL: scheme, user, a trailing
/// `/` or `.git` and letter case do not make a different repository
/// (`git@github.com:Acme/GitOps.git` = `https://github.com/acme/gitops`).
pub fn repo_url_key(url: &str) -> String {
    let mut rest = url.trim();
    if let Some((_, after)) = rest.split_once("://") {
        rest = after;
    } else if let Some((host, path)) = scp_like(rest) {
        return normalise(&format!("{host}/{path}"));
    }
    if let Some((userinfo, after)) = rest.split_once('@')
        && !userinfo.contains('/')
    {
        rest = after;
    }
    normalise(rest)
}

/// `user@host:path` (but not a Windows drive or a plain local path).
fn scp_like(url: &str) -> Option<(&str, &str)> {
    let (before, path) = url.split_once(':')?;
    if before.contains('/') || before.len() <= 1 {
        return None;
    }
    let host = before.rsplit_once('@').map_or(before, |(_, host)| host);
    Some((host, path))
}

fn normalise(text: &str) -> String {
    let lower = text.to_lowercase();
    let trimmed = lower.trim_end_matches('/');
    trimmed.strip_suffix(".git").unwrap_or(trimmed).to_string()
}

#[cfg(test)]
mod tests {
    use super::repo_url_key;

    #[test]
    fn spellings_of_one_repository_share_a_key() {
        let key = repo_url_key("https://github.com/acme/gitops");
        for spelling in [
            "https://github.com/acme/gitops.git",
            "https://github.com/Acme/GitOps/",
            "git@github.com:acme/gitops.git",
            "ssh://git@github.com/acme/gitops.git",
            "https://token@github.com/acme/gitops",
        ] {
            assert_eq!(repo_url_key(spelling), key, "{spelling}");
        }
        assert_ne!(repo_url_key("https://github.com/acme/other"), key);
        assert_eq!(repo_url_key("/srv/git/gitops/"), "/srv/git/gitops");
    }
}
