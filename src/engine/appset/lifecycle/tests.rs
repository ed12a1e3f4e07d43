use serde_json::json;

use super::*;

fn set(policy: Option<&str>, preserve: bool) -> ApplicationSet {
    let mut sync_policy = json!({"preserveResourcesOnDeletion": preserve});
    if let Some(policy) = policy {
        sync_policy["applicationsSync"] = json!(policy);
    }
    ApplicationSet::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "ApplicationSet",
        "metadata": {"name": "guestbook"},
        "spec": {
            "generators": [{"list": {"elements": []}}],
            "syncPolicy": sync_policy,
            "template": {"metadata": {"name": "x"}, "spec": {}}
        }
    }))
    .unwrap()
}

fn app(name: &str, path: &str) -> Application {
    Application::from_value(json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://git.example.com/fleet.git", "path": path},
            "destination": {"name": "dev", "namespace": "guestbook"}
        }
    }))
    .unwrap()
}

fn names(apps: &[Application]) -> Vec<&str> {
    apps.iter().map(Application::name).collect()
}

#[test]
fn sync_creates_updates_and_removes_without_deleting_resources() {
    let set = set(None, false);
    let mut memory = GeneratedMemory::default();
    let first = memory.reconcile(&set, vec![app("gb-dev", "v1"), app("gb-prod", "v1")]);
    assert_eq!(names(&first.apps), ["gb-dev", "gb-prod"]);
    let second = memory.reconcile(&set, vec![app("gb-dev", "v2")]);
    assert_eq!(names(&second.apps), ["gb-dev"]);
    assert_eq!(second.apps[0].sources()[0].path, "v2");
    assert_eq!(second.removed.len(), 1);
    assert_eq!(second.removed[0].app.name(), "gb-prod");
    assert!(!second.removed[0].preserve_resources);
    assert!(
        second.removed[0].describe().contains("never deletes"),
        "{}",
        second.removed[0].describe()
    );
    assert!(second.notes.is_empty());
}

#[test]
fn create_only_keeps_the_first_definition_and_every_app() {
    let set = set(Some("create-only"), false);
    let mut memory = GeneratedMemory::default();
    memory.reconcile(&set, vec![app("gb-dev", "v1"), app("gb-prod", "v1")]);
    let later = memory.reconcile(&set, vec![app("gb-dev", "v2")]);
    assert_eq!(names(&later.apps), ["gb-dev", "gb-prod"]);
    assert_eq!(later.apps[0].sources()[0].path, "v1", "not updated");
    assert!(later.removed.is_empty());
    assert!(later.notes["gb-dev"].contains("create-only keeps the one first generated"));
    assert!(later.notes["gb-prod"].contains("no longer generated"));
}

#[test]
fn create_update_updates_but_keeps_and_create_delete_removes_but_does_not_update() {
    let mut memory = GeneratedMemory::default();
    let update = set(Some("create-update"), false);
    memory.reconcile(&update, vec![app("gb-dev", "v1"), app("gb-prod", "v1")]);
    let kept = memory.reconcile(&update, vec![app("gb-dev", "v2")]);
    assert_eq!(names(&kept.apps), ["gb-dev", "gb-prod"]);
    assert_eq!(kept.apps[0].sources()[0].path, "v2");
    assert!(kept.removed.is_empty());

    let mut memory = GeneratedMemory::default();
    let delete = set(Some("create-delete"), true);
    memory.reconcile(&delete, vec![app("gb-dev", "v1"), app("gb-prod", "v1")]);
    let removed = memory.reconcile(&delete, vec![app("gb-dev", "v2")]);
    assert_eq!(names(&removed.apps), ["gb-dev"]);
    assert_eq!(removed.apps[0].sources()[0].path, "v1", "not updated");
    assert_eq!(removed.removed.len(), 1);
    assert!(removed.removed[0].preserve_resources);
}

#[test]
fn a_broken_set_holds_its_apps_and_a_deleted_set_releases_them() {
    let set = set(None, true);
    let mut memory = GeneratedMemory::default();
    memory.reconcile(&set, vec![app("gb-dev", "v1")]);
    assert_eq!(names(&memory.hold("guestbook")), ["gb-dev"]);
    assert!(memory.hold("other").is_empty());
    assert!(
        memory
            .forget_sets_except(&["guestbook".to_string()].into())
            .is_empty()
    );
    let released = memory.forget_sets_except(&BTreeSet::new());
    assert_eq!(released.len(), 1);
    assert!(released[0].preserve_resources);
    assert!(memory.sets.is_empty());
}

#[test]
fn the_memory_round_trips_through_json() {
    let mut memory = GeneratedMemory::default();
    memory.reconcile(&set(None, false), vec![app("gb-dev", "v1")]);
    let text = serde_json::to_string(&memory).unwrap();
    let back: GeneratedMemory = serde_json::from_str(&text).unwrap();
    assert_eq!(back, memory);
}
