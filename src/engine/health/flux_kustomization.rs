//! Flux Kustomization (`kustomize.toolkit.fluxcd.io`) health, following Argo
//! CD's health script: Healthy when `Ready` is true, Progressing while both
//! `Ready` is unknown and `Reconciling` is true, Degraded otherwise.

use serde_json::Value;

use super::assessment::Health;
use super::flux_conditions::assess_flux;

pub(crate) fn assess(object: &Value) -> Health {
    assess_flux(object, 1, false)
}
