//! Key bindings per context: the shipped keymap (`keymaps/default.toml`,
//! embedded in the binary), user keymap files applied on top as patches, and
//! the lookup from a crossterm key event to an [`Action`].
//!
//! Every binding carries a description because the help view lists
//! [`Keymap::bindings_for`] verbatim: a key the help cannot explain is a key
//! nobody finds.
//!
//! Patch rule (per context, per chord): a user binding replaces the shipped
//! binding of the same chord, other chords of that shipped binding keep
//! working, new chords are added, and `action = "none"` unbinds a chord. A
//! file that binds one chord twice in one context is rejected, naming both
//! lines. [`Keymap::load`] always returns a usable keymap plus the errors met:
//! a broken user file is reported (file and line) and skipped as a whole.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use ratatui::crossterm::event::{KeyEvent, KeyEventKind};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use thiserror::Error;
use toml::Spanned;

use super::action::{Action, UNBIND};
use super::key::KeyChord;
use super::layered::{self, Layered};
use super::{Position, at};

/// Where a key is pressed: one per view, plus the modal dialogs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Bindings every view falls back to.
    Global,
    /// The cluster list.
    Fleet,
    /// The application list.
    Applications,
    /// One application: its resource tree.
    AppDetail,
    Diff,
    History,
    Audit,
    Help,
    /// A yes/no confirmation (sync with prune, rollback).
    Confirm,
    /// A text line (`:` command, `/` filter, pause duration).
    Input,
}

impl Context {
    pub const ALL: &'static [Context] = &[
        Context::Global,
        Context::Fleet,
        Context::Applications,
        Context::AppDetail,
        Context::Diff,
        Context::History,
        Context::Audit,
        Context::Help,
        Context::Confirm,
        Context::Input,
    ];

    /// The table name in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Fleet => "fleet",
            Context::Applications => "applications",
            Context::AppDetail => "app-detail",
            Context::Diff => "diff",
            Context::History => "history",
            Context::Audit => "audit",
            Context::Help => "help",
            Context::Confirm => "confirm",
            Context::Input => "input",
        }
    }

    pub fn from_name(name: &str) -> Option<Context> {
        Context::ALL
            .iter()
            .copied()
            .find(|context| context.name() == name)
    }

    /// Whether unbound keys fall through to [`Context::Global`]. The modal
    /// contexts do not: in a text line `q` is a letter, and a confirmation
    /// must not be answered by a navigation key.
    pub fn falls_back_to_global(self) -> bool {
        !matches!(self, Context::Global | Context::Confirm | Context::Input)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One line of the help view: the chords, what they do and why you would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<KeyChord>,
    pub action: Action,
    pub description: String,
}

/// The shipped keymaps by name, with their embedded files.
const SHIPPED: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

/// Bindings for every context, with a chord index for lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    name: String,
    bindings: Vec<Vec<Binding>>,
    index: HashMap<(Context, KeyChord), Action>,
}

/// Why a keymap could not be (fully) loaded.
#[derive(Debug, Error)]
pub enum KeymapError {
    #[error("unknown keymap `{name}` (shipped keymaps: {})", shipped_names().join(", "))]
    UnknownKeymap { name: String },
    #[error("cannot read keymap file {}: {source}", file.display())]
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
    #[error(
        "{}:{}: `{chord}` is bound twice in [{context}]: to `{}` on line {} and to `{}` on line {}",
        file.display(), second.line, action_name(*first_action), first.line,
        action_name(*second_action), second.line
    )]
    Conflict {
        file: PathBuf,
        context: Context,
        chord: KeyChord,
        /// `None` is an `action = "none"` entry.
        first_action: Option<Action>,
        first: Position,
        second_action: Option<Action>,
        second: Position,
    },
}

fn action_name(action: Option<Action>) -> &'static str {
    action.map_or(UNBIND, Action::name)
}

impl KeymapError {
    /// The file at fault (none for an unknown keymap name).
    pub fn file(&self) -> Option<&Path> {
        match self {
            KeymapError::UnknownKeymap { .. } => None,
            KeymapError::Read { file, .. }
            | KeymapError::Parse { file, .. }
            | KeymapError::Conflict { file, .. } => Some(file),
        }
    }

    /// The 1-based line at fault (for a conflict, the second binding's).
    pub fn line(&self) -> Option<usize> {
        match self {
            KeymapError::Parse { position, .. } => position.map(|position| position.line),
            KeymapError::Conflict { second, .. } => Some(second.line),
            _ => None,
        }
    }
}

/// The names of the shipped keymaps.
pub fn shipped_names() -> Vec<&'static str> {
    SHIPPED.iter().map(|(name, _)| *name).collect()
}

impl Keymap {
    /// No bindings at all: the last resort if even the shipped keymap failed
    /// to parse (the tests make sure it does not).
    pub fn empty() -> Keymap {
        Keymap {
            name: "empty".to_owned(),
            bindings: vec![Vec::new(); Context::ALL.len()],
            index: HashMap::new(),
        }
    }

    /// A shipped keymap (`default`, or `vim` for vim habits).
    pub fn by_name(name: &str) -> Result<Keymap, KeymapError> {
        layered::shipped(name)
    }

    /// The shipped keymap `name` with the user file (if any) on top. Always
    /// returns a usable keymap; the errors say what was skipped. An unknown
    /// name falls back to `default` (the user file still applies); a broken
    /// user file is ignored as a whole.
    pub fn load(name: &str, user_file: Option<&Path>) -> (Keymap, Vec<KeymapError>) {
        layered::load(name, user_file)
    }

    /// This keymap with a keymap file applied on top (`file` is only used in
    /// error messages). See the module docs for the patch rule.
    pub fn patched(&self, text: &str, file: &Path) -> Result<Keymap, KeymapError> {
        let patch = parse_patch(text, file)?;
        let mut keymap = self.clone();
        for (context, entries) in patch {
            let bindings = &mut keymap.bindings[context.index()];
            for entry in &entries {
                for chord in &entry.keys {
                    for binding in bindings.iter_mut() {
                        binding.keys.retain(|key| key != chord);
                    }
                }
            }
            bindings.retain(|binding| !binding.keys.is_empty());
            bindings.extend(entries.into_iter().filter_map(|entry| {
                Some(Binding {
                    keys: entry.keys,
                    action: entry.action?,
                    description: entry.description,
                })
            }));
        }
        keymap.reindex();
        Ok(keymap)
    }

    fn reindex(&mut self) {
        self.index = Context::ALL
            .iter()
            .flat_map(|context| {
                self.bindings[context.index()]
                    .iter()
                    .flat_map(move |binding| {
                        binding
                            .keys
                            .iter()
                            .map(move |chord| ((*context, *chord), binding.action))
                    })
            })
            .collect();
    }

    /// The keymap's name (the shipped name it started from).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A context's own bindings in file order (shipped first, then the
    /// user's), for the help view. [`Context::Global`]'s are separate.
    pub fn bindings_for(&self, context: Context) -> &[Binding] {
        &self.bindings[context.index()]
    }

    /// What a chord does in a context, falling back to [`Context::Global`]
    /// where the context allows it.
    pub fn action_for_chord(&self, context: Context, chord: KeyChord) -> Option<Action> {
        let chord = KeyChord::new(chord.code, chord.modifiers);
        self.index.get(&(context, chord)).copied().or_else(|| {
            context
                .falls_back_to_global()
                .then(|| self.index.get(&(Context::Global, chord)).copied())
                .flatten()
        })
    }

    /// What a key event does in a context (key releases do nothing).
    pub fn action_for(&self, context: Context, event: &KeyEvent) -> Option<Action> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        self.action_for_chord(context, KeyChord::from_event(event))
    }
}

/// One validated entry of a keymap file; `action: None` unbinds.
struct Entry {
    keys: Vec<KeyChord>,
    action: Option<Action>,
    description: String,
}

/// A keymap file's entries per context, validated: known contexts, a
/// description on every binding, no chord twice in a context.
fn parse_patch(text: &str, file: &Path) -> Result<BTreeMap<Context, Vec<Entry>>, KeymapError> {
    let parse_error = |position: Option<Position>, message: String| KeymapError::Parse {
        file: file.to_owned(),
        position,
        message,
    };
    let raw: BTreeMap<Spanned<String>, Vec<EntrySpec>> = toml::from_str(text).map_err(|error| {
        parse_error(
            Position::of_toml_error(text, &error),
            error.message().to_owned(),
        )
    })?;
    let mut patch = BTreeMap::new();
    for (name, specs) in raw {
        let position = Position::of_offset(text, name.span().start);
        let context = Context::from_name(name.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = Context::ALL.iter().map(|context| context.name()).collect();
            parse_error(
                Some(position),
                format!(
                    "unknown keymap context `{}` (known contexts: {})",
                    name.get_ref(),
                    known.join(", ")
                ),
            )
        })?;
        let mut seen: HashMap<KeyChord, (Option<Action>, Position)> = HashMap::new();
        let mut entries = Vec::with_capacity(specs.len());
        for spec in specs {
            let position = Position::of_offset(text, spec.keys.span().start);
            let ActionSpec(action) = spec.action;
            let description = spec.description.unwrap_or_default().trim().to_owned();
            if action.is_some() && description.is_empty() {
                return Err(parse_error(
                    Some(position),
                    format!(
                        "the binding of {} in [{context}] needs a description (the help view shows it)",
                        chord_list(&spec.keys.get_ref().0)
                    ),
                ));
            }
            let Keys(keys) = spec.keys.into_inner();
            for chord in &keys {
                if let Some((first_action, first)) = seen.insert(*chord, (action, position)) {
                    return Err(KeymapError::Conflict {
                        file: file.to_owned(),
                        context,
                        chord: *chord,
                        first_action,
                        first,
                        second_action: action,
                        second: position,
                    });
                }
            }
            entries.push(Entry {
                keys,
                action,
                description,
            });
        }
        patch.insert(context, entries);
    }
    Ok(patch)
}

fn chord_list(keys: &[KeyChord]) -> String {
    keys.iter()
        .map(|chord| format!("`{chord}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One binding as written in a keymap file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntrySpec {
    keys: Spanned<Keys>,
    action: ActionSpec,
    #[serde(default)]
    description: Option<String>,
}

/// `keys = "q"` or `keys = ["j", "down"]`; never empty.
struct Keys(Vec<KeyChord>);

impl<'de> Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Keys, D::Error> {
        deserializer.deserialize_any(KeysVisitor)
    }
}

struct KeysVisitor;

impl<'de> Visitor<'de> for KeysVisitor {
    type Value = Keys;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key chord such as \"ctrl-c\" or a list of them")
    }

    fn visit_str<E: de::Error>(self, chord: &str) -> Result<Keys, E> {
        chord
            .parse()
            .map(|chord| Keys(vec![chord]))
            .map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Keys, A::Error> {
        let mut keys = Vec::new();
        while let Some(chord) = seq.next_element()? {
            keys.push(chord);
        }
        if keys.is_empty() {
            return Err(de::Error::custom(
                "`keys` is empty: give at least one chord",
            ));
        }
        Ok(Keys(keys))
    }
}

/// An action name, or `none` to unbind.
struct ActionSpec(Option<Action>);

impl<'de> Deserialize<'de> for ActionSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ActionSpec, D::Error> {
        let name = String::deserialize(deserializer)?;
        if name == UNBIND {
            return Ok(ActionSpec(None));
        }
        name.parse()
            .map(|action| ActionSpec(Some(action)))
            .map_err(de::Error::custom)
    }
}

impl Layered for Keymap {
    type Error = KeymapError;
    const SHIPPED: &'static [(&'static str, &'static str)] = SHIPPED;
    const FOLDER: &'static str = "keymaps";

    fn blank() -> Self {
        Keymap::empty()
    }

    fn set_name(&mut self, name: &str) {
        self.name = name.to_owned();
    }

    fn patched(&self, text: &str, file: &Path) -> Result<Self, Self::Error> {
        Keymap::patched(self, text, file)
    }

    fn unknown(name: &str) -> Self::Error {
        KeymapError::UnknownKeymap {
            name: name.to_owned(),
        }
    }

    fn unreadable(file: &Path, source: std::io::Error) -> Self::Error {
        KeymapError::Read {
            file: file.to_owned(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    use super::*;

    fn chord(text: &str) -> KeyChord {
        text.parse().unwrap()
    }

    fn file() -> &'static Path {
        Path::new("user-keys.toml")
    }

    fn base() -> Keymap {
        Keymap::empty()
            .patched(
                r#"
global = [
  { keys = ["q"], action = "quit", description = "Quit" },
  { keys = ["j", "down"], action = "down", description = "Down" },
]
applications = [
  { keys = "s", action = "sync", description = "Sync" },
]
input = [
  { keys = "esc", action = "cancel", description = "Cancel" },
]
"#,
                file(),
            )
            .unwrap()
    }

    #[test]
    fn lookup_falls_back_to_global_except_in_modal_contexts() {
        let keymap = base();
        assert_eq!(
            keymap.action_for_chord(Context::Applications, chord("s")),
            Some(Action::Sync)
        );
        assert_eq!(
            keymap.action_for_chord(Context::Applications, chord("q")),
            Some(Action::Quit)
        );
        assert_eq!(keymap.action_for_chord(Context::Fleet, chord("s")), None);
        assert_eq!(keymap.action_for_chord(Context::Input, chord("q")), None);
        assert_eq!(
            keymap.action_for_chord(Context::Input, chord("esc")),
            Some(Action::Cancel)
        );
        let event = KeyEvent::new(KeyCode::Down, KeyModifiers::NONE);
        assert_eq!(keymap.action_for(Context::Diff, &event), Some(Action::Down));
    }

    #[test]
    fn a_user_binding_replaces_one_chord_and_keeps_the_others() {
        let keymap = base()
            .patched(
                "global = [{ keys = \"j\", action = \"page-down\", description = \"Jump\" }]\n",
                file(),
            )
            .unwrap();
        assert_eq!(
            keymap.action_for_chord(Context::Global, chord("j")),
            Some(Action::PageDown)
        );
        assert_eq!(
            keymap.action_for_chord(Context::Global, chord("down")),
            Some(Action::Down)
        );
        let global = keymap.bindings_for(Context::Global);
        assert_eq!(global.len(), 3);
        assert_eq!(global[1].keys, vec![chord("down")]);
        assert_eq!(global[2].description, "Jump");
    }

    #[test]
    fn none_unbinds() {
        let keymap = base()
            .patched("global = [{ keys = [\"q\"], action = \"none\" }]\n", file())
            .unwrap();
        assert_eq!(keymap.action_for_chord(Context::Global, chord("q")), None);
        assert!(
            keymap
                .bindings_for(Context::Global)
                .iter()
                .all(|binding| binding.action != Action::Quit)
        );
    }

    fn patch_error(text: &str) -> KeymapError {
        match base().patched(text, file()) {
            Ok(_) => panic!("expected an error for {text}"),
            Err(error) => error,
        }
    }

    #[test]
    fn a_chord_bound_twice_in_a_file_names_both() {
        let error = patch_error(
            "diff = [\n  { keys = \"x\", action = \"sync\", description = \"a\" },\n  { keys = [\"y\", \"x\"], action = \"diff\", description = \"b\" },\n]\n",
        );
        let message = error.to_string();
        assert!(
            matches!(
                error,
                KeymapError::Conflict {
                    context: Context::Diff,
                    ..
                }
            ),
            "{message}"
        );
        assert_eq!(error.line(), Some(3));
        assert_eq!(
            message,
            "user-keys.toml:3: `x` is bound twice in [diff]: to `sync` on line 2 and to `diff` on line 3"
        );
    }

    #[test]
    fn file_errors_carry_a_line() {
        for (text, line, needle) in [
            (
                "global = [\n  { keys = \"x\", action = \"sink\", description = \"a\" },\n]\n",
                2,
                "unknown action `sink`",
            ),
            (
                "global = [\n  { keys = \"ctl-x\", action = \"sync\", description = \"a\" },\n]\n",
                2,
                "unknown key `ctl-x`",
            ),
            (
                "global = [\n  { keys = [], action = \"sync\", description = \"a\" },\n]\n",
                2,
                "at least one chord",
            ),
            (
                "global = [\n  { keys = \"x\", action = \"sync\" },\n]\n",
                2,
                "needs a description",
            ),
            (
                "\n\nglobals = [\n  { keys = \"x\", action = \"sync\", description = \"a\" },\n]\n",
                3,
                "unknown keymap context `globals`",
            ),
            (
                "global = [\n  { keys = \"x\", action = \"sync\", desc = \"a\" },\n]\n",
                2,
                "desc",
            ),
        ] {
            let error = patch_error(text);
            let message = error.to_string();
            assert_eq!(error.line(), Some(line), "{message}");
            assert!(
                message.starts_with(&format!("user-keys.toml:{line}:")),
                "{message}"
            );
            assert!(message.contains(needle), "{message}");
        }
    }

    #[test]
    fn array_of_tables_form_is_accepted() {
        let keymap = Keymap::empty()
            .patched(
                "[[history]]\nkeys = \"b\"\naction = \"rollback\"\ndescription = \"Roll back\"\n",
                file(),
            )
            .unwrap();
        assert_eq!(
            keymap.action_for_chord(Context::History, chord("b")),
            Some(Action::Rollback)
        );
    }

    #[test]
    fn context_names_round_trip() {
        for context in Context::ALL {
            assert_eq!(Context::from_name(context.name()), Some(*context));
            assert_eq!(
                context.index(),
                Context::ALL.iter().position(|c| c == context).unwrap()
            );
        }
    }
}
