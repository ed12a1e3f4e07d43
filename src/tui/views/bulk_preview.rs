//! The bulk sync preview drawn over the screen: one row per marked app
//! with what its dry run said. Apps left out of the sync (dry run refused
//! or failed) come first, so a small terminal never cuts off the reason an
//! app will not be synced; production clusters are named above the list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::super::bulk_preview::{BulkEntry, BulkSyncPreview, EntryState};
use super::super::format::truncate;
use super::super::model::Model;
use super::super::theme::{Slot, Theme};
use super::dialogs::{PreviewFooter, preview_popup};

/// Lines around the rows: the scope, the production line, the totals, a
/// blank, the name prompt (2), the error and the key hint.
const FIXED_LINES: usize = 8;

pub fn render(model: &Model, preview: &BulkSyncPreview, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let width = area.width.min(96);
    let text_width = usize::from(width.saturating_sub(2));
    let room = usize::from(area.height.saturating_sub(2))
        .saturating_sub(FIXED_LINES)
        .max(1);
    let mut lines = heading(preview, text_width, theme);
    lines.extend(rows(preview, room, text_width, theme));
    let hint = if preview.typing.is_some() {
        "enter syncs · esc cancels"
    } else {
        "y sync the apps whose dry run passed · n/esc cancel"
    };
    let footer = PreviewFooter {
        typing: preview.typing.as_ref(),
        expected: preview.expected_name(),
        error: preview.error.as_deref(),
        hint,
    };
    let title = format!("Sync {} applications", preview.entries.len());
    preview_popup(model, &title, lines, footer, width, frame, area);
}

/// Scope, production clusters and how far the dry runs are.
fn heading<'a>(preview: &BulkSyncPreview, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let total = preview.entries.len();
    let mut lines = vec![Line::styled(
        truncate(
            &format!("{total} apps · prune off (prune is one app at a time) · every resource"),
            width,
        ),
        theme.style(Slot::Text),
    )];
    lines.push(match preview.production_clusters().as_slice() {
        [] => Line::raw(""),
        [only] => Line::styled(
            format!("{only} is a PRODUCTION cluster."),
            theme.style(Slot::Warning),
        ),
        several => Line::styled(
            truncate(
                &format!("{} are PRODUCTION clusters.", several.join(", ")),
                width,
            ),
            theme.style(Slot::Warning),
        ),
    });
    let waiting = preview.waiting();
    let skipped = preview.skipped();
    let mut totals = format!("Dry runs: {} of {total} back", total - waiting);
    if skipped > 0 {
        totals.push_str(&format!(" · {skipped} left out of the sync"));
    }
    let slot = if skipped > 0 {
        Slot::Error
    } else {
        Slot::Title
    };
    lines.push(Line::styled(totals, theme.style(slot)));
    lines
}

/// One row per app, at most `room` lines: the left-out apps first.
fn rows<'a>(preview: &BulkSyncPreview, room: usize, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let mut entries: Vec<(&BulkEntry, EntryState)> = preview
        .entries
        .iter()
        .map(|entry| (entry, entry.state()))
        .collect();
    entries.sort_by_key(|(_, state)| !matches!(state, EntryState::Skipped(_)));
    let app_width = column_width(entries.iter().map(|(entry, _)| entry.app.as_str()), 24);
    let cluster_width = column_width(entries.iter().map(|(entry, _)| entry.cluster.as_str()), 12);
    let shown = if entries.len() > room {
        room.saturating_sub(1)
    } else {
        entries.len()
    };
    let mut lines: Vec<Line<'a>> = entries
        .iter()
        .take(shown)
        .map(|(entry, state)| {
            let place = format!(
                "  {:<app_width$} {:<cluster_width$} {:<7}  ",
                truncate(&entry.app, app_width),
                truncate(&entry.cluster, cluster_width),
                entry.revision.as_deref().unwrap_or("?"),
            );
            let (said, slot) = match state {
                EntryState::Waiting => ("asking the engine…".to_string(), Slot::Muted),
                EntryState::Ready {
                    applies: 0,
                    keeps,
                    unchanged,
                } => (
                    format!("nothing to apply ({keeps} kept, {unchanged} unchanged)"),
                    Slot::Muted,
                ),
                EntryState::Ready {
                    applies,
                    keeps,
                    unchanged,
                } => (
                    format!("{applies} to apply, {keeps} kept, {unchanged} unchanged"),
                    Slot::SyncOutOfSync,
                ),
                EntryState::Skipped(reason) => (format!("✖ {reason}"), Slot::Error),
            };
            let room = width.saturating_sub(place.chars().count());
            Line::from(vec![
                Span::styled(truncate(&place, width), theme.style(Slot::Text)),
                Span::styled(truncate(&said, room), theme.style(slot)),
            ])
        })
        .collect();
    if entries.len() > shown {
        lines.push(Line::styled(
            format!("  … and {} more", entries.len() - shown),
            theme.style(Slot::Muted),
        ));
    }
    lines
}

fn column_width<'n>(names: impl Iterator<Item = &'n str>, cap: usize) -> usize {
    names
        .map(|name| name.chars().count())
        .max()
        .unwrap_or(0)
        .min(cap)
}
