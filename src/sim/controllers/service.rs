//! Service controller: a clusterIP from 10.96.0.0/16 (none for headless and
//! ExternalName Services), node ports for NodePort and LoadBalancer Services, and for
//! a LoadBalancer an ingress address in `status.loadBalancer` after a delay (as a cloud
//! load balancer appears).

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value, json};

use super::super::meta;
use super::super::store::Store;
use super::{API_SERVER, CONTROLLER_MANAGER, Memory, kind, write};

/// Simulated time until a LoadBalancer Service gets its address.
pub(crate) const LOAD_BALANCER_DELAY: Duration = Duration::from_secs(3);

fn ip_from(index: u32, prefix: [u8; 2]) -> String {
    format!(
        "{}.{}.{}.{}",
        prefix[0],
        prefix[1],
        index / 254,
        index % 254 + 1
    )
}

pub(crate) fn reconcile(store: &mut Store, memory: &mut Memory, now: Duration) {
    let Some(kind) = kind("", "services") else {
        return;
    };
    let services = store.list(&kind.storage_key(), None);
    let mut used_ips: BTreeSet<String> = services
        .iter()
        .filter_map(|s| s["spec"]["clusterIP"].as_str().map(str::to_string))
        .collect();
    let mut used_ports: BTreeSet<i64> = services
        .iter()
        .flat_map(|s| s["spec"]["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["nodePort"].as_i64())
        .collect();
    for (index, service) in services.iter().enumerate() {
        if meta::is_terminating(service) {
            continue;
        }
        let uid = meta::uid(service).to_string();
        let seen = *memory.service_seen.entry(uid).or_insert(now);
        let service_type = service["spec"]["type"].as_str().unwrap_or("ClusterIP");
        let mut new = (**service).clone();
        if service_type != "ExternalName" && new["spec"]["clusterIP"].as_str().is_none() {
            let ip = (10..65_000)
                .map(|i| ip_from(i, [10, 96]))
                .find(|ip| !used_ips.contains(ip))
                .unwrap_or_else(|| ip_from(1, [10, 96]));
            used_ips.insert(ip.clone());
            new["spec"]["clusterIP"] = json!(ip);
            new["spec"]["clusterIPs"] = json!([ip]);
            new["spec"]["ipFamilies"] = json!(["IPv4"]);
            new["spec"]["ipFamilyPolicy"] = json!("SingleStack");
        }
        if new["spec"]["type"].is_null() {
            new["spec"]["type"] = json!("ClusterIP");
        }
        if matches!(service_type, "NodePort" | "LoadBalancer")
            && let Some(ports) = new["spec"]["ports"].as_array_mut()
        {
            for port in ports.iter_mut().filter(|p| p["nodePort"].is_null()) {
                let free = (30_000..32_768)
                    .find(|p| !used_ports.contains(p))
                    .unwrap_or(30_000);
                used_ports.insert(free);
                port["nodePort"] = json!(free);
            }
        }
        let updated = if new == **service {
            service.clone()
        } else {
            match write(store, kind, service, new, API_SERVER, false) {
                Some(stored) => std::sync::Arc::new(stored),
                None => continue,
            }
        };
        if service_type == "LoadBalancer"
            && now.saturating_sub(seen) >= LOAD_BALANCER_DELAY
            && updated["status"]["loadBalancer"]["ingress"].is_null()
        {
            let address = u32::try_from(index % 250).unwrap_or(0);
            let mut with_status: Value = (*updated).clone();
            with_status["status"] = json!({"loadBalancer": {"ingress": [
                {"ip": ip_from(address, [172, 18]), "ipMode": "VIP"}]}});
            write(store, kind, &updated, with_status, CONTROLLER_MANAGER, true);
        }
    }
}
