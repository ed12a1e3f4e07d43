//! Argo CD hook marks on live objects, as far as health needs them.
//!
//! Hooks (`argocd.argoproj.io/hook`, or Helm's `helm.sh/hook`) are run by a
//! sync, not kept running, so they never count towards an application's
//! health; and a deleted object that still carries Argo's hook finalizer is
//! a hook waiting for its sync phase to finish, which keeps its own health.

use serde_json::Value;

use super::fields::{annotation, list_at};
use crate::engine::sync::{HookMark, hook_mark};

pub use crate::engine::sync::{HELM_HOOK_ANNOTATION, HOOK_ANNOTATION};
pub const HOOK_FINALIZER: &str = "argocd.argoproj.io/hook-finalizer";

/// `argocd.argoproj.io/hook: Skip` (and nothing else): the object is
/// neither applied nor assessed.
pub fn is_skipped(object: &Value) -> bool {
    hook_mark(object) == HookMark::Skip
}

/// Whether the object is a sync hook: it has Argo's hook annotation (other
/// than `Skip`), or Helm's hook annotation other than `crd-install` (which
/// Helm uses to mark CRDs, not hooks).
pub fn is_hook(object: &Value) -> bool {
    if annotation(object, HOOK_ANNOTATION).is_some() {
        return !is_skipped(object);
    }
    annotation(object, HELM_HOOK_ANNOTATION).is_some_and(|value| value != "crd-install")
}

pub fn has_hook_finalizer(object: &Value) -> bool {
    list_at(object, &["metadata", "finalizers"])
        .iter()
        .any(|finalizer| finalizer.as_str() == Some(HOOK_FINALIZER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn annotated(key: &str, value: &str) -> Value {
        json!({"metadata": {"annotations": {key: value}}})
    }

    #[test]
    fn recognises_argo_and_helm_hooks() {
        assert!(is_hook(&annotated(HOOK_ANNOTATION, "PreSync")));
        assert!(is_hook(&annotated(HOOK_ANNOTATION, "PreSync, PostSync")));
        assert!(!is_hook(&annotated(HOOK_ANNOTATION, "Skip")));
        assert!(is_skipped(&annotated(HOOK_ANNOTATION, "Skip")));
        assert!(is_hook(&annotated(HELM_HOOK_ANNOTATION, "pre-install")));
        assert!(!is_hook(&annotated(HELM_HOOK_ANNOTATION, "crd-install")));
        assert!(!is_hook(&json!({"metadata": {}})));
    }

    #[test]
    fn finds_the_hook_finalizer() {
        let object = json!({"metadata": {"finalizers": ["a", HOOK_FINALIZER]}});
        assert!(has_hook_finalizer(&object));
        assert!(!has_hook_finalizer(
            &json!({"metadata": {"finalizers": ["a"]}})
        ));
    }
}
