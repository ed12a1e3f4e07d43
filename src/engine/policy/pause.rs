//! Time-boxed pauses: an operator stops automated sync and self-heal for
//! one app, a cluster, a project, a label selector or the whole fleet, for
//! a bounded time and with a reason everyone sees. A pause never hides
//! drift (the caller still reports OutOfSync); it only holds automation
//! back, and it ends by itself.
//!
//! Pauses are stored by [`crate::engine::state::pauses`]; this module is the
//! pure part: what a pause covers and how it reads.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use k8s_openapi::jiff::Timestamp;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::duration_text::{format_duration, later, time_left};
use super::label_match::TextSelector;
use crate::engine::selector::SelectorError;

/// What the policy needs to know about an application to match it against
/// pauses and gates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppFacts {
    pub name: String,
    pub project: String,
    /// The destination cluster's name in the fleet registry.
    pub cluster: String,
    /// The Application's own labels (`metadata.labels`).
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// What a pause covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "target")]
pub enum PauseScope {
    App(String),
    /// Every app deployed to the cluster.
    Cluster(String),
    /// Every app of the project.
    Project(String),
    /// Every app whose labels match.
    Selector(TextSelector),
    /// Every app: a freeze.
    Fleet,
}

impl PauseScope {
    /// A selector scope from text (`team=payments`).
    pub fn selector(text: &str) -> Result<Self, SelectorError> {
        TextSelector::parse(text).map(PauseScope::Selector)
    }

    pub fn covers(&self, app: &AppFacts) -> bool {
        match self {
            PauseScope::App(name) => *name == app.name,
            PauseScope::Cluster(cluster) => *cluster == app.cluster,
            PauseScope::Project(project) => *project == app.project,
            PauseScope::Selector(selector) => selector.matches(&app.labels),
            PauseScope::Fleet => true,
        }
    }

    /// The name a scope targets, empty for the fleet.
    fn target(&self) -> &str {
        match self {
            PauseScope::App(name) | PauseScope::Cluster(name) | PauseScope::Project(name) => name,
            PauseScope::Selector(selector) => selector.as_str(),
            PauseScope::Fleet => "",
        }
    }
}

impl fmt::Display for PauseScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PauseScope::App(name) => write!(f, "app {name}"),
            PauseScope::Cluster(name) => write!(f, "cluster {name}"),
            PauseScope::Project(name) => write!(f, "project {name}"),
            PauseScope::Selector(selector) => write!(f, "apps matching {selector}"),
            PauseScope::Fleet => f.write_str("the whole fleet"),
        }
    }
}

/// An operator's request to pause; the store turns it into a [`Pause`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PauseRequest {
    pub scope: PauseScope,
    pub reason: String,
    pub owner: String,
    pub duration: Duration,
}

/// A request that cannot become a pause.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PauseError {
    #[error("a pause needs a reason (everyone sees it)")]
    MissingReason,
    #[error("a pause needs the name of the operator who sets it")]
    MissingOwner,
    #[error("a pause of {scope} needs a name to pause")]
    MissingTarget { scope: &'static str },
    #[error("a pause must last longer than zero")]
    ZeroDuration,
    #[error("a pause of {} is longer than the maximum of {}", format_duration(*requested), format_duration(*max))]
    TooLong { requested: Duration, max: Duration },
}

impl PauseRequest {
    /// Checks the request against `max` (usually
    /// [`MAX_TIME_BOX`](super::duration_text::MAX_TIME_BOX)).
    pub fn validate(&self, max: Duration) -> Result<(), PauseError> {
        if self.reason.trim().is_empty() {
            return Err(PauseError::MissingReason);
        }
        if self.owner.trim().is_empty() {
            return Err(PauseError::MissingOwner);
        }
        let scope = match &self.scope {
            PauseScope::App(_) => "an app",
            PauseScope::Cluster(_) => "a cluster",
            PauseScope::Project(_) => "a project",
            PauseScope::Selector(_) | PauseScope::Fleet => "",
        };
        if !scope.is_empty() && self.scope.target().trim().is_empty() {
            return Err(PauseError::MissingTarget { scope });
        }
        if self.duration.is_zero() {
            return Err(PauseError::ZeroDuration);
        }
        if self.duration > max {
            return Err(PauseError::TooLong {
                requested: self.duration,
                max,
            });
        }
        Ok(())
    }

    /// The pause this request sets at `now`, with the store's `id`, if it
    /// lasts at most `max`.
    pub fn into_pause(
        self,
        id: String,
        now: Timestamp,
        max: Duration,
    ) -> Result<Pause, PauseError> {
        self.validate(max)?;
        Ok(Pause {
            id,
            expires_at: later(now, self.duration),
            scope: self.scope,
            reason: self.reason.trim().to_string(),
            owner: self.owner.trim().to_string(),
            created_at: now,
        })
    }
}

/// A pause in force until `expires_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pause {
    /// Assigned by the store (`p1`, `p2`, ...); what `resume` takes.
    pub id: String,
    pub scope: PauseScope,
    pub reason: String,
    pub owner: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

impl Pause {
    pub fn is_active(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }

    pub fn time_left(&self, now: Timestamp) -> Duration {
        time_left(now, self.expires_at)
    }

    /// "paused by alice until 14:30 UTC (23m left): db migration" — the
    /// reason a blocked auto-sync gives. The date is added when the pause
    /// ends on another day than `now`.
    pub fn describe(&self, now: Timestamp) -> String {
        format!(
            "paused by {} until {} ({} left): {}",
            self.owner,
            clock_time(now, self.expires_at),
            format_duration(self.time_left(now)),
            self.reason
        )
    }

    /// "paused 23m left by alice: db migration" — for a narrow column.
    pub fn short(&self, now: Timestamp) -> String {
        format!(
            "paused {} left by {}: {}",
            format_duration(self.time_left(now)),
            self.owner,
            self.reason
        )
    }
}

/// `14:30 UTC`, or `2026-11-23 14:30 UTC` when not on `now`'s day.
fn clock_time(now: Timestamp, at: Timestamp) -> String {
    let day = |ts: Timestamp| ts.strftime("%Y-%m-%d").to_string();
    if day(now) == day(at) {
        format!("{} UTC", at.strftime("%H:%M"))
    } else {
        format!("{} UTC", at.strftime("%Y-%m-%d %H:%M"))
    }
}

/// The unexpired pauses that cover `app`, the one ending last first (it is
/// the one that holds the app longest).
pub fn pauses_for<'a>(pauses: &'a [Pause], app: &AppFacts, now: Timestamp) -> Vec<&'a Pause> {
    in_force(pauses.iter().filter(|pause| pause.scope.covers(app)), now)
}

/// The pauses still in force at `now`, the one ending last first.
pub fn in_force<'a>(pauses: impl IntoIterator<Item = &'a Pause>, now: Timestamp) -> Vec<&'a Pause> {
    let mut active: Vec<&Pause> = pauses
        .into_iter()
        .filter(|pause| pause.is_active(now))
        .collect();
    active.sort_by(|a, b| b.expires_at.cmp(&a.expires_at).then(a.id.cmp(&b.id)));
    active
}

/// Why automation is held back by `pauses` (as returned by [`pauses_for`]):
/// the longest one described, and how many more there are.
pub fn pause_reason(pauses: &[&Pause], now: Timestamp) -> Option<String> {
    let (first, rest) = pauses.split_first()?;
    let mut reason = first.describe(now);
    match rest.len() {
        0 => {}
        1 => reason.push_str(" (+1 more pause)"),
        more => reason.push_str(&format!(" (+{more} more pauses)")),
    }
    Some(reason)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::policy::duration_text::MAX_TIME_BOX;

    const MIN: u64 = 60;

    fn at(second: i64) -> Timestamp {
        // 2026-11-22 14:00:00 UTC.
        Timestamp::from_second(1_795_356_000 + second).unwrap()
    }

    fn app() -> AppFacts {
        AppFacts {
            name: "web".into(),
            project: "payments".into(),
            cluster: "prod-eu".into(),
            labels: [("tier".to_string(), "db".to_string())].into(),
        }
    }

    fn request(scope: PauseScope, minutes: u64) -> PauseRequest {
        PauseRequest {
            scope,
            reason: "db migration".into(),
            owner: "alice".into(),
            duration: Duration::from_secs(minutes * MIN),
        }
    }

    fn pause(id: &str, scope: PauseScope, minutes: u64) -> Pause {
        request(scope, minutes)
            .into_pause(id.into(), at(0), MAX_TIME_BOX)
            .unwrap()
    }

    #[test]
    fn every_scope_covers_the_right_apps() {
        let web = app();
        let covers = |scope: PauseScope| scope.covers(&web);
        assert!(covers(PauseScope::App("web".into())));
        assert!(!covers(PauseScope::App("api".into())));
        assert!(covers(PauseScope::Cluster("prod-eu".into())));
        assert!(!covers(PauseScope::Cluster("prod-us".into())));
        assert!(covers(PauseScope::Project("payments".into())));
        assert!(!covers(PauseScope::Project("default".into())));
        assert!(covers(PauseScope::selector("tier in (db,cache)").unwrap()));
        assert!(!covers(PauseScope::selector("tier=web").unwrap()));
        assert!(covers(PauseScope::Fleet));
        assert!(PauseScope::selector("").is_err());
    }

    #[test]
    fn only_unexpired_covering_pauses_count_longest_first() {
        let pauses = vec![
            pause("p1", PauseScope::Cluster("prod-eu".into()), 30),
            pause("p2", PauseScope::App("api".into()), 120),
            pause("p3", PauseScope::Fleet, 90),
            pause("p4", PauseScope::App("web".into()), 10),
        ];
        let ids = |now| -> Vec<String> {
            pauses_for(&pauses, &app(), now)
                .iter()
                .map(|pause| pause.id.clone())
                .collect()
        };
        assert_eq!(ids(at(0)), ["p3", "p1", "p4"]);
        // p4 ends at exactly 10 minutes: expired at that instant.
        assert_eq!(ids(at(10 * 60)), ["p3", "p1"]);
        assert_eq!(ids(at(60 * 60)), ["p3"]);
        assert!(ids(at(90 * 60)).is_empty());
    }

    #[test]
    fn reads_as_who_why_and_how_long() {
        let web = pause("p1", PauseScope::App("web".into()), 30);
        assert_eq!(web.expires_at, at(1800));
        let now = at(7 * 60);
        assert_eq!(
            web.describe(now),
            "paused by alice until 14:30 UTC (23m left): db migration"
        );
        assert_eq!(web.short(now), "paused 23m left by alice: db migration");
        let long = pause("p2", PauseScope::Fleet, 24 * 60);
        assert_eq!(
            long.describe(now),
            "paused by alice until 2026-11-23 14:00 UTC (23h53m left): db migration"
        );
        let both = vec![long.clone(), web.clone()];
        let covering = pauses_for(&both, &app(), now);
        assert_eq!(
            pause_reason(&covering, now).unwrap(),
            format!("{} (+1 more pause)", long.describe(now))
        );
        assert_eq!(pause_reason(&[], now), None);
        assert_eq!(PauseScope::Fleet.to_string(), "the whole fleet");
        assert_eq!(
            PauseScope::selector("tier=db").unwrap().to_string(),
            "apps matching tier=db"
        );
    }

    #[test]
    fn requests_are_checked() {
        let ok = request(PauseScope::Fleet, 30);
        assert_eq!(ok.validate(MAX_TIME_BOX), Ok(()));
        let mut bad = ok.clone();
        bad.reason = "  ".into();
        assert_eq!(bad.validate(MAX_TIME_BOX), Err(PauseError::MissingReason));
        let mut bad = ok.clone();
        bad.owner = String::new();
        assert_eq!(bad.validate(MAX_TIME_BOX), Err(PauseError::MissingOwner));
        let mut bad = ok.clone();
        bad.scope = PauseScope::Cluster(String::new());
        assert_eq!(
            bad.validate(MAX_TIME_BOX),
            Err(PauseError::MissingTarget { scope: "a cluster" })
        );
        let mut bad = ok.clone();
        bad.duration = Duration::ZERO;
        assert_eq!(bad.validate(MAX_TIME_BOX), Err(PauseError::ZeroDuration));
        let mut bad = ok;
        bad.duration = Duration::from_secs(8 * 24 * 60 * MIN);
        let error = bad
            .clone()
            .into_pause("p1".into(), at(0), MAX_TIME_BOX)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "a pause of 8d is longer than the maximum of 7d"
        );
    }

    #[test]
    fn serializes_scopes_with_a_kind() {
        let json = |scope: PauseScope| serde_json::to_value(scope).unwrap();
        assert_eq!(
            json(PauseScope::App("web".into())),
            serde_json::json!({"kind": "app", "target": "web"})
        );
        assert_eq!(
            json(PauseScope::selector("tier=db").unwrap()),
            serde_json::json!({"kind": "selector", "target": "tier=db"})
        );
        assert_eq!(
            json(PauseScope::Fleet),
            serde_json::json!({"kind": "fleet"})
        );
        let back: PauseScope =
            serde_json::from_value(serde_json::json!({"kind": "cluster", "target": "c1"})).unwrap();
        assert_eq!(back, PauseScope::Cluster("c1".into()));
    }
}
