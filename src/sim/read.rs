//! The read verbs: get one object, and list a collection (one namespace or all) with
//! label and field selectors and limit / continue pagination. A continue token pins the
//! resourceVersion of the first page, so a watch started from the list resumes there
//! (replaying, never missing, what changed while paging).

use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use serde_json::{Value, json};

use super::meta;
use super::selectors::{FieldSelector, LabelSelector};
use super::server::{ApiRequest, ClusterState, json_bytes_response, json_response};
use super::status_error::ApiError;
use super::table::table;
use super::write::{Served, Target, present};

/// A list response, serialised from the stored objects without copying them.
#[derive(Serialize)]
struct ListBody<'a> {
    kind: &'a str,
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    metadata: Value,
    items: Vec<Served<'a>>,
}

pub(crate) fn get(
    cluster: &ClusterState,
    target: &Target<'_>,
    request: &ApiRequest,
    as_table: bool,
) -> Result<Value, ApiError> {
    let kind = target.kind;
    let object = cluster
        .lock()
        .get(
            &kind.storage_key(),
            target.namespace_or_empty(),
            target.name_or_empty(),
        )
        .ok_or_else(|| ApiError::not_found(kind, target.name_or_empty()))?;
    let object = present(kind, &object);
    if as_table {
        let include = request.params.get("includeObject").unwrap_or("Metadata");
        let rv = meta::resource_version(&object).to_string();
        return Ok(table(
            kind,
            &[object],
            include,
            json!({"resourceVersion": rv}),
        ));
    }
    Ok(object)
}

/// Opaque continue token: hex of "rv/namespace/name" of the last item served.
fn encode_continue(rv: u64, namespace: &str, name: &str) -> String {
    format!("{rv}/{namespace}/{name}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_continue(token: &str) -> Option<(u64, String, String)> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let mut parts = text.splitn(3, '/');
    let rv = parts.next()?.parse().ok()?;
    Some((rv, parts.next()?.to_string(), parts.next()?.to_string()))
}

pub(crate) fn list(
    cluster: &ClusterState,
    target: &Target<'_>,
    request: &ApiRequest,
    as_table: bool,
) -> Result<Response, ApiError> {
    let kind = target.kind;
    let labels = LabelSelector::parse(request.params.get("labelSelector").unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    let fields = FieldSelector::parse(request.params.get("fieldSelector").unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    let limit = match request.params.get("limit") {
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| ApiError::bad_request(format!("invalid limit: {text}")))?,
        None => 0,
    };
    let after = match request.params.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => Some(
            decode_continue(token)
                .ok_or_else(|| ApiError::bad_request("continue key is not valid"))?,
        ),
        None => None,
    };
    let store = cluster.lock();
    let list_rv = after
        .as_ref()
        .map_or(store.resource_version(), |(rv, _, _)| *rv);
    let objects = store.list(&kind.storage_key(), target.namespace);
    drop(store);
    let mut matching = objects.iter().filter(|object| {
        let position = (meta::namespace(object), meta::name(object));
        after
            .as_ref()
            .is_none_or(|(_, ns, name)| position > (ns.as_str(), name.as_str()))
            && labels.matches(object)
            && fields.matches(object)
    });
    let mut items: Vec<&Value> = Vec::new();
    let mut list_meta = json!({"resourceVersion": list_rv.to_string()});
    for object in matching.by_ref() {
        items.push(object);
        if limit > 0 && items.len() == limit {
            break;
        }
    }
    let remaining = matching.count();
    if limit > 0
        && remaining > 0
        && let Some(last) = items.last()
    {
        list_meta["continue"] = json!(encode_continue(
            list_rv,
            meta::namespace(last),
            meta::name(last)
        ));
        list_meta["remainingItemCount"] = json!(remaining);
    }
    if as_table {
        let include = request.params.get("includeObject").unwrap_or("Metadata");
        let items: Vec<Value> = items.iter().map(|o| present(kind, o)).collect();
        return Ok(json_response(
            StatusCode::OK,
            &table(kind, &items, include, list_meta),
        ));
    }
    let api_version = kind.api_version();
    let body = ListBody {
        kind: &kind.list_kind,
        api_version: &api_version,
        metadata: list_meta,
        items: items
            .into_iter()
            .map(|object| Served {
                api_version: &api_version,
                object,
            })
            .collect(),
    };
    let bytes = serde_json::to_vec(&body)
        .map_err(|e| ApiError::new(500, "InternalError", format!("cannot encode the list: {e}")))?;
    Ok(json_bytes_response(StatusCode::OK, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let token = encode_continue(42, "ns", "a/b");
        assert_eq!(
            decode_continue(&token),
            Some((42, "ns".into(), "a/b".into()))
        );
        assert_eq!(decode_continue("zz"), None);
    }
}
