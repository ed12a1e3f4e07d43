//! Which apps a push touched: those whose repoURL is the pushed repository
//! and whose targetRevision is a ref the push moved.
//!
//! Repository URLs are compared as `host/path`: scheme, user, port, a
//! trailing `.git` or `/` and letter case are ignored (as Argo CD matches
//! them), so `git@github.com:Org/Web.git` and `https://github.com/org/web`
//! are the same repository. A spurious match costs one refresh; a missed
//! one leaves an app stale until the next poll, so matching errs wide.

use std::collections::BTreeSet;

use super::push::Push;
use crate::engine::api::AppSnapshot;

/// A repository compared by host and path.
pub fn normalise_repo_url(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix(".git").unwrap_or(trimmed);
    let (host, path) = if let Some((_, rest)) = trimmed.split_once("://") {
        rest.split_once('/').unwrap_or((rest, ""))
    } else if let Some((host, path)) = trimmed.split_once(':')
        && !host.contains('/')
    {
        // scp-like `git@host:org/repo`.
        (host, path)
    } else {
        // A local path: only the same path matches.
        return trimmed.to_string();
    };
    let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
    let host = host.split_once(':').map_or(host, |(host, _)| host);
    let host = host.strip_prefix("www.").unwrap_or(host);
    format!("{host}/{}", path.trim_matches('/')).to_lowercase()
}

/// Whether a source at `target_revision` follows one of the refs `push`
/// moved. An empty revision or `HEAD` follows the default branch (any
/// branch when the payload does not name it); a commit id follows nothing.
pub fn revision_touched(target_revision: &str, push: &Push) -> bool {
    let target = target_revision.trim();
    let branches = push
        .refs
        .iter()
        .filter_map(|reference| reference.strip_prefix("refs/heads/"));
    if target.is_empty() || target == "HEAD" {
        return match &push.default_branch {
            Some(default) => branches.into_iter().any(|branch| branch == default),
            None => branches.into_iter().next().is_some(),
        };
    }
    let target = short_ref(target);
    push.refs
        .iter()
        .any(|reference| short_ref(reference) == target)
}

fn short_ref(reference: &str) -> &str {
    reference
        .strip_prefix("refs/heads/")
        .or_else(|| reference.strip_prefix("refs/tags/"))
        .unwrap_or(reference)
}

/// Whether `push` moved `url` at `revision`.
pub fn repo_touched(url: &str, revision: &str, push: &Push) -> bool {
    let wanted = normalise_repo_url(url);
    push.repo_urls
        .iter()
        .any(|pushed| normalise_repo_url(pushed) == wanted)
        && revision_touched(revision, push)
}

/// The apps (by name, in snapshot order) whose first source the push
/// touched. Helm chart sources are not Git and are never touched.
pub fn touched_apps(push: &Push, apps: &[std::sync::Arc<AppSnapshot>]) -> Vec<String> {
    let pushed: BTreeSet<String> = push
        .repo_urls
        .iter()
        .map(|url| normalise_repo_url(url))
        .collect();
    apps.iter()
        .filter(|app| {
            app.source.as_ref().is_some_and(|source| {
                source.chart.is_empty()
                    && pushed.contains(&normalise_repo_url(&source.repo_url))
                    && revision_touched(&source.target_revision, push)
            })
        })
        .map(|app| app.name.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spellings_of_one_repository_normalise_alike() {
        let expected = "github.com/org/web";
        for url in [
            "https://github.com/Org/Web.git",
            "https://github.com/org/web",
            "https://github.com/org/web/",
            "HTTPS://GitHub.com/org/web.git",
            "git@github.com:Org/Web.git",
            "ssh://git@github.com:22/org/web.git",
            "git://github.com/org/web.git",
            "https://user@www.github.com/org/web",
        ] {
            assert_eq!(normalise_repo_url(url), expected, "{url}");
        }
        assert_ne!(
            normalise_repo_url("https://github.com/org/web-api"),
            expected
        );
        assert_eq!(normalise_repo_url("/srv/git/fleet.git"), "/srv/git/fleet");
    }

    fn push(refs: &[&str], default_branch: Option<&str>) -> Push {
        Push {
            repo_urls: vec!["https://github.com/org/web".into()],
            refs: refs.iter().map(ToString::to_string).collect(),
            default_branch: default_branch.map(ToString::to_string),
        }
    }

    #[test]
    fn a_revision_is_touched_only_by_a_push_to_its_ref() {
        let main = push(&["refs/heads/main"], Some("main"));
        assert!(revision_touched("", &main));
        assert!(revision_touched("HEAD", &main));
        assert!(revision_touched("main", &main));
        assert!(revision_touched("refs/heads/main", &main));
        assert!(!revision_touched("release", &main));
        assert!(!revision_touched("3f2c9a1d", &main));

        let feature = push(&["refs/heads/feature"], Some("main"));
        assert!(!revision_touched("HEAD", &feature));
        assert!(revision_touched("feature", &feature));

        // The default branch unknown: HEAD may be any branch.
        assert!(revision_touched("HEAD", &push(&["refs/heads/x"], None)));
        let tag = push(&["refs/tags/v1.2"], None);
        assert!(revision_touched("v1.2", &tag));
        assert!(!revision_touched("HEAD", &tag));
    }
}
