//! Rows a recompute brings back too soon after an operation on their app.
//!
//! A recompute reads the live caches while the actor goes on. When a sync
//! of app A finishes meanwhile, or finished just before the recompute began
//! (its objects' watch events still on their way), the recompute's row for
//! A may show the cluster as it was before the sync (OutOfSync): merged, it
//! would flicker the old status; handed to automation, self-heal would sync
//! A again milliseconds after the first sync. Such rows are dropped, and
//! the caller recomputes their apps once the grace after the finish is
//! over.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::api::AppSnapshot;

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
    /// after it began, or less than `grace` before. `automate` is `None`
    /// for every app of `fleet`; it becomes the explicit list of the others
    /// when an app is dropped. Returns the dropped apps, each with the time
    /// from which a recompute of it can be believed.
    pub fn drop_stale<'a>(
        &self,
        (since, began): (u64, Instant),
        grace: Duration,
        fleet: impl Iterator<Item = &'a str>,
        rows: &mut Vec<AppSnapshot>,
        automate: &mut Option<BTreeSet<String>>,
    ) -> Vec<(String, Instant)> {
        let stale: HashMap<&str, Instant> = self
            .finished_at
            .iter()
            .filter(|(_, (count, at))| *count > since || *at + grace > began)
            .map(|(app, (_, at))| (app.as_str(), *at + grace))
            .collect();
        if stale.is_empty() {
            return Vec::new();
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
        dropped
            .into_iter()
            .filter_map(|app| stale.get(app.as_str()).map(|fresh| (app, *fresh)))
            .collect()
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
        let dropped = clock.drop_stale(since, GRACE, fleet, &mut recomputed, &mut automate);
        assert_eq!(dropped, [("api".to_string(), start + GRACE * 2)]);
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
    fn a_recompute_begun_within_the_grace_after_a_finish_is_too_early() {
        let start = Instant::now();
        let mut clock = FinishClock::default();
        clock.finished("api", start);
        clock.finished("idle", start);
        let since = (clock.now(), start + GRACE / 2);
        let mut recomputed = rows(&["api", "db"]);
        let mut automate = Some(BTreeSet::from(["api".to_string()]));
        let fleet = ["api", "db", "idle"].into_iter();
        let dropped = clock.drop_stale(since, GRACE, fleet, &mut recomputed, &mut automate);
        assert_eq!(
            dropped,
            [("api".to_string(), start + GRACE)],
            "recomputed then; idle was not in this recompute"
        );
        assert_eq!(names(&recomputed), ["db"]);
        assert_eq!(automate, Some(BTreeSet::new()), "nothing left to automate");
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
        let dropped = clock.drop_stale(since, GRACE, fleet, &mut recomputed, &mut automate);
        assert!(dropped.is_empty());
        assert_eq!(names(&recomputed), ["api"]);
        assert_eq!(automate, None, "still every app");
    }
}
