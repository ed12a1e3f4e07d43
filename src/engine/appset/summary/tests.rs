use serde_json::{Value, json};

use super::*;
use crate::engine::appset::generator_clusters::ClusterInfo;

fn clusters() -> GeneratorClusters {
    GeneratorClusters::new([
        ClusterInfo::new("prod-eu", "https://prod-eu").with_label("env", "prod"),
        ClusterInfo::new("prod-us", "https://prod-us").with_label("env", "prod"),
        ClusterInfo::new("staging", "https://staging").with_label("env", "staging"),
    ])
}

fn entry(value: Value) -> GeneratorSummary {
    let generator: Generator = serde_json::from_value(value).expect("generator");
    GeneratorSummary::of(&generator, &clusters())
}

fn set(spec: Value) -> ApplicationSet {
    ApplicationSet::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
        "metadata": {"name": "shop", "namespace": "argocd"}, "spec": spec,
    }))
    .expect("appset")
}

#[test]
fn list_counts_its_elements() {
    let list = entry(json!({"list": {"elements": [{"a": 1}, {"a": 2}, {"a": 3}]}}));
    assert_eq!(list.kind, GeneratorKindSummary::List { elements: Some(3) });
    assert_eq!(list.kind.to_string(), "list: 3 elements");
    let yaml = entry(json!({"list": {"elementsYaml": "{{ .items }}"}}));
    assert_eq!(yaml.kind.to_string(), "list: elements from elementsYaml");
}

#[test]
fn clusters_show_their_selector_and_the_clusters_it_matches() {
    let prod = entry(
        json!({"clusters": {"selector": {"matchLabels": {"env": "prod"}},
        "values": {"tier": "web"}}}),
    );
    assert_eq!(
        prod.kind.to_string(),
        "clusters: selector env=prod (2 clusters), values tier"
    );
    let expression = entry(json!({"clusters": {"selector": {"matchExpressions": [
        {"key": "env", "operator": "In", "values": ["staging", "dev"]}]}}}));
    assert_eq!(
        expression.kind.to_string(),
        "clusters: selector env in (staging,dev) (1 cluster)"
    );
    let all = entry(json!({"clusters": {}}));
    assert_eq!(all.kind.to_string(), "clusters: every cluster (3 clusters)");
    let templated = entry(json!({"clusters": {"selector": {"matchLabels": {"env": "{{env}}"}}}}));
    assert_eq!(
        templated.kind.to_string(),
        "clusters: selector env={{env}}",
        "a templated selector is not counted"
    );
}

#[test]
fn git_names_paths_repo_and_revision() {
    let directories = entry(json!({"git": {"repoURL": "https://git.example/fleet.git",
        "directories": [{"path": "apps/*"}, {"path": "apps/legacy", "exclude": true}]}}));
    assert_eq!(
        directories.kind.to_string(),
        "git directories: apps/*, !apps/legacy in git.example/fleet.git at HEAD"
    );
    let files = entry(json!({"git": {"repoURL": "https://git.example/fleet.git",
        "revision": "v2", "files": [{"path": "clusters/*.json"}]}}));
    assert_eq!(
        files.kind.to_string(),
        "git files: clusters/*.json in git.example/fleet.git at v2"
    );
}

#[test]
fn matrix_and_merge_nest_their_children() {
    let matrix = entry(json!({"matrix": {"generators": [
        {"clusters": {"selector": {"matchLabels": {"env": "staging"}}}},
        {"list": {"elements": [{"s": "a"}, {"s": "b"}, {"s": "c"}]}},
    ]}}));
    assert_eq!(
        matrix.kind.to_string(),
        "matrix: clusters(env=staging) × list(3)"
    );
    assert_eq!(
        matrix.lines(),
        [
            (0, "matrix".to_string()),
            (1, "clusters: selector env=staging (1 cluster)".to_string()),
            (1, "list: 3 elements".to_string()),
        ]
    );
    let merge = entry(json!({"merge": {"mergeKeys": ["name"], "generators": [
        {"clusters": {}},
        {"list": {"elements": [{"name": "staging"}]}},
    ]}, "selector": {"matchLabels": {"tier": "web"}}}));
    assert_eq!(
        merge.kind.to_string(),
        "merge on [name]: clusters(all) + list(1)"
    );
    assert_eq!(
        merge.lines(),
        [
            (0, "merge on [name], keeping tier=web".to_string()),
            (1, "clusters: every cluster (3 clusters)".to_string()),
            (1, "list: 1 element".to_string()),
        ]
    );
}

#[test]
fn a_set_summary_carries_project_policies_strategy_and_counts() {
    let appset = set(json!({
        "generators": [
            {"list": {"elements": [{"n": "a"}, {"n": "b"}]}},
            {"pullRequest": {"github": {"owner": "o", "repo": "r"}}},
        ],
        "template": {"metadata": {"name": "{{n}}"}, "spec": {"project": "shop"}},
        "syncPolicy": {"applicationsSync": "create-only", "preserveResourcesOnDeletion": true},
        "strategy": {"type": "RollingSync", "rollingSync": {"steps": [
            {"matchExpressions": [{"key": "n", "operator": "In", "values": ["a"]}]},
            {"matchExpressions": [{"key": "n", "operator": "In", "values": ["b"]}]},
        ]}},
    }));
    let mut summary = AppSetSummary::of(&appset, &clusters(), 2, None);
    summary.count_generated(&[2]);
    assert_eq!(summary.name, "shop");
    assert_eq!(summary.namespace.as_deref(), Some("argocd"));
    assert_eq!(summary.project.as_deref(), Some("shop"));
    assert_eq!(summary.apps, 2);
    assert_eq!(summary.strategy, SetStrategy::RollingSync { steps: 2 });
    assert_eq!(
        summary.policy_text(),
        "applicationsSync create-only, preserveResourcesOnDeletion, RollingSync (2 steps)"
    );
    assert_eq!(
        summary.generators[0].lines(),
        [(0, "list: 2 elements → 2 apps".to_string())]
    );
    assert_eq!(summary.generators[1].apps, None);
    assert_eq!(summary.generators_text(), "list(2), pullRequest");
    assert_eq!(
        summary.generators[1].kind.to_string(),
        "pullRequest: not supported by fleetdeck"
    );

    let failed = AppSetSummary::of(&appset, &clusters(), 0, Some("boom".into()));
    assert_eq!(failed.error.as_deref(), Some("boom"));
    assert!(
        failed
            .generators
            .iter()
            .all(|generator| generator.apps.is_none())
    );
    let plain = set(json!({"generators": [], "template": {"spec": {}}}));
    let plain = AppSetSummary::of(&plain, &clusters(), 0, None);
    assert_eq!(plain.policy_text(), "");
    assert_eq!(plain.project, None);
    assert_eq!(plain.strategy, SetStrategy::AllAtOnce);
}
