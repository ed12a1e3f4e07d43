//! [`WorkQueue`]: the engine's per-app work queue. At most one unit of
//! work (a recompute, an operation) runs for an app at a time, and a
//! recompute asked for while the app is busy waits until it is free — the
//! rule kube-runtime's controller runner keeps ("never the same key twice
//! at once") and its scheduler's `hold_unless`.
//!
//! Why it exists: a recompute reads the live caches while the actor goes
//! on. If a sync of the same app could finish meanwhile, the recompute
//! would bring back a row from before the sync (a flicker of the old
//! status, and self-heal syncing again at once). Here an app being synced
//! is never recomputed, and an app being recomputed is synced only once
//! the recompute is back; after an operation the app is recomputed once
//! the watches had time to deliver what it wrote ([`SETTLE`]). A row is
//! therefore never older than the app's last operation, and automation
//! decides only on an app that is [`WorkQueue::settled`].
//!
//! Debounce is per app and adaptive: a mark on a quiet app is due at once;
//! an app recomputed less than [`DEBOUNCE`] ago waits out the rest of it,
//! so a rollout's burst of Pod events costs one recompute per window, not
//! one per event, while a lone change shows without delay.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use tokio::time::Instant;

/// The shortest interval between two recomputes of one app under a burst
/// of events: long enough to coalesce a rollout, short next to a person's
/// reaction time.
pub const DEBOUNCE: Duration = Duration::from_millis(60);

/// How long after an operation its app is recomputed: the watches deliver
/// the operation's own writes within this on a healthy connection.
pub const SETTLE: Duration = Duration::from_millis(60);

/// What an app is doing now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    Recomputing,
    Operating,
}

#[derive(Debug, Default)]
pub struct WorkQueue {
    /// App → when its next recompute is due (held while the app is busy).
    due: BTreeMap<String, Instant>,
    busy: HashMap<String, Busy>,
    /// App → when its last recompute began, for the adaptive debounce.
    last_began: HashMap<String, Instant>,
    /// App → no recompute before this (an operation's writes are still
    /// arriving through the watches).
    not_before: HashMap<String, Instant>,
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

    /// `app` must be recomputed no later than `at` (a Git pass changed it,
    /// an operation on it ended, a resync).
    pub fn due_by(&mut self, app: &str, at: Instant) {
        let at = match self.not_before.get(app) {
            Some(not_before) => at.max(*not_before),
            None => at,
        };
        match self.due.get_mut(app) {
            Some(due) => *due = (*due).min(at),
            None => {
                self.due.insert(app.to_string(), at);
            }
        }
    }

    /// Takes every app due by `now` that is not busy and marks it
    /// recomputing; apps that are busy stay due until they are free.
    pub fn take_due(&mut self, now: Instant) -> Vec<String> {
        let ready: Vec<String> = self
            .due
            .iter()
            .filter(|(app, at)| **at <= now && !self.busy.contains_key(app.as_str()))
            .map(|(app, _)| app.clone())
            .collect();
        for app in &ready {
            self.due.remove(app);
            self.not_before.remove(app);
            self.busy.insert(app.clone(), Busy::Recomputing);
            self.last_began.insert(app.clone(), now);
        }
        ready
    }

    /// When the earliest recompute that could start now is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.due
            .iter()
            .filter(|(app, _)| !self.busy.contains_key(app.as_str()))
            .map(|(_, at)| *at)
            .min()
    }

    /// A recompute of these apps is back: they are free again (those
    /// marked meanwhile are due as marked).
    pub fn recomputed<'a>(&mut self, apps: impl IntoIterator<Item = &'a str>) {
        for app in apps {
            if self.busy.get(app) == Some(&Busy::Recomputing) {
                self.busy.remove(app);
            }
        }
    }

    /// Whether an operation may start on `app` now.
    #[cfg(test)]
    pub fn is_free(&self, app: &str) -> bool {
        !self.busy.contains_key(app)
    }

    pub fn busy(&self, app: &str) -> Option<Busy> {
        self.busy.get(app).copied()
    }

    /// An operation starts on a free app.
    pub fn operation_started(&mut self, app: &str) {
        self.busy.insert(app.to_string(), Busy::Operating);
    }

    /// The operation on `app` ended at `now`: recomputed once its writes
    /// had time to arrive through the watches.
    pub fn operation_finished(&mut self, app: &str, now: Instant) {
        if self.busy.get(app) == Some(&Busy::Operating) {
            self.busy.remove(app);
        }
        let settled = now + SETTLE;
        self.not_before.insert(app.to_string(), settled);
        // Marks made while it ran were the operation's own writes: they
        // wait for the settle time like the rest.
        self.due.insert(app.to_string(), settled);
    }

    /// Whether `app`'s row is as fresh as the queue knows how to make it:
    /// nothing running on it and no recompute owed. Only such an app's
    /// automation is decided.
    pub fn settled(&self, app: &str) -> bool {
        !self.busy.contains_key(app) && !self.due.contains_key(app)
    }

    /// Forgets apps that left the fleet (their running work, if any, is
    /// let finish: its result is dropped by the caller).
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.due.retain(|app, _| keep(app));
        self.last_began.retain(|app, _| keep(app));
        self.not_before.retain(|app, _| keep(app));
    }

    /// Whether a recompute is owed or under way.
    pub fn recomputing(&self) -> bool {
        !self.due.is_empty() || self.busy.values().any(|busy| *busy == Busy::Recomputing)
    }

    /// How many recomputes are owed, for the queue-depth gauge.
    pub fn depth(&self) -> usize {
        self.due.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_app_is_due_at_once_and_a_burst_waits_for_the_debounce() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        queue.marked("web", now);
        assert_eq!(queue.next_due(), Some(now), "a lone change: no delay");
        assert_eq!(queue.take_due(now), ["web"]);
        queue.recomputed(["web"]);
        let soon = now + Duration::from_millis(10);
        queue.marked("web", soon);
        queue.marked("web", soon + Duration::from_millis(5));
        assert_eq!(
            queue.next_due(),
            Some(now + DEBOUNCE),
            "recomputed 10 ms ago: the rest of the window"
        );
        assert!(queue.take_due(soon).is_empty());
        assert_eq!(queue.take_due(now + DEBOUNCE), ["web"]);
    }

    #[test]
    fn an_app_is_never_recomputed_while_it_is_busy() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        queue.marked("web", now);
        queue.marked("api", now);
        assert_eq!(queue.take_due(now), ["api", "web"]);
        queue.marked("web", now + DEBOUNCE);
        assert!(
            queue.take_due(now + DEBOUNCE * 2).is_empty(),
            "web is still recomputing: its new mark waits"
        );
        assert_eq!(queue.next_due(), None, "nothing can start now");
        assert!(!queue.is_free("web"));
        queue.recomputed(["web", "api"]);
        assert_eq!(queue.take_due(now + DEBOUNCE * 2), ["web"]);
    }

    #[test]
    fn an_operation_holds_recomputes_and_its_end_settles_before_one() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        queue.operation_started("web");
        queue.marked("web", now);
        assert!(queue.take_due(now).is_empty(), "held while syncing");
        assert!(!queue.settled("web"));
        let end = now + Duration::from_secs(2);
        queue.operation_finished("web", end);
        assert!(queue.is_free("web"));
        assert!(
            !queue.settled("web"),
            "owed a recompute: automation must wait"
        );
        assert_eq!(
            queue.next_due(),
            Some(end + SETTLE),
            "the mark made while syncing waits for the writes to arrive"
        );
        queue.marked("web", end + Duration::from_millis(1));
        assert!(
            queue.take_due(end).is_empty(),
            "a new event does not cut the settle time short"
        );
        assert_eq!(queue.take_due(end + SETTLE), ["web"]);
        queue.recomputed(["web"]);
        assert!(queue.settled("web"));
    }

    #[test]
    fn a_finished_operation_is_recomputed_after_the_settle_time() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        queue.operation_started("web");
        queue.operation_finished("web", now);
        assert_eq!(queue.next_due(), Some(now + SETTLE));
        assert!(queue.take_due(now).is_empty());
        assert_eq!(queue.take_due(now + SETTLE), ["web"]);
    }

    #[test]
    fn apps_that_left_the_fleet_are_forgotten() {
        let now = Instant::now();
        let mut queue = WorkQueue::default();
        queue.marked("gone", now);
        queue.marked("kept", now);
        queue.retain(|app| app == "kept");
        assert_eq!(queue.depth(), 1);
        assert_eq!(queue.take_due(now), ["kept"]);
    }
}
