//! Where a repository lives: a local directory read in place, or a remote URL
//! mirrored into the cache. Also the cache directory name for a URL.

use std::path::PathBuf;

/// A parsed repository location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    /// A directory on this machine, opened in place (no clone).
    Local(PathBuf),
    /// A URL (`file://`, `http(s)://`, `ssh://`, `git://`, or scp-like
    /// `user@host:path`), cloned bare into the cache.
    Remote(String),
}

const URL_SCHEMES: [&str; 5] = ["file://", "https://", "http://", "ssh://", "git://"];

impl Location {
    /// Classifies `text` the way `git clone` does: a known scheme, or an
    /// scp-like `host:path` (a `:` with no `/` before it and more than one
    /// character before it, so `C:\x` stays a path), is remote; everything
    /// else is a local path. `None` for an empty location.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let lower = text.to_ascii_lowercase();
        if URL_SCHEMES.iter().any(|scheme| lower.starts_with(scheme)) {
            let url = text.trim_end_matches('/');
            return Some(Self::Remote(url.to_owned()));
        }
        if let Some(colon) = text.find(':') {
            let before = &text[..colon];
            if colon > 1 && !before.contains('/') && !before.contains('\\') {
                return Some(Self::Remote(text.trim_end_matches('/').to_owned()));
            }
        }
        Some(Self::Local(PathBuf::from(text)))
    }
}

/// The cache directory name for a remote URL: a readable part (host and
/// path, sanitised) plus a short hash of the full URL so distinct URLs never
/// share a directory.
pub(crate) fn cache_dir_name(url: &str) -> String {
    let without_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    // Drop credentials or a user name (`user@host`).
    let without_user = match without_scheme.split_once('@') {
        Some((user, rest)) if !user.contains('/') => rest,
        _ => without_scheme,
    };
    let trimmed = without_user.trim_end_matches(".git");
    let mut readable = String::with_capacity(trimmed.len());
    for ch in trimmed.chars() {
        if ch.is_ascii_alphanumeric() || ch == '.' || ch == '_' {
            readable.push(ch.to_ascii_lowercase());
        } else if !readable.ends_with('-') {
            readable.push('-');
        }
    }
    let readable = readable.trim_matches(|c| c == '-' || c == '.');
    // Keep the end of long names: the repository name is the useful part.
    let start = readable.len().saturating_sub(48);
    let readable = readable[start..].trim_start_matches(['-', '.']);
    let hash = blake3::hash(url.as_bytes()).to_hex();
    if readable.is_empty() {
        format!("repo-{}", &hash[..12])
    } else {
        format!("{readable}-{}", &hash[..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_urls_and_paths() {
        for url in [
            "https://github.com/org/repo.git",
            "HTTP://host/x",
            "ssh://git@host/x",
            "git://host/x",
            "file:///tmp/repo",
            "git@github.com:org/repo.git",
            "host.example:repo",
        ] {
            assert!(
                matches!(Location::parse(url), Some(Location::Remote(_))),
                "{url}"
            );
        }
        for path in [
            "/tmp/repo",
            "./repo",
            "repo",
            "../a/b",
            "C:\\repos\\x",
            "dir/with:colon",
        ] {
            assert_eq!(
                Location::parse(path),
                Some(Location::Local(PathBuf::from(path))),
                "{path}"
            );
        }
        assert_eq!(Location::parse("  "), None);
        assert_eq!(
            Location::parse("https://host/x/"),
            Some(Location::Remote("https://host/x".into()))
        );
    }

    #[test]
    fn cache_names_are_readable_safe_and_distinct() {
        let name = cache_dir_name("https://user:secret@github.com/Org/Repo.git");
        assert!(name.starts_with("github.com-org-repo-"), "{name}");
        assert!(!name.contains("secret"), "{name}");
        let other = cache_dir_name("https://github.com/org/repo.git");
        assert_ne!(name, other);
        let scp = cache_dir_name("git@github.com:org/repo.git");
        assert!(scp.starts_with("github.com-org-repo-"), "{scp}");
        for name in [
            name,
            other,
            scp,
            cache_dir_name("file:///"),
            cache_dir_name(&"x/".repeat(100)),
        ] {
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c)),
                "{name}"
            );
            assert!(!name.starts_with('.') && name.len() <= 61, "{name}");
        }
    }
}

/// `url` without a password, for messages and logs (`https://user:secret@h/x`
/// becomes `https://user@h/x`).
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}://{user}@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod redact_tests {
    use super::redact_url;

    #[test]
    fn drops_only_the_password() {
        assert_eq!(redact_url("https://me:tok@host/x:y"), "https://me@host/x:y");
        assert_eq!(redact_url("ssh://git@host/x"), "ssh://git@host/x");
        assert_eq!(redact_url("https://host/a@b"), "https://host/a@b");
        assert_eq!(redact_url("git@host:x"), "git@host:x");
    }
}
