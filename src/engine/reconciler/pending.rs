//! [`Pending`]: the recompute work the actor owes, gathered between
//! recomputes — apps marked by watch events (after a short debounce, so a
//! rollout's burst of Pod events is one recompute), apps a Git pass
//! changed (at once), whole clusters, or everything (the full resync).

use std::collections::BTreeSet;
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::cluster::DirtyMarks;

/// How long watch events are gathered before a recompute: long enough to
/// coalesce a burst, short next to a person's reaction time.
pub const DEBOUNCE: Duration = Duration::from_millis(60);

#[derive(Debug, Default)]
pub struct Pending {
    pub apps: BTreeSet<String>,
    pub clusters: BTreeSet<String>,
    pub all: bool,
    /// Run automation for every app after this recompute, not only for the
    /// recomputed ones (a Git pass: pauses, windows and backoffs move with
    /// time, not with events).
    pub automate_all: bool,
    due: Option<Instant>,
}

impl Pending {
    /// Watch events: due after the debounce (joining a window already open).
    pub fn marked(&mut self, marks: DirtyMarks, now: Instant) {
        if marks.is_empty() {
            return;
        }
        self.apps.extend(marks.apps);
        self.clusters.extend(marks.clusters);
        self.due_by(now + DEBOUNCE);
    }

    pub fn app(&mut self, app: String, due: Instant) {
        self.apps.insert(app);
        self.due_by(due);
    }

    /// A Git pass finished: its changed apps now, and automation for all.
    pub fn git_pass(&mut self, changed: BTreeSet<String>, full: bool, now: Instant) {
        self.apps.extend(changed);
        self.all |= full;
        self.automate_all = true;
        self.due_by(now);
    }

    /// When the next recompute should start, if one is owed.
    pub fn due(&self) -> Option<Instant> {
        self.due
    }

    pub fn take(&mut self) -> Pending {
        std::mem::take(self)
    }

    fn due_by(&mut self, at: Instant) {
        self.due = Some(self.due.map_or(at, |due| due.min(at)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_wait_for_the_debounce_and_a_git_pass_does_not() {
        let now = Instant::now();
        let mut pending = Pending::default();
        pending.marked(DirtyMarks::default(), now);
        assert_eq!(pending.due(), None, "nothing marked, nothing owed");
        let marks = DirtyMarks {
            apps: BTreeSet::from(["web".to_string()]),
            clusters: BTreeSet::new(),
        };
        pending.marked(marks.clone(), now);
        pending.marked(marks, now + Duration::from_millis(30));
        assert_eq!(
            pending.due(),
            Some(now + DEBOUNCE),
            "the first mark opens the window"
        );
        pending.git_pass(BTreeSet::from(["api".to_string()]), false, now);
        assert_eq!(pending.due(), Some(now));
        let taken = pending.take();
        assert_eq!(taken.apps.len(), 2);
        assert!(taken.automate_all);
        assert_eq!(pending.due(), None);
    }
}
