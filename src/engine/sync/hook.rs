//! Hooks and waves as users write them: `argocd.argoproj.io/hook`,
//! `.../hook-delete-policy`, `.../sync-wave`, and Helm's `helm.sh/hook`,
//! `helm.sh/hook-delete-policy`, `helm.sh/hook-weight` for charts written
//! for Helm.

use serde::Serialize;
use serde_json::Value;

use super::SyncPhase;
use crate::engine::manifest::annotation;

pub const HOOK_ANNOTATION: &str = "argocd.argoproj.io/hook";
pub const HOOK_DELETE_POLICY_ANNOTATION: &str = "argocd.argoproj.io/hook-delete-policy";
pub const SYNC_WAVE_ANNOTATION: &str = "argocd.argoproj.io/sync-wave";
pub const HELM_HOOK_ANNOTATION: &str = "helm.sh/hook";
pub const HELM_HOOK_DELETE_POLICY_ANNOTATION: &str = "helm.sh/hook-delete-policy";
pub const HELM_HOOK_WEIGHT_ANNOTATION: &str = "helm.sh/hook-weight";

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

fn csv(text: &str) -> impl Iterator<Item = &str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// Reads the hook annotation. Argo's own annotation wins; Helm's is read
/// only when Argo's names no known hook (`pre-install`/`pre-upgrade` run as
/// PreSync, `post-install`/`post-upgrade` as PostSync; other Helm hooks such
/// as `crd-install` or `test` are not hooks here). `Skip` counts only when it
/// is the only type named, as in Argo CD.
pub fn hook_mark(object: &Value) -> HookMark {
    let argo: Vec<&str> = annotation(object, HOOK_ANNOTATION)
        .map(|text| csv(text).collect())
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
                csv(text)
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
        .flat_map(csv)
        .filter_map(|name| match name {
            "BeforeHookCreation" => Some(HookDeletePolicy::BeforeHookCreation),
            "HookSucceeded" => Some(HookDeletePolicy::HookSucceeded),
            "HookFailed" => Some(HookDeletePolicy::HookFailed),
            _ => None,
        })
        .chain(
            annotation(object, HELM_HOOK_DELETE_POLICY_ANNOTATION)
                .into_iter()
                .flat_map(csv)
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

/// The sync wave: `argocd.argoproj.io/sync-wave`, else Helm's hook weight,
/// else 0. A value that is not an integer counts as absent, as in Argo CD.
pub fn sync_wave(object: &Value) -> i32 {
    let parse = |key| annotation(object, key).and_then(|text| text.trim().parse::<i32>().ok());
    parse(SYNC_WAVE_ANNOTATION)
        .or_else(|| parse(HELM_HOOK_WEIGHT_ANNOTATION))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn annotated(pairs: &[(&str, &str)]) -> Value {
        let annotations: serde_json::Map<String, Value> = pairs
            .iter()
            .map(|(key, value)| (key.to_string(), json!(value)))
            .collect();
        json!({"metadata": {"annotations": annotations}})
    }

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
    fn waves_come_from_argo_then_helm_weight() {
        assert_eq!(sync_wave(&annotated(&[(SYNC_WAVE_ANNOTATION, "-2")])), -2);
        assert_eq!(
            sync_wave(&annotated(&[(HELM_HOOK_WEIGHT_ANNOTATION, "5")])),
            5
        );
        assert_eq!(
            sync_wave(&annotated(&[
                (SYNC_WAVE_ANNOTATION, "1"),
                (HELM_HOOK_WEIGHT_ANNOTATION, "5")
            ])),
            1
        );
        assert_eq!(sync_wave(&annotated(&[(SYNC_WAVE_ANNOTATION, "soon")])), 0);
        assert_eq!(sync_wave(&json!({})), 0);
    }
}
