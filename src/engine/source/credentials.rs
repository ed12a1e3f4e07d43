//! Credentials for fetching: never prompt, try each non-interactive source
//! once.
//!
//! Order: the ssh agent for SSH URLs, the git credential helper configured for
//! HTTPS URLs, then libgit2's default (Kerberos/NTLM where supported). libgit2
//! calls the callback again after a rejected credential, so each source is
//! tried at most once; after that the fetch fails with the server's error
//! rather than looping.

use git2::{Cred, CredentialType, RemoteCallbacks};

/// Remote callbacks with the credential strategy above, reading credential
/// helpers from `config` (the repository's configuration).
pub(crate) fn remote_callbacks<'a>(config: git2::Config) -> RemoteCallbacks<'a> {
    let mut tried_username = false;
    let mut tried_agent = false;
    let mut tried_helper = false;
    let mut tried_default = false;
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |url, username_from_url, allowed| {
        if allowed.contains(CredentialType::USERNAME) && !tried_username {
            tried_username = true;
            // SSH asks for the user name first when the URL has none.
            return Cred::username(username_from_url.unwrap_or("git"));
        }
        if allowed.contains(CredentialType::SSH_KEY) && !tried_agent {
            tried_agent = true;
            return Cred::ssh_key_from_agent(username_from_url.unwrap_or("git"));
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) && !tried_helper {
            tried_helper = true;
            if let Ok(cred) = Cred::credential_helper(&config, url, username_from_url) {
                return Ok(cred);
            }
        }
        if allowed.contains(CredentialType::DEFAULT) && !tried_default {
            tried_default = true;
            return Cred::default();
        }
        Err(git2::Error::new(
            git2::ErrorCode::Auth,
            git2::ErrorClass::Net,
            format!("no usable credentials for {url} (ssh agent, credential helper and default were tried; fleetdeck never prompts)"),
        ))
    });
    callbacks
}
