//! Argo CD hook marks on live objects, as far as health needs them.
//!
//! Hooks (`argocd.argoproj.io/hook`, or Helm's `helm.sh/hook`) are run by a
//! sync, not kept running, so they never count towards an application's
//! health; and a deleted object that still carries Argo's hook finalizer is
//! a hook waiting for its sync phase to finish, which keeps its own health.

use serde_json::Value;

use super::fields::list_at;

pub use crate::engine::conventions::annotations::{HOOK_ANNOTATION, HOOK_FINALIZER};
pub use crate::engine::conventions::hooks::{is_hook, is_skipped};

pub fn has_hook_finalizer(object: &Value) -> bool {
    list_at(object, &["metadata", "finalizers"])
        .iter()
        .any(|finalizer| finalizer.as_str() == Some(HOOK_FINALIZER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_hook_finalizer() {
        let object = json!({"metadata": {"finalizers": ["a", HOOK_FINALIZER]}});
        assert!(has_hook_finalizer(&object));
        assert!(!has_hook_finalizer(
            &json!({"metadata": {"finalizers": ["a"]}})
        ));
    }
}
