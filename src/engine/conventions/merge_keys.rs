//! The one table of how lists of the built-in Kubernetes kinds merge, as the
//! API declares it in the OpenAPI extensions `x-kubernetes-patch-strategy`,
//! `x-kubernetes-patch-merge-key`, `x-kubernetes-list-type` and
//! `x-kubernetes-list-map-keys`. Diff, kustomize's strategic merge and the
//! simulated API server all read it, so a list cannot be keyed in one and
//! atomic in another.
//!
//! Two keys per keyed list, because the API has two: strategic merge patch
//! matches items on the single *patch merge key* (container `ports` on
//! `containerPort`), while server-side apply and comparison identify them
//! by all *list map keys* (`containerPort` and `protocol`, which defaults
//! to `TCP`). Lists are known by their field name only; where one name
//! means different lists (`ports` of containers and of Services) the items
//! tell them apart. Lists not in the table are atomic: replaced whole.

use std::borrow::Cow;

use serde_json::Value;

/// A list map key field and the value the API server defaults it to (so an
/// item that leaves it out still matches the defaulted live item).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyField {
    pub name: Cow<'static, str>,
    pub default: Option<&'static str>,
}

impl KeyField {
    pub const fn plain(name: &'static str) -> Self {
        KeyField {
            name: Cow::Borrowed(name),
            default: None,
        }
    }

    pub const fn with_default(name: &'static str, default: &'static str) -> Self {
        KeyField {
            name: Cow::Borrowed(name),
            default: Some(default),
        }
    }

    /// A key field learnt at run time (a custom resource's `managedFields`).
    pub fn named(name: impl Into<String>) -> Self {
        KeyField {
            name: Cow::Owned(name.into()),
            default: None,
        }
    }
}

/// How a keyed list's items are identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeKey {
    /// `x-kubernetes-patch-merge-key`: what strategic merge patches (kubectl,
    /// kustomize) match items on. Always a single field.
    pub patch_merge_key: &'static str,
    /// `x-kubernetes-list-map-keys`: what server-side apply and comparison
    /// identify items by. Starts with the patch merge key.
    pub list_map_keys: &'static [KeyField],
}

/// How a list merges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListStrategy {
    /// A list of maps merged item by item on a key.
    Map(MergeKey),
    /// A list of scalars merged as a set (`finalizers`): order is not
    /// meaning, and items others add are kept.
    Set,
    /// Replaced as a whole.
    Atomic,
}

/// One row of the table: the list held by `field`, told apart from a
/// namesake by a field its items carry (`discriminator`).
#[derive(Debug, Clone, Copy)]
pub struct ListRule {
    pub field: &'static str,
    pub discriminator: Option<&'static str>,
    pub strategy: ListStrategy,
}

const NAME: &[KeyField] = &[KeyField::plain("name")];
const MOUNT_PATH: &[KeyField] = &[KeyField::plain("mountPath")];
const DEVICE_PATH: &[KeyField] = &[KeyField::plain("devicePath")];
const IP: &[KeyField] = &[KeyField::plain("ip")];
const TYPE: &[KeyField] = &[KeyField::plain("type")];
const UID: &[KeyField] = &[KeyField::plain("uid")];
const TOPOLOGY: &[KeyField] = &[
    KeyField::plain("topologyKey"),
    KeyField::plain("whenUnsatisfiable"),
];
const CONTAINER_PORT: &[KeyField] = &[
    KeyField::plain("containerPort"),
    KeyField::with_default("protocol", "TCP"),
];
const SERVICE_PORT: &[KeyField] = &[
    KeyField::plain("port"),
    KeyField::with_default("protocol", "TCP"),
];

const fn by(field: &'static str, list_map_keys: &'static [KeyField]) -> ListStrategy {
    ListStrategy::Map(MergeKey {
        patch_merge_key: field,
        list_map_keys,
    })
}

const fn rule(field: &'static str, strategy: ListStrategy) -> ListRule {
    ListRule {
        field,
        discriminator: None,
        strategy,
    }
}

/// The table. Sources: the Kubernetes API's Go struct tags
/// (`patchMergeKey`, `patchStrategy`, `+listType`, `+listMapKey`), as
/// published in its OpenAPI document.
pub const BUILTIN_LISTS: &[ListRule] = &[
    // PodSpec and Container.
    rule("containers", by("name", NAME)),
    rule("initContainers", by("name", NAME)),
    rule("ephemeralContainers", by("name", NAME)),
    rule("env", by("name", NAME)),
    rule("volumes", by("name", NAME)),
    rule("imagePullSecrets", by("name", NAME)),
    rule("resourceClaims", by("name", NAME)),
    rule("schedulingGates", by("name", NAME)),
    rule("volumeMounts", by("mountPath", MOUNT_PATH)),
    rule("volumeDevices", by("devicePath", DEVICE_PATH)),
    rule("hostAliases", by("ip", IP)),
    // Patch merge key `topologyKey`, list map keys `topologyKey` and
    // `whenUnsatisfiable`: two constraints on one topology key (one
    // `DoNotSchedule`, one `ScheduleAnyway`) are two items.
    rule("topologySpreadConstraints", by("topologyKey", TOPOLOGY)),
    ListRule {
        field: "ports",
        discriminator: Some("containerPort"),
        strategy: by("containerPort", CONTAINER_PORT),
    },
    ListRule {
        field: "ports",
        discriminator: Some("port"),
        strategy: by("port", SERVICE_PORT),
    },
    // Status conditions of the built-in kinds (Pod, Node, Deployment...).
    rule("conditions", by("type", TYPE)),
    // ObjectMeta.
    rule("ownerReferences", by("uid", UID)),
    rule("finalizers", ListStrategy::Set),
    // ServiceAccount.
    rule("secrets", by("name", NAME)),
    // Mutating- and ValidatingWebhookConfiguration.
    rule("webhooks", by("name", NAME)),
];

/// How the list under `field` (the last path segment) of a built-in kind
/// merges, given its items. `readinessGates`, `tolerations`, `args` and
/// every list not in [`BUILTIN_LISTS`] are atomic.
pub fn list_strategy(field: &str, items: &[Value]) -> ListStrategy {
    BUILTIN_LISTS
        .iter()
        .filter(|rule| rule.field == field)
        .find(|rule| match rule.discriminator {
            None => true,
            Some(marker) => items.iter().any(|item| item.get(marker).is_some()),
        })
        .map_or(ListStrategy::Atomic, |rule| rule.strategy)
}

/// How the list under `field` of a custom resource merges without its
/// schema: only `metadata.finalizers`, which every kind shares, is known.
pub fn custom_list_strategy(field: &str) -> ListStrategy {
    if field == "finalizers" {
        ListStrategy::Set
    } else {
        ListStrategy::Atomic
    }
}

/// The item's key values as text (`80`, `TCP`), or `None` when a key field
/// is missing without a default. Strings are borrowed, not copied.
pub fn item_key<'v>(item: &'v Value, key: &[KeyField]) -> Option<Vec<Cow<'v, str>>> {
    key.iter()
        .map(|field| match item.get(field.name.as_ref()) {
            Some(Value::String(text)) => Some(Cow::Borrowed(text.as_str())),
            Some(Value::Number(number)) => Some(Cow::Owned(number.to_string())),
            Some(Value::Bool(flag)) => Some(Cow::Borrowed(if *flag { "true" } else { "false" })),
            Some(Value::Null) | None => field.default.map(Cow::Borrowed),
            Some(_) => None,
        })
        .collect()
}

/// `name=app` or `containerPort=80,protocol=TCP`, for paths.
pub fn describe_key(key: &[KeyField], values: &[Cow<'_, str>]) -> String {
    let mut text = String::new();
    for (index, (field, value)) in key.iter().zip(values).enumerate() {
        if index > 0 {
            text.push(',');
        }
        text.push_str(&field.name);
        text.push('=');
        text.push_str(value);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key_of(field: &str, items: &[Value]) -> MergeKey {
        match list_strategy(field, items) {
            ListStrategy::Map(key) => key,
            other => panic!("{field} should be keyed, is {other:?}"),
        }
    }

    fn map_key_names(key: &MergeKey) -> Vec<&str> {
        key.list_map_keys
            .iter()
            .map(|field| field.name.as_ref())
            .collect()
    }

    /// Every list the three former tables (diff, kustomize, simulator)
    /// agreed on keeps its key.
    #[test]
    fn lists_all_former_tables_agreed_on() {
        let any = [json!({})];
        for (field, merge_key) in [
            ("containers", "name"),
            ("initContainers", "name"),
            ("ephemeralContainers", "name"),
            ("env", "name"),
            ("volumes", "name"),
            ("imagePullSecrets", "name"),
            ("resourceClaims", "name"),
            ("schedulingGates", "name"),
            ("volumeMounts", "mountPath"),
            ("volumeDevices", "devicePath"),
            ("hostAliases", "ip"),
            ("conditions", "type"),
            ("ownerReferences", "uid"),
        ] {
            let key = key_of(field, &any);
            assert_eq!(key.patch_merge_key, merge_key, "{field}");
            assert_eq!(map_key_names(&key), [merge_key], "{field}");
        }
        assert_eq!(list_strategy("args", &[json!("x")]), ListStrategy::Atomic);
        assert_eq!(list_strategy("tolerations", &any), ListStrategy::Atomic);
    }

    /// The diff keyed `readinessGates` by `conditionType`; the API declares
    /// the list atomic (`+listType=atomic`, no patch strategy).
    #[test]
    fn readiness_gates_are_atomic() {
        assert_eq!(
            list_strategy("readinessGates", &[json!({"conditionType": "x"})]),
            ListStrategy::Atomic
        );
    }

    /// Only kustomize keyed a ServiceAccount's `secrets` and a webhook
    /// configuration's `webhooks`; the API merges both on `name`.
    #[test]
    fn service_account_secrets_and_webhooks_are_keyed_by_name() {
        for field in ["secrets", "webhooks"] {
            let key = key_of(field, &[json!({"name": "a"})]);
            assert_eq!(key.patch_merge_key, "name", "{field}");
            assert_eq!(map_key_names(&key), ["name"], "{field}");
        }
    }

    /// The diff compared `finalizers` position by position; the API
    /// declares them a set (`patchStrategy: merge`, `+listType=set`), for
    /// custom resources too since all kinds share ObjectMeta.
    #[test]
    fn finalizers_are_a_set_for_every_kind() {
        assert_eq!(
            list_strategy("finalizers", &[json!("a")]),
            ListStrategy::Set
        );
        assert_eq!(custom_list_strategy("finalizers"), ListStrategy::Set);
        assert_eq!(custom_list_strategy("containers"), ListStrategy::Atomic);
    }

    /// Kustomize keyed `topologySpreadConstraints` by `topologyKey` alone,
    /// the simulator not at all: strategic merge matches on `topologyKey`,
    /// server-side apply and comparison on it and `whenUnsatisfiable`.
    #[test]
    fn topology_spread_constraints_have_two_list_map_keys() {
        let key = key_of(
            "topologySpreadConstraints",
            &[json!({"topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"})],
        );
        assert_eq!(key.patch_merge_key, "topologyKey");
        assert_eq!(map_key_names(&key), ["topologyKey", "whenUnsatisfiable"]);
        let hard = json!({"topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"});
        let soft = json!({"topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway"});
        assert_ne!(
            item_key(&hard, key.list_map_keys),
            item_key(&soft, key.list_map_keys)
        );
    }

    /// Kustomize and the simulator matched ports on one field, and disagreed
    /// on lists whose items carry neither port field; the API keys
    /// container ports by `containerPort` and `protocol`, Service ports by
    /// `port` and `protocol`, `protocol` defaulting to TCP.
    #[test]
    fn ports_are_keyed_by_port_and_protocol() {
        let container = key_of("ports", &[json!({"containerPort": 80})]);
        assert_eq!(container.patch_merge_key, "containerPort");
        assert_eq!(map_key_names(&container), ["containerPort", "protocol"]);
        let service = key_of("ports", &[json!({"port": 443, "targetPort": 8443})]);
        assert_eq!(service.patch_merge_key, "port");
        assert_eq!(map_key_names(&service), ["port", "protocol"]);
        // One item naming the container port is enough to tell the list.
        let mixed = key_of(
            "ports",
            &[json!({"name": "x"}), json!({"containerPort": 53})],
        );
        assert_eq!(mixed.patch_merge_key, "containerPort");
        assert_eq!(
            list_strategy("ports", &[json!({"name": "http"})]),
            ListStrategy::Atomic
        );
        assert_eq!(list_strategy("ports", &[]), ListStrategy::Atomic);
    }

    #[test]
    fn defaulted_key_fields_match_their_default() {
        let key = key_of("ports", &[json!({"containerPort": 80})]).list_map_keys;
        assert_eq!(
            item_key(&json!({"containerPort": 80}), key),
            item_key(
                &json!({"containerPort": 80, "protocol": "TCP", "name": "http"}),
                key
            )
        );
        assert_ne!(
            item_key(&json!({"containerPort": 53, "protocol": "UDP"}), key),
            item_key(&json!({"containerPort": 53}), key)
        );
        let item = json!({"containerPort": 80});
        let values = item_key(&item, key).unwrap();
        assert_eq!(describe_key(key, &values), "containerPort=80,protocol=TCP");
        assert_eq!(item_key(&json!({"value": "x"}), NAME), None);
    }

    #[test]
    fn every_patch_merge_key_is_the_first_list_map_key() {
        for rule in BUILTIN_LISTS {
            if let ListStrategy::Map(key) = rule.strategy {
                assert_eq!(
                    key.list_map_keys.first().map(|field| field.name.as_ref()),
                    Some(key.patch_merge_key),
                    "{}",
                    rule.field
                );
            }
        }
    }
}
