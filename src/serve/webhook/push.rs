//! What a push payload says, whichever server sent it: the repository's
//! URLs (web, HTTPS clone, SSH clone; any may match an app's repoURL), the
//! refs that moved, and the default branch when the payload names it.
//! Only the fields used are read, so payload additions never break us.

use serde::Deserialize;

/// The Git servers whose push payloads are understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    GitHub,
    GitLab,
    BitbucketServer,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::GitHub => "GitHub",
            Provider::GitLab => "GitLab",
            Provider::BitbucketServer => "Bitbucket Server",
        }
    }
}

/// One push.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Push {
    pub repo_urls: Vec<String>,
    /// Full ref names (`refs/heads/main`, `refs/tags/v1.2`).
    pub refs: Vec<String>,
    /// `None` when the payload does not say (Bitbucket Server).
    pub default_branch: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("not a {provider} push payload: {source}")]
pub struct PayloadError {
    provider: &'static str,
    #[source]
    source: serde_json::Error,
}

pub fn parse(provider: Provider, body: &[u8]) -> Result<Push, PayloadError> {
    let error = |source| PayloadError {
        provider: provider.name(),
        source,
    };
    match provider {
        Provider::GitHub => serde_json::from_slice::<GitHubPush>(body)
            .map(GitHubPush::into_push)
            .map_err(error),
        Provider::GitLab => serde_json::from_slice::<GitLabPush>(body)
            .map(GitLabPush::into_push)
            .map_err(error),
        Provider::BitbucketServer => serde_json::from_slice::<BitbucketPush>(body)
            .map(BitbucketPush::into_push)
            .map_err(error),
    }
}

fn present(urls: impl IntoIterator<Item = Option<String>>) -> Vec<String> {
    urls.into_iter()
        .flatten()
        .filter(|url| !url.is_empty())
        .collect()
}

#[derive(Deserialize)]
struct GitHubPush {
    #[serde(rename = "ref")]
    reference: String,
    repository: GitHubRepository,
}

#[derive(Deserialize)]
struct GitHubRepository {
    html_url: Option<String>,
    clone_url: Option<String>,
    ssh_url: Option<String>,
    git_url: Option<String>,
    default_branch: Option<String>,
}

impl GitHubPush {
    fn into_push(self) -> Push {
        let repository = self.repository;
        Push {
            repo_urls: present([
                repository.html_url,
                repository.clone_url,
                repository.ssh_url,
                repository.git_url,
            ]),
            refs: vec![self.reference],
            default_branch: repository.default_branch,
        }
    }
}

#[derive(Deserialize)]
struct GitLabPush {
    #[serde(rename = "ref")]
    reference: String,
    project: GitLabProject,
}

#[derive(Deserialize)]
struct GitLabProject {
    web_url: Option<String>,
    git_http_url: Option<String>,
    git_ssh_url: Option<String>,
    default_branch: Option<String>,
}

impl GitLabPush {
    fn into_push(self) -> Push {
        let project = self.project;
        Push {
            repo_urls: present([project.web_url, project.git_http_url, project.git_ssh_url]),
            refs: vec![self.reference],
            default_branch: project.default_branch,
        }
    }
}

/// Bitbucket Server's `repo:refs_changed`.
#[derive(Deserialize)]
struct BitbucketPush {
    repository: BitbucketRepository,
    #[serde(default)]
    changes: Vec<BitbucketChange>,
}

#[derive(Deserialize)]
struct BitbucketRepository {
    #[serde(default)]
    links: BitbucketLinks,
}

#[derive(Deserialize, Default)]
struct BitbucketLinks {
    #[serde(default)]
    clone: Vec<BitbucketLink>,
    #[serde(default, rename = "self")]
    web: Vec<BitbucketLink>,
}

#[derive(Deserialize)]
struct BitbucketLink {
    href: String,
}

#[derive(Deserialize)]
struct BitbucketChange {
    #[serde(rename = "ref")]
    reference: BitbucketRef,
}

#[derive(Deserialize)]
struct BitbucketRef {
    id: String,
}

impl BitbucketPush {
    fn into_push(self) -> Push {
        let links = self.repository.links;
        Push {
            repo_urls: links
                .clone
                .into_iter()
                .chain(links.web)
                .map(|link| link.href.trim_end_matches("/browse").to_string())
                .collect(),
            refs: self
                .changes
                .into_iter()
                .map(|change| change.reference.id)
                .collect(),
            default_branch: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_providers_payload_yields_its_urls_refs_and_default_branch() {
        let github = br#"{"ref":"refs/heads/main","after":"abc","repository":{"html_url":"https://github.com/Org/Web","clone_url":"https://github.com/Org/Web.git","ssh_url":"git@github.com:Org/Web.git","git_url":"git://github.com/Org/Web.git","default_branch":"main"},"commits":[]}"#;
        let push = parse(Provider::GitHub, github).expect("github");
        assert_eq!(push.refs, ["refs/heads/main"]);
        assert_eq!(push.repo_urls.len(), 4);
        assert_eq!(push.default_branch.as_deref(), Some("main"));

        let gitlab = br#"{"object_kind":"push","ref":"refs/heads/dev","project":{"web_url":"https://gitlab.example.com/g/web","git_http_url":"https://gitlab.example.com/g/web.git","git_ssh_url":"git@gitlab.example.com:g/web.git","default_branch":"main"}}"#;
        let push = parse(Provider::GitLab, gitlab).expect("gitlab");
        assert_eq!(push.refs, ["refs/heads/dev"]);
        assert_eq!(push.repo_urls[1], "https://gitlab.example.com/g/web.git");

        let bitbucket = br#"{"eventKey":"repo:refs_changed","repository":{"slug":"web","links":{"clone":[{"href":"ssh://git@bb.example.com:7999/plat/web.git","name":"ssh"},{"href":"https://bb.example.com/scm/plat/web.git","name":"http"}],"self":[{"href":"https://bb.example.com/projects/PLAT/repos/web/browse"}]}},"changes":[{"ref":{"id":"refs/heads/main","displayId":"main","type":"BRANCH"},"toHash":"abc"},{"ref":{"id":"refs/tags/v2","displayId":"v2","type":"TAG"}}]}"#;
        let push = parse(Provider::BitbucketServer, bitbucket).expect("bitbucket");
        assert_eq!(push.refs, ["refs/heads/main", "refs/tags/v2"]);
        assert_eq!(push.default_branch, None);
        assert!(
            push.repo_urls
                .contains(&"https://bb.example.com/scm/plat/web.git".to_string())
        );
    }

    #[test]
    fn a_payload_of_another_shape_is_an_error_naming_the_provider() {
        let error = parse(Provider::GitHub, b"{\"zen\":\"hi\"}").expect_err("no ref");
        assert!(
            error.to_string().starts_with("not a GitHub push payload"),
            "{error}"
        );
    }
}
