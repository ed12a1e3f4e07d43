//! `StateStore`: the per-application state files under one directory.
//!
//! Writes are read-modify-write under two locks: an in-process mutex per
//! app (threads of this process) and an advisory lock on `<file>.lock`
//! (other fleetdeck processes sharing the directory). Lock files are left in
//! place: deleting one while another process waits on it would let two
//! writers in. Readers take no lock, since a state file is only ever
//! replaced whole (see [`super::atomic_file`]).

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::Deserialize;

use super::app_state::{AppState, Approval, STATE_FORMAT_VERSION};
use super::atomic_file::write_atomically;
use super::error::StateError;
use super::file_name::state_file_name;
use super::history::{HistoryEntry, NewSync, history_limit};
use super::pin::RollbackPin;
use crate::engine::model::application::Application;
use crate::engine::policy::auto_sync::AutoSyncMemory;

#[derive(Debug)]
pub struct StateStore {
    dir: PathBuf,
    /// One mutex per application written by this process.
    locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl StateStore {
    /// A store under `dir`, created if missing.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Self, StateError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| StateError::Directory {
            path: dir.clone(),
            action: "create",
            source,
        })?;
        Ok(StateStore {
            dir,
            locks: Mutex::new(HashMap::new()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding `app`'s state.
    pub fn path_of(&self, app: &str) -> Result<PathBuf, StateError> {
        if app.is_empty() {
            return Err(StateError::InvalidAppName {
                app: String::new(),
                reason: "the name is empty",
            });
        }
        Ok(self.dir.join(state_file_name(app)))
    }

    /// `app`'s state; empty when nothing was recorded yet.
    pub fn load(&self, app: &str) -> Result<AppState, StateError> {
        let path = self.path_of(app)?;
        read_state(app, &path)
    }

    /// `app`'s sync history, oldest first.
    pub fn history(&self, app: &str) -> Result<Vec<HistoryEntry>, StateError> {
        Ok(self.load(app)?.history)
    }

    /// One entry of `app`'s history, if still kept.
    pub fn history_entry(&self, app: &str, id: u64) -> Result<Option<HistoryEntry>, StateError> {
        Ok(self.load(app)?.entry(id).cloned())
    }

    /// Records a finished sync, keeping the newest `limit` entries (see
    /// [`history_limit`]); a sync to the target revision also clears the
    /// pin. Returns the entry with its id.
    pub fn record_sync(
        &self,
        app: &str,
        sync: NewSync,
        limit: usize,
    ) -> Result<HistoryEntry, StateError> {
        self.update(app, |state| state.record(sync, limit))
    }

    /// [`record_sync`](Self::record_sync) with the limit the Application
    /// sets (`spec.revisionHistoryLimit`, default 10).
    pub fn record_sync_for(
        &self,
        application: &Application,
        sync: NewSync,
    ) -> Result<HistoryEntry, StateError> {
        let limit = history_limit(application.spec.revision_history_limit);
        self.record_sync(application.name(), sync, limit)
    }

    /// The pin holding `app` at an older revision, if any.
    pub fn pin(&self, app: &str) -> Result<Option<RollbackPin>, StateError> {
        Ok(self.load(app)?.pin)
    }

    /// Pins `app` (a rollback), replacing any earlier pin.
    pub fn set_pin(&self, app: &str, pin: RollbackPin) -> Result<(), StateError> {
        self.update(app, |state| state.pin = Some(pin))
    }

    /// Approves `revision` of `app` for automation (replaces any earlier
    /// approval).
    pub fn set_approval(&self, app: &str, approval: Approval) -> Result<(), StateError> {
        self.update(app, |state| state.approval = Some(approval))
    }

    /// Saves what automation remembers of `app` (replacing what was saved).
    pub fn set_automation(&self, app: &str, memory: AutoSyncMemory) -> Result<(), StateError> {
        self.update(app, |state| state.automation = Some(memory))
    }

    /// Removes `app`'s pin (an unpin); returns the pin there was.
    pub fn clear_pin(&self, app: &str) -> Result<Option<RollbackPin>, StateError> {
        self.update(app, |state| state.pin.take())
    }

    /// Read-modify-write of `app`'s state under both locks. The file is
    /// written only when `change` changed something.
    fn update<T>(
        &self,
        app: &str,
        change: impl FnOnce(&mut AppState) -> T,
    ) -> Result<T, StateError> {
        let path = self.path_of(app)?;
        let app_lock = self.app_lock(app);
        let _in_process = app_lock.lock().unwrap_or_else(PoisonError::into_inner);
        let _across_processes = lock_file(app, &path)?;
        let before = read_state(app, &path)?;
        let mut state = before.clone();
        let result = change(&mut state);
        if state != before {
            let bytes = serde_json::to_vec_pretty(&state).map_err(|source| StateError::Encode {
                app: app.to_string(),
                source,
            })?;
            write_atomically(&path, &bytes)
                .map_err(|source| io_error(app, &path, "write", source))?;
        }
        Ok(result)
    }

    fn app_lock(&self, app: &str) -> Arc<Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(locks.entry(app.to_string()).or_default())
    }
}

fn io_error(app: &str, path: &Path, action: &'static str, source: io::Error) -> StateError {
    StateError::Io {
        app: app.to_string(),
        path: path.to_path_buf(),
        action,
        source,
    }
}

/// Takes the advisory lock next to `path`; released when the file drops.
fn lock_file(app: &str, path: &Path) -> Result<File, StateError> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = PathBuf::from(lock_path);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|source| io_error(app, &lock_path, "open lock file", source))?;
    file.lock()
        .map_err(|source| io_error(app, &lock_path, "lock", source))?;
    Ok(file)
}

#[derive(Deserialize)]
struct VersionProbe {
    version: u32,
}

fn read_state(app: &str, path: &Path) -> Result<AppState, StateError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(AppState::empty(app)),
        Err(error) => return Err(io_error(app, path, "read", error)),
    };
    let corrupt = |source| StateError::Corrupt {
        app: app.to_string(),
        path: path.to_path_buf(),
        source,
    };
    let probe: VersionProbe = serde_json::from_slice(&bytes).map_err(corrupt)?;
    if probe.version != STATE_FORMAT_VERSION {
        return Err(StateError::UnsupportedVersion {
            app: app.to_string(),
            path: path.to_path_buf(),
            found: probe.version,
            supported: STATE_FORMAT_VERSION,
        });
    }
    let state: AppState = serde_json::from_slice(&bytes).map_err(corrupt)?;
    if state.app != app {
        return Err(StateError::AppMismatch {
            app: app.to_string(),
            path: path.to_path_buf(),
            found: state.app,
        });
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::application::ApplicationSpec;
    use crate::engine::state::history::{
        InitiatedBy, ResourceCounts, ResultPhase, SourceSummary, SyncResult,
    };
    use k8s_openapi::jiff::Timestamp;

    fn at(second: i64) -> Timestamp {
        Timestamp::from_second(1_767_225_600 + second).unwrap()
    }

    fn sync(revision: &str) -> NewSync {
        NewSync {
            revision: revision.to_string(),
            source: SourceSummary {
                repo_url: "https://git.example.com/web.git".into(),
                path: "deploy".into(),
                chart: String::new(),
                target_revision: "main".into(),
            },
            sources: Vec::new(),
            revisions: Vec::new(),
            deployed_at: at(0),
            initiated_by: InitiatedBy::Automated,
            result: SyncResult::new(ResultPhase::Succeeded, "successfully synced"),
            resources: ResourceCounts {
                synced: 4,
                ..ResourceCounts::default()
            },
            to_target_revision: false,
        }
    }

    fn pin(revision: &str, history_id: u64) -> RollbackPin {
        RollbackPin {
            revision: revision.to_string(),
            history_id,
            pinned_at: at(60),
            by: "alice".into(),
        }
    }

    fn file_names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_unknown_app_has_empty_state_and_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path().join("state")).unwrap();
        assert_eq!(store.load("web").unwrap(), AppState::empty("web"));
        assert_eq!(store.pin("web").unwrap(), None);
        assert!(file_names(store.dir()).is_empty());
        // Clearing a pin that is not there writes nothing either.
        assert_eq!(store.clear_pin("web").unwrap(), None);
        assert!(!store.path_of("web").unwrap().exists());
    }

    #[test]
    fn history_round_trips_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        let mut failed = sync("bbb");
        failed.result = SyncResult::new(ResultPhase::Failed, "Deployment/web: invalid");
        failed.initiated_by = InitiatedBy::operator("bob");
        let first = store.record_sync("web", sync("aaa"), 10).unwrap();
        let second = store.record_sync("web", failed.clone(), 10).unwrap();
        assert_eq!((first.id, second.id), (1, 2));
        store.set_pin("web", pin("aaa", 1)).unwrap();

        let reopened = StateStore::open(dir.path()).unwrap();
        let state = reopened.load("web").unwrap();
        assert_eq!(state.history, vec![first, second.clone()]);
        assert_eq!(state.history[1], failed.into_entry(2));
        assert_eq!(state.pin, Some(pin("aaa", 1)));
        assert_eq!(reopened.history_entry("web", 2).unwrap(), Some(second));
        assert_eq!(reopened.history_entry("web", 9).unwrap(), None);
        let text = std::fs::read_to_string(reopened.path_of("web").unwrap()).unwrap();
        assert!(
            text.contains("\"deployedAt\": \"2026-01-01T00:00:00Z\""),
            "{text}"
        );
    }

    #[test]
    fn history_keeps_the_newest_entries_and_never_reuses_ids() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        for index in 0..5 {
            store
                .record_sync("web", sync(&format!("rev{index}")), 3)
                .unwrap();
        }
        let history = store.history("web").unwrap();
        let ids: Vec<u64> = history.iter().map(|entry| entry.id).collect();
        assert_eq!(ids, [3, 4, 5]);
        assert_eq!(history[0].revision, "rev2");
        // A lower limit later trims on the next write; ids go on.
        let entry = store.record_sync("web", sync("rev5"), 1).unwrap();
        assert_eq!(entry.id, 6);
        assert_eq!(store.history("web").unwrap(), vec![entry]);
        // Limit zero keeps nothing, but still counts.
        store.record_sync("web", sync("rev6"), 0).unwrap();
        assert!(store.history("web").unwrap().is_empty());
        assert_eq!(store.record_sync("web", sync("rev7"), 10).unwrap().id, 8);
    }

    #[test]
    fn the_application_sets_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        let mut app = Application::new("web", ApplicationSpec::default());
        for index in 0..12 {
            store
                .record_sync_for(&app, sync(&format!("rev{index}")))
                .unwrap();
        }
        assert_eq!(store.history("web").unwrap().len(), 10);
        app.spec.revision_history_limit = Some(2);
        store.record_sync_for(&app, sync("rev12")).unwrap();
        let revisions: Vec<String> = store
            .history("web")
            .unwrap()
            .into_iter()
            .map(|entry| entry.revision)
            .collect();
        assert_eq!(revisions, ["rev11", "rev12"]);
    }

    #[test]
    fn pins_are_set_cleared_and_dropped_by_a_sync_to_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        store.record_sync("web", sync("old"), 10).unwrap();
        store.record_sync("web", sync("new"), 10).unwrap();
        store.set_pin("web", pin("old", 1)).unwrap();
        // A rollback sync (not to the target revision) keeps the pin.
        store.record_sync("web", sync("old"), 10).unwrap();
        assert_eq!(store.pin("web").unwrap(), Some(pin("old", 1)));
        assert_eq!(store.clear_pin("web").unwrap(), Some(pin("old", 1)));
        assert_eq!(store.pin("web").unwrap(), None);

        store.set_pin("web", pin("old", 1)).unwrap();
        let mut forward = sync("newer");
        forward.to_target_revision = true;
        store.record_sync("web", forward, 10).unwrap();
        assert_eq!(store.pin("web").unwrap(), None);
    }

    #[test]
    fn writes_leave_only_the_state_and_lock_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        for index in 0..3 {
            store
                .record_sync("web", sync(&format!("rev{index}")), 10)
                .unwrap();
        }
        store.set_pin("web", pin("rev0", 1)).unwrap();
        assert_eq!(file_names(dir.path()), ["web.json", "web.json.lock"]);
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it_and_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        let path = store.path_of("web").unwrap();
        std::fs::write(&path, b"{\"version\": 1, \"app\": \"web\", \"nextId\": ").unwrap();
        let error = store.load("web").unwrap_err();
        assert!(
            matches!(&error, StateError::Corrupt { app, path: p, .. }
            if app == "web" && p == &path),
            "{error:?}"
        );
        assert!(error.to_string().contains(&path.display().to_string()));
        assert_eq!(error.app(), Some("web"));
        // A write refuses too, and the file is untouched.
        assert!(matches!(
            store.record_sync("web", sync("aaa"), 10),
            Err(StateError::Corrupt { .. })
        ));
        assert!(matches!(
            store.clear_pin("web"),
            Err(StateError::Corrupt { .. })
        ));
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"{\"version\": 1, \"app\": \"web\", \"nextId\": "
        );
        // Valid JSON of the wrong shape is corrupt as well.
        std::fs::write(&path, b"[1, 2]").unwrap();
        assert!(matches!(store.load("web"), Err(StateError::Corrupt { .. })));
    }

    #[test]
    fn newer_formats_and_other_apps_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path()).unwrap();
        let path = store.path_of("web").unwrap();
        std::fs::write(&path, br#"{"version": 2, "app": "web", "future": true}"#).unwrap();
        assert!(matches!(
            store.load("web"),
            Err(StateError::UnsupportedVersion {
                found: 2,
                supported: 1,
                ..
            })
        ));
        std::fs::write(&path, br#"{"version": 1, "app": "api", "nextId": 1}"#).unwrap();
        assert!(matches!(
            store.record_sync("web", sync("aaa"), 10),
            Err(StateError::AppMismatch { found, .. }) if found == "api"
        ));
    }

    #[test]
    fn odd_names_get_their_own_safe_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path().join("state")).unwrap();
        for app in ["../escape", "Web", "web", "a/b"] {
            store.record_sync(app, sync(app), 10).unwrap();
        }
        for app in ["../escape", "Web", "web", "a/b"] {
            assert_eq!(store.history(app).unwrap()[0].revision, app);
        }
        assert!(!dir.path().join("escape.json").exists());
        assert!(
            file_names(store.dir())
                .iter()
                .all(|name| !name.contains('/'))
        );
        assert!(matches!(
            store.load(""),
            Err(StateError::InvalidAppName { .. })
        ));
    }

    #[test]
    fn concurrent_writers_lose_no_entries() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(StateStore::open(dir.path()).unwrap());
        // A second store on the same directory stands in for another
        // process: only the lock file serialises it with the first.
        let other = Arc::new(StateStore::open(dir.path()).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|thread| {
                let store = if thread % 2 == 0 {
                    Arc::clone(&store)
                } else {
                    Arc::clone(&other)
                };
                std::thread::spawn(move || {
                    for index in 0..10 {
                        store
                            .record_sync("web", sync(&format!("t{thread}-{index}")), 100)
                            .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let history = store.history("web").unwrap();
        let ids: Vec<u64> = history.iter().map(|entry| entry.id).collect();
        assert_eq!(ids, (1..=80).collect::<Vec<u64>>());
        assert_eq!(file_names(dir.path()), ["web.json", "web.json.lock"]);
    }

    #[test]
    fn automation_memory_is_saved_beside_the_history() {
        use crate::engine::policy::auto_sync::{AttemptResult, AutomatedAttempt};
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::open(dir.path().join("state")).unwrap();
        store.record_sync("web", sync("abc123"), 10).unwrap();
        let memory = AutoSyncMemory {
            last_attempt: Some(AutomatedAttempt {
                revision: "abc123".into(),
                result: AttemptResult::Failed,
                attempts: 2,
                last_attempt_at: at(30),
            }),
            ..AutoSyncMemory::default()
        };
        store.set_automation("web", memory.clone()).unwrap();
        let reopened = StateStore::open(dir.path().join("state")).unwrap();
        let state = reopened.load("web").unwrap();
        assert_eq!(state.automation, Some(memory));
        assert_eq!(state.history.len(), 1, "the history is kept");
    }
}
