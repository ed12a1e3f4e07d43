use super::*;
use crate::engine::policy::pause::{AppFacts, PauseError, pauses_for};

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_795_356_000 + second).unwrap()
}

fn request(scope: PauseScope, minutes: u64) -> PauseRequest {
    PauseRequest {
        scope,
        reason: "db migration".into(),
        owner: "alice".into(),
        duration: Duration::from_secs(minutes * 60),
    }
}

fn ids(pauses: &[Pause]) -> Vec<&str> {
    pauses.iter().map(|pause| pause.id.as_str()).collect()
}

#[test]
fn no_file_means_no_pauses_and_reads_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = PauseStore::open(dir.path().join("state")).unwrap();
    assert_eq!(store.load().unwrap(), PauseSet::default());
    assert!(store.list(at(0)).unwrap().is_empty());
    assert_eq!(store.stamp().unwrap(), FileStamp(None));
    assert!(!store.path().exists());
    // Resuming nothing writes nothing either.
    let removed = store.resume(&ResumeTarget::Id("p1".into()), at(0)).unwrap();
    assert!(removed.is_empty());
    assert!(!store.path().exists());
}

#[test]
fn two_stores_on_one_directory_see_each_others_writes() {
    let dir = tempfile::tempdir().unwrap();
    // Two stores stand in for two processes (a CLI and a controller).
    let cli = PauseStore::open(dir.path()).unwrap();
    let controller = PauseStore::open(dir.path()).unwrap();
    let before = controller.stamp().unwrap();

    let web = cli
        .add(request(PauseScope::App("web".into()), 30), at(0))
        .unwrap();
    assert_eq!(web.id, "p1");
    assert_eq!(web.expires_at, at(1800));
    let stamp = controller.stamp().unwrap();
    assert_ne!(stamp, before);
    let seen = controller.list(at(60)).unwrap();
    assert_eq!(seen, vec![web.clone()]);
    let facts = AppFacts {
        name: "web".into(),
        ..AppFacts::default()
    };
    assert_eq!(pauses_for(&seen, &facts, at(60)), vec![&web]);

    let fleet = controller
        .add(request(PauseScope::Fleet, 60), at(60))
        .unwrap();
    assert_eq!(fleet.id, "p2");
    assert_ne!(cli.stamp().unwrap(), stamp);
    assert_eq!(ids(&cli.list(at(120)).unwrap()), ["p1", "p2"]);
    assert_eq!(cli.load().unwrap().generation, 2);

    let removed = cli.resume(&ResumeTarget::Id("p1".into()), at(120)).unwrap();
    assert_eq!(removed, vec![web]);
    assert_eq!(ids(&controller.list(at(120)).unwrap()), ["p2"]);
    // An unchanged file keeps its stamp.
    let quiet = controller.stamp().unwrap();
    assert_eq!(controller.stamp().unwrap(), quiet);
}

#[test]
fn resume_by_scope_removes_exactly_that_scope() {
    let dir = tempfile::tempdir().unwrap();
    let store = PauseStore::open(dir.path()).unwrap();
    let cluster = PauseScope::Cluster("prod-eu".into());
    store.add(request(cluster.clone(), 30), at(0)).unwrap();
    store
        .add(request(PauseScope::App("web".into()), 30), at(0))
        .unwrap();
    store.add(request(cluster.clone(), 90), at(0)).unwrap();
    let removed = store.resume(&ResumeTarget::Scope(cluster), at(10)).unwrap();
    assert_eq!(ids(&removed), ["p1", "p3"]);
    assert_eq!(ids(&store.list(at(10)).unwrap()), ["p2"]);
    // Ids are never reused.
    let next = store.add(request(PauseScope::Fleet, 5), at(10)).unwrap();
    assert_eq!(next.id, "p4");
}

#[test]
fn expired_pauses_are_hidden_and_dropped_on_the_next_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = PauseStore::open(dir.path()).unwrap();
    store
        .add(request(PauseScope::App("web".into()), 10), at(0))
        .unwrap();
    store
        .add(request(PauseScope::App("api".into()), 60), at(0))
        .unwrap();
    // After ten minutes the first pause is over; it is still in the file.
    assert_eq!(ids(&store.list(at(600)).unwrap()), ["p2"]);
    assert_eq!(store.load().unwrap().pauses.len(), 2);
    // Resuming it now finds nothing in force, but the write drops it.
    let removed = store
        .resume(&ResumeTarget::Id("p1".into()), at(600))
        .unwrap();
    assert!(removed.is_empty());
    assert_eq!(ids(&store.load().unwrap().pauses), ["p2"]);
}

#[test]
fn invalid_requests_are_refused_before_touching_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = PauseStore::open(dir.path())
        .unwrap()
        .with_max_duration(Duration::from_secs(3600));
    let error = store
        .add(request(PauseScope::Fleet, 120), at(0))
        .unwrap_err();
    assert!(
        matches!(error, PauseStoreError::Invalid(PauseError::TooLong { .. })),
        "{error:?}"
    );
    let mut no_reason = request(PauseScope::Fleet, 10);
    no_reason.reason.clear();
    assert!(matches!(
        store.add(no_reason, at(0)),
        Err(PauseStoreError::Invalid(PauseError::MissingReason))
    ));
    assert!(!store.path().exists());
}

#[test]
fn a_corrupt_file_is_an_error_naming_it_and_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let store = PauseStore::open(dir.path()).unwrap();
    let garbage = b"{\"version\": 1, \"generation\": 3, \"pauses\": [";
    std::fs::write(store.path(), garbage).unwrap();
    let error = store.load().unwrap_err();
    assert!(
        matches!(error, PauseStoreError::Corrupt { .. }),
        "{error:?}"
    );
    assert_eq!(error.path(), Some(store.path()));
    assert!(
        error
            .to_string()
            .contains(&store.path().display().to_string())
    );
    assert!(store.list(at(0)).is_err());
    assert!(matches!(
        store.add(request(PauseScope::Fleet, 10), at(0)),
        Err(PauseStoreError::Corrupt { .. })
    ));
    assert!(matches!(
        store.resume(&ResumeTarget::Scope(PauseScope::Fleet), at(0)),
        Err(PauseStoreError::Corrupt { .. })
    ));
    assert_eq!(std::fs::read(store.path()).unwrap(), garbage);
    // A bad selector inside the file is corrupt too.
    let bad_selector = br#"{"version": 1, "generation": 1, "nextId": 2, "pauses": [
        {"id": "p1", "scope": {"kind": "selector", "target": "a in ()"},
         "reason": "x", "owner": "y",
         "createdAt": "2026-11-22T14:00:00Z", "expiresAt": "2026-11-22T15:00:00Z"}]}"#;
    std::fs::write(store.path(), bad_selector).unwrap();
    assert!(matches!(store.load(), Err(PauseStoreError::Corrupt { .. })));
}

#[test]
fn newer_formats_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = PauseStore::open(dir.path()).unwrap();
    std::fs::write(store.path(), br#"{"version": 2, "future": true}"#).unwrap();
    assert!(matches!(
        store.add(request(PauseScope::Fleet, 10), at(0)),
        Err(PauseStoreError::UnsupportedVersion {
            found: 2,
            supported: 1,
            ..
        })
    ));
}

#[test]
fn the_file_is_readable_json_and_leaves_only_its_lock_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = PauseStore::open(dir.path()).unwrap();
    store
        .add(
            request(PauseScope::selector("team=payments").unwrap(), 30),
            at(0),
        )
        .unwrap();
    let value: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.path()).unwrap()).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "version": 1, "generation": 1, "nextId": 2,
            "pauses": [{
                "id": "p1",
                "scope": {"kind": "selector", "target": "team=payments"},
                "reason": "db migration", "owner": "alice",
                "createdAt": "2026-11-22T14:00:00Z", "expiresAt": "2026-11-22T14:30:00Z"
            }]
        })
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["pauses.json", "pauses.json.lock"]);
}

#[test]
fn concurrent_writers_lose_no_pause() {
    let dir = tempfile::tempdir().unwrap();
    let threads: Vec<_> = (0..4)
        .map(|thread| {
            let path = dir.path().to_path_buf();
            std::thread::spawn(move || {
                // A store per thread: only the lock file serialises them.
                let store = PauseStore::open(path).unwrap();
                for index in 0..5 {
                    let scope = PauseScope::App(format!("app-{thread}-{index}"));
                    store.add(request(scope, 30), at(0)).unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let set = PauseStore::open(dir.path()).unwrap().load().unwrap();
    assert_eq!(set.pauses.len(), 20);
    assert_eq!(set.generation, 20);
    let mut ids: Vec<&str> = ids(&set.pauses);
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
}
