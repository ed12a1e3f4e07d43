//! One-line rendering of an error and its causes.
//!
//! Engine errors keep lower-level causes (git2, io, kube) as `#[source]`
//! rather than pasting them into their own message, so reporters that walk
//! the chain print each cause once. Places that need a single line — a
//! warning, a problem list, an event shown in the UI — use this so the cause
//! ("authentication required", "connection refused") is never lost.
//!
//! Messages quote Git and cluster text (URLs, names, server answers), so
//! the line is made safe to show: credentials in URLs redacted, control
//! characters escaped (see [`crate::engine::safe_text`]).

use std::error::Error;

/// `outer: cause: root cause`.
pub fn error_chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        // Transparent wrappers repeat their inner message; print it once.
        if !text.ends_with(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    crate::engine::safe_text::escape_controls(&crate::engine::safe_text::redact_url_credentials(
        &text,
    ))
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("repository x: cannot fetch")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn includes_every_cause_once() {
        let error = Outer(std::io::Error::other("connection refused"));
        assert_eq!(
            error_chain(&error),
            "repository x: cannot fetch: connection refused"
        );
    }

    #[test]
    fn is_one_safe_line() {
        let error = Outer(std::io::Error::other(
            "https://bot:ghp_token@host/x.git: bad\nline \u{1b}[31m",
        ));
        assert_eq!(
            error_chain(&error),
            "repository x: cannot fetch: https://***@host/x.git: bad\\nline \\u{1b}[31m"
        );
    }
}
