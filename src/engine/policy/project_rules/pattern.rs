//! The patterns AppProject fields are written in: globs (`*`, `?`, `[..]`,
//! `{a,b}`, `**`), optionally negated with a leading `!` where Argo CD
//! allows a deny rule, and repository URLs compared in a normal form.

use globset::GlobBuilder;

/// A pattern that does not compile is reported, not silently skipped: a deny
/// rule with a typo must not quietly allow what it was meant to forbid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidPattern {
    pub pattern: String,
    pub message: String,
}

/// Whether `pattern` is a deny rule (`!...`).
pub fn is_deny(pattern: &str) -> bool {
    pattern.starts_with('!')
}

/// Matches `value` against a plain glob. With `slash_separates`, `*` and `?`
/// stop at `/` and only `**` crosses it (repository URLs); otherwise `*`
/// matches anything (names, namespaces, kinds). `*` alone matches
/// everything, the empty string included.
pub fn glob_matches(
    pattern: &str,
    value: &str,
    slash_separates: bool,
) -> Result<bool, InvalidPattern> {
    if pattern == "*" {
        return Ok(true);
    }
    let glob = GlobBuilder::new(pattern)
        .literal_separator(slash_separates)
        .backslash_escape(true)
        .build()
        .map_err(|error| InvalidPattern {
            pattern: pattern.to_string(),
            message: error.kind().to_string(),
        })?;
    Ok(glob.compile_matcher().is_match(value))
}

/// Argo CD's reading of a pattern that may be negated: `!p` "matches" every
/// value that `p` does not match. Callers decide what a non-matching deny
/// pattern means (it forbids).
pub fn matches_allowing_negation(
    pattern: &str,
    value: &str,
    slash_separates: bool,
) -> Result<bool, InvalidPattern> {
    match pattern.strip_prefix('!') {
        Some(denied) => glob_matches(denied, value, slash_separates).map(|matched| !matched),
        None => glob_matches(pattern, value, slash_separates),
    }
}

/// A repository URL in the form Argo CD compares them: lower case, no
/// trailing `/` or `.git`, and scp-like `git@host:org/repo` as
/// `ssh://git@host/org/repo`. Applied to patterns too, so
/// `https://github.com/org/*.git` and `https://GitHub.com/org/app` meet.
pub fn normalize_repo_url(url: &str) -> String {
    let mut url = url.trim().to_lowercase();
    if !url.contains("://")
        && let Some((host, path)) = url.split_once(':')
        && host.contains('@')
        && !path.starts_with('/')
    {
        url = format!("ssh://{host}/{path}");
    }
    let url = url.trim_end_matches('/');
    url.strip_suffix(".git").unwrap_or(url).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn star_stops_at_slashes_only_for_urls() {
        assert!(
            glob_matches(
                "https://github.com/org/*",
                "https://github.com/org/app",
                true
            )
            .unwrap()
        );
        assert!(!glob_matches("https://github.com/*", "https://github.com/org/app", true).unwrap());
        assert!(glob_matches("https://github.com/**", "https://github.com/org/app", true).unwrap());
        assert!(glob_matches("team-*", "team-a/b", false).unwrap());
        assert!(glob_matches("*", "", false).unwrap());
        assert!(!glob_matches("", "web", false).unwrap());
        assert!(glob_matches("{web,api}", "api", false).unwrap());
    }

    #[test]
    fn negation_inverts_and_bad_patterns_are_errors() {
        assert!(!matches_allowing_negation("!kube-*", "kube-system", false).unwrap());
        assert!(matches_allowing_negation("!kube-*", "web", false).unwrap());
        let error = glob_matches("team-[a", "team-a", false).unwrap_err();
        assert_eq!(error.pattern, "team-[a");
    }

    #[test]
    fn repo_urls_are_compared_in_normal_form() {
        assert_eq!(
            normalize_repo_url("https://GitHub.com/Org/App.git/"),
            "https://github.com/org/app"
        );
        assert_eq!(
            normalize_repo_url("git@github.com:org/app.git"),
            "ssh://git@github.com/org/app"
        );
        assert_eq!(normalize_repo_url("/srv/git/apps"), "/srv/git/apps");
    }
}
