//! Sync history of one app, newest first: revision and its commit subject,
//! when, who, how it ended and what it did to the resources; the selected
//! entry's commit author and time below. The cursor picks the entry a
//! rollback goes to; the revision a rollback pinned the app at is marked.

use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Widget, Wrap};

use super::pane::list_pane;
use super::scroll::Scroll;
use super::text::{short_revision, short_time};
use crate::engine::api::{CommitInfo, HistoryEntry, ResourceCounts, ResultPhase, Timestamp};
use crate::tui::format::truncate;
use crate::tui::theme::{Slot, Theme};

/// Rows under the table for the selected entry's details.
const DETAIL_ROWS: u16 = 6;
/// From this width on the table also shows resources and authors.
const WIDE: u16 = 120;

/// The cursor over the history as shown (newest first).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HistoryState {
    pub scroll: Scroll,
}

impl HistoryState {
    /// The entry under the cursor (what Rollback goes to); `history` is
    /// oldest first, as in `AppDetail`.
    pub fn selected<'a>(&self, history: &'a [HistoryEntry]) -> Option<&'a HistoryEntry> {
        self.scroll
            .selected(history.len())
            .map(|row| &history[history.len() - 1 - row])
    }

    pub fn up(&mut self) {
        self.scroll.up();
    }

    pub fn down(&mut self, history: &[HistoryEntry]) {
        self.scroll.down(history.len());
    }
}

/// Table rows [`render_history`] shows in `area` (for `set_viewport`).
pub fn body_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(3 + DETAIL_ROWS))
}

/// Whether `entry` deployed the revision the app is pinned at (a pin may
/// be written as a short SHA).
fn is_pinned(entry: &HistoryEntry, pinned: Option<&str>) -> bool {
    pinned.is_some_and(|pin| !pin.is_empty() && entry.revision.starts_with(pin))
}

/// What the history shows: the entries (oldest first, as the engine keeps
/// them), the subjects and authors of their commits by revision, and the
/// revision a rollback pinned the app at.
#[derive(Debug, Clone, Copy)]
pub struct HistoryView<'a> {
    pub app: &'a str,
    pub history: &'a [HistoryEntry],
    pub commits: &'a BTreeMap<String, CommitInfo>,
    pub pinned: Option<&'a str>,
}

/// Draws the history newest first.
pub fn render_history(
    area: Rect,
    buf: &mut Buffer,
    view: HistoryView<'_>,
    state: &HistoryState,
    theme: &Theme,
) {
    let HistoryView {
        app,
        history,
        commits,
        pinned,
    } = view;
    let mut title = vec![Span::styled(
        format!(" History · {app} "),
        theme.style(Slot::Title),
    )];
    if let Some(pin) = pinned {
        title.push(Span::styled(
            format!("⚑ pinned at {} ", short_revision(pin)),
            theme.style(Slot::Paused),
        ));
    }
    let empty = history
        .is_empty()
        .then_some("No syncs recorded yet on this machine.");
    let Some([table_area, detail_area]) =
        list_pane(area, buf, Line::from(title), empty, DETAIL_ROWS, theme)
    else {
        return;
    };
    let wide = area.width >= WIDE;
    let height = usize::from(table_area.height.saturating_sub(1));
    let window = state.scroll.window(history.len(), height);
    let selected = state.scroll.selected(history.len());
    let mut header = vec!["", "ID", "REVISION", "DEPLOYED (UTC)", "BY", "RESULT"];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Length(16),
        Constraint::Length(10),
        Constraint::Length(12),
    ];
    if wide {
        header.extend(["RESOURCES", "SUBJECT", "AUTHOR"]);
        widths.extend([
            Constraint::Fill(2),
            Constraint::Fill(4),
            Constraint::Length(AUTHOR_WIDTH),
        ]);
    } else {
        // Resources move to the details below.
        header.push("SUBJECT");
        widths.push(Constraint::Fill(1));
    }
    // The subject is cut with an ellipsis, not at the column's edge: the
    // table lays its columns out exactly like this.
    let columns = Layout::horizontal(widths.iter().copied())
        .spacing(1)
        .split(table_area);
    let subject_column = if wide {
        columns.len() - 2
    } else {
        columns.len() - 1
    };
    let subject_width = columns
        .get(subject_column)
        .map_or(0, |column| usize::from(column.width));
    let rows = history
        .iter()
        .rev()
        .enumerate()
        .skip(window.start)
        .take(window.len())
        .map(|(row, entry)| {
            let commit = commits.get(&entry.revision);
            let line = history_row(
                entry,
                commit,
                is_pinned(entry, pinned),
                wide,
                subject_width,
                theme,
            );
            if Some(row) == selected {
                line.style(theme.style(Slot::Selection))
            } else {
                line
            }
        });
    Table::new(rows, widths)
        .header(Row::new(header).style(theme.style(Slot::Header)))
        .render(table_area, buf);
    if let Some(entry) = state.selected(history) {
        let commit = commits.get(&entry.revision);
        detail(entry, commit, is_pinned(entry, pinned), theme).render(detail_area, buf);
    }
}

/// The author column's width in a wide table.
const AUTHOR_WIDTH: u16 = 16;

fn result_slot(phase: ResultPhase) -> Slot {
    match phase {
        ResultPhase::Succeeded => Slot::HealthHealthy,
        ResultPhase::Failed | ResultPhase::Error => Slot::Error,
        ResultPhase::Terminated => Slot::Warning,
    }
}

fn result_icon(phase: ResultPhase) -> &'static str {
    match phase {
        ResultPhase::Succeeded => "✓",
        ResultPhase::Failed | ResultPhase::Error => "✗",
        ResultPhase::Terminated => "■",
    }
}

/// `3 synced, 1 pruned, 1 failed` (zero counts left out).
fn counts(resources: &ResourceCounts) -> String {
    let parts: Vec<String> = [
        (resources.synced, "synced"),
        (resources.pruned, "pruned"),
        (resources.prune_skipped, "kept (prune off)"),
        (resources.failed, "failed"),
    ]
    .iter()
    .filter(|(count, _)| *count > 0)
    .map(|(count, word)| format!("{count} {word}"))
    .collect();
    if parts.is_empty() {
        "nothing applied".to_owned()
    } else {
        parts.join(", ")
    }
}

fn history_row<'a>(
    entry: &'a HistoryEntry,
    commit: Option<&'a CommitInfo>,
    pinned: bool,
    wide: bool,
    subject_width: usize,
    theme: &Theme,
) -> Row<'a> {
    let muted = theme.style(Slot::Muted);
    let phase = entry.result.phase;
    let resources_style = if entry.resources.failed > 0 {
        theme.style(Slot::Error)
    } else {
        theme.style(Slot::Text)
    };
    let mut cells = vec![
        Cell::from(if pinned {
            Span::styled("⚑", theme.style(Slot::Paused))
        } else {
            Span::raw("")
        }),
        Cell::from(Span::styled(format!("#{}", entry.id), muted)),
        Cell::from(Span::styled(
            short_revision(&entry.revision),
            theme.style(Slot::Accent),
        )),
        Cell::from(Span::styled(
            short_time(&entry.deployed_at.to_string()),
            theme.style(Slot::Text),
        )),
        Cell::from(Span::styled(
            entry.initiated_by.to_string(),
            theme.style(Slot::Text),
        )),
        Cell::from(Span::styled(
            format!("{} {}", result_icon(phase), phase),
            theme.style(result_slot(phase)),
        )),
    ];
    if wide {
        cells.push(Cell::from(Span::styled(
            counts(&entry.resources),
            resources_style,
        )));
    }
    cells.push(Cell::from(match commit {
        Some(commit) => Span::styled(
            truncate(&commit.subject, subject_width),
            theme.style(Slot::Text),
        ),
        None => Span::styled(unknown_subject(entry), muted),
    }));
    if wide {
        cells.push(Cell::from(Span::styled(
            commit.map_or("", |commit| commit.author_name.as_str()),
            theme.style(Slot::Text),
        )));
    }
    Row::new(cells)
}

/// What stands for the subject of a revision whose commit is not known.
fn unknown_subject(entry: &HistoryEntry) -> &'static str {
    if entry.source.chart.is_empty() {
        "-"
    } else {
        "chart version"
    }
}

/// "by alice on 2026-11-22 02:30 (UTC)", from the commit's author time.
fn authored(commit: &CommitInfo) -> String {
    match Timestamp::from_second(commit.time) {
        Ok(time) => format!(
            "by {} on {} (UTC)",
            commit.author_name,
            short_time(&time.to_string())
        ),
        Err(_) => format!("by {}", commit.author_name),
    }
}

/// The selected entry in full: revision, commit subject and author,
/// resources, source, result message.
fn detail<'a>(
    entry: &'a HistoryEntry,
    commit: Option<&'a CommitInfo>,
    pinned: bool,
    theme: &Theme,
) -> Paragraph<'a> {
    let muted = theme.style(Slot::Muted);
    let mut first = vec![
        Span::styled(format!("#{} ", entry.id), theme.style(Slot::Title)),
        Span::styled(entry.revision.as_str(), theme.style(Slot::Accent)),
    ];
    if pinned {
        first.push(Span::styled(
            "  ⚑ pinned here by a rollback",
            theme.style(Slot::Paused),
        ));
    }
    let message = if entry.result.message.is_empty() {
        entry.result.phase.to_string()
    } else {
        format!("{}: {}", entry.result.phase, entry.result.message)
    };
    // Short lines, so the result message keeps its room at 80 columns.
    let (subject, authored) = match commit {
        Some(commit) => (
            Line::styled(commit.subject.as_str(), theme.style(Slot::Text)),
            format!("{} · ", authored(commit)),
        ),
        None => (
            Line::styled(
                match unknown_subject(entry) {
                    "-" => "commit subject unknown",
                    other => other,
                },
                muted,
            ),
            String::new(),
        ),
    };
    Paragraph::new(vec![
        Line::from(first),
        subject,
        Line::styled(format!("{authored}{}", counts(&entry.resources)), muted),
        Line::styled(entry.source.to_string(), muted),
        Line::styled(message, theme.style(result_slot(entry.result.phase))),
    ])
    .wrap(Wrap { trim: true })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::widgets::fixture;

    #[test]
    fn the_cursor_runs_newest_first_and_selects_the_rollback_target() {
        let history = fixture::history();
        let mut state = HistoryState::default();
        assert_eq!(state.selected(&history).map(|entry| entry.id), Some(6));
        state.down(&history);
        assert_eq!(state.selected(&history).map(|entry| entry.id), Some(5));
        for _ in 0..10 {
            state.down(&history);
        }
        assert_eq!(state.selected(&history).map(|entry| entry.id), Some(3));
        state.up();
        assert_eq!(state.selected(&history).map(|entry| entry.id), Some(4));
        assert_eq!(state.selected(&[]), None);
    }

    #[test]
    fn pins_match_full_or_short_shas() {
        let history = fixture::history();
        assert!(is_pinned(&history[1], Some("1b2c3d4")));
        assert!(is_pinned(&history[1], Some(&history[1].revision)));
        assert!(!is_pinned(&history[0], Some("1b2c3d4")));
        assert!(!is_pinned(&history[0], Some("")));
        assert!(!is_pinned(&history[0], None));
    }

    #[test]
    fn counts_leave_out_zeros() {
        let resources = ResourceCounts {
            synced: 3,
            pruned: 0,
            prune_skipped: 1,
            failed: 1,
        };
        assert_eq!(counts(&resources), "3 synced, 1 kept (prune off), 1 failed");
        assert_eq!(counts(&ResourceCounts::default()), "nothing applied");
    }

    fn render(width: u16, height: u16, cursor: usize) -> ratatui::backend::TestBackend {
        let history = fixture::history();
        let mut state = HistoryState::default();
        state.scroll.select(cursor, history.len());
        fixture::draw(width, height, |area, buf| {
            let commits = fixture::commits();
            let view = HistoryView {
                app: "guestbook",
                history: &history,
                commits: &commits,
                pinned: Some("1b2c3d4e5f60"),
            };
            render_history(area, buf, view, &state, &fixture::theme());
        })
    }

    #[test]
    fn snapshot_80x24() {
        insta::assert_snapshot!(render(80, 24, 1));
    }

    #[test]
    fn snapshot_160x48() {
        insta::assert_snapshot!(render(160, 48, 2));
    }

    #[test]
    fn results_are_coloured() {
        let backend = render(160, 48, 0);
        let buffer = backend.buffer();
        let theme = fixture::theme();
        for (needle, slot) in [
            ("✗ Failed", Slot::Error),
            ("✓ Succeeded", Slot::HealthHealthy),
            ("■ Terminated", Slot::Warning),
            ("⚑", Slot::Paused),
        ] {
            let (x, y) = fixture::find(buffer, needle).unwrap_or_else(|| panic!("{needle}"));
            assert_eq!(buffer[(x, y)].fg, theme.style(slot).fg.unwrap(), "{needle}");
        }
    }
}
