//! Bearer-token authentication and the two roles of a simulated cluster: an admin token
//! that may do anything and a read-only token (for read-only operators) that gets 403 on
//! every write. No token or an unknown one is 401, as on a real cluster.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use super::status_error::{ApiError, qualified_resource};

/// What a request's token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    Admin,
    ReadOnly,
}

/// User name reported in Forbidden messages.
pub(crate) const READ_ONLY_USER: &str = "fleetdeck-readonly";

/// The tokens one cluster accepts.
#[derive(Debug, Clone)]
pub(crate) struct Tokens {
    pub admin: String,
    pub read_only: String,
}

impl Tokens {
    /// Fresh tokens, unguessable across runs (they only guard loopback, but a stale
    /// kubeconfig must not reach a newer fleet by accident).
    pub fn generate(cluster: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let token = |role: &str| {
            let mut hasher = blake3::Hasher::new();
            hasher.update(cluster.as_bytes());
            hasher.update(role.as_bytes());
            hasher.update(&nanos.to_le_bytes());
            hasher.update(&std::process::id().to_le_bytes());
            let address = &hasher as *const _ as usize;
            hasher.update(&address.to_le_bytes());
            format!("fleetdeck-{role}-{}", &hasher.finalize().to_hex()[..32])
        };
        Tokens {
            admin: token("admin"),
            read_only: token("readonly"),
        }
    }

    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Access, ApiError> {
        let token = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        if token == self.admin {
            Ok(Access::Admin)
        } else if token == self.read_only {
            Ok(Access::ReadOnly)
        } else {
            Err(ApiError::unauthorized())
        }
    }
}

/// The 403 a read-only user gets for a write verb.
pub(crate) fn forbidden_write(
    verb: &str,
    group: &str,
    plural: &str,
    namespace: Option<&str>,
    name: Option<&str>,
) -> ApiError {
    let qr = qualified_resource(group, plural);
    let subject = match name {
        Some(name) => format!("{qr} \"{name}\""),
        None => qr,
    };
    let scope = match namespace {
        Some(ns) => format!(" in the namespace \"{ns}\""),
        None => " at the cluster scope".to_string(),
    };
    ApiError::forbidden(format!(
        "{subject} is forbidden: User \"{READ_ONLY_USER}\" cannot {verb} resource \"{plural}\" in API group \"{group}\"{scope}"
    ))
    .with_details(serde_json::json!({"name": name.unwrap_or_default(), "group": group, "kind": plural}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn tokens_map_to_roles() {
        let tokens = Tokens::generate("dev");
        assert_ne!(tokens.admin, tokens.read_only);
        let mut headers = HeaderMap::new();
        assert_eq!(
            tokens.authenticate(&headers).expect_err("no token").code,
            401
        );
        let bearer = |t: &str| HeaderValue::from_str(&format!("Bearer {t}")).expect("header");
        headers.insert(AUTHORIZATION, bearer(&tokens.read_only));
        assert_eq!(tokens.authenticate(&headers).expect("ro"), Access::ReadOnly);
        headers.insert(AUTHORIZATION, bearer(&tokens.admin));
        assert_eq!(tokens.authenticate(&headers).expect("admin"), Access::Admin);
        headers.insert(AUTHORIZATION, bearer("nope"));
        assert_eq!(tokens.authenticate(&headers).expect_err("bad").code, 401);
    }

    #[test]
    fn forbidden_message_names_the_user_and_verb() {
        let error = forbidden_write("create", "", "configmaps", Some("default"), None);
        assert_eq!(error.code, 403);
        assert!(
            error
                .message
                .contains("cannot create resource \"configmaps\"")
        );
    }
}
