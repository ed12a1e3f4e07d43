//! A one-shot picture of a cluster: every object of every listable kind,
//! indexed by identity, by the app its tracking id names, and by owner.
//!
//! Tracking is an annotation, which no server-side selector can filter on,
//! so finding an app's objects (and those gone from Git) means looking at
//! everything, as Argo CD's cluster cache does. The CLI takes one picture
//! per command; the reconciler keeps a watch-fed cache instead. A sync
//! lists only what carries the app's label ([`LiveObjects::list_for_app`]),
//! so its cost follows the app's size, not the cluster's.

use std::collections::HashMap;
use std::sync::Arc;

use futures::StreamExt;
use serde_json::Value;

use super::client::ClusterClient;
use super::discovery_cache::ResourceInfo;
use super::error::ClusterError;
use super::owned_object::OwnedObject;
use crate::engine::conventions::tracking::{APP_LABEL, TrackingId, app_label_value};
use crate::engine::manifest::ObjectKey;

/// Kinds never managed by an app and too noisy to list.
pub(super) const NOT_LISTED: &[(&str, &str)] = &[
    ("", "Event"),
    ("events.k8s.io", "Event"),
    ("", "ComponentStatus"),
    ("coordination.k8s.io", "Lease"),
];

/// Lists in flight at once per cluster (the budget paces them further).
const CONCURRENT_LISTS: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct LiveObjects {
    objects: Vec<Value>,
    /// The owned objects, summarised (the live cache keeps no more of them).
    owned: Vec<Arc<OwnedObject>>,
    by_key: HashMap<ObjectKey, usize>,
    by_app: HashMap<String, Vec<usize>>,
    /// Owner uid → indexes into `owned`.
    by_owner: HashMap<String, Vec<usize>>,
    /// Kinds this picture could not see (forbidden to the credentials).
    pub unreadable: Vec<String>,
}

impl LiveObjects {
    /// Lists every listable kind of the cluster. A kind the credentials may
    /// not list is noted in [`LiveObjects::unreadable`]; any other failure
    /// fails the whole picture (half a picture would report false drift).
    pub async fn list(cluster: &ClusterClient) -> Result<LiveObjects, ClusterError> {
        LiveObjects::list_matching(cluster, None).await
    }

    /// The objects a sync of `app` needs, without listing the whole cluster:
    /// those carrying the app label (the API server filters), plus whatever
    /// lives at the identities the app wants (`wanted`: apiVersion and key),
    /// which a sync adopts. No owned children: no resource tree.
    pub async fn list_for_app(
        cluster: &ClusterClient,
        app: &str,
        wanted: &[(String, ObjectKey)],
    ) -> Result<LiveObjects, ClusterError> {
        let selector = format!("{APP_LABEL}={}", app_label_value(app));
        let labelled = LiveObjects::list_matching(cluster, Some(&selector)).await?;
        let mut objects = labelled.objects;
        let mut unreadable = labelled.unreadable;
        let missing: Vec<(String, ObjectKey)> = wanted
            .iter()
            .filter(|(_, key)| !labelled.by_key.contains_key(key))
            .cloned()
            .collect();
        let fetched: Vec<Result<Option<Value>, ClusterError>> = futures::stream::iter(missing)
            .map(|(api_version, key)| async move { cluster.get(&api_version, &key).await })
            .buffer_unordered(CONCURRENT_LISTS)
            .collect()
            .await;
        for result in fetched {
            match result {
                Ok(Some(object)) => objects.push(object),
                Ok(None) => {}
                // A kind not served yet (a CR whose CRD the sync applies).
                Err(ClusterError::UnknownKind { .. }) => {}
                Err(error) if error.status_code() == Some(403) => {
                    unreadable.push(error.to_string())
                }
                Err(error) => return Err(error),
            }
        }
        let mut live = LiveObjects::from_objects(objects);
        live.unreadable = unreadable;
        Ok(live)
    }

    async fn list_matching(
        cluster: &ClusterClient,
        label_selector: Option<&str>,
    ) -> Result<LiveObjects, ClusterError> {
        let resources: Vec<ResourceInfo> = cluster
            .listable_resources()
            .await?
            .into_iter()
            .filter(|info| {
                !NOT_LISTED.iter().any(|(group, kind)| {
                    info.resource.group == *group && info.resource.kind == *kind
                })
            })
            .collect();
        let results: Vec<(ResourceInfo, Result<Vec<Value>, ClusterError>)> =
            futures::stream::iter(resources)
                .map(|info| async move {
                    let listed = cluster.list_selected(&info, label_selector).await;
                    (info, listed)
                })
                .buffer_unordered(CONCURRENT_LISTS)
                .collect()
                .await;
        let mut objects = Vec::new();
        let mut unreadable = Vec::new();
        for (info, listed) in results {
            match listed {
                Ok(listed) => objects.extend(listed),
                Err(error) if error.status_code() == Some(403) => {
                    unreadable.push(format!("{}.{}", info.resource.plural, info.resource.group));
                }
                // Gone between discovery and list (a CRD just deleted).
                Err(error) if error.is_not_found() => {}
                Err(error) => return Err(error),
            }
        }
        let mut live = LiveObjects::from_objects(objects);
        unreadable.sort();
        live.unreadable = unreadable;
        Ok(live)
    }

    /// A picture from objects already at hand (listings, tests, benchmarks).
    pub fn from_objects(objects: Vec<Value>) -> LiveObjects {
        let owned = objects
            .iter()
            .filter_map(OwnedObject::of)
            .map(Arc::new)
            .collect();
        LiveObjects::from_parts(objects, owned)
    }

    /// A picture from whole objects and the owned ones' summaries (the live
    /// cache's view of an app: its objects whole, their descendants
    /// summarised). An owned object may be in both.
    pub fn from_parts(objects: Vec<Value>, owned: Vec<Arc<OwnedObject>>) -> LiveObjects {
        let mut live = LiveObjects {
            objects,
            owned,
            ..LiveObjects::default()
        };
        for (index, object) in live.objects.iter().enumerate() {
            let key = ObjectKey::of(object);
            if let Some(Ok(id)) = TrackingId::of(object)
                && id.key == key
            {
                live.by_app.entry(id.app).or_default().push(index);
            }
            live.by_key.insert(key, index);
        }
        for (index, owned) in live.owned.iter().enumerate() {
            for uid in &owned.owners {
                live.by_owner.entry(uid.clone()).or_default().push(index);
            }
        }
        live
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub fn get(&self, key: &ObjectKey) -> Option<&Value> {
        self.by_key.get(key).map(|&index| &self.objects[index])
    }

    /// The objects an app's comparison needs: those its tracking id names,
    /// plus those at the identities it wants (which a sync would adopt).
    pub fn for_app<'a>(
        &'a self,
        app: &str,
        wanted: impl IntoIterator<Item = &'a ObjectKey>,
    ) -> Vec<Value> {
        let mut indexes: Vec<usize> = self.by_app.get(app).cloned().unwrap_or_default();
        indexes.extend(
            wanted
                .into_iter()
                .filter_map(|key| self.by_key.get(key).copied()),
        );
        indexes.sort_unstable();
        indexes.dedup();
        indexes
            .into_iter()
            .map(|index| self.objects[index].clone())
            .collect()
    }

    /// The objects whose ownerReferences name `uid` (a Deployment's
    /// ReplicaSets, a ReplicaSet's Pods), summarised.
    pub fn children(&self, uid: &str) -> impl Iterator<Item = &OwnedObject> {
        self.by_owner
            .get(uid)
            .into_iter()
            .flatten()
            .map(|&index| self.owned[index].as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(kind: &str, name: &str, tracking: Option<&str>, owner: Option<&str>) -> Value {
        let mut object = json!({
            "apiVersion": "v1", "kind": kind,
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}")}
        });
        if let Some(tracking) = tracking {
            object["metadata"]["annotations"] =
                json!({crate::engine::conventions::tracking::TRACKING_ANNOTATION: tracking});
        }
        if let Some(owner) = owner {
            object["metadata"]["ownerReferences"] =
                json!([{"uid": owner, "kind": "X", "name": "x"}]);
        }
        object
    }

    #[test]
    fn an_app_sees_its_tracked_objects_and_those_it_wants() {
        let live = LiveObjects::from_objects(vec![
            object("ConfigMap", "mine", Some("web:/ConfigMap:shop/mine"), None),
            object("ConfigMap", "copy", Some("web:/ConfigMap:shop/mine"), None),
            object("ConfigMap", "adopt", None, None),
            object(
                "ConfigMap",
                "other",
                Some("api:/ConfigMap:shop/other"),
                None,
            ),
        ]);
        let wanted = ObjectKey::of(&object("ConfigMap", "adopt", None, None));
        let names: Vec<String> = live
            .for_app("web", [&wanted])
            .iter()
            .map(|object| {
                object["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        assert_eq!(
            names,
            ["mine", "adopt"],
            "a copy of a tracked object is not the app's"
        );
    }

    #[test]
    fn children_are_found_by_owner_uid() {
        let live = LiveObjects::from_objects(vec![
            object("Pod", "a", None, Some("uid-rs")),
            object("Pod", "b", None, Some("uid-rs")),
            object("Pod", "c", None, Some("uid-other")),
        ]);
        assert_eq!(live.children("uid-rs").count(), 2);
        assert_eq!(live.children("uid-none").count(), 0);
    }
}
