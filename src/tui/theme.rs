//! Colour themes: semantic style slots (`text`, `selection`, `sync.out_of_sync`,
//! `health.degraded`, `diff.added`...), the shipped themes under `themes/`
//! embedded in the binary, and user theme files applied on top as patches.
//!
//! Views ask for a [`Slot`], never for a colour, so a theme can restyle the
//! whole UI and the mono theme can keep every distinction with modifiers alone.
//!
//! Loading follows yazi and gitui: the shipped theme always loads, and a user
//! file only overrides the slots it names, field by field (a user `fg` keeps
//! the shipped `bg` and modifiers; a user `modifiers` list replaces the
//! shipped list, so `modifiers = []` removes them). [`Theme::load`] returns a
//! usable theme *and* the errors met on the way: a broken user file is
//! reported with its file and line while the shipped theme is used unpatched.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use thiserror::Error;

use super::layered::{self, Layered};
use super::{Position, at};

macro_rules! slots {
    ($($(#[$doc:meta])* $variant:ident => $key:literal,)*) => {
        /// A semantic style slot. Keys in theme files are the dotted names
        /// (`sync.out_of_sync` is the `out_of_sync` key of the `[sync]` table).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Slot {
            $($(#[$doc])* $variant,)*
        }

        impl Slot {
            /// Every slot, in declaration order (also the index into a theme).
            pub const ALL: &'static [Slot] = &[$(Slot::$variant,)*];

            /// The dotted key used in theme files.
            pub fn key(self) -> &'static str {
                match self {
                    $(Slot::$variant => $key,)*
                }
            }
        }
    };
}

slots! {
    /// Ordinary text.
    Text => "text",
    /// Secondary text: ages, counts, hints.
    Muted => "muted",
    Border => "border",
    /// The border of the focused pane.
    BorderFocused => "border_focused",
    /// The row under the cursor.
    Selection => "selection",
    /// Rows marked for a multi-row operation (space).
    Marked => "marked",
    /// Table column headers.
    Header => "header",
    /// Pane and view titles.
    Title => "title",
    /// Highlights: the active filter, the current cluster.
    Accent => "accent",
    /// Key names in the help view and the key hint bar.
    Key => "key",
    /// Applications whose automated sync is paused.
    Paused => "paused",
    /// The read-only badge.
    ReadOnly => "read_only",
    Warning => "warning",
    Error => "error",
    SyncSynced => "sync.synced",
    SyncOutOfSync => "sync.out_of_sync",
    SyncUnknown => "sync.unknown",
    HealthHealthy => "health.healthy",
    HealthProgressing => "health.progressing",
    HealthDegraded => "health.degraded",
    HealthSuspended => "health.suspended",
    HealthMissing => "health.missing",
    HealthUnknown => "health.unknown",
    DiffAdded => "diff.added",
    DiffRemoved => "diff.removed",
    DiffContext => "diff.context",
    /// The `@@ ... @@` line that starts a hunk.
    DiffHunk => "diff.hunk",
}

/// Slot tables that hold other slots rather than a style.
const GROUPS: &[&str] = &["sync", "health", "diff"];

impl Slot {
    /// The slot with a dotted key, if there is one.
    pub fn from_key(key: &str) -> Option<Slot> {
        Slot::ALL.iter().copied().find(|slot| slot.key() == key)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// The dark theme is the default; both names load the same file.
const DARK: &str = include_str!("../../themes/dark.toml");

/// The names [`Theme::by_name`] knows, with their embedded files.
const SHIPPED: &[(&str, &str)] = &[
    ("default", DARK),
    ("dark", DARK),
    ("light", include_str!("../../themes/light.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("colorblind", include_str!("../../themes/colorblind.toml")),
];

/// A complete theme: one style per slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    name: String,
    styles: Vec<Style>,
}

/// Why a theme could not be (fully) loaded.
#[derive(Debug, Error)]
pub enum ThemeError {
    #[error("unknown theme `{name}` (shipped themes: {})", shipped_names().join(", "))]
    UnknownTheme { name: String },
    #[error("cannot read theme file {}: {source}", file.display())]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}{}: {message}", file.display(), at(position))]
    Parse {
        file: PathBuf,
        position: Option<Position>,
        message: String,
    },
}

impl ThemeError {
    /// The file at fault (none for an unknown theme name).
    pub fn file(&self) -> Option<&Path> {
        match self {
            ThemeError::UnknownTheme { .. } => None,
            ThemeError::Read { file, .. } | ThemeError::Parse { file, .. } => Some(file),
        }
    }

    /// The 1-based line at fault, when the error is about a file's content.
    pub fn line(&self) -> Option<usize> {
        match self {
            ThemeError::Parse { position, .. } => position.map(|position| position.line),
            _ => None,
        }
    }
}

/// The names of the shipped themes.
pub fn shipped_names() -> Vec<&'static str> {
    SHIPPED.iter().map(|(name, _)| *name).collect()
}

impl Theme {
    /// Terminal defaults everywhere: the last resort if even a shipped theme
    /// failed to parse (the tests make sure none does).
    pub fn plain() -> Theme {
        Theme {
            name: "plain".to_owned(),
            styles: vec![Style::default(); Slot::ALL.len()],
        }
    }

    /// A shipped theme: `default` (alias `dark`), `light`, `mono` (no
    /// colours), `high-contrast` or `colorblind` (blue/orange, Okabe-Ito).
    pub fn by_name(name: &str) -> Result<Theme, ThemeError> {
        layered::shipped(name)
    }

    /// The shipped theme `name` with the user file (if any) on top. Always
    /// returns a usable theme; the errors say what was skipped. An unknown
    /// name falls back to `default` (the user file still applies); a broken
    /// user file is ignored as a whole, leaving the shipped theme.
    pub fn load(name: &str, user_file: Option<&Path>) -> (Theme, Vec<ThemeError>) {
        layered::load(name, user_file)
    }

    /// This theme with a theme file's slots applied on top (`file` is only
    /// used in error messages).
    pub fn patched(&self, text: &str, file: &Path) -> Result<Theme, ThemeError> {
        let patch = ThemePatch::parse(text, file)?;
        let mut theme = self.clone();
        for (slot, spec) in Slot::ALL.iter().zip(&patch.specs) {
            if let Some(spec) = spec {
                spec.apply(&mut theme.styles[slot.index()]);
            }
        }
        Ok(theme)
    }

    /// The theme's name (the shipped name it started from).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The style for a slot.
    pub fn style(&self, slot: Slot) -> Style {
        self.styles.get(slot.index()).copied().unwrap_or_default()
    }
}

/// The slots one theme file sets, in [`Slot::ALL`] order.
struct ThemePatch {
    specs: Vec<Option<StyleSpec>>,
}

impl ThemePatch {
    fn parse(text: &str, file: &Path) -> Result<ThemePatch, ThemeError> {
        toml::from_str::<ThemePatch>(text).map_err(|error| ThemeError::Parse {
            file: file.to_owned(),
            position: Position::of_toml_error(text, &error),
            message: error.message().to_owned(),
        })
    }
}

impl<'de> Deserialize<'de> for ThemePatch {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ThemePatch, D::Error> {
        let mut patch = ThemePatch {
            specs: vec![None; Slot::ALL.len()],
        };
        deserializer.deserialize_map(TableVisitor {
            group: None,
            patch: &mut patch,
        })?;
        Ok(patch)
    }
}

/// Reads the top-level table (`group: None`) or a group table such as
/// `[sync]` into the patch; a key that is no slot is an error on that key.
struct TableVisitor<'p> {
    group: Option<&'static str>,
    patch: &'p mut ThemePatch,
}

impl<'de> Visitor<'de> for TableVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.group {
            None => f.write_str("a table of theme slots"),
            Some(group) => write!(f, "a table of `{group}.*` slots"),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(entry) = map.next_key_seed(EntryKey { group: self.group })? {
            match entry {
                Entry::Slot(slot) => {
                    self.patch.specs[slot.index()] = Some(map.next_value()?);
                }
                Entry::Group(group) => map.next_value_seed(GroupSeed {
                    group,
                    patch: &mut *self.patch,
                })?,
            }
        }
        Ok(())
    }
}

enum Entry {
    Slot(Slot),
    Group(&'static str),
}

/// Resolves a key to a slot or group while the key's span is current, so an
/// unknown slot is reported on its own line.
struct EntryKey {
    group: Option<&'static str>,
}

impl<'de> DeserializeSeed<'de> for EntryKey {
    type Value = Entry;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Entry, D::Error> {
        let key = String::deserialize(deserializer)?;
        if self.group.is_none()
            && let Some(group) = GROUPS.iter().find(|group| **group == key)
        {
            return Ok(Entry::Group(group));
        }
        let dotted = match self.group {
            Some(group) => format!("{group}.{key}"),
            None => key,
        };
        Slot::from_key(&dotted).map(Entry::Slot).ok_or_else(|| {
            let known: Vec<&str> = Slot::ALL.iter().map(|slot| slot.key()).collect();
            de::Error::custom(format!(
                "unknown theme slot `{dotted}` (known slots: {})",
                known.join(", ")
            ))
        })
    }
}

struct GroupSeed<'p> {
    group: &'static str,
    patch: &'p mut ThemePatch,
}

impl<'de> DeserializeSeed<'de> for GroupSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(TableVisitor {
            group: Some(self.group),
            patch: self.patch,
        })
    }
}

/// One slot as written: every field optional, so a user file can change
/// just one of them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a style table with any of `fg`, `bg` and `modifiers`"
)]
struct StyleSpec {
    fg: Option<ColorSpec>,
    bg: Option<ColorSpec>,
    modifiers: Option<ModifiersSpec>,
}

impl StyleSpec {
    fn apply(&self, style: &mut Style) {
        if let Some(ColorSpec(color)) = self.fg {
            style.fg = Some(color);
        }
        if let Some(ColorSpec(color)) = self.bg {
            style.bg = Some(color);
        }
        if let Some(ModifiersSpec(modifiers)) = self.modifiers {
            style.add_modifier = modifiers;
        }
    }
}

/// A colour name ratatui understands (`red`, `light-blue`, `dark-gray`,
/// `reset`), an ANSI index (`"208"`) or `#rrggbb`.
#[derive(Debug, Clone, Copy)]
struct ColorSpec(Color);

impl<'de> Deserialize<'de> for ColorSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ColorSpec, D::Error> {
        let text = String::deserialize(deserializer)?;
        Color::from_str(&text).map(ColorSpec).map_err(|_| {
            de::Error::custom(format!(
                "unknown colour `{text}` (use a name such as red, light-blue, dark-gray or \
                 reset, an ANSI index \"0\"..\"255\", or #rrggbb)"
            ))
        })
    }
}

const MODIFIERS: &[(&str, Modifier)] = &[
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("reversed", Modifier::REVERSED),
    ("crossed-out", Modifier::CROSSED_OUT),
];

/// `modifiers = ["bold", "underlined"]`, or one name as a plain string.
#[derive(Debug, Clone, Copy)]
struct ModifiersSpec(Modifier);

impl<'de> Deserialize<'de> for ModifiersSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ModifiersSpec, D::Error> {
        deserializer.deserialize_any(ModifiersVisitor)
    }
}

struct ModifiersVisitor;

impl<'de> Visitor<'de> for ModifiersVisitor {
    type Value = ModifiersSpec;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of modifiers such as [\"bold\", \"underlined\"]")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<ModifiersSpec, E> {
        modifier_named(name).map(ModifiersSpec)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ModifiersSpec, A::Error> {
        let mut all = Modifier::empty();
        while let Some(name) = seq.next_element::<String>()? {
            all |= modifier_named(&name)?;
        }
        Ok(ModifiersSpec(all))
    }
}

fn modifier_named<E: de::Error>(text: &str) -> Result<Modifier, E> {
    let name = text.to_ascii_lowercase().replace('_', "-");
    MODIFIERS
        .iter()
        .find(|(known, _)| *known == name)
        .map(|(_, modifier)| *modifier)
        .ok_or_else(|| {
            let known: Vec<&str> = MODIFIERS.iter().map(|(name, _)| *name).collect();
            E::custom(format!(
                "unknown modifier `{text}` (known modifiers: {})",
                known.join(", ")
            ))
        })
}

impl Layered for Theme {
    type Error = ThemeError;
    const SHIPPED: &'static [(&'static str, &'static str)] = SHIPPED;
    const FOLDER: &'static str = "themes";

    fn blank() -> Self {
        Theme::plain()
    }

    fn set_name(&mut self, name: &str) {
        self.name = name.to_owned();
    }

    fn patched(&self, text: &str, file: &Path) -> Result<Self, Self::Error> {
        Theme::patched(self, text, file)
    }

    fn unknown(name: &str) -> Self::Error {
        ThemeError::UnknownTheme {
            name: name.to_owned(),
        }
    }

    fn unreadable(file: &Path, source: std::io::Error) -> Self::Error {
        ThemeError::Read {
            file: file.to_owned(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> &'static Path {
        Path::new("user-theme.toml")
    }

    #[test]
    fn every_shipped_theme_sets_every_slot() {
        for (name, text) in SHIPPED {
            let patch = ThemePatch::parse(text, file()).unwrap();
            let missing: Vec<&str> = Slot::ALL
                .iter()
                .zip(&patch.specs)
                .filter(|(_, spec)| spec.is_none())
                .map(|(slot, _)| slot.key())
                .collect();
            assert!(missing.is_empty(), "theme {name} misses {missing:?}");
        }
    }

    #[test]
    fn slot_keys_round_trip() {
        for slot in Slot::ALL {
            assert_eq!(Slot::from_key(slot.key()), Some(*slot));
            assert_eq!(
                slot.index(),
                Slot::ALL.iter().position(|s| s == slot).unwrap()
            );
        }
        assert_eq!(Slot::from_key("sync"), None);
    }

    #[test]
    fn a_patch_merges_field_by_field() {
        let base = Theme::plain()
            .patched(
                "[accent]\nfg = \"cyan\"\nbg = \"black\"\nmodifiers = [\"bold\"]\n",
                file(),
            )
            .unwrap();
        let patched = base
            .patched("accent = { fg = \"#ff8800\" }\n", file())
            .unwrap();
        let style = patched.style(Slot::Accent);
        assert_eq!(style.fg, Some(Color::Rgb(0xff, 0x88, 0x00)));
        assert_eq!(style.bg, Some(Color::Black), "bg kept");
        assert_eq!(style.add_modifier, Modifier::BOLD, "modifiers kept");
        let single = patched
            .patched("accent = { modifiers = \"italic\" }\n", file())
            .unwrap();
        assert_eq!(single.style(Slot::Accent).add_modifier, Modifier::ITALIC);
        let cleared = patched
            .patched("accent = { modifiers = [] }\n", file())
            .unwrap();
        assert_eq!(cleared.style(Slot::Accent).add_modifier, Modifier::empty());
        assert_eq!(
            cleared.style(Slot::Accent).fg,
            Some(Color::Rgb(0xff, 0x88, 0x00))
        );
    }

    #[test]
    fn groups_take_dotted_and_nested_forms() {
        let theme = Theme::plain()
            .patched(
                "[sync.out_of_sync]\nfg = \"yellow\"\n\n[health]\ndegraded = { fg = \"light-red\", modifiers = [\"bold\", \"Underlined\"] }\n",
                file(),
            )
            .unwrap();
        assert_eq!(theme.style(Slot::SyncOutOfSync).fg, Some(Color::Yellow));
        let degraded = theme.style(Slot::HealthDegraded);
        assert_eq!(degraded.fg, Some(Color::LightRed));
        assert_eq!(degraded.add_modifier, Modifier::BOLD | Modifier::UNDERLINED);
        assert_eq!(theme.style(Slot::Text), Style::default());
    }

    fn parse_error(text: &str) -> (Option<usize>, String) {
        match Theme::plain().patched(text, file()) {
            Err(error @ ThemeError::Parse { .. }) => (error.line(), error.to_string()),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_file_line_and_culprit() {
        let (line, message) =
            parse_error("[text]\nfg = \"white\"\n\n[sync]\nsynched = { fg = \"green\" }\n");
        assert_eq!(line, Some(5), "{message}");
        assert!(message.starts_with("user-theme.toml:5:"), "{message}");
        assert!(
            message.contains("unknown theme slot `sync.synched`"),
            "{message}"
        );

        let (line, message) = parse_error("[text]\nfg = \"whit\"\n");
        assert_eq!(line, Some(2), "{message}");
        assert!(message.contains("unknown colour `whit`"), "{message}");

        let (line, message) = parse_error("[text]\nmodifiers = [\"bold\", \"blink\"]\n");
        assert_eq!(line, Some(2), "{message}");
        assert!(message.contains("unknown modifier `blink`"), "{message}");

        let (line, message) = parse_error("[text]\nforeground = \"red\"\n");
        assert_eq!(line, Some(2), "{message}");
        assert!(message.contains("foreground"), "{message}");

        let (line, message) = parse_error("[text\nfg = \"red\"\n");
        assert_eq!(line, Some(1), "{message}");
    }

    #[test]
    fn unknown_name_falls_back_to_default_and_says_so() {
        let (theme, errors) = Theme::load("solarized", None);
        assert_eq!(theme.name(), "default");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0]
                .to_string()
                .contains("default, dark, light, mono, high-contrast, colorblind"),
            "{}",
            errors[0]
        );
    }

    #[test]
    fn missing_user_file_is_a_read_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let (theme, errors) = Theme::load("light", Some(&missing));
        assert_eq!(theme, Theme::by_name("light").unwrap());
        assert_eq!(errors.len(), 1);
        assert!(matches!(&errors[0], ThemeError::Read { file, .. } if *file == missing));
        assert_eq!(errors[0].file(), Some(missing.as_path()));
    }
}
