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

/// When each app last finished an operation, as the actor saw it. The
/// actor stamps finishes and recompute starts with the same monotonic
/// clock, one after another, so comparing the two says which came first.
#[derive(Debug, Default)]
pub struct Finishes {
    at: HashMap<String, Instant>,
}

impl Finishes {
    pub fn finished(&mut self, app: &str, at: Instant) {
        self.at.insert(app.to_string(), at);
    }

    /// Drops from `rows` and from `automate` the apps of a recompute that
    /// began at `began` which finished an operation after it began; those
    /// that finished less than `grace` before it began are settling.
    /// `automate` is `None` for every app of `fleet`; it becomes the
    /// explicit list of the others when an app is dropped.
    pub fn drop_stale<'a>(
        &self,
        began: Instant,
        grace: Duration,
        fleet: impl Iterator<Item = &'a str>,
        rows: &mut Vec<AppSnapshot>,
        automate: &mut Option<BTreeSet<String>>,
    ) -> Staleness {
        let mut staleness = Staleness::default();
        let mut stale: HashMap<&str, Instant> = HashMap::new();
        for (app, at) in &self.at {
            if *at > began {
                stale.insert(app, *at + grace);
            }
        }
        for row in rows.iter() {
            if let Some(at) = self.at.get(&row.name)
                && *at <= began
                && *at + grace > began
            {
                staleness.settling.insert(row.name.clone());
                staleness.again.push((row.name.clone(), *at + grace));
            }
        }
        if !stale.is_empty() {
            let mut dropped: BTreeSet<String> = BTreeSet::new();
            let mut keep = |name: &String| {
                let fresh = !stale.contains_key(name.as_str());
                if !fresh {
                    dropped.insert(name.clone());
                }
                fresh
            };
            rows.retain(|row| keep(&row.name));
            automate
                .get_or_insert_with(|| fleet.map(str::to_string).collect())
                .retain(|name| keep(name));
            staleness.again.extend(
                dropped
                    .into_iter()
                    .filter_map(|app| stale.get(app.as_str()).map(|fresh| (app, *fresh))),
            );
        }
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
        let mut clock = Finishes::default();
        clock.finished("web", start);
        let since = start + GRACE;
        clock.finished("api", start + GRACE + Duration::from_millis(1));
        let mut recomputed = rows(&["api", "db", "web"]);
        let mut automate = None;
        let fleet = ["api", "db", "web"].into_iter();
        let staleness = clock.drop_stale(since, GRACE, fleet, &mut recomputed, &mut automate);
        assert_eq!(
            staleness.again,
            [(
                "api".to_string(),
                start + GRACE * 2 + Duration::from_millis(1)
            )]
        );
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
        let mut clock = Finishes::default();
        clock.finished("api", start);
        clock.finished("idle", start);
        let since = start + GRACE / 2;
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
        let mut clock = Finishes::default();
        clock.finished("api", start);
        let since = start + GRACE;
        let mut recomputed = rows(&["api"]);
        let mut automate = None;
        let fleet = ["api"].into_iter();
        let staleness = clock.drop_stale(since, GRACE, fleet, &mut recomputed, &mut automate);
        assert_eq!(staleness, Staleness::default());
        assert_eq!(names(&recomputed), ["api"]);
        assert_eq!(automate, None, "still every app");
    }
}
