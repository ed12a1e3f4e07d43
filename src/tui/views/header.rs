//! The header on every view: who and where, the fleet in counts, the
//! READ-ONLY badge, and one banner line per pause in force (who, what,
//! how long, why) so that nobody wonders why automation is quiet.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::format::{pause_banner, truncate};
use super::super::model::{MAX_BANNER, Model, WIDE};
use super::super::theme::Slot;

pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let style = |slot| theme.style(slot);
    let counts = &model.counts;
    let hub = model
        .snapshot
        .clusters
        .iter()
        .find(|cluster| cluster.hub)
        .map_or("no hub", |cluster| cluster.name.as_str());
    let mut who = vec![Span::styled(" fleetdeck ", style(Slot::Title))];
    if model.is_readonly() {
        who.push(Span::styled(" READ-ONLY ", style(Slot::ReadOnly)));
        who.push(Span::raw(" "));
    }
    who.push(Span::styled(
        format!("{}@{hub}", model.operator),
        style(Slot::Accent),
    ));
    let cluster_slot = if counts.reachable < counts.clusters {
        Slot::Warning
    } else {
        Slot::Muted
    };
    who.push(Span::styled(
        format!("  clusters {}/{}", counts.reachable, counts.clusters),
        style(cluster_slot),
    ));

    let count = |label: &str, value: usize, slot: Slot| {
        let slot = if value == 0 { Slot::Muted } else { slot };
        Span::styled(format!("  {label} {value}"), style(slot))
    };
    let fleet = vec![
        Span::styled(format!(" apps {}", counts.apps), style(Slot::Text)),
        count("OutOfSync", counts.out_of_sync, Slot::SyncOutOfSync),
        count("Degraded", counts.degraded, Slot::HealthDegraded),
        count("Progressing", counts.progressing, Slot::HealthProgressing),
        count("paused", counts.paused, Slot::Paused),
        count("awaiting approval", counts.awaiting_approval, Slot::Warning),
    ];
    let mut lines = Vec::new();
    if area.width >= WIDE {
        let mut spans = who;
        spans.push(Span::styled("  │", style(Slot::Border)));
        spans.extend(fleet);
        lines.push(Line::from(spans));
    } else {
        lines.push(Line::from(who));
        lines.push(Line::from(fleet));
    }
    let mut pauses: Vec<_> = model
        .snapshot
        .pauses
        .iter()
        .filter(|pause| pause.is_active(model.now))
        .collect();
    pauses.sort_by(|a, b| b.expires_at.cmp(&a.expires_at).then(a.id.cmp(&b.id)));
    let width = usize::from(area.width.saturating_sub(1));
    for pause in pauses.iter().take(MAX_BANNER) {
        lines.push(Line::styled(
            format!(" {}", truncate(&pause_banner(pause, model.now), width)),
            style(Slot::Paused),
        ));
    }
    if pauses.len() > MAX_BANNER {
        lines.push(Line::styled(
            format!(
                " ⏸ +{} more pauses (filter automation=paused)",
                pauses.len() - MAX_BANNER
            ),
            style(Slot::Paused),
        ));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
