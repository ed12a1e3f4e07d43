//! Text from Git or a cluster (names, messages, commit subjects, reasons,
//! repository URLs) made safe to show: control characters escaped, so a
//! name holding a newline cannot forge a line of output and one holding ESC
//! cannot drive the terminal; and credentials in a URL redacted, so a token
//! in a `repoURL` is never printed or logged. Front ends call these where
//! such text reaches a terminal, a log or a screen.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with control characters (C0, DEL, C1, line and paragraph
/// separators, bidirectional overrides) written as escapes: `\n`, `\r`,
/// `\t`, else `\u{1b}`. Text without any is returned as is.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with the credentials of every URL in it (`scheme://user:password@`)
/// replaced by `***`: `https://***@host/...`, or `user:***@` when the user
/// is not the secret, as for `ssh://git:pw@`. Works on a bare URL and on a
/// message quoting URLs. URLs without credentials, including scp-style
/// `git@host:org/repo`, stay as they are.
pub fn redact_url_credentials(text: &str) -> Cow<'_, str> {
    if !text.contains("://") || !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut changed = false;
    while let Some(found) = rest.find("://") {
        let scheme_start = rest[..found]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-')))
            .map_or(0, |index| index + 1);
        let scheme = &rest[scheme_start..found];
        let authority_start = found + 3;
        let after = &rest[authority_start..];
        let authority_len = after.find(ends_authority).unwrap_or(after.len());
        out.push_str(&rest[..authority_start]);
        rest = after;
        let Some(at) = after[..authority_len].rfind('@') else {
            continue;
        };
        let userinfo = &after[..at];
        match userinfo.split_once(':') {
            Some((user, _password)) if !is_http(scheme) => {
                out.push_str(user);
                out.push_str(":***");
            }
            Some(_) => out.push_str("***"),
            None if is_http(scheme) => out.push_str("***"),
            // `ssh://git@host`: a user name, not a secret.
            None => out.push_str(userinfo),
        }
        changed |= !out.ends_with(userinfo);
        rest = &after[at..];
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Where the `user:password@host:port` part of a URL ends in running text.
fn ends_authority(c: char) -> bool {
    matches!(
        c,
        '/' | '?' | '#' | '"' | '\'' | '`' | '<' | '>' | '(' | ')'
    ) || c.is_whitespace()
}

fn is_http(scheme: &str) -> bool {
    scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")
}

/// Both at once, for a URL about to be shown.
pub fn safe_url(url: &str) -> String {
    escape_controls(&redact_url_credentials(url)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(escape_controls("web-prod"), Cow::Borrowed(_)));
        assert_eq!(escape_controls("é ok"), "é ok");
        assert_eq!(
            escape_controls("web\n2026 alice sync\u{1b}[31m\u{7f}\u{9b}\u{202e}"),
            "web\\n2026 alice sync\\u{1b}[31m\\u{7f}\\u{9b}\\u{202e}"
        );
        assert_eq!(escape_controls("a\r\tb"), "a\\r\\tb");
    }

    #[test]
    fn credentials_in_urls_are_redacted() {
        let cases = [
            (
                "https://alice:ghp_secret@github.com/org/repo.git",
                "https://***@github.com/org/repo.git",
            ),
            (
                "https://ghp_token@github.com/org",
                "https://***@github.com/org",
            ),
            ("HTTP://u:p@h:8080/x?y=1", "HTTP://***@h:8080/x?y=1"),
            ("ssh://git:pw@host/repo", "ssh://git:***@host/repo"),
            ("ssh://git@host/repo", "ssh://git@host/repo"),
            ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
            ("https://github.com/org/a@b", "https://github.com/org/a@b"),
            ("file:///tmp/repo", "file:///tmp/repo"),
            ("https://p:q@r@host/x", "https://***@host/x"),
            (
                "repository https://u:t@a.io/x: cannot clone (tried http://v@b.io/y and git@c:d)",
                "repository https://***@a.io/x: cannot clone (tried http://***@b.io/y and git@c:d)",
            ),
            (
                "mail alice@example.com about https://h/x",
                "mail alice@example.com about https://h/x",
            ),
        ];
        for (url, want) in cases {
            assert_eq!(redact_url_credentials(url), want, "{url}");
        }
        assert_eq!(safe_url("https://a:b@h/\n"), "https://***@h/\\n");
    }
}
