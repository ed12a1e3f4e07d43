//! The shipped theme and keymap files as a set: every file under `themes/`
//! and `keymaps/` is embedded and parses, every action has a key in every
//! shipped keymap, no chord means two things in one context (counting the
//! global fallback), and the accessibility themes keep their promises.
#![cfg(feature = "tui")]

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use fleetdeck::tui::action::Action;
use fleetdeck::tui::key::KeyChord;
use fleetdeck::tui::keymap::{self, Context, Keymap};
use fleetdeck::tui::theme::{self, Slot, Theme};
use ratatui::style::{Color, Modifier};

/// The `.toml` file stems in a folder of the crate.
fn shipped_files(folder: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "toml").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect()
}

#[test]
fn every_theme_file_is_embedded_and_parses() {
    let names: BTreeSet<String> = theme::shipped_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    for file in shipped_files("themes") {
        assert!(names.contains(&file), "themes/{file}.toml is not embedded");
    }
    for required in ["default", "dark", "light", "high-contrast", "colorblind"] {
        assert!(names.contains(required), "no `{required}` theme");
    }
    for name in &names {
        let theme = Theme::by_name(name).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(theme.name(), name);
    }
}

#[test]
fn default_is_the_dark_theme() {
    let default = Theme::by_name("default").unwrap();
    let dark = Theme::by_name("dark").unwrap();
    for slot in Slot::ALL {
        assert_eq!(default.style(*slot), dark.style(*slot), "{slot}");
    }
}

/// Red and green in any spelling: what the colour-blind theme must avoid
/// for statuses.
fn is_red_or_green(color: Option<Color>) -> bool {
    match color {
        Some(Color::Red | Color::LightRed | Color::Green | Color::LightGreen) => true,
        Some(Color::Indexed(index)) => matches!(index, 1 | 2 | 9 | 10),
        Some(Color::Rgb(r, g, b)) => {
            let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
            (r > 150 && g < 90 && b < 90) || (g > 150 && r < 90 && b < 120)
        }
        _ => false,
    }
}

#[test]
fn the_colour_blind_theme_uses_no_red_or_green_for_status() {
    let theme = Theme::by_name("colorblind").unwrap();
    let status = [
        Slot::SyncSynced,
        Slot::SyncOutOfSync,
        Slot::HealthHealthy,
        Slot::HealthProgressing,
        Slot::HealthDegraded,
        Slot::HealthMissing,
        Slot::DiffAdded,
        Slot::DiffRemoved,
        Slot::Error,
        Slot::Warning,
    ];
    for slot in status {
        let style = theme.style(slot);
        assert!(
            !is_red_or_green(style.fg) && !is_red_or_green(style.bg),
            "colorblind {slot} is red or green: {style:?}"
        );
    }
    // Good and bad differ in more than hue.
    let degraded = theme.style(Slot::HealthDegraded);
    assert!(
        degraded.add_modifier.contains(Modifier::BOLD),
        "{degraded:?}"
    );
    assert_ne!(
        theme.style(Slot::DiffAdded).fg,
        theme.style(Slot::DiffRemoved).fg
    );
    assert!(
        is_red_or_green(Some(Color::Rgb(0xd0, 0x20, 0x20))),
        "the check itself"
    );
}

#[test]
fn the_high_contrast_theme_marks_trouble_with_more_than_colour() {
    let theme = Theme::by_name("high-contrast").unwrap();
    for slot in [
        Slot::SyncOutOfSync,
        Slot::HealthDegraded,
        Slot::Error,
        Slot::Selection,
        Slot::DiffAdded,
        Slot::DiffRemoved,
    ] {
        assert!(
            !theme.style(slot).add_modifier.is_empty(),
            "high-contrast {slot} has no modifier"
        );
    }
    assert!(theme.style(Slot::Selection).bg.is_some());
}

#[test]
fn every_keymap_file_is_embedded_and_parses() {
    let names: BTreeSet<String> = keymap::shipped_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    for file in shipped_files("keymaps") {
        assert!(names.contains(&file), "keymaps/{file}.toml is not embedded");
    }
    assert!(
        names.contains("default") && names.contains("vim"),
        "{names:?}"
    );
    for name in &names {
        let keymap = Keymap::by_name(name).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(keymap.name(), name);
    }
}

#[test]
fn every_action_is_bound_in_every_shipped_keymap() {
    for name in keymap::shipped_names() {
        let keymap = Keymap::by_name(name).unwrap();
        let bound: BTreeSet<Action> = Context::ALL
            .iter()
            .flat_map(|context| keymap.bindings_for(*context))
            .map(|binding| binding.action)
            .collect();
        let missing: Vec<&str> = Action::ALL
            .iter()
            .filter(|action| !bound.contains(action))
            .map(|action| action.name())
            .collect();
        assert!(
            missing.is_empty(),
            "keymap {name} binds no key to {missing:?}"
        );
    }
}

/// Chords a view binds on purpose over the global binding of the same
/// chord: in the help view `?` and `q` close the help instead of reopening
/// it or quitting. Any other overlap is a mistake.
const DELIBERATE_OVERRIDES: &[(Context, &str)] = &[(Context::Help, "?"), (Context::Help, "q")];

#[test]
fn no_chord_means_two_things_in_one_context() {
    let overrides: BTreeSet<(Context, String)> = DELIBERATE_OVERRIDES
        .iter()
        .map(|(context, chord)| {
            let chord: KeyChord = chord.parse().unwrap();
            (*context, chord.to_string())
        })
        .collect();
    for name in keymap::shipped_names() {
        let keymap = Keymap::by_name(name).unwrap();
        let global: HashMap<KeyChord, Action> = keymap
            .bindings_for(Context::Global)
            .iter()
            .flat_map(|binding| binding.keys.iter().map(|key| (*key, binding.action)))
            .collect();
        let mut problems = Vec::new();
        for context in Context::ALL {
            let mut seen: HashMap<KeyChord, Action> = HashMap::new();
            for binding in keymap.bindings_for(*context) {
                for key in &binding.keys {
                    if let Some(first) = seen.insert(*key, binding.action) {
                        problems.push(format!(
                            "[{context}] `{key}` is bound to both {first} and {}",
                            binding.action
                        ));
                    }
                    let shadows = *context != Context::Global
                        && context.falls_back_to_global()
                        && global.contains_key(key);
                    if shadows && !overrides.contains(&(*context, key.to_string())) {
                        problems.push(format!(
                            "[{context}] `{key}` ({}) hides the global `{key}` ({})",
                            binding.action, global[key]
                        ));
                    }
                }
            }
        }
        assert!(
            problems.is_empty(),
            "keymap {name}:\n{}",
            problems.join("\n")
        );
        // The deliberate overrides are still there (else drop them above).
        for (context, chord) in DELIBERATE_OVERRIDES {
            let chord: KeyChord = chord.parse().unwrap();
            assert_eq!(
                keymap.action_for_chord(*context, chord),
                Some(Action::Back),
                "{name} [{context}] {chord}"
            );
        }
    }
}

#[test]
fn the_vim_keymap_adds_vim_habits_to_the_default() {
    let vim = Keymap::by_name("vim").unwrap();
    let default = Keymap::by_name("default").unwrap();
    let chord = |text: &str| -> KeyChord { text.parse().unwrap() };
    assert_eq!(
        vim.action_for_chord(Context::Applications, chord("ctrl-d")),
        Some(Action::PageDown)
    );
    assert_eq!(
        vim.action_for_chord(Context::Diff, chord("ctrl-u")),
        Some(Action::PageUp)
    );
    assert_eq!(
        vim.action_for_chord(Context::Diff, chord("}")),
        Some(Action::NextResource)
    );
    assert_eq!(
        vim.action_for_chord(Context::AppDetail, chord("o")),
        Some(Action::Expand)
    );
    assert_eq!(
        default.action_for_chord(Context::Diff, chord("ctrl-d")),
        None
    );
    // What both share stays the same.
    for (context, key) in [
        (Context::Applications, "s"),
        (Context::Applications, "S"),
        (Context::History, "b"),
        (Context::Confirm, "y"),
        (Context::Input, "esc"),
    ] {
        assert_eq!(
            vim.action_for_chord(context, chord(key)),
            default.action_for_chord(context, chord(key)),
            "[{context}] {key}"
        );
    }
}
