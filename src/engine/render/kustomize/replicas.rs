//! `replicas`: replica counts for named workloads.

use serde_json::Value;

use super::KustomizeError;
use super::field_spec::FieldSpec;
use super::kustomization::Replica;
use super::resource::Resource;
use crate::engine::source::RepoPath;

const REPLICA_SPECS: &[FieldSpec] = &[
    FieldSpec::kind("Deployment", "spec", true),
    FieldSpec::kind("ReplicationController", "spec", true),
    FieldSpec::kind("ReplicaSet", "spec", true),
    FieldSpec::group_kind("apps", "StatefulSet", "spec", true),
];

/// Sets `spec.replicas` on every scalable workload that has (or had) one of
/// the given names.
pub fn set_replicas(
    file: &RepoPath,
    resources: &mut [Resource],
    replicas: &[Replica],
) -> Result<(), KustomizeError> {
    for (index, replica) in replicas.iter().enumerate() {
        let count = replica.count.as_int().ok_or_else(|| {
            KustomizeError::invalid(
                file,
                format!("replicas[{index}].count"),
                format!("'{}' is not an integer", replica.count),
            )
        })?;
        for resource in resources.iter_mut() {
            if !resource.had_name(&replica.name) {
                continue;
            }
            for spec in REPLICA_SPECS {
                spec.visit(resource, &mut |value| {
                    if let Value::Object(map) = value {
                        map.insert("replicas".into(), Value::from(count));
                    }
                });
            }
        }
    }
    Ok(())
}
