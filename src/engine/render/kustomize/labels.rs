//! `commonLabels`, `labels` and `commonAnnotations`: metadata added to every
//! object and, as kustomize's built-in field specs say, to selectors and pod
//! templates.

use std::collections::BTreeMap;

use super::field_spec::{FieldSpec, add_pairs};
use super::resource::Resource;

const METADATA_LABELS: FieldSpec = FieldSpec::any("metadata/labels", true);

/// Where `commonLabels` (and `labels` with `includeSelectors`) write, besides
/// `metadata/labels`: kustomize's built-in list.
const SELECTOR_SPECS: &[FieldSpec] = &[
    FieldSpec::kind("Service", "spec/selector", true),
    FieldSpec::kind("ReplicationController", "spec/selector", true),
    FieldSpec::kind(
        "ReplicationController",
        "spec/template/metadata/labels",
        true,
    ),
    FieldSpec::kind("Deployment", "spec/selector/matchLabels", true),
    FieldSpec::kind("Deployment", "spec/template/metadata/labels", true),
    FieldSpec::kind(
        "Deployment",
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
    ),
    FieldSpec::kind(
        "Deployment",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
    ),
    FieldSpec::kind(
        "Deployment",
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
    ),
    FieldSpec::kind(
        "Deployment",
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
    ),
    FieldSpec::kind(
        "Deployment",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
        false,
    ),
    FieldSpec::kind("ReplicaSet", "spec/selector/matchLabels", true),
    FieldSpec::kind("ReplicaSet", "spec/template/metadata/labels", true),
    FieldSpec::kind("DaemonSet", "spec/selector/matchLabels", true),
    FieldSpec::kind("DaemonSet", "spec/template/metadata/labels", true),
    FieldSpec::group_kind("apps", "StatefulSet", "spec/selector/matchLabels", true),
    FieldSpec::group_kind("apps", "StatefulSet", "spec/template/metadata/labels", true),
    FieldSpec::group_kind(
        "apps",
        "StatefulSet",
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
    ),
    FieldSpec::group_kind(
        "apps",
        "StatefulSet",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
    ),
    FieldSpec::group_kind(
        "apps",
        "StatefulSet",
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        false,
    ),
    FieldSpec::group_kind(
        "apps",
        "StatefulSet",
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        false,
    ),
    FieldSpec::group_kind(
        "apps",
        "StatefulSet",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
        false,
    ),
    FieldSpec::group_kind(
        "apps",
        "StatefulSet",
        "spec/volumeClaimTemplates[]/metadata/labels",
        true,
    ),
    FieldSpec::group_kind("batch", "Job", "spec/selector/matchLabels", false),
    FieldSpec::group_kind("batch", "Job", "spec/template/metadata/labels", true),
    FieldSpec::group_kind(
        "batch",
        "CronJob",
        "spec/jobTemplate/spec/selector/matchLabels",
        false,
    ),
    FieldSpec::group_kind("batch", "CronJob", "spec/jobTemplate/metadata/labels", true),
    FieldSpec::group_kind(
        "batch",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
    ),
    FieldSpec::group_kind(
        "policy",
        "PodDisruptionBudget",
        "spec/selector/matchLabels",
        false,
    ),
    FieldSpec::group_kind(
        "networking.k8s.io",
        "NetworkPolicy",
        "spec/podSelector/matchLabels",
        false,
    ),
    FieldSpec::group_kind(
        "networking.k8s.io",
        "NetworkPolicy",
        "spec/ingress/from/podSelector/matchLabels",
        false,
    ),
    FieldSpec::group_kind(
        "networking.k8s.io",
        "NetworkPolicy",
        "spec/egress/to/podSelector/matchLabels",
        false,
    ),
];

/// Pod-template labels: what `labels` with `includeTemplates` adds.
const TEMPLATE_SPECS: &[FieldSpec] = &[
    FieldSpec::kind(
        "ReplicationController",
        "spec/template/metadata/labels",
        true,
    ),
    FieldSpec::kind("Deployment", "spec/template/metadata/labels", true),
    FieldSpec::kind("ReplicaSet", "spec/template/metadata/labels", true),
    FieldSpec::kind("DaemonSet", "spec/template/metadata/labels", true),
    FieldSpec::group_kind("apps", "StatefulSet", "spec/template/metadata/labels", true),
    FieldSpec::group_kind("batch", "Job", "spec/template/metadata/labels", true),
    FieldSpec::group_kind("batch", "CronJob", "spec/jobTemplate/metadata/labels", true),
    FieldSpec::group_kind(
        "batch",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/labels",
        true,
    ),
];

/// Where `commonAnnotations` write.
const ANNOTATION_SPECS: &[FieldSpec] = &[
    FieldSpec::any("metadata/annotations", true),
    FieldSpec::kind(
        "ReplicationController",
        "spec/template/metadata/annotations",
        true,
    ),
    FieldSpec::kind("Deployment", "spec/template/metadata/annotations", true),
    FieldSpec::kind("ReplicaSet", "spec/template/metadata/annotations", true),
    FieldSpec::kind("DaemonSet", "spec/template/metadata/annotations", true),
    FieldSpec::group_kind(
        "apps",
        "StatefulSet",
        "spec/template/metadata/annotations",
        true,
    ),
    FieldSpec::group_kind("batch", "Job", "spec/template/metadata/annotations", true),
    FieldSpec::group_kind(
        "batch",
        "CronJob",
        "spec/jobTemplate/metadata/annotations",
        true,
    ),
    FieldSpec::group_kind(
        "batch",
        "CronJob",
        "spec/jobTemplate/spec/template/metadata/annotations",
        true,
    ),
];

/// Which fields a set of labels goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelScope {
    pub selectors: bool,
    pub templates: bool,
}

/// Adds `labels` to every resource, within `scope`.
pub fn add_labels(
    resources: &mut [Resource],
    labels: &BTreeMap<String, String>,
    scope: LabelScope,
) {
    if labels.is_empty() {
        return;
    }
    let pairs: Vec<(String, String)> = labels
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let mut specs = vec![METADATA_LABELS];
    if scope.selectors {
        specs.extend_from_slice(SELECTOR_SPECS);
    } else if scope.templates {
        specs.extend_from_slice(TEMPLATE_SPECS);
    }
    apply(resources, &specs, &pairs);
}

/// Adds `annotations` to every resource and pod template.
pub fn add_annotations(resources: &mut [Resource], annotations: &BTreeMap<String, String>) {
    if annotations.is_empty() {
        return;
    }
    let pairs: Vec<(String, String)> = annotations
        .iter()
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    apply(resources, ANNOTATION_SPECS, &pairs);
}

fn apply(resources: &mut [Resource], specs: &[FieldSpec], pairs: &[(String, String)]) {
    for resource in resources {
        for spec in specs {
            spec.visit(resource, &mut |value| add_pairs(value, pairs));
        }
    }
}
