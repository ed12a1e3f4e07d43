//! The bottom line: the `/` or `:` line while typing, else the latest
//! message (engine refusals and warnings stand out), else key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::super::action::Action;
use super::super::format::truncate;
use super::super::model::{Level, LineKind, Model, Overlay};
use super::super::theme::Slot;
use super::help::{is_write, key_for};

pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    if let Some(Overlay::Line(line)) = &model.overlay {
        let prompt = match line.kind {
            LineKind::Filter => "/",
            LineKind::Command => ":",
        };
        let width = prompt.len() as u16;
        frame.render_widget(
            Paragraph::new(Span::styled(prompt, theme.style(Slot::Accent))),
            Rect { width, ..area },
        );
        let field = Rect {
            x: area.x + width,
            width: area.width.saturating_sub(width),
            ..area
        };
        frame.render_widget(line.field.textarea(), field);
        return;
    }
    let line = match &model.status {
        Some(status) => {
            let slot = match status.level {
                Level::Info => Slot::Text,
                Level::Warning => Slot::Warning,
                Level::Error => Slot::Error,
            };
            // Cut with an ellipsis: a message that simply stops at the edge
            // reads as the whole of it. The audit view (`:audit`) has it all.
            let width = usize::from(area.width).saturating_sub(1);
            Line::styled(
                format!(" {}", truncate(&status.text, width)),
                theme.style(slot),
            )
        }
        None => hints(model),
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn hints(model: &Model) -> Line<'static> {
    let theme = &model.theme;
    let context = model.screen.context();
    let mut spans = Vec::new();
    for (action, what) in [
        (Action::Help, "help"),
        (Action::Command, "command"),
        (Action::Filter, "filter"),
        (Action::Select, "open"),
        (Action::Sync, "sync"),
        (Action::Pause, "pause"),
        (Action::Back, "back"),
        (Action::Quit, "quit"),
    ] {
        let Some(key) = key_for(model, context, action) else {
            continue;
        };
        let slot = if model.is_readonly() && is_write(action) {
            Slot::Muted
        } else {
            Slot::Key
        };
        spans.push(Span::styled(format!(" {key}"), theme.style(slot)));
        spans.push(Span::styled(format!(" {what} "), theme.style(Slot::Muted)));
    }
    Line::from(spans)
}
