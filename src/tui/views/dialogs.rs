//! The pause dialog and the confirmation, drawn over the screen. A
//! confirmation says exactly what will happen (a single app's sync has its
//! own preview, see [`super::preview`]).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::super::format::truncate;
use super::super::model::{ConfirmDialog, Model, PAUSE_PRESETS, PauseDialog, PauseField};
use super::super::text_field::TextField;
use super::super::theme::Slot;

/// A rect of at most `width`×`height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

pub fn frame_block(model: &Model, title: &str) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(model.theme.style(Slot::BorderFocused))
        .title(Span::styled(
            format!(" {title} "),
            model.theme.style(Slot::Title),
        ))
}

pub fn pause(model: &Model, dialog: &PauseDialog, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let popup = centered(area, 76, 11);
    frame.render_widget(Clear, popup);
    let block = frame_block(model, "Pause automated sync");
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let label = |text: &str, field: PauseField| {
        let slot = if dialog.focus == field {
            Slot::Accent
        } else {
            Slot::Muted
        };
        Span::styled(format!("{text:<9}"), theme.style(slot))
    };
    let choice = dialog
        .choices
        .get(dialog.choice)
        .map_or("nothing", |choice| choice.label.as_str());
    let more = if dialog.choices.len() > 1 {
        format!("  ({}/{}, ↑/↓)", dialog.choice + 1, dialog.choices.len())
    } else {
        String::new()
    };
    let scope_slot = if dialog
        .choices
        .get(dialog.choice)
        .is_some_and(|choice| choice.confirm_name.is_some())
    {
        Slot::Warning
    } else {
        Slot::Text
    };
    let lines = vec![
        Line::from(vec![
            label("scope", PauseField::Scope),
            Span::styled(
                truncate(choice, usize::from(inner.width).saturating_sub(24)),
                theme.style(scope_slot),
            ),
            Span::styled(more, theme.style(Slot::Muted)),
        ]),
        Line::raw(""),
        Line::from(vec![label("duration", PauseField::Duration)]),
        Line::from(vec![
            Span::raw(" ".repeat(9)),
            Span::styled(
                format!("↑/↓ {} or type 30m, 1h30m, 2d", PAUSE_PRESETS.join(" ")),
                theme.style(Slot::Muted),
            ),
        ]),
        Line::from(vec![label("reason", PauseField::Reason)]),
        Line::raw(""),
        match &dialog.error {
            Some(error) => Line::styled(error.clone(), theme.style(Slot::Error)),
            None => Line::raw(""),
        },
        Line::styled(
            "enter pauses · tab next field · esc cancels",
            theme.style(Slot::Muted),
        ),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
    let field = |row: u16| Rect {
        x: inner.x + 9,
        y: inner.y + row,
        width: inner.width.saturating_sub(9),
        height: 1,
    };
    frame.render_widget(dialog.duration.textarea(), field(2));
    frame.render_widget(dialog.reason.textarea(), field(4));
}

pub fn confirm(model: &Model, dialog: &ConfirmDialog, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let mut lines: Vec<Line> = dialog
        .lines
        .iter()
        .map(|line| Line::styled(line.clone(), theme.style(Slot::Text)))
        .collect();
    lines.push(Line::raw(""));
    let prompt_row = lines.len() as u16;
    match &dialog.expected {
        Some(expected) => {
            lines.push(Line::from(vec![
                Span::styled("Type ", theme.style(Slot::Text)),
                Span::styled(expected.clone(), theme.style(Slot::Key)),
                Span::styled(" to confirm:", theme.style(Slot::Text)),
            ]));
            lines.push(Line::raw(""));
        }
        None => lines.push(Line::styled("Go ahead?", theme.style(Slot::Text))),
    }
    lines.push(match &dialog.error {
        Some(error) => Line::styled(error.clone(), theme.style(Slot::Error)),
        None => Line::raw(""),
    });
    let hint = match &dialog.expected {
        Some(_) => "enter confirms · esc cancels",
        None => "y yes · n/esc no",
    };
    lines.push(Line::styled(hint, theme.style(Slot::Muted)));
    let popup = centered(area, 84, lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = frame_block(model, &dialog.title);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    frame.render_widget(Paragraph::new(lines), inner);
    if dialog.expected.is_some() {
        name_field(&dialog.field, prompt_row, frame, inner);
    }
}

/// The typed-name field on the line under the prompt at `prompt_row` of
/// `inner` (nothing when the dialog is cut off above it).
pub fn name_field(field: &TextField, prompt_row: u16, frame: &mut Frame, inner: Rect) {
    let row = inner.y + prompt_row + 1;
    if row < inner.y + inner.height {
        let area = Rect {
            x: inner.x + 2,
            y: row,
            width: inner.width.saturating_sub(4),
            height: 1,
        };
        frame.render_widget(field.textarea(), area);
    }
}

/// What a sync preview draws under its plan: the name step (once a name is
/// wanted) and the error, with the key hint last.
pub struct PreviewFooter<'a> {
    pub typing: Option<&'a TextField>,
    pub expected: Option<String>,
    pub error: Option<&'a str>,
    pub hint: &'a str,
}

/// Draws a sync preview: `lines` (what the sync covers and its plan), then
/// the footer, in a popup of at most `width` columns titled `title`.
pub fn preview_popup(
    model: &Model,
    title: &str,
    mut lines: Vec<Line<'static>>,
    footer: PreviewFooter<'_>,
    width: u16,
    frame: &mut Frame,
    area: Rect,
) {
    let theme = &model.theme;
    lines.push(Line::raw(""));
    let prompt_row = lines.len() as u16;
    if let Some(expected) = footer.typing.and(footer.expected) {
        lines.push(Line::from(vec![
            Span::styled("Type ", theme.style(Slot::Text)),
            Span::styled(expected, theme.style(Slot::Key)),
            Span::styled(" to sync:", theme.style(Slot::Text)),
        ]));
        lines.push(Line::raw(""));
    }
    lines.push(match footer.error {
        Some(error) => Line::styled(error.to_string(), theme.style(Slot::Error)),
        None => Line::raw(""),
    });
    lines.push(Line::styled(
        footer.hint.to_string(),
        theme.style(Slot::Muted),
    ));
    let popup = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, popup);
    let block = frame_block(model, title);
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    frame.render_widget(Paragraph::new(lines), inner);
    if let Some(field) = footer.typing {
        name_field(field, prompt_row, frame, inner);
    }
}
