//! The frame the list widgets share: a bordered pane with a title, a calm
//! message when the list is empty, else a table area above a detail strip
//! for the selected row.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::tui::theme::{Slot, Theme};

/// Draws the pane; returns the table and detail areas, or `None` when the
/// list is empty (the pane then says `empty`).
pub fn list_pane(
    area: Rect,
    buf: &mut Buffer,
    title: Line<'_>,
    empty: Option<&str>,
    detail_rows: u16,
    theme: &Theme,
) -> Option<[Rect; 2]> {
    let block = Block::bordered()
        .border_style(theme.style(Slot::Border))
        .title(title);
    let inner = block.inner(area);
    block.render(area, buf);
    if let Some(message) = empty {
        Paragraph::new(Line::styled(message, theme.style(Slot::Muted))).render(inner, buf);
        return None;
    }
    Some(Layout::vertical([Constraint::Fill(1), Constraint::Length(detail_rows)]).areas(inner))
}
