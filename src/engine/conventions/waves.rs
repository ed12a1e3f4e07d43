//! Sync waves: `argocd.argoproj.io/sync-wave`, or Helm's `helm.sh/hook-weight`
//! for charts written for Helm. Objects of lower waves are applied, and
//! must be healthy, before the next wave starts.

use serde_json::Value;

use super::annotations::{HELM_HOOK_WEIGHT_ANNOTATION, SYNC_WAVE_ANNOTATION};
use crate::engine::manifest::annotation;

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

    use crate::engine::conventions::annotated;

    #[test]
    fn waves_come_from_argo_then_helm_weight() {
        assert_eq!(sync_wave(&annotated(&[(SYNC_WAVE_ANNOTATION, "-2")])), -2);
        assert_eq!(sync_wave(&annotated(&[(SYNC_WAVE_ANNOTATION, " 3 ")])), 3);
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
        assert_eq!(
            sync_wave(&annotated(&[
                (SYNC_WAVE_ANNOTATION, "soon"),
                (HELM_HOOK_WEIGHT_ANNOTATION, "4")
            ])),
            4
        );
        assert_eq!(sync_wave(&annotated(&[(SYNC_WAVE_ANNOTATION, "soon")])), 0);
        assert_eq!(sync_wave(&json!({})), 0);
    }
}
