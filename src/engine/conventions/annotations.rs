//! The names of the annotations (and the one finalizer) through which users
//! and Argo CD speak to a GitOps engine, and the comma-separated option
//! lists they hold. Spelled once here so diff, sync and health can never
//! read a different key than the one users write.

use serde_json::Value;

use crate::engine::manifest::annotation;

/// `PreSync`, `Sync`, `PostSync`, `SyncFail` or `Skip` (comma separated).
pub const HOOK_ANNOTATION: &str = "argocd.argoproj.io/hook";
/// `BeforeHookCreation`, `HookSucceeded`, `HookFailed` (comma separated).
pub const HOOK_DELETE_POLICY_ANNOTATION: &str = "argocd.argoproj.io/hook-delete-policy";
/// An integer; lower waves are applied (and must be healthy) first.
pub const SYNC_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";
/// `Key=value` switches for one resource (`Prune=false`, `Replace=true`...).
pub const SYNC_OPTIONS_ANNOTATION: &str = "argocd.argoproj.io/sync-options";
/// Comparison switches for one resource (`IgnoreExtraneous`...).
pub const COMPARE_OPTIONS_ANNOTATION: &str = "argocd.argoproj.io/compare-options";
/// `true`: the object's health is left out of the app's (Argo CD's
/// escape hatch for resources whose health check misleads).
pub const IGNORE_HEALTHCHECK_ANNOTATION: &str = "argocd.argoproj.io/ignore-healthcheck";
/// `true` on a Pod that is not a hook: health judges it as if its restart
/// policy were `Always` (a crashed container is restarted, not final).
pub const IGNORE_RESTART_POLICY_ANNOTATION: &str = "argocd.argoproj.io/ignore-restart-policy";
/// Set by Argo CD on running hooks so they outlive a deletion until their
/// phase finishes.
pub const HOOK_FINALIZER: &str = "argocd.argoproj.io/hook-finalizer";

/// Helm's hook annotation, honoured for charts written for Helm.
pub const HELM_HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const HELM_HOOK_DELETE_POLICY_ANNOTATION: &str = "helm.sh/hook-delete-policy";
/// Helm's ordering of hooks, read as a sync wave when no wave is given.
pub const HELM_HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";

/// The items of a comma-separated annotation value, trimmed, empty ones
/// dropped (`"a, ,b"` is `a`, `b`): users write these by hand.
pub fn option_list(text: &str) -> impl Iterator<Item = &str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// Whether the object's `compare-options` name `option` (exactly, as Argo
/// CD matches them).
pub fn has_compare_option(object: &Value, option: &str) -> bool {
    annotation(object, COMPARE_OPTIONS_ANNOTATION)
        .is_some_and(|options| option_list(options).any(|candidate| candidate == option))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn option_lists_trim_and_skip_empty_items() {
        assert_eq!(
            option_list(" PreSync, ,PostSync ,").collect::<Vec<_>>(),
            ["PreSync", "PostSync"]
        );
        assert_eq!(option_list("").count(), 0);
    }

    #[test]
    fn compare_options_match_whole_items() {
        let object =
            |value: &str| json!({"metadata": {"annotations": {COMPARE_OPTIONS_ANNOTATION: value}}});
        assert!(has_compare_option(
            &object("ServerSideDiff=true, IgnoreExtraneous"),
            "IgnoreExtraneous"
        ));
        assert!(!has_compare_option(
            &object("IgnoreExtraneousX"),
            "IgnoreExtraneous"
        ));
        assert!(!has_compare_option(&json!({}), "IgnoreExtraneous"));
    }
}
