//! Terminal UI: the ratatui front end, in the Elm architecture. A
//! [`model::Model`] holds everything shown; [`update::update`] turns a
//! [`msg::Msg`] (key, snapshot, engine event, tick, resize) into state
//! changes and [`msg::Effect`]s (commands for the engine) with no I/O;
//! [`view::view`] draws the model; [`runtime`] runs the loop against a real
//! terminal and an [`crate::engine::api::EngineHandle`]. Shipped themes and
//! keymaps (TOML embedded in the binary) take user files as patches. The UI
//! reaches the engine only through `engine::api`.

use std::fmt;

pub mod action;
pub mod app_list;
pub mod bulk_preview;
pub mod command_line;
pub mod filter;
pub mod fixtures;
pub mod format;
pub mod key;
pub mod keymap;
mod layered;
pub mod model;
pub mod msg;
pub mod preview;
pub mod runtime;
pub mod svg;
pub mod text_field;
pub mod theme;
pub mod update;
pub mod view;
pub mod views;
pub mod widgets;

#[cfg(test)]
mod ui_tests;

pub use runtime::{UiError, UiOptions, run};

/// Where in a theme or keymap file something is wrong (both 1-based), so that
/// an error from a user file points at the spot to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    /// The position of a byte offset in `text` (toml errors and
    /// `toml::Spanned` values carry byte spans).
    fn of_offset(text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }

    /// The position a toml parse error points at, when it has one.
    fn of_toml_error(text: &str, error: &toml::de::Error) -> Option<Position> {
        error
            .span()
            .map(|span| Position::of_offset(text, span.start))
    }
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// `":line:column"` after a file name, or nothing when the position is unknown.
fn at(position: &Option<Position>) -> String {
    position
        .map(|position| format!(":{position}"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::Position;

    #[test]
    fn positions_count_lines_and_characters_from_one() {
        let text = "a = 1\nbé = 2\n";
        let at = |offset| {
            let position = Position::of_offset(text, offset);
            (position.line, position.column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(4), (1, 5));
        assert_eq!(at(6), (2, 1));
        assert_eq!(at(9), (2, 3), "columns count characters, not bytes");
        assert_eq!(at(8), (2, 2), "an offset inside a character backs off");
        assert_eq!(at(1_000), (3, 1));
    }
}
