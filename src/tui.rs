//! Terminal UI: the ratatui front end. So far it owns the look and the keys:
//! shipped themes and keymaps (TOML files embedded in the binary) with user
//! files layered on top as patches, key chord parsing and the action enum.
//! The views come later and reach the engine only through `engine::api`.

use std::fmt;

pub mod action;
pub mod key;
pub mod keymap;
mod layered;
pub mod svg;
pub mod theme;
pub mod widgets;

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
