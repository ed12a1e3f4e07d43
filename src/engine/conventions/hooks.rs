//! Hooks as users write them: Argo CD's `argocd.argoproj.io/hook` and
//! `.../hook-delete-policy`, and Helm's `helm.sh/hook` and
//! `helm.sh/hook-delete-policy` for charts written for Helm. Sync runs
//! hooks, diff leaves them out and health does not count them; all three
//! read them here so they agree on what a hook is.

use serde::Serialize;
use serde_json::Value;

use super::annotations::{
    HELM_HOOK_ANNOTATION, HELM_HOOK_DELETE_POLICY_ANNOTATION, HOOK_ANNOTATION,
    HOOK_DELETE_POLICY_ANNOTATION, option_list,
};
use super::sync_phase::SyncPhase;
use crate::engine::manifest::annotation;

/// When a finished hook object is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum HookDeletePolicy {
    /// Delete the previous run's object before creating the hook again
    /// (the default when none is given).
    BeforeHookCreation,
    HookSucceeded,
    HookFailed,
}

/// What an object's hook annotation asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookMark {
    /// Not a hook: applied in the Sync phase like any manifest.
    None,
    /// `Skip`: neither applied nor pruned.
    Skip,
    /// A hook run in these phases.
    Phases(Vec<SyncPhase>),
}

/// Reads the hook annotation. Argo's own annotation wins; Helm's is read
/// only when Argo's names no known hook (`pre-install`/`pre-upgrade` run as
/// PreSync, `post-install`/`post-upgrade` as PostSync; other Helm hooks such
/// as `crd-install` or `test` are not hooks here). `Skip` counts only when it
/// is the only type named, as in Argo CD.
pub fn hook_mark(object: &Value) -> HookMark {
    let argo: Vec<&str> = annotation(object, HOOK_ANNOTATION)
        .map(|text| option_list(text).collect())
        .unwrap_or_default();
    if argo == ["Skip"] {
        return HookMark::Skip;
    }
    let mut phases: Vec<SyncPhase> = argo
        .iter()
        .filter_map(|name| SyncPhase::from_hook_name(name))
        .collect();
    if phases.is_empty() {
        phases = annotation(object, HELM_HOOK_ANNOTATION)
            .map(|text| {
                option_list(text)
                    .filter_map(|name| match name {
                        "pre-install" | "pre-upgrade" => Some(SyncPhase::PreSync),
                        "post-install" | "post-upgrade" => Some(SyncPhase::PostSync),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
    phases.sort();
    phases.dedup();
    if phases.is_empty() {
        HookMark::None
    } else {
        HookMark::Phases(phases)
    }
}

/// The delete policies of a hook (Argo's and Helm's together), defaulting to
/// BeforeHookCreation so a named hook can run again on the next sync.
pub fn delete_policies(object: &Value) -> Vec<HookDeletePolicy> {
    let mut policies: Vec<HookDeletePolicy> = annotation(object, HOOK_DELETE_POLICY_ANNOTATION)
        .into_iter()
        .flat_map(option_list)
        .filter_map(|name| match name {
            "BeforeHookCreation" => Some(HookDeletePolicy::BeforeHookCreation),
            "HookSucceeded" => Some(HookDeletePolicy::HookSucceeded),
            "HookFailed" => Some(HookDeletePolicy::HookFailed),
            _ => None,
        })
        .chain(
            annotation(object, HELM_HOOK_DELETE_POLICY_ANNOTATION)
                .into_iter()
                .flat_map(option_list)
                .filter_map(|name| match name {
                    "before-hook-creation" => Some(HookDeletePolicy::BeforeHookCreation),
                    "hook-succeeded" => Some(HookDeletePolicy::HookSucceeded),
                    "hook-failed" => Some(HookDeletePolicy::HookFailed),
                    _ => None,
                }),
        )
        .collect();
    if policies.is_empty() {
        policies.push(HookDeletePolicy::BeforeHookCreation);
    }
    policies.dedup();
    policies
}

/// `argocd.argoproj.io/hook: Skip` (and nothing else): the object is
/// neither applied, pruned, compared nor assessed.
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

/// Whether `object` is a sync hook or marked `Skip`. Most objects carry
/// neither annotation, so that is checked first with one map lookup each
/// (diff runs this for every desired and every unmatched live object).
pub fn is_hook_or_skipped(object: &Value) -> bool {
    let Some(annotations) = object
        .get("metadata")
        .and_then(|metadata| metadata.get("annotations"))
        .and_then(Value::as_object)
    else {
        return false;
    };
    if !annotations.contains_key(HOOK_ANNOTATION) && !annotations.contains_key(HELM_HOOK_ANNOTATION)
    {
        return false;
    }
    is_hook(object) || is_skipped(object)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::engine::conventions::annotated;

    #[test]
    fn argo_hooks_win_over_helm_hooks() {
        assert_eq!(
            hook_mark(&annotated(&[(HOOK_ANNOTATION, "PostSync, PreSync")])),
            HookMark::Phases(vec![SyncPhase::PreSync, SyncPhase::PostSync])
        );
        assert_eq!(
            hook_mark(&annotated(&[
                (HOOK_ANNOTATION, "SyncFail"),
                (HELM_HOOK_ANNOTATION, "pre-install")
            ])),
            HookMark::Phases(vec![SyncPhase::SyncFail])
        );
        assert_eq!(
            hook_mark(&annotated(&[(
                HELM_HOOK_ANNOTATION,
                "pre-upgrade,post-install"
            )])),
            HookMark::Phases(vec![SyncPhase::PreSync, SyncPhase::PostSync])
        );
        assert_eq!(
            hook_mark(&annotated(&[(HELM_HOOK_ANNOTATION, "crd-install")])),
            HookMark::None
        );
        assert_eq!(hook_mark(&json!({"metadata": {}})), HookMark::None);
    }

    #[test]
    fn skip_only_when_alone() {
        assert_eq!(
            hook_mark(&annotated(&[(HOOK_ANNOTATION, "Skip")])),
            HookMark::Skip
        );
        assert_eq!(
            hook_mark(&annotated(&[(HOOK_ANNOTATION, "Skip,PreSync")])),
            HookMark::Phases(vec![SyncPhase::PreSync])
        );
    }

    #[test]
    fn delete_policies_default_to_before_hook_creation() {
        assert_eq!(
            delete_policies(&json!({})),
            [HookDeletePolicy::BeforeHookCreation]
        );
        assert_eq!(
            delete_policies(&annotated(&[
                (HOOK_DELETE_POLICY_ANNOTATION, "HookSucceeded"),
                (HELM_HOOK_DELETE_POLICY_ANNOTATION, "hook-failed")
            ])),
            [
                HookDeletePolicy::HookSucceeded,
                HookDeletePolicy::HookFailed
            ]
        );
    }

    #[test]
    fn recognises_argo_and_helm_hooks() {
        let one = |key: &str, value: &str| annotated(&[(key, value)]);
        assert!(is_hook(&one(HOOK_ANNOTATION, "PreSync")));
        assert!(is_hook(&one(HOOK_ANNOTATION, "PreSync, PostSync")));
        assert!(!is_hook(&one(HOOK_ANNOTATION, "Skip")));
        assert!(is_skipped(&one(HOOK_ANNOTATION, "Skip")));
        assert!(is_hook(&one(HELM_HOOK_ANNOTATION, "pre-install")));
        assert!(!is_hook(&one(HELM_HOOK_ANNOTATION, "crd-install")));
        assert!(!is_hook(&json!({"metadata": {}})));
        assert!(is_hook_or_skipped(&one(HOOK_ANNOTATION, "Skip")));
        assert!(is_hook_or_skipped(&one(
            HELM_HOOK_ANNOTATION,
            "post-upgrade"
        )));
        assert!(!is_hook_or_skipped(&one("team", "web")));
        assert!(!is_hook_or_skipped(&json!({})));
    }
}
