//! API errors as the real API server sends them: a `metav1.Status` JSON body with
//! `reason`, `code`, a human message and `details` (name, group, kind, causes), so kube-rs
//! surfaces them as `kube::Error::Api` with the right code and reason.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::resource_kinds::ResourceKind;

/// One failed API request, rendered as a `Status` object.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

/// `plural.group` as the API server prints it in messages ("configmaps", "deployments.apps").
pub(crate) fn qualified_resource(group: &str, plural: &str) -> String {
    if group.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}.{group}")
    }
}

fn details(kind: &ResourceKind, name: &str) -> Value {
    json!({"name": name, "group": kind.group, "kind": kind.plural})
}

impl ApiError {
    pub fn new(code: u16, reason: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            reason,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn not_found(kind: &ResourceKind, name: &str) -> Self {
        let qr = qualified_resource(&kind.group, &kind.plural);
        ApiError::new(404, "NotFound", format!("{qr} \"{name}\" not found"))
            .with_details(details(kind, name))
    }

    pub fn namespace_not_found(namespace: &str) -> Self {
        ApiError::new(
            404,
            "NotFound",
            format!("namespaces \"{namespace}\" not found"),
        )
        .with_details(json!({"name": namespace, "kind": "namespaces"}))
    }

    /// Unknown path or resource: the plain 404 of the real server.
    pub fn no_route() -> Self {
        ApiError::new(
            404,
            "NotFound",
            "the server could not find the requested resource",
        )
        .with_details(json!({}))
    }

    pub fn already_exists(kind: &ResourceKind, name: &str) -> Self {
        let qr = qualified_resource(&kind.group, &kind.plural);
        ApiError::new(
            409,
            "AlreadyExists",
            format!("{qr} \"{name}\" already exists"),
        )
        .with_details(details(kind, name))
    }

    pub fn conflict(kind: &ResourceKind, name: &str) -> Self {
        let qr = qualified_resource(&kind.group, &kind.plural);
        ApiError::new(
            409,
            "Conflict",
            format!(
                "Operation cannot be fulfilled on {qr} \"{name}\": the object has been modified; \
                 please apply your changes to the latest version and try again"
            ),
        )
        .with_details(details(kind, name))
    }

    pub fn conflict_message(kind: &ResourceKind, name: &str, message: String) -> Self {
        let qr = qualified_resource(&kind.group, &kind.plural);
        ApiError::new(
            409,
            "Conflict",
            format!("Operation cannot be fulfilled on {qr} \"{name}\": {message}"),
        )
        .with_details(details(kind, name))
    }

    /// 422 with one cause per invalid field.
    pub fn invalid(kind: &ResourceKind, name: &str, causes: &[(String, String)]) -> Self {
        let group_suffix = if kind.group.is_empty() {
            String::new()
        } else {
            format!(".{}", kind.group)
        };
        let summary: Vec<String> = causes.iter().map(|(f, m)| format!("{f}: {m}")).collect();
        let causes: Vec<Value> = causes
            .iter()
            .map(|(field, message)| json!({"reason": "FieldValueInvalid", "message": message, "field": field}))
            .collect();
        ApiError::new(
            422,
            "Invalid",
            format!(
                "{}{group_suffix} \"{name}\" is invalid: {}",
                kind.kind,
                summary.join(", ")
            ),
        )
        .with_details(
            json!({"name": name, "group": kind.group, "kind": kind.kind, "causes": causes}),
        )
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(400, "BadRequest", message)
    }

    pub fn unauthorized() -> Self {
        ApiError::new(401, "Unauthorized", "Unauthorized")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::new(403, "Forbidden", message)
    }

    pub fn method_not_allowed(method: &str) -> Self {
        ApiError::new(
            405,
            "MethodNotAllowed",
            format!("the server does not allow this method on the requested resource ({method})"),
        )
    }

    pub fn unsupported_media_type(content_type: &str, accepted: &[&str]) -> Self {
        ApiError::new(
            415,
            "UnsupportedMediaType",
            format!(
                "the body of the request was in an unknown format ({content_type}) - accepted media types include: {}",
                accepted.join(", ")
            ),
        )
    }

    /// The watch resourceVersion is older than the retained history (reason `Expired`,
    /// code 410, exactly what client-go and kube-rs look for to re-list).
    pub fn expired(requested: u64, oldest: u64) -> Self {
        ApiError::new(
            410,
            "Expired",
            format!("too old resource version: {requested} ({oldest})"),
        )
    }

    /// The `Status` object itself (also used as the object of an `ERROR` watch event).
    pub fn to_status(&self) -> Value {
        let mut status = json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        });
        if let (Some(details), Some(map)) = (&self.details, status.as_object_mut()) {
            map.insert("details".into(), details.clone());
        }
        status
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = StatusCode::from_u16(self.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        super::server::json_response(code, &self.to_status())
    }
}
