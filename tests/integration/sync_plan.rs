//! Sync plans through the public API: Argo CD's ordering of phases, waves,
//! kinds and names, dependency moves, hooks, and prune rules.

use std::collections::BTreeSet;

use fleetdeck::engine::manifest::{Manifest, ObjectKey, Origin};
use fleetdeck::engine::sync::{
    HookDeletePolicy, PlanRequest, SyncOptions, SyncPhase, SyncPlan, TaskAction, plan_sync,
};
use serde_json::{Value, json};

fn object(api_version: &str, kind: &str, namespace: &str, name: &str) -> Value {
    let mut metadata = json!({"name": name});
    if !namespace.is_empty() {
        metadata["namespace"] = json!(namespace);
    }
    json!({"apiVersion": api_version, "kind": kind, "metadata": metadata})
}

fn annotate(mut object: Value, key: &str, value: &str) -> Value {
    object["metadata"]["annotations"][key] = json!(value);
    object
}

fn manifests(objects: Vec<Value>) -> Vec<Manifest> {
    objects
        .into_iter()
        .enumerate()
        .map(|(document, object)| Manifest {
            object,
            origin: Origin {
                file: "app.yaml".into(),
                document,
                line: 1,
            },
        })
        .collect()
}

/// `phase/wave kind/name action` per task, for readable assertions.
fn describe(plan: &SyncPlan) -> Vec<String> {
    plan.tasks
        .iter()
        .map(|task| {
            let action = match &task.action {
                TaskAction::Apply => "apply".to_string(),
                TaskAction::Hook { .. } => "hook".to_string(),
                TaskAction::Prune => "prune".to_string(),
                TaskAction::PruneSkipped { reason } => format!("skip-prune {reason}"),
            };
            format!(
                "{}/{} {}/{} {action}",
                task.phase, task.wave, task.key.kind, task.key.name
            )
        })
        .collect()
}

fn plan(desired: Vec<Value>, extraneous: Vec<Value>, prune: bool, options: &[&str]) -> SyncPlan {
    let desired = manifests(desired);
    let app_options = SyncOptions::parse(options.iter().copied());
    plan_sync(PlanRequest {
        desired: &desired,
        extraneous: &extraneous,
        prune,
        app_options: &app_options,
        selected: None,
    })
}

#[test]
fn phase_then_wave_then_kind_then_name() {
    let plan = plan(
        vec![
            object("apps/v1", "Deployment", "shop", "web"),
            object("v1", "Service", "shop", "web"),
            object("v1", "ConfigMap", "shop", "b-config"),
            object("v1", "ConfigMap", "shop", "a-config"),
            annotate(
                object("batch/v1", "Job", "shop", "migrate"),
                "argocd.argoproj.io/hook",
                "PreSync",
            ),
            annotate(
                object("batch/v1", "Job", "shop", "smoke"),
                "argocd.argoproj.io/hook",
                "PostSync",
            ),
            annotate(
                object("v1", "ConfigMap", "shop", "late"),
                "argocd.argoproj.io/sync-wave",
                "2",
            ),
            annotate(
                object("monitoring.coreos.com/v1", "ServiceMonitor", "shop", "web"),
                "argocd.argoproj.io/sync-wave",
                "-1",
            ),
        ],
        vec![],
        false,
        &[],
    );
    assert_eq!(
        describe(&plan),
        [
            "PreSync/0 Job/migrate hook",
            "Sync/-1 ServiceMonitor/web apply",
            "Sync/0 ConfigMap/a-config apply",
            "Sync/0 ConfigMap/b-config apply",
            "Sync/0 Service/web apply",
            "Sync/0 Deployment/web apply",
            "Sync/2 ConfigMap/late apply",
            "PostSync/0 Job/smoke hook",
        ]
    );
    let steps: Vec<usize> = plan.steps().iter().map(|step| step.len()).collect();
    assert_eq!(steps, [1, 1, 4, 1, 1]);
}

#[test]
fn namespace_and_crd_move_before_their_first_user() {
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com",
                     "annotations": {"argocd.argoproj.io/sync-wave": "5"}},
        "spec": {"group": "example.com", "names": {"kind": "Widget"}}
    });
    let plan = plan(
        vec![
            annotate(
                object("v1", "ConfigMap", "early", "cm"),
                "argocd.argoproj.io/sync-wave",
                "-3",
            ),
            annotate(
                object("v1", "Namespace", "", "early"),
                "argocd.argoproj.io/sync-wave",
                "1",
            ),
            annotate(
                object("example.com/v1", "Widget", "", "w"),
                "argocd.argoproj.io/sync-wave",
                "-2",
            ),
            crd,
        ],
        vec![],
        false,
        &[],
    );
    assert_eq!(
        describe(&plan),
        [
            "Sync/-3 Namespace/early apply",
            "Sync/-3 ConfigMap/cm apply",
            "Sync/-2 CustomResourceDefinition/widgets.example.com apply",
            "Sync/-2 Widget/w apply",
        ]
    );
}

#[test]
fn prunes_run_in_reverse_wave_order_and_respect_options() {
    let gone = |name: &str, wave: &str| {
        annotate(
            object("v1", "ConfigMap", "shop", name),
            "argocd.argoproj.io/sync-wave",
            wave,
        )
    };
    let extraneous = vec![
        gone("first", "-1"),
        gone("middle", "0"),
        gone("last", "3"),
        annotate(
            object("v1", "Secret", "shop", "keep"),
            "argocd.argoproj.io/sync-options",
            "Prune=false",
        ),
    ];
    let pruning = plan(vec![], extraneous.clone(), true, &[]);
    assert_eq!(
        describe(&pruning),
        [
            "Sync/-1 ConfigMap/last prune",
            "Sync/0 Secret/keep skip-prune ignored (no prune)",
            "Sync/0 ConfigMap/middle prune",
            "Sync/3 ConfigMap/first prune",
        ]
    );

    let not_pruning = plan(vec![], extraneous.clone(), false, &[]);
    assert!(
        not_pruning
            .tasks
            .iter()
            .all(|task| matches!(task.action, TaskAction::PruneSkipped { .. })),
        "{:?}",
        describe(&not_pruning)
    );

    let last = plan(
        vec![annotate(
            object("v1", "ConfigMap", "shop", "app"),
            "argocd.argoproj.io/sync-wave",
            "7",
        )],
        vec![gone("old", "0")],
        true,
        &["PruneLast=true"],
    );
    assert_eq!(
        describe(&last),
        ["Sync/7 ConfigMap/app apply", "Sync/8 ConfigMap/old prune"]
    );
}

#[test]
fn skip_hooks_helm_hooks_and_delete_policies() {
    let plan = plan(
        vec![
            annotate(
                object("v1", "ConfigMap", "shop", "ignored"),
                "argocd.argoproj.io/hook",
                "Skip",
            ),
            annotate(
                annotate(
                    object("batch/v1", "Job", "shop", "helm-pre"),
                    "helm.sh/hook",
                    "pre-install,pre-upgrade",
                ),
                "helm.sh/hook-delete-policy",
                "hook-succeeded",
            ),
            annotate(
                object("v1", "Pod", "shop", "both"),
                "argocd.argoproj.io/hook",
                "PreSync,SyncFail",
            ),
        ],
        vec![],
        false,
        &[],
    );
    assert_eq!(
        describe(&plan),
        [
            "PreSync/0 Pod/both hook",
            "PreSync/0 Job/helm-pre hook",
            "SyncFail/0 Pod/both hook",
        ]
    );
    let helm = &plan.tasks[1];
    assert_eq!(helm.phase, SyncPhase::PreSync);
    assert_eq!(
        helm.action,
        TaskAction::Hook {
            delete_policies: vec![HookDeletePolicy::HookSucceeded]
        }
    );
}

#[test]
fn selective_sync_takes_only_the_named_resources_and_no_hooks() {
    let desired = manifests(vec![
        object("apps/v1", "Deployment", "shop", "web"),
        object("v1", "Service", "shop", "web"),
        annotate(
            object("batch/v1", "Job", "shop", "migrate"),
            "argocd.argoproj.io/hook",
            "PreSync",
        ),
    ]);
    let selected: BTreeSet<ObjectKey> = [desired[0].key()].into();
    let extraneous = vec![object("v1", "ConfigMap", "shop", "old")];
    let plan = plan_sync(PlanRequest {
        desired: &desired,
        extraneous: &extraneous,
        prune: true,
        app_options: &SyncOptions::default(),
        selected: Some(&selected),
    });
    assert_eq!(describe(&plan), ["Sync/0 Deployment/web apply"]);
}

#[test]
fn plans_serialize_for_dry_run_output() {
    let plan = plan(
        vec![object("v1", "ConfigMap", "shop", "c")],
        vec![],
        false,
        &[],
    );
    let json = serde_json::to_value(&plan).unwrap();
    assert_eq!(json["tasks"][0]["phase"], "Sync");
    assert_eq!(json["tasks"][0]["action"]["type"], "Apply");
    assert_eq!(json["tasks"][0]["key"]["name"], "c");
}
