//! One operation per app at a time: a second sync of an app that is
//! syncing is refused, whoever asks (operator, auto-sync, self-heal) and
//! from whichever process.
//!
//! [`AppLocks`] is the seam: [`OperationLocks`] keeps the locks of one
//! process in memory (tests, an engine without a state directory); the
//! state directory's lock files (`engine::state::FileLocks`) hold across
//! the processes of one machine; a Kubernetes Lease per app can take the
//! same place for a shared hub. A lock that can be lost while held (a
//! Lease that failed to renew) answers [`LockLease::still_held`] `false`,
//! and the sync stops before its next wave instead of writing beside the
//! new holder.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::engine::policy::duration_text::format_duration;

/// What a lock records of the operation holding it: who and where (so a
/// refusal can name them), and what it was doing (so that, if its process
/// dies, the next operation can record it as interrupted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LockClaim {
    pub app: String,
    /// The operator, or `automated`.
    pub operator: String,
    /// `sync`, `sync+prune`, `rollback`, `auto-sync`, `self-heal`...
    pub action: String,
    #[serde(default)]
    pub revision: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// Dry runs take the lock but leave no audit record to close.
    #[serde(default)]
    pub dry_run: bool,
    pub host: String,
    pub pid: u32,
    /// Tells a reused pid from the holder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub process_started_at: Option<Timestamp>,
    /// When the lock was taken.
    pub since: Timestamp,
}

impl LockClaim {
    /// "alice@build-7 (pid 4242)".
    pub fn holder(&self) -> String {
        format!("{}@{} (pid {})", self.operator, self.host, self.pid)
    }

    /// "synced", "rolled back": what the app is being, for messages.
    pub fn participle(&self) -> &'static str {
        match self.action.as_str() {
            "rollback" => "rolled back",
            _ => "synced",
        }
    }
}

/// Why an app's lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another operation holds it. `holder` is `None` when the holder did
    /// not say who it is (an in-memory lock, or a holder between taking
    /// the lock and writing its claim).
    #[error("{}", describe_held(app, holder.as_deref(), *held_for))]
    Held {
        app: String,
        holder: Option<Box<LockClaim>>,
        held_for: Option<Duration>,
    },
    #[error("cannot {action} the operation lock {path} of {app}: {source}")]
    Io {
        app: String,
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
}

/// "web is being synced by alice@host (pid 4242) since 12:03:07 UTC, 41s".
pub fn describe_held(app: &str, holder: Option<&LockClaim>, held_for: Option<Duration>) -> String {
    match holder {
        None => format!("{app} is being synced by another operation"),
        Some(claim) => {
            let mut text = format!(
                "{app} is being {} by {} since {}",
                claim.participle(),
                claim.holder(),
                claim.since.strftime("%H:%M:%S UTC"),
            );
            if let Some(held_for) = held_for {
                text.push_str(&format!(", {}", format_duration(held_for)));
            }
            text
        }
    }
}

/// How long ago `since` was, for refusals.
pub fn held_for(since: Timestamp, now: Timestamp) -> Option<Duration> {
    Duration::try_from(now.duration_since(since)).ok()
}

/// A taken lock, and the claim of an earlier holder that died holding it.
pub struct Acquired {
    pub lease: Box<dyn LockLease>,
    /// The previous holder's claim when its lock was found stale: that
    /// operation never finished and is to be recorded as interrupted.
    pub stale: Option<LockClaim>,
}

impl fmt::Debug for Acquired {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquired")
            .field("lease", &self.lease)
            .field("stale", &self.stale)
            .finish()
    }
}

/// The per-app operation locks of some scope (a process, a machine, a
/// cluster). Taking a lock never waits: an operation that cannot start
/// now is refused, naming the holder.
pub trait AppLocks: Send + Sync + fmt::Debug {
    fn try_lock(&self, claim: &LockClaim) -> Result<Acquired, LockError>;
}

/// A held lock; dropping it releases the lock, even on panic.
pub trait LockLease: Send + Sync + fmt::Debug {
    /// Whether the lock is still this operation's: a fencing check made
    /// before each wave. A lock that cannot be lost answers `true`.
    fn still_held(&self) -> bool;
}

/// The locks of one process, in memory.
#[derive(Debug, Clone, Default)]
pub struct OperationLocks {
    held: Arc<Mutex<HashMap<String, Option<LockClaim>>>>,
}

/// Held while an operation runs; released on drop, even on panic.
#[derive(Debug)]
pub struct OperationGuard {
    app: String,
    held: Arc<Mutex<HashMap<String, Option<LockClaim>>>>,
}

impl OperationLocks {
    /// The app's lock, or `None` when an operation already holds it.
    pub fn try_acquire(&self, app: &str) -> Option<OperationGuard> {
        self.take(app, None).ok()
    }

    pub fn is_held(&self, app: &str) -> bool {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(app)
    }

    fn take(&self, app: &str, claim: Option<LockClaim>) -> Result<OperationGuard, LockError> {
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(holder) = held.get(app) {
            return Err(LockError::Held {
                app: app.to_string(),
                held_for: holder
                    .as_ref()
                    .and_then(|claim| held_for(claim.since, Timestamp::now())),
                holder: holder.clone().map(Box::new),
            });
        }
        held.insert(app.to_string(), claim);
        Ok(OperationGuard {
            app: app.to_string(),
            held: Arc::clone(&self.held),
        })
    }
}

impl AppLocks for OperationLocks {
    fn try_lock(&self, claim: &LockClaim) -> Result<Acquired, LockError> {
        let guard = self.take(&claim.app, Some(claim.clone()))?;
        Ok(Acquired {
            lease: Box::new(guard),
            // A process that died took its memory with it.
            stale: None,
        })
    }
}

impl LockLease for OperationGuard {
    fn still_held(&self) -> bool {
        true
    }
}

impl Drop for OperationGuard {
    fn drop(&mut self) {
        self.held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(app: &str) -> LockClaim {
        LockClaim {
            app: app.into(),
            operator: "alice".into(),
            action: "sync".into(),
            revision: "abc".into(),
            reason: String::new(),
            dry_run: false,
            host: "build-7".into(),
            pid: 4242,
            process_started_at: None,
            since: Timestamp::from_second(1_767_268_987).expect("time"),
        }
    }

    #[test]
    fn a_second_operation_on_the_same_app_is_refused_until_the_first_ends() {
        let locks = OperationLocks::default();
        let first = locks.try_acquire("web");
        assert!(first.is_some());
        assert!(locks.try_acquire("web").is_none());
        assert!(locks.try_acquire("api").is_some(), "other apps are free");
        drop(first);
        assert!(locks.try_acquire("web").is_some());
    }

    #[test]
    fn a_refusal_names_the_holder_and_how_long_it_has_held_the_lock() {
        let locks = OperationLocks::default();
        let held = locks.try_lock(&claim("web")).expect("first");
        assert!(held.lease.still_held());
        let error = locks.try_lock(&claim("web")).expect_err("second");
        let text = error.to_string();
        assert!(
            text.starts_with("web is being synced by alice@build-7 (pid 4242) since 12:03:07 UTC"),
            "{text}"
        );
        let mut rollback = claim("api");
        rollback.action = "rollback".into();
        let _api = locks.try_lock(&rollback).expect("api");
        assert!(
            locks
                .try_lock(&claim("api"))
                .expect_err("busy")
                .to_string()
                .contains("api is being rolled back by alice@build-7")
        );
        drop(held);
        assert!(locks.try_lock(&claim("web")).is_ok());
    }

    #[test]
    fn the_age_of_a_lock_is_shown_in_words() {
        let since = Timestamp::from_second(1_000).expect("time");
        let now = Timestamp::from_second(1_041).expect("time");
        let text = describe_held("web", Some(&claim("web")), held_for(since, now));
        assert!(text.ends_with(", 41s"), "{text}");
        assert_eq!(
            describe_held("web", None, None),
            "web is being synced by another operation"
        );
    }
}
