use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::*;
use crate::engine::manifest::{Manifest, Origin};
use crate::engine::source::{CommitId, RepoPath};

fn app(name: &str, path: &str) -> Application {
    Application::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://git.example.com/fleet.git", "path": path},
            "destination": {"name": "dev", "namespace": name}
        }
    }))
    .unwrap()
}

fn manifest(object: Value) -> Manifest {
    Manifest {
        object,
        origin: Origin {
            file: Arc::from("apps/x.yaml"),
            document: 0,
            line: 1,
        },
    }
}

fn app_object(name: &str, path: &str) -> Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://git.example.com/fleet.git", "path": path},
            "destination": {"name": "dev", "namespace": name}
        }
    })
}

fn config_map(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}})
}

/// Renders by path from a fixed table of objects.
fn render_one(table: &HashMap<&'static str, Vec<Value>>, app: &Application) -> AppRender {
    let path = app.sources()[0].path.clone();
    let objects = table
        .get(path.as_str())
        .ok_or_else(|| format!("no such path {path}"))?;
    Ok(vec![RenderedSource {
        repo_url: "https://git.example.com/fleet.git".into(),
        revision: "HEAD".into(),
        commit: CommitId::from_oid(git2::Oid::ZERO_SHA1),
        path: RepoPath::new(&path).unwrap(),
        manifests: Arc::new(objects.iter().cloned().map(manifest).collect()),
    }])
}

/// Renders batches by path from a fixed table of objects.
fn renderer(
    table: HashMap<&'static str, Vec<Value>>,
) -> impl FnMut(&[Application]) -> Vec<AppRender> {
    move |apps: &[Application]| apps.iter().map(|app| render_one(&table, app)).collect()
}

fn no_sets(
    _: &[ApplicationSet],
    _: &mut HashMap<String, Option<String>>,
) -> (Vec<(Application, String)>, Vec<String>) {
    (Vec::new(), Vec::new())
}

fn kinds(fleet: &RenderedFleet, name: &str) -> Vec<String> {
    let (_, rendered) = fleet
        .renders
        .iter()
        .find(|(app, _)| app.name() == name)
        .unwrap();
    rendered.as_ref().unwrap()[0]
        .manifests
        .iter()
        .map(|manifest| manifest.kind().to_string())
        .collect()
}

#[test]
fn children_become_apps_recursively_and_are_not_applied() {
    let table = HashMap::from([
        (
            "root",
            vec![app_object("platform", "platform"), config_map("root-cm")],
        ),
        ("platform", vec![app_object("ingress", "ingress")]),
        ("ingress", vec![config_map("ingress")]),
    ]);
    let fleet = render_with_children(vec![app("root", "root")], renderer(table), no_sets);
    let names: Vec<&str> = fleet.renders.iter().map(|(app, _)| app.name()).collect();
    assert_eq!(names, ["root", "platform", "ingress"]);
    assert_eq!(kinds(&fleet, "root"), ["ConfigMap"]);
    assert!(kinds(&fleet, "platform").is_empty());
    assert_eq!(fleet.parents["platform"], "root");
    assert_eq!(fleet.parents["ingress"], "platform");
    assert!(fleet.problems.is_empty(), "{:?}", fleet.problems);
}

#[test]
fn a_cycle_is_reported_and_rendered_once() {
    let table = HashMap::from([
        ("a", vec![app_object("b", "b")]),
        ("b", vec![app_object("a", "a")]),
    ]);
    let fleet = render_with_children(vec![app("a", "a")], renderer(table), no_sets);
    let names: Vec<&str> = fleet.renders.iter().map(|(app, _)| app.name()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(fleet.problems.len(), 1, "{:?}", fleet.problems);
    assert!(
        fleet.problems[0].contains("cycle: a → b → a"),
        "{}",
        fleet.problems[0]
    );
}

#[test]
fn a_child_may_not_take_over_an_app_defined_elsewhere() {
    let table = HashMap::from([
        ("root", vec![app_object("web", "evil")]),
        ("web", vec![config_map("web")]),
    ]);
    let fleet = render_with_children(
        vec![app("root", "root"), app("web", "web")],
        renderer(table),
        no_sets,
    );
    let names: Vec<&str> = fleet.renders.iter().map(|(app, _)| app.name()).collect();
    assert_eq!(names, ["root", "web"]);
    assert_eq!(
        fleet.renders[1].0.sources()[0].path,
        "web",
        "the Git app stays"
    );
    assert!(
        fleet.problems[0].contains("already defined"),
        "{:?}",
        fleet.problems
    );
    assert!(!fleet.parents.contains_key("web"));
}

#[test]
fn sets_and_projects_in_a_render_join_the_fleet() {
    let table = HashMap::from([
        (
            "root",
            vec![
                json!({
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "AppProject",
                    "metadata": {"name": "team"},
                    "spec": {}
                }),
                json!({
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "ApplicationSet",
                    "metadata": {"name": "workers"},
                    "spec": {"generators": [], "template": {"metadata": {}, "spec": {}}}
                }),
            ],
        ),
        ("worker", vec![config_map("worker")]),
    ]);
    let mut seen_sets = Vec::new();
    let fleet = render_with_children(
        vec![app("root", "root")],
        renderer(table),
        |sets: &[ApplicationSet], taken: &mut HashMap<String, Option<String>>| {
            seen_sets.extend(sets.iter().map(|set| set.metadata.name.clone()));
            taken.insert("worker-dev".into(), Some("workers".into()));
            (
                vec![(app("worker-dev", "worker"), "workers".to_string())],
                Vec::new(),
            )
        },
    );
    assert_eq!(seen_sets, ["workers"]);
    assert_eq!(fleet.projects[0].metadata.name, "team");
    assert_eq!(fleet.owners["worker-dev"], "workers");
    assert_eq!(fleet.parents["worker-dev"], "root");
    assert_eq!(kinds(&fleet, "worker-dev"), ["ConfigMap"]);
}

#[test]
fn a_failed_render_is_kept_as_the_apps_error() {
    let fleet = render_with_children(
        vec![app("lost", "nowhere")],
        renderer(HashMap::new()),
        no_sets,
    );
    assert_eq!(
        fleet.renders[0].1.as_ref().unwrap_err(),
        "no such path nowhere"
    );
}

#[test]
fn apps_render_in_batches_and_are_read_depth_first() {
    let table = HashMap::from([
        (
            "root",
            vec![app_object("child-a", "a"), app_object("child-b", "b")],
        ),
        ("a", vec![app_object("grandchild", "g")]),
        ("b", vec![config_map("b")]),
        ("g", vec![config_map("g")]),
        ("web", vec![config_map("web")]),
    ]);
    let mut batches: Vec<Vec<String>> = Vec::new();
    let fleet = render_with_children(
        vec![app("root", "root"), app("web", "web")],
        |apps: &[Application]| {
            batches.push(apps.iter().map(|app| app.name().to_string()).collect());
            apps.iter().map(|app| render_one(&table, app)).collect()
        },
        no_sets,
    );
    let names: Vec<&str> = fleet.renders.iter().map(|(app, _)| app.name()).collect();
    assert_eq!(names, ["root", "child-a", "grandchild", "child-b", "web"]);
    assert_eq!(
        batches,
        [
            vec!["root", "web"],
            vec!["child-a", "child-b"],
            vec!["grandchild"]
        ]
    );
    assert_eq!(fleet.parents["grandchild"], "child-a");
}

#[test]
fn a_renderer_short_of_results_fails_the_rest_visibly() {
    let fleet = render_with_children(
        vec![app("a", "a"), app("b", "b")],
        |_: &[Application]| vec![Ok(Vec::new())],
        no_sets,
    );
    assert!(fleet.renders[0].1.is_ok());
    assert!(
        fleet.renders[1]
            .1
            .as_ref()
            .unwrap_err()
            .contains("no result")
    );
}
