//! Words, icons and styles for engine values, shared by every view: one
//! place decides how "OutOfSync" or "paused 23m" looks.

use std::time::Duration;

use crate::engine::api::{
    AppFacts, AppSnapshot, AutomationState, FleetSnapshot, HealthStatus, Pause, SyncStatus,
    Timestamp, format_duration,
};

use super::theme::Slot;

pub fn sync_text(sync: SyncStatus) -> &'static str {
    match sync {
        SyncStatus::Synced => "✓ Synced",
        SyncStatus::OutOfSync => "≠ OutOfSync",
        SyncStatus::Unknown => "? Unknown",
    }
}

pub fn sync_slot(sync: SyncStatus) -> Slot {
    match sync {
        SyncStatus::Synced => Slot::SyncSynced,
        SyncStatus::OutOfSync => Slot::SyncOutOfSync,
        SyncStatus::Unknown => Slot::SyncUnknown,
    }
}

pub fn health_text(health: HealthStatus) -> &'static str {
    match health {
        HealthStatus::Healthy => "♥ Healthy",
        HealthStatus::Suspended => "‖ Suspended",
        HealthStatus::Progressing => "↻ Progressing",
        HealthStatus::Missing => "∅ Missing",
        HealthStatus::Degraded => "✖ Degraded",
        HealthStatus::Unknown => "? Unknown",
    }
}

pub fn health_slot(health: HealthStatus) -> Slot {
    match health {
        HealthStatus::Healthy => Slot::HealthHealthy,
        HealthStatus::Suspended => Slot::HealthSuspended,
        HealthStatus::Progressing => Slot::HealthProgressing,
        HealthStatus::Missing => Slot::HealthMissing,
        HealthStatus::Degraded => Slot::HealthDegraded,
        HealthStatus::Unknown => Slot::HealthUnknown,
    }
}

/// The first seven characters of a commit (a chart version stays whole).
pub fn short_revision(revision: &str) -> &str {
    let is_sha = revision.len() >= 12 && revision.chars().all(|c| c.is_ascii_hexdigit());
    if is_sha { &revision[..7] } else { revision }
}

/// The facts pause scopes are matched against.
pub fn facts(app: &AppSnapshot) -> AppFacts {
    AppFacts {
        name: app.name.clone(),
        project: app.project.clone(),
        cluster: app.cluster.clone().unwrap_or_default(),
        labels: app.labels.clone(),
    }
}

/// The pauses in force at `now` that cover `app`.
pub fn pauses_covering<'a>(
    snapshot: &'a FleetSnapshot,
    app: &AppSnapshot,
    now: Timestamp,
) -> Vec<&'a Pause> {
    if snapshot.pauses.is_empty() {
        return Vec::new();
    }
    let facts = facts(app);
    snapshot
        .pauses
        .iter()
        .filter(|pause| pause.is_active(now) && pause.scope.covers(&facts))
        .collect()
}

/// The automation column: `on`, `off`, `paused 23m`, `window`, `awaiting
/// approval`, `syncing`, `held`, with the slot to draw it in.
pub fn automation_text(
    snapshot: &FleetSnapshot,
    app: &AppSnapshot,
    now: Timestamp,
) -> (String, Slot) {
    match app.automation_state {
        AutomationState::Manual => ("off".into(), Slot::Muted),
        AutomationState::On => ("on".into(), Slot::Text),
        AutomationState::Syncing => ("syncing".into(), Slot::HealthProgressing),
        AutomationState::Paused => {
            let left = pauses_covering(snapshot, app, now)
                .iter()
                .map(|pause| pause.time_left(now))
                .max();
            match left {
                Some(left) => (format!("⏸ paused {}", format_duration(left)), Slot::Paused),
                None => ("⏸ paused".into(), Slot::Paused),
            }
        }
        AutomationState::Window => ("window".into(), Slot::Warning),
        AutomationState::AwaitingApproval => ("awaiting approval".into(), Slot::Warning),
        AutomationState::Held => ("held".into(), Slot::Warning),
    }
}

/// "12m ago" from an RFC 3339 time; the text itself when it does not parse.
pub fn ago(at: &str, now: Timestamp) -> String {
    let Ok(then) = at.parse::<Timestamp>() else {
        return at.to_string();
    };
    let elapsed = now.duration_since(then);
    if elapsed.is_negative() {
        return "just now".into();
    }
    let elapsed = Duration::from_secs(elapsed.as_secs().unsigned_abs());
    if elapsed.as_secs() < 60 {
        return "just now".into();
    }
    // format_duration rounds minutes up; "ago" rounds down to whole minutes
    // (which format_duration leaves as they are).
    let floored = Duration::from_secs(elapsed.as_secs() / 60 * 60);
    format!("{} ago", format_duration(floored))
}

/// The banner line of a pause: "⏸ alice paused app guestbook-dev for 23m:
/// db migration".
pub fn pause_banner(pause: &Pause, now: Timestamp) -> String {
    format!(
        "⏸ {} paused {} for {}: {}  [{}]",
        pause.owner,
        pause.scope,
        format_duration(pause.time_left(now)),
        pause.reason,
        pause.id
    )
}

/// `text` cut to `width` characters, with an ellipsis when cut.
pub fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::fixtures::demo_now;

    #[test]
    fn ago_rounds_down_and_revisions_shorten() {
        let now = demo_now();
        assert_eq!(ago("2026-11-22T13:48:00Z", now), "12m ago");
        assert_eq!(ago("2026-11-22T13:47:30Z", now), "12m ago");
        assert_eq!(ago("2026-11-22T13:59:30Z", now), "just now");
        assert_eq!(ago("yesterday", now), "yesterday");
        assert_eq!(short_revision("4f9c2e1a7b3d5c6e8f0a"), "4f9c2e1");
        assert_eq!(short_revision("1.2.3"), "1.2.3");
        assert_eq!(truncate("guestbook", 5), "gues…");
        assert_eq!(truncate("web", 5), "web");
    }
}
