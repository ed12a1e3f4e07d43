//! A one-line text input (filter, command, pause duration and reason, the
//! typed confirmation) on top of `tui_textarea`: Enter never makes a second
//! line, the update loop decides what Enter means.

use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::style::{Modifier, Style};
use tui_textarea::{CursorMove, TextArea};

#[derive(Debug, Clone)]
pub struct TextField {
    area: TextArea<'static>,
}

impl Default for TextField {
    fn default() -> Self {
        TextField::new("")
    }
}

impl TextField {
    pub fn new(text: &str) -> TextField {
        let mut area = TextArea::new(vec![text.to_string()]);
        area.set_cursor_line_style(Style::default());
        area.set_cursor_style(Style::default().add_modifier(Modifier::REVERSED));
        area.move_cursor(CursorMove::End);
        TextField { area }
    }

    pub fn text(&self) -> &str {
        self.area.lines().first().map_or("", String::as_str)
    }

    /// Replaces the text, cursor at the end.
    pub fn set(&mut self, text: &str) {
        let style = self.area.cursor_style();
        *self = TextField::new(text);
        self.area.set_cursor_style(style);
    }

    /// Whether the cursor is drawn (only the focused field shows one).
    pub fn set_focused(&mut self, focused: bool) {
        self.area.set_cursor_style(if focused {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        });
    }

    /// Edits with a key; returns whether the text changed. Enter and keys
    /// that would add lines are ignored.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        if matches!(key.code, KeyCode::Enter | KeyCode::Tab) {
            return false;
        }
        let before = self.text().to_string();
        self.area.input(key);
        if self.area.lines().len() > 1 {
            let joined = self.area.lines().join(" ");
            self.set(&joined);
        }
        self.text() != before
    }

    pub fn textarea(&self) -> &TextArea<'static> {
        &self.area
    }
}
