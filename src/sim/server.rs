//! One simulated cluster's HTTP front: the shared cluster state, the axum service that
//! parses every request (path, query, token, body) and dispatches it to discovery, read,
//! write, delete or watch (or, under `/sim/`, to the admin endpoint), counting the
//! mutating ones (`write_count`), and the JSON response helpers.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER, USER_AGENT};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::watch;

use super::auth::{Access, Tokens, forbidden_write};
use super::faults::FaultState;
use super::resource_kinds::{ResourceKind, builtin, kinds_of_crd};
use super::route::{ResourcePath, Route};
use super::status_error::ApiError;
use super::store::Store;
use super::write_count::WriteCounter;
use super::{admin, delete, discovery, openapi, read, scale, table, watch as watch_verb, write};

/// Storage key of CustomResourceDefinitions.
pub(crate) const CRD_STORAGE: &str = "apiextensions.k8s.io/customresourcedefinitions";

/// Everything one simulated cluster holds; shared by all its request handlers.
pub(crate) struct ClusterState {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub address: SocketAddr,
    pub tokens: Tokens,
    store: Mutex<Store>,
    pub shutdown: watch::Receiver<bool>,
    pub faults: Arc<FaultState>,
    /// Mutating requests received (see `write_count`).
    pub writes: WriteCounter,
}

impl ClusterState {
    pub fn new(
        name: String,
        labels: BTreeMap<String, String>,
        address: SocketAddr,
        watch_history: usize,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let store = Store::new(&name, watch_history);
        let state = ClusterState {
            tokens: Tokens::generate(&name),
            name,
            labels,
            address,
            store: Mutex::new(store),
            shutdown,
            faults: Arc::new(FaultState::new()),
            writes: WriteCounter::default(),
        };
        write::seed_namespaces(&mut state.lock());
        state
    }

    /// The store; never held across an await. A poisoned lock is recovered: every
    /// mutation leaves the store consistent before it can panic.
    pub fn lock(&self) -> MutexGuard<'_, Store> {
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Every kind the cluster serves right now: the built-ins plus those of stored CRDs.
pub(crate) fn served_kinds(store: &Store) -> Vec<ResourceKind> {
    let mut kinds: Vec<ResourceKind> = super::resource_kinds::builtin_kinds().to_vec();
    for crd in store.list(CRD_STORAGE, None) {
        kinds.extend(kinds_of_crd(&crd));
    }
    kinds
}

/// The served kind at (group, version, plural), built-in or custom.
pub(crate) fn resolve_kind(
    store: &Store,
    group: &str,
    version: &str,
    plural: &str,
) -> Option<ResourceKind> {
    if let Some(kind) = builtin(group, version, plural) {
        return Some(kind.clone());
    }
    let crd = store.get(CRD_STORAGE, "", &format!("{plural}.{group}"))?;
    kinds_of_crd(&crd)
        .into_iter()
        .find(|k| k.version == version && k.plural == plural)
}

/// Query parameters in request order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(raw: Option<&str>) -> Self {
        Params(
            raw.map(|q| {
                form_urlencoded_pairs(q)
                    .into_iter()
                    .filter(|(k, _)| !k.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `true`/`1` as the API server's boolean query parameters.
    pub fn flag(&self, name: &str) -> bool {
        matches!(self.get(name), Some("true" | "1" | "True"))
    }

    pub fn dry_run(&self) -> bool {
        self.0.iter().any(|(k, v)| k == "dryRun" && v == "All")
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// One parsed request, handed to the verb handlers.
pub(crate) struct ApiRequest {
    pub method: Method,
    pub params: Params,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub access: Access,
}

impl ApiRequest {
    /// The field manager: `fieldManager`, else the user agent's product name (as the
    /// real server derives it), else "unknown".
    pub fn manager(&self) -> String {
        if let Some(manager) = self.params.get("fieldManager").filter(|m| !m.is_empty()) {
            return manager.to_string();
        }
        self.headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .and_then(|ua| ua.split('/').next())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .unwrap_or("unknown")
            .to_string()
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
    }

    pub fn accept(&self) -> &str {
        self.headers
            .get(ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/json")
    }
}

/// Largest request body accepted: the real server's 3 MiB object limit plus room for
/// the envelope (axum's default of 2 MiB would refuse big CRDs).
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The axum router of one cluster: everything goes through `handle`.
pub(crate) fn router(state: Arc<ClusterState>) -> Router {
    Router::new()
        .fallback(handle)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

async fn handle(
    State(cluster): State<Arc<ClusterState>>,
    method: Method,
    uri: Uri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Admin requests skip the injected faults: a fault must always be clearable.
    if super::admin::is_admin_path(uri.path()) {
        let path = uri.path();
        return admin::handle(&cluster, &method, path, query.as_deref(), &headers, &body)
            .unwrap_or_else(IntoResponse::into_response);
    }
    // Counted before faults and authentication: a write that reached the
    // server counts whether or not it was served.
    cluster
        .writes
        .observe(&method, uri.path(), query.as_deref());
    let latency = cluster.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if let Some(error) = cluster.faults.next_error() {
        let retry_after = error
            .details
            .as_ref()
            .and_then(|d| d["retryAfterSeconds"].as_u64());
        let mut response = error.into_response();
        if let Some(seconds) = retry_after.and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
        {
            response.headers_mut().insert(RETRY_AFTER, seconds);
        }
        return response;
    }
    match dispatch(cluster, method, uri.path(), query.as_deref(), headers, body).await {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

async fn dispatch(
    cluster: Arc<ClusterState>,
    method: Method,
    path: &str,
    query: Option<&str>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let route = super::route::parse(path).ok_or_else(ApiError::no_route)?;
    match route {
        Route::Version => return Ok(json_response(StatusCode::OK, &discovery::version())),
        Route::Health => return Ok((StatusCode::OK, "ok").into_response()),
        _ => {}
    }
    let access = cluster.tokens.authenticate(&headers)?;
    let request = ApiRequest {
        method,
        params: Params::parse(query),
        headers,
        body,
        access,
    };
    let get_only = |request: &ApiRequest| {
        if request.method == Method::GET {
            Ok(())
        } else {
            Err(ApiError::method_not_allowed(request.method.as_str()))
        }
    };
    match route {
        Route::Version | Route::Health => Err(ApiError::no_route()),
        Route::CoreVersions | Route::Groups => {
            get_only(&request)?;
            let core = route == Route::CoreVersions;
            if discovery::wants_aggregated(request.accept()) {
                let document = discovery::aggregated(&served_kinds(&cluster.lock()), core);
                let mut response = ok_json(&document);
                response.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_static(discovery::AGGREGATED_CONTENT_TYPE),
                );
                Ok(response)
            } else if core {
                Ok(ok_json(&discovery::core_versions(cluster.address)))
            } else {
                Ok(ok_json(&discovery::groups(&served_kinds(&cluster.lock()))))
            }
        }
        Route::Group(group) => {
            get_only(&request)?;
            discovery::group(&served_kinds(&cluster.lock()), &group)
                .map(|doc| ok_json(&doc))
                .ok_or_else(ApiError::no_route)
        }
        Route::ResourceList { group, version } => {
            get_only(&request)?;
            discovery::resource_list(&served_kinds(&cluster.lock()), &group, &version)
                .map(|doc| ok_json(&doc))
                .ok_or_else(ApiError::no_route)
        }
        // No OpenAPI v2: kubectl uses v3 to learn about server-side field validation.
        Route::OpenApiV2 => Err(ApiError::no_route()),
        Route::OpenApiV3 => {
            get_only(&request)?;
            Ok(ok_json(&openapi::index(&served_kinds(&cluster.lock()))))
        }
        Route::OpenApiV3Group { group, version } => {
            get_only(&request)?;
            openapi::group_version_document(&served_kinds(&cluster.lock()), &group, &version)
                .map(|doc| ok_json(&doc))
                .ok_or_else(ApiError::no_route)
        }
        Route::Resource(path) => resource(cluster, path, request).await,
    }
}

/// Verb of a resource request, as RBAC names it.
fn verb(request: &ApiRequest, path: &ResourcePath) -> &'static str {
    match request.method {
        Method::GET | Method::HEAD => {
            if path.name.is_some() {
                "get"
            } else if request.params.flag("watch") {
                "watch"
            } else {
                "list"
            }
        }
        Method::POST => "create",
        Method::PUT => "update",
        Method::PATCH => "patch",
        Method::DELETE => {
            if path.name.is_some() {
                "delete"
            } else {
                "deletecollection"
            }
        }
        _ => "unknown",
    }
}

async fn resource(
    cluster: Arc<ClusterState>,
    path: ResourcePath,
    request: ApiRequest,
) -> Result<Response, ApiError> {
    let kind = resolve_kind(&cluster.lock(), &path.group, &path.version, &path.plural)
        .ok_or_else(ApiError::no_route)?;
    if path.namespace.is_some() && !kind.namespaced {
        return Err(ApiError::no_route());
    }
    if let Some(sub) = path.subresource.as_deref() {
        let known = (sub == "status" && kind.status)
            || (sub == "scale" && kind.scale)
            || (sub == "finalize" && kind.is_namespace());
        if !known || path.name.is_none() {
            return Err(ApiError::no_route());
        }
    }
    let verb = verb(&request, &path);
    let write = !matches!(verb, "get" | "list" | "watch");
    if write && request.access == Access::ReadOnly {
        return Err(forbidden_write(
            verb,
            &kind.group,
            &kind.plural,
            path.namespace.as_deref(),
            path.name.as_deref(),
        ));
    }
    let namespace = path.namespace.as_deref();
    let name = path.name.as_deref();
    let subresource = path.subresource.as_deref();
    // Named objects of namespaced kinds live only under /namespaces/{ns}/.
    if kind.namespaced && namespace.is_none() && name.is_some() {
        return Err(ApiError::no_route());
    }
    let target = write::Target {
        kind: &kind,
        namespace,
        name,
        subresource,
    };
    if matches!(verb, "create" | "update") {
        let media = request
            .content_type()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim();
        if !matches!(media, "application/json" | "application/yaml" | "") {
            return Err(ApiError::unsupported_media_type(
                media,
                &["application/json", "application/yaml"],
            ));
        }
    }
    let table = table::wants_table(request.accept());
    match (verb, subresource) {
        ("get", Some("scale")) => scale::get(&cluster, &target).map(|v| ok_json(&v)),
        ("get", _) => read::get(&cluster, &target, &request, table).map(|v| ok_json(&v)),
        ("list", _) => read::list(&cluster, &target, &request, table),
        ("watch", _) => watch_verb::watch(cluster.clone(), &kind, namespace, &request, table),
        ("create", _) => {
            if kind.namespaced && namespace.is_none() {
                return Err(ApiError::method_not_allowed("POST"));
            }
            if name.is_some() {
                return Err(ApiError::method_not_allowed("POST"));
            }
            write::create(&cluster, &target, &request).map(created)
        }
        ("update", Some("scale")) => {
            scale::update(&cluster, &target, &request).map(|v| ok_json(&v))
        }
        ("patch", Some("scale")) => scale::patch(&cluster, &target, &request).map(|v| ok_json(&v)),
        ("update", _) => write::update(&cluster, &target, &request).map(|v| ok_json(&v)),
        ("patch", _) => {
            write::patch(&cluster, &target, &request).map(|(code, v)| json_response(code, &v))
        }
        ("delete", _) => delete::delete(&cluster, &target, &request).map(|v| ok_json(&v)),
        ("deletecollection", _) => {
            delete::delete_collection(&cluster, &target, &request).map(|v| ok_json(&v))
        }
        _ => Err(ApiError::method_not_allowed(request.method.as_str())),
    }
}

fn created(value: Value) -> Response {
    json_response(StatusCode::CREATED, &value)
}

fn ok_json(value: &Value) -> Response {
    json_response(StatusCode::OK, value)
}

/// A JSON body with the plain `application/json` content type.
pub(crate) fn json_response(code: StatusCode, value: &Value) -> Response {
    json_bytes_response(code, serde_json::to_vec(value).unwrap_or_default())
}

/// An already serialised JSON body.
pub(crate) fn json_bytes_response(code: StatusCode, body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = code;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded() {
        let params = Params::parse(Some(
            "labelSelector=app%3Dweb%2Ctier+in+(a%2Cb)&watch=1&dryRun=All",
        ));
        assert_eq!(params.get("labelSelector"), Some("app=web,tier in (a,b)"));
        assert!(params.flag("watch"));
        assert!(params.dry_run());
        assert!(!params.flag("missing"));
    }
}
