//! Is this request from the Git server it claims to be from? Each provider
//! proves it differently: GitHub and Bitbucket Server sign the body with
//! HMAC-SHA256 (`sha256=<hex>`), GitLab sends the shared secret itself.
//! Comparisons run in constant time so a caller cannot learn the secret
//! byte by byte from response times.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a request was not accepted as authentic. The texts name no secret
/// and no signature value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no secret is configured for {0} webhooks")]
    NoSecret(&'static str),
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("the {0} header is not `sha256=<hex>`")]
    Malformed(&'static str),
    #[error("the {0} header does not match the body")]
    Mismatch(&'static str),
}

/// Checks `sha256=<hex>` against the HMAC-SHA256 of `body` under `secret`.
pub fn verify_hmac_sha256(
    header_name: &'static str,
    header: Option<&str>,
    secret: &[u8],
    body: &[u8],
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing(header_name))?;
    let hex = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed(header_name))?;
    let expected = decode_hex(hex).ok_or(SignatureError::Malformed(header_name))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret)
        .map_err(|_| SignatureError::Mismatch(header_name))?;
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch(header_name))
}

/// Checks a token sent as is (GitLab's `X-Gitlab-Token`).
pub fn verify_token(
    header_name: &'static str,
    header: Option<&str>,
    secret: &[u8],
) -> Result<(), SignatureError> {
    let token = header.ok_or(SignatureError::Missing(header_name))?;
    if constant_time_eq(token.as_bytes(), secret) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch(header_name))
    }
}

/// `sha256=<hex>` of `body` under `secret`, as a Git server would send it
/// (for tests and for tools that replay payloads).
pub fn sign_sha256(secret: &[u8], body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this arm cannot run.
        Err(_) => return String::new(),
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("sha256={hex}")
}

fn constant_time_eq(left: &[u8], right: &[u8]) -> bool {
    if left.len() != right.len() {
        return false;
    }
    left.iter()
        .zip(right)
        .fold(0u8, |difference, (a, b)| difference | (a ^ b))
        == 0
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_signed_with_the_secret_verifies_and_any_change_does_not() {
        let header = sign_sha256(b"s3cret", b"{\"ref\":\"refs/heads/main\"}");
        let check = |header: &str, secret: &[u8], body: &[u8]| {
            verify_hmac_sha256("X-Hub-Signature-256", Some(header), secret, body)
        };
        assert_eq!(
            check(&header, b"s3cret", b"{\"ref\":\"refs/heads/main\"}"),
            Ok(())
        );
        assert_eq!(
            check(&header, b"s3cret", b"{\"ref\":\"refs/heads/prod\"}"),
            Err(SignatureError::Mismatch("X-Hub-Signature-256"))
        );
        assert_eq!(
            check(&header, b"other", b"{\"ref\":\"refs/heads/main\"}"),
            Err(SignatureError::Mismatch("X-Hub-Signature-256"))
        );
        assert_eq!(
            check("sha1=abcd", b"s3cret", b""),
            Err(SignatureError::Malformed("X-Hub-Signature-256"))
        );
        assert_eq!(
            check("sha256=zz", b"s3cret", b""),
            Err(SignatureError::Malformed("X-Hub-Signature-256"))
        );
        assert_eq!(
            verify_hmac_sha256("X-Hub-Signature-256", None, b"s3cret", b""),
            Err(SignatureError::Missing("X-Hub-Signature-256"))
        );
    }

    #[test]
    fn the_known_github_example_verifies() {
        // GitHub's documented example: secret "It's a Secret to Everybody",
        // payload "Hello, World!".
        assert_eq!(
            sign_sha256(b"It's a Secret to Everybody", b"Hello, World!"),
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
    }

    #[test]
    fn a_token_must_match_exactly() {
        assert_eq!(verify_token("X-Gitlab-Token", Some("abc"), b"abc"), Ok(()));
        assert!(verify_token("X-Gitlab-Token", Some("abd"), b"abc").is_err());
        assert!(verify_token("X-Gitlab-Token", Some("ab"), b"abc").is_err());
        assert_eq!(
            verify_token("X-Gitlab-Token", None, b"abc"),
            Err(SignatureError::Missing("X-Gitlab-Token"))
        );
    }
}
