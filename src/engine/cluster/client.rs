//! [`ClusterClient`]: one cluster's kube-rs client, with the request budget,
//! the per-call timeout, discovery, error context and the read-only guard
//! applied to every call.

use std::future::Future;
use std::sync::Arc;

use kube::api::{
    Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams, PropagationPolicy,
};
use kube::core::ApiResource;
use kube::{Client, ResourceExt};
use serde::Serialize;
use serde_json::Value;

use super::budget::RequestBudget;
use super::connect::ClusterSettings;
use super::discovery_cache::{DiscoveryCache, ResourceInfo};
use super::error::ClusterError;
use crate::engine::manifest::ObjectKey;

/// How a server-side apply is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOptions {
    pub field_manager: String,
    /// Take fields over from other managers instead of failing with a
    /// conflict (Argo CD applies with force, and so does fleetdeck).
    pub force: bool,
    /// `dryRun=All`: the server validates and answers, stores nothing.
    pub dry_run: bool,
    /// `Validate=false` asks the server to ignore unknown fields.
    pub validate: bool,
}

impl ApplyOptions {
    pub fn new(field_manager: impl Into<String>) -> Self {
        ApplyOptions {
            field_manager: field_manager.into(),
            force: true,
            dry_run: false,
            validate: true,
        }
    }
}

/// What happens to the dependents of a deleted object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum DeletePropagation {
    /// The object goes once its dependents are gone (Argo's prune default).
    #[default]
    Foreground,
    Background,
    Orphan,
}

impl DeletePropagation {
    /// Argo's `PrunePropagationPolicy` option value.
    pub fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "foreground" => Some(DeletePropagation::Foreground),
            "background" => Some(DeletePropagation::Background),
            "orphan" => Some(DeletePropagation::Orphan),
            _ => None,
        }
    }

    fn policy(self) -> PropagationPolicy {
        match self {
            DeletePropagation::Foreground => PropagationPolicy::Foreground,
            DeletePropagation::Background => PropagationPolicy::Background,
            DeletePropagation::Orphan => PropagationPolicy::Orphan,
        }
    }
}

/// A cluster of the fleet. Cheap to clone; clones share the budget and the
/// discovery cache.
///
/// Read-only is enforced here rather than by callers, because a flag each
/// caller must remember is a flag some caller forgets: with
/// [`ClusterSettings::readonly`] every verb that changes what the cluster
/// stores ([`apply`](Self::apply), [`create`](Self::create),
/// [`replace`](Self::replace), [`delete`](Self::delete),
/// [`scale`](Self::scale)) fails with [`ClusterError::ReadOnly`] before a
/// request is built — whoever asks: automation, an operator command, the
/// CLI, the demo's script. The raw kube-rs client never leaves this module
/// (watchers inside it are its only users), so there is no way around the
/// guard.
///
/// Server-side dry runs (`dryRun=All`) are allowed in read-only mode: the
/// API server validates and answers but stores nothing, and they are what
/// the sync preview shows an operator who may not sync. They reach the
/// server as writes with `dryRun=All`, which is how a real API server (and
/// the simulated fleet's write counter) tells them apart.
///
/// A context whose client could not be built (see
/// [`connect_or_unreachable`](super::connect_or_unreachable)) still makes a
/// `ClusterClient`: every call answers [`ClusterError::Unreachable`] with
/// the reason, so the cluster shows as unreachable like any other.
#[derive(Clone)]
pub struct ClusterClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for ClusterClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterClient")
            .field("name", &self.inner.name)
            .field("context", &self.inner.context)
            .field("server", &self.inner.server)
            .finish_non_exhaustive()
    }
}

struct Inner {
    name: String,
    context: String,
    server: String,
    connection: Connection,
    settings: ClusterSettings,
    budget: RequestBudget,
    discovery: DiscoveryCache,
}

/// The kube-rs client, or why there is none.
enum Connection {
    Ready(Client),
    /// The context could not be turned into a client (a missing
    /// certificate file, an absent cluster entry): the message says why.
    Failed(String),
}

/// Page size for lists: big enough to be quick, small enough that one
/// response never holds a whole large cluster.
const LIST_PAGE: u32 = 500;

impl ClusterClient {
    pub(crate) fn new(
        name: String,
        context: String,
        server: String,
        client: Client,
        settings: ClusterSettings,
    ) -> Self {
        Self::with_connection(name, context, server, Connection::Ready(client), settings)
    }

    /// A client for a context that could not be connected: every call
    /// answers [`ClusterError::Unreachable`] with `reason`.
    pub(crate) fn unconnected(
        name: String,
        context: String,
        server: String,
        reason: String,
        settings: ClusterSettings,
    ) -> Self {
        Self::with_connection(name, context, server, Connection::Failed(reason), settings)
    }

    fn with_connection(
        name: String,
        context: String,
        server: String,
        connection: Connection,
        settings: ClusterSettings,
    ) -> Self {
        ClusterClient {
            inner: Arc::new(Inner {
                name,
                context,
                server,
                connection,
                budget: RequestBudget::new(settings.qps, settings.burst),
                settings,
                discovery: DiscoveryCache::default(),
            }),
        }
    }

    /// The cluster's name in the fleet.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    pub fn context(&self) -> &str {
        &self.inner.context
    }

    /// The API server URL.
    pub fn server(&self) -> &str {
        &self.inner.server
    }

    pub fn settings(&self) -> ClusterSettings {
        self.inner.settings
    }

    /// Whether every write to this cluster is refused (dry runs aside).
    pub fn is_readonly(&self) -> bool {
        self.inner.settings.readonly
    }

    /// The underlying client, for the live cache's watchers (which have no
    /// timeout). Kept inside the cluster module: outside it, a raw client
    /// could write past the read-only guard.
    pub(super) fn kube_client(&self) -> Result<&Client, ClusterError> {
        match &self.inner.connection {
            Connection::Ready(client) => Ok(client),
            Connection::Failed(reason) => Err(ClusterError::Unreachable {
                cluster: self.inner.name.clone(),
                message: reason.clone(),
            }),
        }
    }

    pub fn discovery(&self) -> &DiscoveryCache {
        &self.inner.discovery
    }

    /// Asks the server its version: the cheapest proof it is reachable and
    /// accepts our credentials. Returns the `gitVersion`.
    pub async fn probe(&self) -> Result<String, ClusterError> {
        let client = self.kube_client()?;
        let info = self
            .call(|| "version".to_string(), client.apiserver_version())
            .await
            .map_err(|error| match error {
                ClusterError::Timeout { cluster, .. } => ClusterError::Unreachable {
                    cluster,
                    message: format!(
                        "no answer within {}s",
                        self.inner.settings.request_timeout.as_secs()
                    ),
                },
                other => other,
            })?;
        Ok(info.git_version)
    }

    /// The served resource for a kind, or [`ClusterError::UnknownKind`].
    pub async fn resource_for(
        &self,
        api_version: &str,
        kind: &str,
    ) -> Result<ResourceInfo, ClusterError> {
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        self.inner
            .discovery
            .resolve(self.kube_client()?, &self.inner.name, group, kind)
            .await?
            .ok_or_else(|| ClusterError::UnknownKind {
                cluster: self.inner.name.clone(),
                api_version: api_version.to_string(),
                kind: kind.to_string(),
            })
    }

    /// Every served kind that can be listed.
    pub async fn listable_resources(&self) -> Result<Vec<ResourceInfo>, ClusterError> {
        let all = self
            .inner
            .discovery
            .all(self.kube_client()?, &self.inner.name)
            .await?;
        Ok(all
            .into_iter()
            .filter(|info| info.supports("list"))
            .collect())
    }

    /// The live object, or `None` when it does not exist.
    pub async fn get(
        &self,
        api_version: &str,
        key: &ObjectKey,
    ) -> Result<Option<Value>, ClusterError> {
        let (api, _) = self.api(api_version, &key.kind, &key.namespace).await?;
        let object = self
            .call(|| format!("get {key}"), api.get_opt(&key.name))
            .await?;
        object
            .map(|object| self.to_value(object, "get"))
            .transpose()
    }

    /// Server-side apply of `object` (which must carry apiVersion, kind and
    /// name); returns the object as the server stored (or would store) it.
    pub async fn apply(
        &self,
        object: &Value,
        options: &ApplyOptions,
    ) -> Result<Value, ClusterError> {
        self.allow_write("apply", options.dry_run, || {
            ObjectKey::of(object).to_string()
        })?;
        let (api, key, dynamic) = self.prepare(object, "apply").await?;
        let mut params = PatchParams::apply(&options.field_manager);
        params.force = options.force;
        params.dry_run = options.dry_run;
        if !options.validate {
            params = params.validation_ignore();
        }
        let applied = self
            .call(
                || format!("apply {key}"),
                api.patch(&key.name, &params, &Patch::Apply(&dynamic)),
            )
            .await?;
        self.to_value(applied, "apply")
    }

    /// Creates `object`; an existing one is a 409 (`AlreadyExists`).
    pub async fn create(
        &self,
        object: &Value,
        field_manager: &str,
        dry_run: bool,
    ) -> Result<Value, ClusterError> {
        self.allow_write("create", dry_run, || ObjectKey::of(object).to_string())?;
        let (api, key, dynamic) = self.prepare(object, "create").await?;
        let params = PostParams {
            dry_run,
            field_manager: Some(field_manager.to_string()),
        };
        let created = self
            .call(|| format!("create {key}"), api.create(&params, &dynamic))
            .await?;
        self.to_value(created, "create")
    }

    /// Replaces the object (`PUT`, the `Replace=true` sync option); the
    /// object must carry the live `resourceVersion`.
    pub async fn replace(
        &self,
        object: &Value,
        field_manager: &str,
        dry_run: bool,
    ) -> Result<Value, ClusterError> {
        self.allow_write("replace", dry_run, || ObjectKey::of(object).to_string())?;
        let (api, key, dynamic) = self.prepare(object, "replace").await?;
        let params = PostParams {
            dry_run,
            field_manager: Some(field_manager.to_string()),
        };
        let replaced = self
            .call(
                || format!("replace {key}"),
                api.replace(&key.name, &params, &dynamic),
            )
            .await?;
        self.to_value(replaced, "replace")
    }

    /// Deletes the object; `false` when it was already gone.
    pub async fn delete(
        &self,
        api_version: &str,
        key: &ObjectKey,
        propagation: DeletePropagation,
        dry_run: bool,
    ) -> Result<bool, ClusterError> {
        self.allow_write("delete", dry_run, || key.to_string())?;
        let (api, _) = self.api(api_version, &key.kind, &key.namespace).await?;
        let params = DeleteParams {
            propagation_policy: Some(propagation.policy()),
            dry_run,
            ..DeleteParams::default()
        };
        match self
            .call(|| format!("delete {key}"), api.delete(&key.name, &params))
            .await
        {
            Ok(_) => Ok(true),
            Err(error) if error.is_not_found() => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Sets the replicas of a workload through its `/scale` subresource, as
    /// `kubectl scale` does (a merge patch under `field_manager`); returns
    /// the `Scale` the server answered.
    pub async fn scale(
        &self,
        api_version: &str,
        key: &ObjectKey,
        replicas: i32,
        field_manager: &str,
    ) -> Result<Value, ClusterError> {
        self.allow_write("scale", false, || key.to_string())?;
        let (api, _) = self.api(api_version, &key.kind, &key.namespace).await?;
        let params = PatchParams {
            field_manager: Some(field_manager.to_string()),
            ..PatchParams::default()
        };
        let patch = serde_json::json!({"spec": {"replicas": replicas}});
        let scale = self
            .call(
                || format!("scale {key}"),
                api.patch_scale(&key.name, &params, &Patch::Merge(&patch)),
            )
            .await?;
        serde_json::to_value(scale).map_err(|source| ClusterError::InvalidObject {
            cluster: self.inner.name.clone(),
            operation: format!("scale {key}"),
            source,
        })
    }

    /// Every object of a kind, across namespaces, page by page.
    pub async fn list(&self, resource: &ResourceInfo) -> Result<Vec<Value>, ClusterError> {
        self.list_selected(resource, None).await
    }

    /// The objects of a kind matching a label selector (all, for `None`).
    pub async fn list_selected(
        &self,
        resource: &ResourceInfo,
        label_selector: Option<&str>,
    ) -> Result<Vec<Value>, ClusterError> {
        let api: Api<DynamicObject> =
            Api::all_with(self.kube_client()?.clone(), &resource.resource);
        let mut objects = Vec::new();
        let mut continue_token: Option<String> = None;
        loop {
            let mut params = ListParams::default().limit(LIST_PAGE);
            if let Some(selector) = label_selector {
                params = params.labels(selector);
            }
            if let Some(token) = &continue_token {
                params = params.continue_token(token);
            }
            let page = self
                .call(
                    || format!("list {}", resource.resource.plural),
                    api.list(&params),
                )
                .await?;
            let api_version = &resource.resource.api_version;
            let kind = &resource.resource.kind;
            for mut object in page.items {
                // List items come without their type; the diff needs it.
                object.types = Some(kube::api::TypeMeta {
                    api_version: api_version.clone(),
                    kind: kind.clone(),
                });
                objects.push(self.to_value(object, "list")?);
            }
            match page.metadata.continue_ {
                Some(token) if !token.is_empty() => continue_token = Some(token),
                _ => break,
            }
        }
        Ok(objects)
    }

    /// The read-only guard: refuses `verb` on a read-only cluster unless it
    /// is a server-side dry run. Called before anything is sent (discovery
    /// included), so a refused write costs no request at all.
    fn allow_write(
        &self,
        verb: &'static str,
        dry_run: bool,
        target: impl FnOnce() -> String,
    ) -> Result<(), ClusterError> {
        if self.inner.settings.readonly && !dry_run {
            return Err(ClusterError::ReadOnly {
                cluster: self.inner.name.clone(),
                verb,
                target: target(),
            });
        }
        Ok(())
    }

    /// Runs one request under the budget and the timeout, naming the
    /// operation in any error.
    async fn call<T>(
        &self,
        operation: impl FnOnce() -> String,
        request: impl Future<Output = Result<T, kube::Error>>,
    ) -> Result<T, ClusterError> {
        self.inner.budget.acquire().await;
        let timeout = self.inner.settings.request_timeout;
        match tokio::time::timeout(timeout, request).await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(ClusterError::from_kube(
                &self.inner.name,
                operation(),
                error,
            )),
            Err(_) => Err(ClusterError::Timeout {
                cluster: self.inner.name.clone(),
                operation: operation(),
                timeout,
            }),
        }
    }

    async fn api(
        &self,
        api_version: &str,
        kind: &str,
        namespace: &str,
    ) -> Result<(Api<DynamicObject>, ApiResource), ClusterError> {
        let info = self.resource_for(api_version, kind).await?;
        let resource = info.at_api_version(api_version);
        let client = self.kube_client()?.clone();
        let api = match (info.namespaced, namespace.is_empty()) {
            (false, _) => Api::all_with(client, &resource),
            (true, false) => Api::namespaced_with(client, namespace, &resource),
            // As kubectl: a namespaced object without a namespace goes to
            // the context's default namespace.
            (true, true) => Api::default_namespaced_with(client, &resource),
        };
        Ok((api, resource))
    }

    async fn prepare(
        &self,
        object: &Value,
        operation: &str,
    ) -> Result<(Api<DynamicObject>, ObjectKey, DynamicObject), ClusterError> {
        let key = ObjectKey::of(object);
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let (api, _) = self.api(api_version, &key.kind, &key.namespace).await?;
        let dynamic: DynamicObject = serde_json::from_value(object.clone()).map_err(|source| {
            ClusterError::InvalidObject {
                cluster: self.inner.name.clone(),
                operation: format!("{operation} {key}"),
                source,
            }
        })?;
        Ok((api, key, dynamic))
    }

    fn to_value(&self, object: DynamicObject, operation: &str) -> Result<Value, ClusterError> {
        let name = object.name_any();
        serde_json::to_value(object).map_err(|source| ClusterError::InvalidObject {
            cluster: self.inner.name.clone(),
            operation: format!("{operation} {name}"),
            source,
        })
    }
}

/// Scope answers from the cluster's discovery, for the diff.
impl crate::engine::conventions::scope::ResourceScope for ClusterClient {
    fn is_namespaced(&self, group: &str, kind: &str) -> Option<bool> {
        self.inner.discovery.is_namespaced(group, kind)
    }
}
