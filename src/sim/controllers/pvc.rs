//! PersistentVolumeClaim controller: a claim binds after [`BIND_DELAY`] to a volume
//! named `pvc-<uid>` (as dynamic provisioning names it), with the requested capacity
//! and access modes in status. No PersistentVolume object is simulated.

use std::time::Duration;

use serde_json::json;

use super::super::meta;
use super::super::store::Store;
use super::{CONTROLLER_MANAGER, Memory, kind, write};

/// Simulated time until a claim is Bound.
pub(crate) const BIND_DELAY: Duration = Duration::from_secs(2);

pub(crate) fn reconcile(store: &mut Store, memory: &mut Memory, now: Duration) {
    let Some(kind) = kind("", "persistentvolumeclaims") else {
        return;
    };
    for claim in store.list(&kind.storage_key(), None) {
        if meta::is_terminating(&claim) || claim["status"]["phase"] == "Bound" {
            continue;
        }
        let seen = *memory
            .first_seen
            .entry(meta::uid(&claim).to_string())
            .or_insert(now);
        let current = if claim["status"]["phase"].is_null() {
            let mut pending = (*claim).clone();
            pending["status"] = json!({"phase": "Pending"});
            match write(store, kind, &claim, pending, CONTROLLER_MANAGER, true) {
                Some(stored) => stored,
                None => continue,
            }
        } else {
            (*claim).clone()
        };
        if now.saturating_sub(seen) < BIND_DELAY {
            continue;
        }
        let mut bound = current.clone();
        if bound["spec"]["volumeName"].is_null() {
            bound["spec"]["volumeName"] = json!(format!("pvc-{}", meta::uid(&claim)));
            meta::meta_mut(&mut bound)
                .entry("annotations")
                .or_insert_with(|| json!({}))["pv.kubernetes.io/bind-completed"] = json!("yes");
            bound = match write(store, kind, &current, bound, CONTROLLER_MANAGER, false) {
                Some(stored) => stored,
                None => continue,
            };
        }
        let before = bound.clone();
        bound["status"] = json!({
            "phase": "Bound",
            "accessModes": before["spec"]["accessModes"],
            "capacity": {"storage": before["spec"]["resources"]["requests"]["storage"]},
        });
        write(store, kind, &before, bound, CONTROLLER_MANAGER, true);
    }
}
