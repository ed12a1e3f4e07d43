//! The simulated server's view of the engine's list table
//! ([`crate::engine::conventions::merge_keys`]): one key per keyed list,
//! the patch merge key, for strategic merge patches *and* server-side
//! apply. The real server's apply uses all list map keys; the difference
//! shows only for items that share the first key (a port open for TCP and
//! UDP, two spread constraints on one topology key), which the simulator
//! merges into one. A list whose items lack the key is treated as atomic
//! rather than rejected.

use serde_json::Value;

use crate::engine::conventions::merge_keys::{ListStrategy, custom_list_strategy, list_strategy};

/// How a list under a field is merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListKind {
    /// Items are maps identified by this key.
    Keyed(&'static str),
    /// Items are scalars treated as a set (`finalizers`).
    Set,
    /// Replaced as a whole.
    Atomic,
}

/// The list semantics of `field` (the last path segment) given its items.
/// Custom resources get `Atomic` everywhere but `finalizers` (no schema
/// extensions read yet).
pub(crate) fn list_kind(field: &str, items: &[Value], custom: bool) -> ListKind {
    let strategy = if custom {
        custom_list_strategy(field)
    } else {
        list_strategy(field, items)
    };
    match strategy {
        ListStrategy::Map(key) => {
            let key = key.patch_merge_key;
            if items.iter().all(|item| item.get(key).is_some()) {
                ListKind::Keyed(key)
            } else {
                ListKind::Atomic
            }
        }
        ListStrategy::Set => ListKind::Set,
        ListStrategy::Atomic => ListKind::Atomic,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn container_lists_are_keyed_by_name() {
        let items = [json!({"name": "a", "image": "x"})];
        assert_eq!(
            list_kind("containers", &items, false),
            ListKind::Keyed("name")
        );
        assert_eq!(list_kind("containers", &items, true), ListKind::Atomic);
        assert_eq!(
            list_kind("ports", &[json!({"containerPort": 80})], false),
            ListKind::Keyed("containerPort")
        );
        assert_eq!(
            list_kind("ports", &[json!({"port": 80})], false),
            ListKind::Keyed("port")
        );
        assert_eq!(list_kind("args", &[json!("x")], false), ListKind::Atomic);
        assert_eq!(list_kind("finalizers", &[json!("x")], false), ListKind::Set);
        assert_eq!(list_kind("finalizers", &[json!("x")], true), ListKind::Set);
    }

    #[test]
    fn items_without_the_key_make_the_list_atomic() {
        let items = [json!({"name": "a"}), json!({"image": "x"})];
        assert_eq!(list_kind("containers", &items, false), ListKind::Atomic);
    }

    #[test]
    fn lists_the_table_now_keys_are_keyed_here_too() {
        assert_eq!(
            list_kind(
                "topologySpreadConstraints",
                &[json!({"topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule"})],
                false
            ),
            ListKind::Keyed("topologyKey")
        );
        assert_eq!(
            list_kind("webhooks", &[json!({"name": "w"})], false),
            ListKind::Keyed("name")
        );
        assert_eq!(
            list_kind("readinessGates", &[json!({"conditionType": "x"})], false),
            ListKind::Atomic
        );
    }
}
