//! [`WorkQueue`]: the engine's per-app work queue. At most one recompute
//! and at most one operation run for an app at a time; a recompute asked
//! for while one runs waits until it is back — the rule kube-runtime's
//! controller runner keeps ("never the same key twice at once") and its
//! scheduler's `hold_unless`.
//!
//! Why it exists: a recompute reads the live caches while the actor goes
//! on. If a sync of the same app finished meanwhile, the recompute would
//! bring back a row from before the sync (a flicker of the old status,
//! and self-heal syncing again at once). An app under an operation is
//! still recomputed, so the front ends follow a long sync live, but each
//! recompute carries the app's [`Epoch`]: a row that began before an
//! operation ended is dropped when it comes back. After an operation the
//! app is recomputed once the watches had time to deliver what it wrote
//! ([`SETTLE`]), and automation decides only on an app that is
//! [`WorkQueue::settled`]: no operation, no recompute running or owed. A
//! decision is therefore never taken on a row older than the app's last
//! operation.
//!
//! Debounce is per app and adaptive: a mark on a quiet app is due at once;
//! an app recomputed less than [`DEBOUNCE`] ago waits out the rest of it,
//! so a rollout's burst of Pod events costs one recompute per window, not
//! one per event, while a lone change shows without delay.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use tokio::time::Instant;

/// The shortest interval between two recomputes of one app under a burst
/// of events: long enough to coalesce a rollout, short next to a person's
/// reaction time.
pub const DEBOUNCE: Duration = Duration::from_millis(60);

/// How long after an operation its app is recomputed: the watches deliver
/// the operation's own writes within this on a healthy connection.
pub const SETTLE: Duration = Duration::from_millis(60);

/// Which operation an app's picture belongs to: bumped when an operation
/// on the app ends, so a recompute that began before the end is known
/// for what it is when it comes back.
pub type Epoch = u64;

#[derive(Debug, Default)]
pub struct WorkQueue {
    /// App → when its next recompute is due (held while one runs).
    due: BTreeMap<String, Instant>,
    recomputing: HashSet<String>,
    operating: HashSet<String>,
    /// App → when its last recompute began, for the adaptive debounce.
    last_began: HashMap<String, Instant>,
    /// App → no recompute before this (an operation's writes are still
    /// arriving through the watches).
    not_before: HashMap<String, Instant>,
    epochs: HashMap<String, Epoch>,
}

impl WorkQueue {
    /// A watch event touched `app`: due now for a quiet app, at the end of
    /// the debounce window for one recomputed lately.
    pub fn marked(&mut self, app: &str, now: Instant) {
        let at = match self.last_began.get(app) {
            Some(began) if *began + DEBOUNCE > now => *began + DEBOUNCE,
            _ => now,
        };
        self.due_by(app, at);
    }

    /// `app` must be recomputed no later than `at` (a resync), but not
    /// while an operation's writes are still arriving.
    pub fn due_by(&mut self, app: &str, at: Instant) {
        let at = match self.not_before.get(app) {
            Some(not_before) => at.max(*not_before),
            None => at,
        };
        self.due_at(app, at);
    }

    /// `app`'s inputs changed (a Git pass rendered something new): due at
    /// `at` even inside an operation's settle time, since a new revision
    /// must not wait for it. The settle time still holds the app
    /// unsettled: it is recomputed again when that is over.
    pub fn changed(&mut self, app: &str, at: Instant) {
        self.due_at(app, at);
    }

    fn due_at(&mut self, app: &str, at: Instant) {
        match self.due.get_mut(app) {
            Some(due) => *due = (*due).min(at),
            None => {
                self.due.insert(app.to_string(), at);
            }
        }
    }

    /// Takes every app due by `now` that is not being recomputed and marks
    /// it recomputing, with the epoch its picture belongs to. An app under
    /// an operation is recomputed too, for the front ends to follow the
    /// operation; automation does not decide on it until it is settled.
    pub fn take_due(&mut self, now: Instant) -> Vec<(String, Epoch)> {
        let ready: Vec<String> = self
            .due
            .iter()
            .filter(|(app, at)| **at <= now && !self.recomputing.contains(app.as_str()))
            .map(|(app, _)| app.clone())
            .collect();
        ready
            .into_iter()
            .map(|app| {
                self.due.remove(&app);
                match self.not_before.get(&app) {
                    // Taken early for a change: recomputed again once the
                    // operation's writes are in.
                    Some(not_before) if *not_before > now => {
                        self.due.insert(app.clone(), *not_before);
                    }
                    _ => {
                        self.not_before.remove(&app);
                    }
                }
                self.last_began.insert(app.clone(), now);
                self.recomputing.insert(app.clone());
                let epoch = self.epoch(&app);
                (app, epoch)
            })
            .collect()
    }

    /// When the earliest recompute that could start now is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.due
            .iter()
            .filter(|(app, _)| !self.recomputing.contains(app.as_str()))
            .map(|(_, at)| *at)
            .min()
    }

    /// A recompute of `app` taken at `epoch` is back. Returns whether its
    /// row may be used: not when an operation on the app ended since it
    /// began (the row would show the cluster from before the operation;
    /// the app is due again anyway).
    pub fn recomputed(&mut self, app: &str, epoch: Epoch) -> bool {
        self.recomputing.remove(app);
        self.epoch(app) == epoch
    }

    /// Whether an operation runs on `app`.
    pub fn operating(&self, app: &str) -> bool {
        self.operating.contains(app)
    }

    /// The apps with an operation running (publishing reads the running
    /// operations from these, without walking the fleet).
    pub fn operating_apps(&self) -> impl Iterator<Item = &str> {
        self.operating.iter().map(String::as_str)
    }

    /// An operation starts on `app` (none may be running on it).
    pub fn operation_started(&mut self, app: &str) {
        self.operating.insert(app.to_string());
    }

    /// The operation on `app` ended at `now`: recomputed once its writes
    /// had time to arrive through the watches; a recompute in flight
    /// belongs to the picture before.
    pub fn operation_finished(&mut self, app: &str, now: Instant) {
        self.operating.remove(app);
        *self.epochs.entry(app.to_string()).or_default() += 1;
        let settled = now + SETTLE;
        self.not_before.insert(app.to_string(), settled);
        // Marks made while it ran were the operation's own writes: they
        // wait for the settle time like the rest.
        self.due.insert(app.to_string(), settled);
    }

    /// Whether `app`'s row is as fresh as the queue knows how to make it:
    /// no operation, no recompute running or owed. Only such an app's
    /// automation is decided.
    pub fn settled(&self, app: &str) -> bool {
        !self.operating.contains(app)
            && !self.recomputing.contains(app)
            && !self.due.contains_key(app)
    }

    /// Whether a recompute is owed or under way.
    pub fn recomputing(&self) -> bool {
        !self.due.is_empty() || !self.recomputing.is_empty()
    }

    /// Forgets apps that left the fleet (work still running on one is let
    /// finish; its result is dropped by the caller).
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.due.retain(|app, _| keep(app));
        self.last_began.retain(|app, _| keep(app));
        self.not_before.retain(|app, _| keep(app));
        self.epochs.retain(|app, _| keep(app));
    }

    /// How many recomputes are owed, for the queue-depth gauge.
    pub fn depth(&self) -> usize {
        self.due.len()
    }

    fn epoch(&self, app: &str) -> Epoch {
        self.epochs.get(app).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(taken: Vec<(String, Epoch)>) -> Vec<String> {
        taken.into_iter().map(|(app, _)| app).collect()
    }

    #[test]
    fn a_quiet_app_is_due_at_once_and_a_burst_waits_for_the_debounce() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        queue.marked("web", now);
        assert_eq!(queue.next_due(), Some(now), "a lone change: no delay");
        let taken = queue.take_due(now);
        assert_eq!(taken, [("web".to_string(), 0)]);
        assert!(queue.recomputed("web", 0));
        let soon = now + Duration::from_millis(10);
        queue.marked("web", soon);
        queue.marked("web", soon + Duration::from_millis(5));
        assert_eq!(
            queue.next_due(),
            Some(now + DEBOUNCE),
            "recomputed 10 ms ago: the rest of the window"
        );
        assert!(queue.take_due(soon).is_empty());
        assert_eq!(names(queue.take_due(now + DEBOUNCE)), ["web"]);
    }

    #[test]
    fn an_app_is_never_recomputed_twice_at_once() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        queue.marked("web", now);
        queue.marked("api", now);
        assert_eq!(names(queue.take_due(now)), ["api", "web"]);
        queue.marked("web", now + DEBOUNCE);
        assert!(
            queue.take_due(now + DEBOUNCE * 2).is_empty(),
            "web is still recomputing: its new mark waits"
        );
        assert_eq!(queue.next_due(), None, "nothing can start now");
        assert!(!queue.settled("web"));
        assert!(queue.recomputed("web", 0));
        assert!(queue.recomputed("api", 0));
        assert!(queue.settled("api"));
        assert_eq!(names(queue.take_due(now + DEBOUNCE * 2)), ["web"]);
    }

    #[test]
    fn a_recompute_begun_before_an_operation_ended_is_dropped() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        queue.operation_started("web");
        queue.marked("web", now);
        let taken = queue.take_due(now);
        assert_eq!(names(taken.clone()), ["web"], "followed live while syncing");
        assert!(!queue.settled("web"), "but automation waits");
        let end = now + Duration::from_secs(2);
        queue.operation_finished("web", end);
        assert!(
            !queue.recomputed("web", taken[0].1),
            "its picture is from before the operation ended"
        );
        assert!(
            !queue.settled("web"),
            "owed a recompute after the settle time"
        );
        queue.marked("web", end + Duration::from_millis(1));
        assert!(
            queue.take_due(end).is_empty(),
            "a new event does not cut the settle time short"
        );
        let again = queue.take_due(end + SETTLE);
        assert_eq!(again, [("web".to_string(), 1)]);
        assert!(queue.recomputed("web", 1));
        assert!(queue.settled("web"));
    }

    #[test]
    fn an_operation_keeps_its_app_unsettled() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        assert!(queue.settled("web"));
        queue.operation_started("web");
        assert!(queue.operating("web"));
        assert!(!queue.settled("web"));
        queue.operation_finished("web", now);
        assert!(!queue.operating("web"));
        assert_eq!(queue.next_due(), Some(now + SETTLE));
        assert!(queue.take_due(now).is_empty());
        assert_eq!(names(queue.take_due(now + SETTLE)), ["web"]);
    }

    #[test]
    fn a_change_is_not_held_by_the_settle_time_but_the_app_stays_unsettled() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        queue.operation_started("web");
        queue.operation_finished("web", now);
        let soon = now + Duration::from_millis(5);
        queue.changed("web", soon);
        assert_eq!(queue.next_due(), Some(soon), "a new revision does not wait");
        assert_eq!(queue.take_due(soon), [("web".to_string(), 1)]);
        assert!(queue.recomputed("web", 1));
        assert!(
            !queue.settled("web"),
            "still owed the recompute after the settle time"
        );
        assert_eq!(queue.next_due(), Some(now + SETTLE));
        assert_eq!(names(queue.take_due(now + SETTLE)), ["web"]);
        assert!(queue.recomputed("web", 1));
        assert!(queue.settled("web"));
    }

    #[test]
    fn apps_that_left_the_fleet_are_forgotten() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        queue.marked("gone", now);
        queue.marked("kept", now);
        queue.retain(|app| app == "kept");
        assert_eq!(queue.depth(), 1);
        assert_eq!(names(queue.take_due(now)), ["kept"]);
    }
}
