//! fleetdeck's own marks on the objects it applies: the tracking
//! annotation `fleetdeck.dev/tracking-id:
//! <app>:<group>/<kind>:<namespace>/<name>`, the app label that indexes
//! it, and the field manager name its server-side applies use.
//!
//! An object is fleetdeck's only if the annotation names the app *and the
//! object itself*: a copy of a tracked object (same annotation, another
//! name) is not ours, so it is never reported Extraneous nor pruned.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use crate::engine::manifest::ObjectKey;

pub const TRACKING_ANNOTATION: &str = "fleetdeck.dev/tracking-id";

/// The field manager of fleetdeck's server-side applies: the live object's
/// `managedFields` entry under this name is what fleetdeck last applied,
/// which is how a field removed from Git is told from another manager's.
pub const FIELD_MANAGER: &str = "fleetdeck";

/// A label naming the app, set next to the tracking annotation. It is only
/// an index: label selectors let the API server return an app's objects
/// without fleetdeck listing the whole cluster. The annotation stays the
/// authority on what is the app's.
pub const APP_LABEL: &str = "fleetdeck.dev/app";

/// The [`APP_LABEL`] value for `app`: the name itself when it is a valid
/// label value (at most 63 characters), else a prefix and a hash of it.
pub fn app_label_value(app: &str) -> String {
    let valid = app.len() <= 63
        && app
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && app.starts_with(|c: char| c.is_ascii_alphanumeric())
        && app.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        return app.to_string();
    }
    let hash = blake3::hash(app.as_bytes()).to_hex();
    let prefix: String = app
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(46)
        .collect();
    let prefix = prefix.trim_matches('-');
    if prefix.is_empty() {
        format!("app-{}", &hash[..16])
    } else {
        format!("{prefix}-{}", &hash[..16])
    }
}

/// A parsed tracking id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TrackingId {
    pub app: String,
    pub key: ObjectKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error(
    "tracking id `{value}` is malformed: {reason} (expected `<app>:<group>/<kind>:<namespace>/<name>`)"
)]
pub struct TrackingIdError {
    pub value: String,
    pub reason: &'static str,
}

impl TrackingId {
    pub fn new(app: impl Into<String>, key: ObjectKey) -> Self {
        TrackingId {
            app: app.into(),
            key,
        }
    }

    /// The object's tracking id: `None` without the annotation, an error
    /// when it is there but malformed.
    pub fn of(object: &Value) -> Option<Result<TrackingId, TrackingIdError>> {
        object["metadata"]["annotations"][TRACKING_ANNOTATION]
            .as_str()
            .map(str::parse)
    }

    /// Whether `object` (whose identity is `key`) is tracked by `app`.
    pub fn names(object: &Value, app: &str, key: &ObjectKey) -> bool {
        matches!(TrackingId::of(object), Some(Ok(id)) if id.app == app && &id.key == key)
    }
}

impl fmt::Display for TrackingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = &self.key;
        write!(
            f,
            "{}:{}/{}:{}/{}",
            self.app, key.group, key.kind, key.namespace, key.name
        )
    }
}

impl FromStr for TrackingId {
    type Err = TrackingIdError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let error = |reason| TrackingIdError {
            value: value.to_string(),
            reason,
        };
        let (app, rest) = value.split_once(':').ok_or(error("no `:` after the app"))?;
        let (group_kind, namespace_name) = rest
            .split_once(':')
            .ok_or(error("no `:` after the group and kind"))?;
        let (group, kind) = group_kind
            .split_once('/')
            .ok_or(error("no `/` between group and kind"))?;
        let (namespace, name) = namespace_name
            .split_once('/')
            .ok_or(error("no `/` between namespace and name"))?;
        if app.is_empty() {
            return Err(error("the app is empty"));
        }
        if kind.is_empty() {
            return Err(error("the kind is empty"));
        }
        if name.is_empty() || name.contains('/') {
            return Err(error("the name is empty or contains `/`"));
        }
        Ok(TrackingId {
            app: app.to_string(),
            key: ObjectKey {
                group: group.to_string(),
                kind: kind.to_string(),
                namespace: namespace.to_string(),
                name: name.to_string(),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn app_label_values_are_valid_label_values() {
        assert_eq!(super::app_label_value("guestbook-dev"), "guestbook-dev");
        let long = "a".repeat(80);
        let value = super::app_label_value(&long);
        assert!(value.len() <= 63, "{value}");
        assert_ne!(
            value,
            super::app_label_value(&"a".repeat(81)),
            "distinct names stay distinct"
        );
        assert!(super::app_label_value("-odd-").starts_with("odd-"));
    }

    use super::*;
    use serde_json::json;

    fn key(group: &str, kind: &str, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }

    #[test]
    fn builds_and_parses_round_trip() {
        for id in [
            TrackingId::new("shop", key("apps", "Deployment", "web", "api")),
            TrackingId::new("shop", key("", "ConfigMap", "web", "cfg")),
            TrackingId::new("infra", key("", "Namespace", "", "web")),
        ] {
            let text = id.to_string();
            assert_eq!(text.parse::<TrackingId>().unwrap(), id, "{text}");
        }
        assert_eq!(
            TrackingId::new("shop", key("apps", "Deployment", "web", "api")).to_string(),
            "shop:apps/Deployment:web/api"
        );
        assert_eq!(
            TrackingId::new("infra", key("", "Namespace", "", "web")).to_string(),
            "infra:/Namespace:/web"
        );
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in [
            "",
            "shop",
            "shop:apps/Deployment",
            "shop:Deployment:web/api",
            "shop:apps/Deployment:api",
            ":apps/Deployment:web/api",
            "shop:apps/:web/api",
            "shop:apps/Deployment:web/",
        ] {
            assert!(bad.parse::<TrackingId>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_only_the_object_itself() {
        let object = json!({"metadata": {"annotations": {
            TRACKING_ANNOTATION: "shop:apps/Deployment:web/api"
        }}});
        let own = key("apps", "Deployment", "web", "api");
        assert!(TrackingId::names(&object, "shop", &own));
        assert!(!TrackingId::names(&object, "other", &own));
        let copy = key("apps", "Deployment", "web", "api-copy");
        assert!(!TrackingId::names(&object, "shop", &copy));
        assert!(!TrackingId::names(&json!({}), "shop", &own));
    }
}
