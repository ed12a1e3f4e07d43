//! Which lists of the built-in kinds are keyed maps (merged item by item on a key) rather
//! than atomic values. Strategic merge patch and server-side apply both need this; the
//! real server reads it from the Go struct tags (`patchMergeKey`, `listMapKeys`). We keep
//! the usual ones: containers, volumes, env, ports, volumeMounts, conditions...

use serde_json::Value;

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

/// The list semantics of `field` (the last path segment) given its items, for built-in
/// kinds. Custom resources get `Atomic` everywhere (no schema extensions read yet).
pub(crate) fn list_kind(field: &str, items: &[Value], custom: bool) -> ListKind {
    if custom {
        return if field == "finalizers" {
            ListKind::Set
        } else {
            ListKind::Atomic
        };
    }
    let key = match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "volumes"
        | "env"
        | "imagePullSecrets" => "name",
        "volumeMounts" | "volumeDevices" => {
            if field == "volumeMounts" {
                "mountPath"
            } else {
                "devicePath"
            }
        }
        "ports" => {
            let has = |k: &str| items.iter().all(|item| item.get(k).is_some());
            if has("containerPort") {
                "containerPort"
            } else if has("port") {
                "port"
            } else {
                return ListKind::Atomic;
            }
        }
        "conditions" => "type",
        "ownerReferences" => "uid",
        "hostAliases" => "ip",
        "finalizers" => return ListKind::Set,
        _ => return ListKind::Atomic,
    };
    if items.iter().all(|item| item.get(key).is_some()) {
        ListKind::Keyed(key)
    } else {
        ListKind::Atomic
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
    }
}
