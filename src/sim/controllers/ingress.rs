//! Ingress controller: after [`ADDRESS_DELAY`] an Ingress gets the simulated ingress
//! controller's address in `status.loadBalancer.ingress` (what `kubectl get ingress`
//! shows as ADDRESS and what Argo's health check waits for).

use std::time::Duration;

use serde_json::json;

use super::super::meta;
use super::super::store::Store;
use super::{CONTROLLER_MANAGER, Memory, kind, write};

/// Simulated time until an Ingress has an address.
pub(crate) const ADDRESS_DELAY: Duration = Duration::from_secs(2);

/// The simulated ingress controller's load-balancer address.
const INGRESS_ADDRESS: &str = "172.18.0.100";

pub(crate) fn reconcile(store: &mut Store, memory: &mut Memory, now: Duration) {
    let Some(kind) = kind("networking.k8s.io", "ingresses") else {
        return;
    };
    for ingress in store.list(&kind.storage_key(), None) {
        if meta::is_terminating(&ingress) || !ingress["status"]["loadBalancer"]["ingress"].is_null()
        {
            continue;
        }
        let seen = *memory
            .first_seen
            .entry(meta::uid(&ingress).to_string())
            .or_insert(now);
        if now.saturating_sub(seen) < ADDRESS_DELAY {
            continue;
        }
        let mut new = (*ingress).clone();
        new["status"] = json!({"loadBalancer": {"ingress": [{"ip": INGRESS_ADDRESS}]}});
        write(store, kind, &ingress, new, CONTROLLER_MANAGER, true);
    }
}
