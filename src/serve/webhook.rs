//! Git push webhooks: GitHub, GitLab and Bitbucket Server tell the
//! controller a branch moved, and the apps that follow it are refreshed
//! now instead of at the next poll.
//!
//! Every request is authenticated before its body is read as a payload
//! (HMAC signature or shared token, per provider); one that is not is
//! answered 401 and reported through [`WebhookNote::Refused`], and nothing
//! is refreshed. A provider without a configured secret accepts nothing:
//! an open endpoint would let anyone make the controller hammer Git.

mod matching;
mod push;
mod signature;

use std::fmt;
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use tokio::sync::{mpsc, watch};

use crate::engine::api::{Command, FleetSnapshot};
pub use matching::{normalise_repo_url, touched_apps};
pub use push::{Provider, Push};
pub use signature::{SignatureError, sign_sha256};

/// A shared secret; never printed (`Debug` shows it redacted).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// `None` for an empty secret: an empty HMAC key is no protection.
    pub fn new(text: &str) -> Option<Secret> {
        let text = text.trim();
        (!text.is_empty()).then(|| Secret(text.as_bytes().to_vec()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// One secret per provider; a provider without one is refused.
#[derive(Debug, Clone, Default)]
pub struct WebhookSecrets {
    pub github: Option<Secret>,
    pub gitlab: Option<Secret>,
    pub bitbucket_server: Option<Secret>,
}

impl WebhookSecrets {
    pub fn any(&self) -> bool {
        self.github.is_some() || self.gitlab.is_some() || self.bitbucket_server.is_some()
    }
}

/// A repository the engine reads Applications from (a catalog): a push to
/// it may add, change or remove apps, so it refreshes the whole fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedRepo {
    pub url: String,
    /// Empty for the default branch.
    pub revision: String,
}

/// What the receiver did with a request, for the controller's log and
/// audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookNote {
    /// Not authenticated, or not understood: answered 4xx.
    Refused {
        provider: Option<&'static str>,
        reason: String,
    },
    /// An authentic push; `apps` were sent a refresh (`fleet`: the whole
    /// fleet, for a catalog push).
    Refreshed {
        provider: &'static str,
        refs: Vec<String>,
        apps: Vec<String>,
        fleet: bool,
    },
}

pub type NoteSink = Arc<dyn Fn(WebhookNote) + Send + Sync>;

/// The receiver: secrets, what the apps follow, where refreshes go.
pub struct Webhooks {
    secrets: WebhookSecrets,
    catalogs: Vec<WatchedRepo>,
    snapshots: watch::Receiver<Arc<FleetSnapshot>>,
    commands: mpsc::Sender<Command>,
    notes: NoteSink,
}

/// GitHub's limit for a delivery; larger bodies are refused unread.
pub const MAX_PAYLOAD_BYTES: usize = 25 * 1024 * 1024;

impl Webhooks {
    pub fn new(
        secrets: WebhookSecrets,
        catalogs: Vec<WatchedRepo>,
        snapshots: watch::Receiver<Arc<FleetSnapshot>>,
        commands: mpsc::Sender<Command>,
        notes: NoteSink,
    ) -> Webhooks {
        Webhooks {
            secrets,
            catalogs,
            snapshots,
            commands,
            notes,
        }
    }

    /// Answers one delivery. Refresh commands are queued before the answer
    /// is returned, so a 2xx means the engine has them.
    pub async fn receive(&self, headers: &HeaderMap, body: &[u8]) -> (StatusCode, String) {
        let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let Some((provider, event)) = identify(&header) else {
            return self.refuse(
                StatusCode::BAD_REQUEST,
                None,
                "no X-GitHub-Event, X-Gitlab-Event or X-Event-Key header: not a known Git server"
                    .to_string(),
            );
        };
        if let Err(error) = self.authenticate(provider, &header, body) {
            return self.refuse(
                StatusCode::UNAUTHORIZED,
                Some(provider.name()),
                error.to_string(),
            );
        }
        if !is_push(provider, event) {
            return (
                StatusCode::OK,
                format!("ignored {} event `{event}`\n", provider.name()),
            );
        }
        let push = match push::parse(provider, body) {
            Ok(push) => push,
            Err(error) => {
                return self.refuse(
                    StatusCode::BAD_REQUEST,
                    Some(provider.name()),
                    error.to_string(),
                );
            }
        };
        let fleet = self
            .catalogs
            .iter()
            .any(|catalog| matching::repo_touched(&catalog.url, &catalog.revision, &push));
        let apps = touched_apps(&push, &self.snapshots.borrow().apps);
        let commands: Vec<Command> = if fleet {
            vec![Command::Refresh {
                app: None,
                hard: false,
            }]
        } else {
            apps.iter()
                .map(|app| Command::Refresh {
                    app: Some(app.clone()),
                    hard: false,
                })
                .collect()
        };
        for command in commands {
            if self.commands.send(command).await.is_err() {
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the engine has stopped\n".to_string(),
                );
            }
        }
        let answer = if fleet {
            "refreshing the whole fleet (a catalog repository moved)\n".to_string()
        } else {
            format!("refreshing {} app(s)\n", apps.len())
        };
        (self.notes)(WebhookNote::Refreshed {
            provider: provider.name(),
            refs: push.refs,
            apps,
            fleet,
        });
        (StatusCode::OK, answer)
    }

    fn authenticate<'a>(
        &self,
        provider: Provider,
        header: &dyn Fn(&str) -> Option<&'a str>,
        body: &[u8],
    ) -> Result<(), SignatureError> {
        let secrets = &self.secrets;
        match provider {
            Provider::GitHub => {
                let secret = secrets
                    .github
                    .as_ref()
                    .ok_or(SignatureError::NoSecret(provider.name()))?;
                let name = "X-Hub-Signature-256";
                signature::verify_hmac_sha256(name, header(name), &secret.0, body)
            }
            Provider::GitLab => {
                let secret = secrets
                    .gitlab
                    .as_ref()
                    .ok_or(SignatureError::NoSecret(provider.name()))?;
                let name = "X-Gitlab-Token";
                signature::verify_token(name, header(name), &secret.0)
            }
            Provider::BitbucketServer => {
                let secret = secrets
                    .bitbucket_server
                    .as_ref()
                    .ok_or(SignatureError::NoSecret(provider.name()))?;
                let name = "X-Hub-Signature";
                signature::verify_hmac_sha256(name, header(name), &secret.0, body)
            }
        }
    }

    fn refuse(
        &self,
        status: StatusCode,
        provider: Option<&'static str>,
        reason: String,
    ) -> (StatusCode, String) {
        let answer = format!("{reason}\n");
        (self.notes)(WebhookNote::Refused { provider, reason });
        (status, answer)
    }
}

/// The sender and its event name, from the headers each server sets.
fn identify<'a>(header: &dyn Fn(&str) -> Option<&'a str>) -> Option<(Provider, &'a str)> {
    if let Some(event) = header("X-GitHub-Event") {
        Some((Provider::GitHub, event))
    } else if let Some(event) = header("X-Gitlab-Event") {
        Some((Provider::GitLab, event))
    } else {
        header("X-Event-Key").map(|event| (Provider::BitbucketServer, event))
    }
}

fn is_push(provider: Provider, event: &str) -> bool {
    match provider {
        Provider::GitHub => event == "push",
        Provider::GitLab => event == "Push Hook" || event == "Tag Push Hook",
        Provider::BitbucketServer => event == "repo:refs_changed",
    }
}

#[cfg(test)]
mod tests;
