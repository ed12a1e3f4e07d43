//! The `?` view: the keys of the current view, then the global ones,
//! straight from the active keymap (user bindings included), with write
//! actions marked unavailable in read-only mode.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::super::action::Action;
use super::super::format::truncate;
use super::super::keymap::{Binding, Context};
use super::super::model::Model;
use super::super::theme::Slot;
use super::dialogs::centered;

/// The help's widest, and the columns of its lines before a description.
const HELP_WIDTH: u16 = 96;
const KEYS_COLUMN: usize = 19;

/// Actions that change the fleet, refused in read-only mode.
pub fn is_write(action: Action) -> bool {
    matches!(
        action,
        Action::Sync
            | Action::SyncPrune
            | Action::Rollback
            | Action::Pause
            | Action::Resume
            | Action::Approve
            | Action::CancelOperation
    )
}

fn keys_text(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn render(model: &Model, context: Context, scroll: usize, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let lines = lines(model, context, area.width);
    let popup = popup(area, lines.len());
    let visible = usize::from(popup.height.saturating_sub(2));
    let scroll = scroll.min(lines.len().saturating_sub(visible));
    let below = lines.len().saturating_sub(scroll + visible);
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.style(Slot::BorderFocused))
        .title(Span::styled(
            " Keys (j/k scroll, esc closes) ",
            theme.style(Slot::Title),
        ));
    if below > 0 {
        block = block.title_bottom(Span::styled(
            format!(" ↓ {below} more (j) "),
            theme.style(Slot::Accent),
        ));
    }
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        popup,
    );
}

/// How far the help of `context` scrolls in `area` before its last line
/// shows: `update` stops there, so `k` works at once after a long `j`.
pub fn max_scroll(model: &Model, context: Context, area: Rect) -> usize {
    let count = lines(model, context, area.width).len();
    count.saturating_sub(usize::from(popup(area, count).height.saturating_sub(2)))
}

fn popup(area: Rect, lines: usize) -> Rect {
    centered(
        area,
        HELP_WIDTH,
        u16::try_from(lines + 2).unwrap_or(u16::MAX),
    )
}

/// The help's lines, descriptions cut to fit a help `width` columns wide.
fn lines(model: &Model, context: Context, width: u16) -> Vec<Line<'static>> {
    let theme = &model.theme;
    let description_width =
        usize::from(width.min(HELP_WIDTH).saturating_sub(2)).saturating_sub(KEYS_COLUMN);
    let readonly = model.readonly_reason();
    let mut lines = Vec::new();
    let section = |title: String, bindings: &[Binding], lines: &mut Vec<Line<'static>>| {
        if bindings.is_empty() {
            return;
        }
        lines.push(Line::styled(title, theme.style(Slot::Header)));
        for binding in bindings {
            let unavailable = readonly.is_some() && is_write(binding.action);
            // The mark goes first: a long description is cut at the edge,
            // and the mark is what must not be cut.
            let description = if unavailable {
                format!("(read-only) {}", binding.description)
            } else {
                binding.description.clone()
            };
            let slot = if unavailable { Slot::Muted } else { Slot::Text };
            lines.push(Line::from(vec![
                Span::styled(
                    format!(" {:>16}  ", keys_text(binding)),
                    theme.style(Slot::Key),
                ),
                Span::styled(truncate(&description, description_width), theme.style(slot)),
            ]));
        }
        lines.push(Line::raw(""));
    };
    section(
        format!(" {context}"),
        model.keymap.bindings_for(context),
        &mut lines,
    );
    if context.falls_back_to_global() {
        section(
            " everywhere".into(),
            model.keymap.bindings_for(Context::Global),
            &mut lines,
        );
    }
    if let Some(reason) = readonly {
        lines.push(Line::styled(
            format!(" read-only: {reason}; write actions are not available."),
            theme.style(Slot::Warning),
        ));
    }
    lines
}

/// The first chord bound to `action` in `context` (or globally), for hints.
pub fn key_for(model: &Model, context: Context, action: Action) -> Option<String> {
    let find = |context| {
        model
            .keymap
            .bindings_for(context)
            .iter()
            .find(|binding| binding.action == action)
            .and_then(|binding| binding.keys.first())
            .map(ToString::to_string)
    };
    find(context).or_else(|| find(Context::Global))
}
