//! What a screen about one app shows until the engine's details arrive
//! (they are asked for when the screen opens).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::super::model::Model;
use super::super::theme::Slot;

pub fn render(model: &Model, title: &str, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(model.theme.style(Slot::Border))
        .title(Span::styled(
            format!(" {title} "),
            model.theme.style(Slot::Title),
        ));
    let line = Line::styled(
        " waiting for the engine's details…",
        model.theme.style(Slot::Muted),
    );
    frame.render_widget(Paragraph::new(line).block(block), area);
}
