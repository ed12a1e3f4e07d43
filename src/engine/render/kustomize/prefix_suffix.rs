//! `namePrefix` / `nameSuffix`: every object's name, except the kinds whose
//! names are fixed by the API (namespaces, CRDs, API services).

use super::resource::Resource;

/// Kinds kustomize never renames.
const KEEP_NAME: &[&str] = &["Namespace", "CustomResourceDefinition", "APIService"];

pub fn add_prefix_suffix(resources: &mut [Resource], prefix: &str, suffix: &str) {
    if prefix.is_empty() && suffix.is_empty() {
        return;
    }
    for resource in resources {
        if KEEP_NAME.contains(&resource.kind()) {
            continue;
        }
        let name = format!("{prefix}{}{suffix}", resource.name());
        resource.set_name(name);
        resource.lineage.push(format!("{prefix}|{suffix}"));
    }
}
