//! Rows a recompute brings back too soon after an operation on their app.
//!
//! A recompute reads the live caches while the actor goes on. When a sync
//! of app A finishes meanwhile, the recompute's row for A may show the
//! cluster as it was before the sync (OutOfSync): merged, it would flicker
//! the old status; handed to automation, self-heal would sync A again
//! milliseconds after the first sync. Such rows are dropped. A recompute
//! that began just after the finish has the new render but perhaps not yet
//! the sync's watch events: its row is kept (a new revision may sync at
//! once) but self-heal waits for it. Either way the caller recomputes the
//! app once the grace after the finish is over.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::api::AppSnapshot;

/// What a recompute's rows may be trusted with.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Staleness {
    /// Apps to recompute again, each from the time its row can be believed.
    pub again: Vec<(String, Instant)>,
    /// Apps whose rows were kept but must not drive self-heal.
    pub settling: BTreeSet<String>,
}

/// Counts operation finishes, so a recompute can tell which apps finished
/// an operation after it began.
#[derive(Debug, Default)]
pub struct FinishClock {
    now: u64,
    /// App → the clock and the time at its last finish.
    finished_at: HashMap<String, (u64, Instant)>,
}

impl FinishClock {
    /// The clock a recompute starts at.
    pub fn now(&self) -> u64 {
        self.now
    }

    pub fn finished(&mut self, app: &str, at: Instant) {
        self.now += 1;
        self.finished_at.insert(app.to_string(), (self.now, at));
    }

    /// Drops from `rows` and from `automate` the apps of a recompute that
    /// began at clock `since` and time `began` which finished an operation
    /// after it began; those that finished less than `grace` before it
    /// began are settling. `automate` is `None` for every app of `fleet`;
    /// it becomes the explicit list of the others when an app is dropped.
    pub fn drop_stale<'a>(
        &self,
        (since, began): (u64, Instant),
        grace: Duration,
        fleet: impl Iterator<Item = &'a str>,
        rows: &mut Vec<AppSnapshot>,
        automate: &mut Option<BTreeSet<String>>,
    ) -> Staleness {
        let mut staleness = Staleness::default();
        let mut stale: HashMap<&str, Instant> = HashMap::new();
        let mut settling: HashMap<&str, Instant> = HashMap::new();
        for (app, (count, at)) in &self.finished_at {
            if *count > since {
                stale.insert(app, *at + grace);
            } else if *at + grace > began {
                settling.insert(app, *at + grace);
            }
        }
        for row in rows.iter() {
            if let Some(fresh) = settling.get(row.name.as_str()) {
                staleness.settling.insert(row.name.clone());
                staleness.again.push((row.name.clone(), *fresh));
            }
        }
        if stale.is_empty() {
            staleness.again.sort();
            return staleness;
        }
        let mut dropped: BTreeSet<String> = BTreeSet::new();
        rows.retain(|row| {
            let fresh = !stale.contains_key(row.name.as_str());
            if !fresh {
                dropped.insert(row.name.clone());
            }
            fresh
        });
        let names = automate.get_or_insert_with(|| fleet.map(str::to_string).collect());
        names.retain(|name| {
            let fresh = !stale.contains_key(name.as_str());
            if !fresh {
                dropped.insert(name.clone());
            }
            fresh
        });
        staleness.again.extend(
            dropped
                .into_iter()
                .filter_map(|app| stale.get(app.as_str()).map(|fresh| (app, *fresh))),
        );
        staleness.again.sort();
        staleness
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::Application;
    use crate::engine::reconciler::observe::base_row;
    use serde_json::json;

    fn rows(names: &[&str]) -> Vec<AppSnapshot> {
        names
            .iter()
            .map(|name| {
                let app = Application::from_value(json!({
                    "apiVersion": "argoproj.io/v1alpha1",
                    "kind": "Application",
                    "metadata": {"name": name},
                    "spec": {
                        "project": "default",
                        "source": {"repoURL": "https://git.example.com/fleet.git", "path": name},
                        "destination": {"name": "dev", "namespace": name}
                    }
                }))
                .expect("application");
                base_row(&app, None)
            })
            .collect()
    }

    fn names(rows: &[AppSnapshot]) -> Vec<&str> {
        rows.iter().map(|row| row.name.as_str()).collect()
    }

    const GRACE: Duration = Duration::from_millis(60);

    #[test]
    fn an_app_that_finished_after_the_recompute_began_is_dropped() {
        let start = Instant::now();
        let mut clock = FinishClock::default();
        clock.finished("web", start);
        let since = (clock.now(), start + GRACE);
        clock.finished("api", start + GRACE);
        let mut recomputed = rows(&["api", "db", "web"]);
        let mut automate = None;
        let fleet = ["api", "db", "web"].into_iter();
        let staleness = clock.drop_stale(since, GRACE, fleet, &mut recomputed, &mut automate);
        assert_eq!(staleness.again, [("api".to_string(), start + GRACE * 2)]);
        assert!(staleness.settling.is_empty());
        assert_eq!(
            names(&recomputed),
            ["db", "web"],
            "web finished long before"
        );
        assert_eq!(
            automate,
            Some(BTreeSet::from(["db".to_string(), "web".to_string()])),
            "every app but api"
        );
    }

    #[test]
    fn a_recompute_begun_within_the_grace_keeps_its_row_but_not_for_self_heal() {
        let start = Instant::now();
        let mut clock = FinishClock::default();
        clock.finished("api", start);
        clock.finished("idle", start);
        let since = (clock.now(), start + GRACE / 2);
        let mut recomputed = rows(&["api", "db"]);
        let mut automate = Some(BTreeSet::from(["api".to_string()]));
        let fleet = ["api", "db", "idle"].into_iter();
        let staleness = clock.drop_stale(since, GRACE, fleet, &mut recomputed, &mut automate);
        assert_eq!(names(&recomputed), ["api", "db"], "a new revision may sync");
        assert_eq!(automate, Some(BTreeSet::from(["api".to_string()])));
        assert_eq!(staleness.settling, BTreeSet::from(["api".to_string()]));
        assert_eq!(
            staleness.again,
            [("api".to_string(), start + GRACE)],
            "recomputed when the grace is over; idle was not in this recompute"
        );
    }

    #[test]
    fn nothing_finished_lately_changes_nothing() {
        let start = Instant::now();
        let mut clock = FinishClock::default();
        clock.finished("api", start);
        let since = (clock.now(), start + GRACE);
        let mut recomputed = rows(&["api"]);
        let mut automate = None;
        let fleet = ["api"].into_iter();
        let staleness = clock.drop_stale(since, GRACE, fleet, &mut recomputed, &mut automate);
        assert_eq!(staleness, Staleness::default());
        assert_eq!(names(&recomputed), ["api"]);
        assert_eq!(automate, None, "still every app");
    }
}
