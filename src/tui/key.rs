//! Key chords: the `"ctrl-c"`, `"S"`, `"shift-tab"` strings of the keymap
//! files, parsed into something that compares equal to a crossterm
//! [`KeyEvent`], and displayed back for the help view.
//!
//! Terminals disagree on how they report shift. Crossterm reports an
//! uppercase letter as `Char('S')` *with* `SHIFT` on most terminals, without it
//! on some (and `Char('s')` plus `SHIFT` under the kitty protocol); a shifted
//! symbol such as `?` may or may not carry `SHIFT`; back-tab comes as
//! `BackTab` plus `SHIFT`. A chord is therefore kept in a normal form where
//! the character itself carries the shift: `SHIFT` is dropped from every
//! `Char` and from `BackTab`, and a shifted lowercase letter becomes
//! uppercase. Events go through the same normalisation before comparison, so
//! the chord `"S"` matches all three spellings.

use std::fmt;
use std::str::FromStr;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use serde::{Deserialize, Deserializer};
use thiserror::Error;

/// One key plus its modifiers, in normal form (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyChord {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

/// Why a chord string was rejected; the message names the offending input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyParseError {
    #[error("empty key chord")]
    Empty,
    #[error(
        "unknown key `{key}` in chord `{chord}` (use a single character, a key name such as \
         enter, esc, tab, backtab, space, up, down, left, right, pageup, pagedown, home, end, \
         backspace, delete, insert, f1..f12, optionally prefixed by ctrl-, alt-, shift- or super-)"
    )]
    UnknownKey { chord: String, key: String },
}

/// Modifier prefixes as written in keymap files, in display order.
const MODIFIER_NAMES: &[(&str, KeyModifiers)] = &[
    ("ctrl", KeyModifiers::CONTROL),
    ("alt", KeyModifiers::ALT),
    ("shift", KeyModifiers::SHIFT),
    ("super", KeyModifiers::SUPER),
    ("hyper", KeyModifiers::HYPER),
    ("meta", KeyModifiers::META),
];

/// Named keys; the first name of a key is the one displayed.
const KEY_NAMES: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("return", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("escape", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backtab", KeyCode::BackTab),
    ("space", KeyCode::Char(' ')),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pageup", KeyCode::PageUp),
    ("pgup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("pgdn", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("del", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("ins", KeyCode::Insert),
];

impl KeyChord {
    /// A chord in normal form: whatever shift spelling the caller used, equal
    /// chords compare equal.
    pub fn new(code: KeyCode, modifiers: KeyModifiers) -> KeyChord {
        let (code, modifiers) = normalise(code, modifiers);
        KeyChord { code, modifiers }
    }

    /// The chord a key event represents (normalised like a parsed chord).
    pub fn from_event(event: &KeyEvent) -> KeyChord {
        KeyChord::new(event.code, event.modifiers)
    }

    /// Whether a key event triggers this chord. Key releases never do (they
    /// are only reported on Windows or with keyboard enhancement enabled, and
    /// acting on both press and release would run every action twice).
    pub fn matches(&self, event: &KeyEvent) -> bool {
        event.kind != KeyEventKind::Release
            && KeyChord::from_event(event) == KeyChord::new(self.code, self.modifiers)
    }
}

/// See the module docs: the character carries the shift, never the modifier.
fn normalise(code: KeyCode, modifiers: KeyModifiers) -> (KeyCode, KeyModifiers) {
    let shifted = modifiers.contains(KeyModifiers::SHIFT);
    match code {
        KeyCode::Char(c) => {
            let c = if shifted && c.is_lowercase() {
                single_uppercase(c).unwrap_or(c)
            } else {
                c
            };
            (KeyCode::Char(c), modifiers - KeyModifiers::SHIFT)
        }
        KeyCode::Tab if shifted => (KeyCode::BackTab, modifiers - KeyModifiers::SHIFT),
        KeyCode::BackTab => (KeyCode::BackTab, modifiers - KeyModifiers::SHIFT),
        other => (other, modifiers),
    }
}

/// The uppercase form of `c` when it is a single character (`ß` is not).
fn single_uppercase(c: char) -> Option<char> {
    let mut upper = c.to_uppercase();
    match (upper.next(), upper.next()) {
        (Some(u), None) => Some(u),
        _ => None,
    }
}

impl FromStr for KeyChord {
    type Err = KeyParseError;

    fn from_str(chord: &str) -> Result<KeyChord, KeyParseError> {
        let chord = chord.trim();
        if chord.is_empty() {
            return Err(KeyParseError::Empty);
        }
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = chord;
        // `-` alone and `ctrl--` name the minus key: a prefix is only a
        // modifier when something follows its dash.
        while let Some((head, tail)) = rest.split_once('-') {
            let Some(modifier) = modifier_named(head) else {
                break;
            };
            if tail.is_empty() {
                break;
            }
            modifiers |= modifier;
            rest = tail;
        }
        let code = key_named(rest).ok_or_else(|| KeyParseError::UnknownKey {
            chord: chord.to_owned(),
            key: rest.to_owned(),
        })?;
        Ok(KeyChord::new(code, modifiers))
    }
}

fn modifier_named(name: &str) -> Option<KeyModifiers> {
    let name = name.to_ascii_lowercase();
    let name = if name == "control" { "ctrl" } else { &name };
    MODIFIER_NAMES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, modifier)| *modifier)
}

fn key_named(name: &str) -> Option<KeyCode> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyCode::Char(c));
    }
    let lower = name.to_ascii_lowercase();
    if let Some((_, code)) = KEY_NAMES.iter().find(|(known, _)| *known == lower) {
        return Some(*code);
    }
    let number = lower.strip_prefix('f')?.parse::<u8>().ok()?;
    (1..=12).contains(&number).then_some(KeyCode::F(number))
}

impl fmt::Display for KeyChord {
    /// The canonical spelling: it parses back to the same chord.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chord = KeyChord::new(self.code, self.modifiers);
        for (name, modifier) in MODIFIER_NAMES {
            if chord.modifiers.contains(*modifier) {
                write!(f, "{name}-")?;
            }
        }
        match chord.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::F(number) => write!(f, "f{number}"),
            code => match KEY_NAMES.iter().find(|(_, known)| *known == code) {
                Some((name, _)) => f.write_str(name),
                None => write!(f, "{}", format!("{code:?}").to_lowercase()),
            },
        }
    }
}

impl<'de> Deserialize<'de> for KeyChord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<KeyChord, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chord(text: &str) -> KeyChord {
        text.parse().unwrap()
    }

    #[test]
    fn parses_plain_characters_and_symbols() {
        assert_eq!(
            chord("j"),
            KeyChord::new(KeyCode::Char('j'), KeyModifiers::NONE)
        );
        assert_eq!(chord("J").code, KeyCode::Char('J'));
        assert_eq!(chord("J").modifiers, KeyModifiers::NONE);
        for symbol in ["?", "/", ":", "-", "[", "]"] {
            let parsed = chord(symbol);
            assert_eq!(parsed.code, KeyCode::Char(symbol.chars().next().unwrap()));
        }
    }

    #[test]
    fn parses_named_keys_case_insensitively() {
        assert_eq!(chord("enter").code, KeyCode::Enter);
        assert_eq!(chord("Enter").code, KeyCode::Enter);
        assert_eq!(chord("esc").code, KeyCode::Esc);
        assert_eq!(chord("space").code, KeyCode::Char(' '));
        assert_eq!(chord("pagedown").code, KeyCode::PageDown);
        assert_eq!(chord("f1").code, KeyCode::F(1));
        assert_eq!(chord("F12").code, KeyCode::F(12));
    }

    #[test]
    fn parses_modifiers() {
        assert_eq!(
            chord("ctrl-c"),
            KeyChord::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            chord("alt-x"),
            KeyChord::new(KeyCode::Char('x'), KeyModifiers::ALT)
        );
        assert_eq!(
            chord("ctrl--"),
            KeyChord::new(KeyCode::Char('-'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            chord("ctrl-alt-delete").modifiers,
            KeyModifiers::CONTROL | KeyModifiers::ALT
        );
    }

    #[test]
    fn shift_is_carried_by_the_character() {
        assert_eq!(chord("shift-s"), chord("S"));
        assert_eq!(chord("shift-tab"), chord("backtab"));
        assert_eq!(chord("shift-tab").modifiers, KeyModifiers::NONE);
        // Shift on a non-character key is kept: it is the only record of it.
        assert_eq!(chord("shift-up").modifiers, KeyModifiers::SHIFT);
    }

    #[test]
    fn rejects_unknown_keys_naming_them() {
        assert_eq!("".parse::<KeyChord>(), Err(KeyParseError::Empty));
        let error = "ctrl-enterr".parse::<KeyChord>().unwrap_err();
        assert_eq!(
            error,
            KeyParseError::UnknownKey {
                chord: "ctrl-enterr".into(),
                key: "enterr".into()
            }
        );
        assert!(error.to_string().contains("`enterr`"));
        assert!("f13".parse::<KeyChord>().is_err());
        assert!("ctl-c".parse::<KeyChord>().is_err());
    }

    #[test]
    fn displays_canonical_spelling_that_parses_back() {
        for (input, shown) in [
            ("j", "j"),
            ("S", "S"),
            ("shift-s", "S"),
            ("space", "space"),
            ("ctrl-c", "ctrl-c"),
            ("control-c", "ctrl-c"),
            ("alt-x", "alt-x"),
            ("backtab", "shift-tab"),
            ("ctrl-shift-tab", "ctrl-shift-tab"),
            ("shift-up", "shift-up"),
            ("return", "enter"),
            ("pgdn", "pagedown"),
            ("f5", "f5"),
            ("ctrl--", "ctrl--"),
        ] {
            let parsed = chord(input);
            assert_eq!(parsed.to_string(), shown, "display of {input}");
            assert_eq!(chord(shown), parsed, "round trip of {input}");
        }
    }

    #[test]
    fn matches_events_whatever_the_shift_spelling() {
        let upper = chord("S");
        assert!(upper.matches(&KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT)));
        assert!(upper.matches(&KeyEvent::new(KeyCode::Char('S'), KeyModifiers::NONE)));
        assert!(upper.matches(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::SHIFT)));
        assert!(!upper.matches(&KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE)));
        assert!(!chord("s").matches(&KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT)));
        let question = chord("?");
        assert!(question.matches(&KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT)));
        let backtab = chord("shift-tab");
        assert!(backtab.matches(&KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT)));
        assert!(backtab.matches(&KeyEvent::new(KeyCode::Tab, KeyModifiers::SHIFT)));
        assert!(!chord("c").matches(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
    }

    #[test]
    fn releases_never_match() {
        let mut event = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
        event.kind = KeyEventKind::Release;
        assert!(!chord("q").matches(&event));
        event.kind = KeyEventKind::Repeat;
        assert!(chord("q").matches(&event));
    }
}
