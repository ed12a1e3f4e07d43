//! Shipped theme and keymap files: they parse, they are complete and
//! consistent, user files patch them, and broken user files are reported
//! with file and line while the defaults keep working.
#![cfg(feature = "tui")]

use std::collections::HashSet;
use std::path::PathBuf;

use fleetdeck::tui::action::Action;
use fleetdeck::tui::key::KeyChord;
use fleetdeck::tui::keymap::{self, Context, Keymap, KeymapError};
use fleetdeck::tui::theme::{self, Slot, Theme, ThemeError};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::style::{Color, Modifier};

fn chord(text: &str) -> KeyChord {
    text.parse()
        .unwrap_or_else(|error| panic!("{text}: {error}"))
}

fn user_file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const VIEWS: &[Context] = &[
    Context::Fleet,
    Context::Applications,
    Context::AppDetail,
    Context::Diff,
    Context::History,
    Context::Audit,
];

#[test]
fn every_shipped_theme_parses() {
    let names = theme::shipped_names();
    assert_eq!(
        names,
        [
            "default",
            "dark",
            "light",
            "mono",
            "high-contrast",
            "colorblind"
        ]
    );
    for name in names {
        let theme = Theme::by_name(name).unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(theme.name(), name);
        let (loaded, errors) = Theme::load(name, None);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(loaded, theme);
        // What needs attention must look different from what does not.
        assert_ne!(
            theme.style(Slot::SyncOutOfSync),
            theme.style(Slot::SyncSynced),
            "{name}"
        );
        assert_ne!(
            theme.style(Slot::HealthDegraded),
            theme.style(Slot::HealthHealthy),
            "{name}"
        );
        assert_ne!(
            theme.style(Slot::Selection),
            theme.style(Slot::Text),
            "{name}"
        );
        assert_ne!(
            theme.style(Slot::DiffAdded),
            theme.style(Slot::DiffRemoved),
            "{name}"
        );
    }
}

#[test]
fn mono_uses_modifiers_only_and_the_others_use_colour() {
    let mono = Theme::by_name("mono").unwrap();
    for slot in Slot::ALL {
        let style = mono.style(*slot);
        assert_eq!(
            (style.fg, style.bg),
            (None, None),
            "mono {slot} has a colour"
        );
    }
    assert!(
        mono.style(Slot::Selection)
            .add_modifier
            .contains(Modifier::REVERSED)
    );
    for name in ["default", "light"] {
        let theme = Theme::by_name(name).unwrap();
        for slot in [Slot::SyncOutOfSync, Slot::HealthDegraded, Slot::Error] {
            assert!(
                theme.style(slot).fg.is_some(),
                "{name} {slot} has no colour"
            );
        }
    }
}

#[test]
fn every_shipped_keymap_parses_with_described_unique_bindings() {
    assert_eq!(keymap::shipped_names(), ["default", "vim"]);
    let keymap = Keymap::by_name("default").unwrap_or_else(|error| panic!("{error}"));
    let mut total = 0;
    for context in Context::ALL {
        let mut seen = HashSet::new();
        for binding in keymap.bindings_for(*context) {
            total += 1;
            assert!(
                !binding.description.trim().is_empty(),
                "{context}: {:?} has no description",
                binding.keys
            );
            assert!(!binding.keys.is_empty(), "{context}: {binding:?}");
            for key in &binding.keys {
                assert!(seen.insert(*key), "{key} bound twice in [{context}]");
            }
        }
        assert!(
            !keymap.bindings_for(*context).is_empty(),
            "[{context}] has no bindings"
        );
    }
    assert!(total > 40, "only {total} bindings");
}

#[test]
fn shipped_keymap_binds_the_essentials_where_they_belong() {
    let keymap = Keymap::by_name("default").unwrap();
    let action = |context, key: &str| keymap.action_for_chord(context, chord(key));
    for context in VIEWS.iter().copied() {
        assert_eq!(action(context, "q"), Some(Action::Quit), "{context}");
        assert_eq!(action(context, "ctrl-c"), Some(Action::Quit), "{context}");
        assert_eq!(action(context, "?"), Some(Action::Help), "{context}");
        assert_eq!(action(context, "/"), Some(Action::Filter), "{context}");
        assert_eq!(action(context, ":"), Some(Action::Command), "{context}");
        assert_eq!(action(context, "esc"), Some(Action::Back), "{context}");
        assert_eq!(action(context, "j"), Some(Action::Down), "{context}");
        assert_eq!(action(context, "up"), Some(Action::Up), "{context}");
        assert_eq!(action(context, "G"), Some(Action::Bottom), "{context}");
    }
    for context in [Context::Applications, Context::AppDetail] {
        assert_eq!(action(context, "s"), Some(Action::Sync), "{context}");
        assert_eq!(action(context, "S"), Some(Action::SyncPrune), "{context}");
        assert_eq!(action(context, "r"), Some(Action::Refresh), "{context}");
        assert_eq!(action(context, "R"), Some(Action::HardRefresh), "{context}");
        assert_eq!(action(context, "p"), Some(Action::Pause), "{context}");
        assert_eq!(action(context, "P"), Some(Action::Resume), "{context}");
        assert_eq!(action(context, "d"), Some(Action::Diff), "{context}");
        assert_eq!(action(context, "H"), Some(Action::History), "{context}");
        assert_eq!(action(context, "enter"), Some(Action::Select), "{context}");
    }
    assert_eq!(
        action(Context::Applications, "space"),
        Some(Action::ToggleSelect)
    );
    assert_eq!(action(Context::History, "b"), Some(Action::Rollback));
    assert_eq!(
        action(Context::Applications, "b"),
        None,
        "rollback only from history"
    );
    assert_eq!(
        action(Context::Fleet, "s"),
        None,
        "no fleet-wide sync on one key"
    );
    // Help closes with its own key and with esc.
    assert_eq!(action(Context::Help, "?"), Some(Action::Back));
    assert_eq!(action(Context::Help, "esc"), Some(Action::Back));
    // Confirmations take y/n only; navigation keys do not answer them.
    assert_eq!(action(Context::Confirm, "y"), Some(Action::Confirm));
    assert_eq!(action(Context::Confirm, "n"), Some(Action::Cancel));
    assert_eq!(action(Context::Confirm, "esc"), Some(Action::Cancel));
    assert_eq!(action(Context::Confirm, "enter"), None);
    assert_eq!(action(Context::Confirm, "j"), None);
    // In a text line, letters are letters.
    assert_eq!(action(Context::Input, "q"), None);
    assert_eq!(action(Context::Input, "s"), None);
    assert_eq!(action(Context::Input, "enter"), Some(Action::Confirm));
    assert_eq!(action(Context::Input, "esc"), Some(Action::Cancel));
    assert_eq!(action(Context::Input, "ctrl-c"), Some(Action::Quit));
}

#[test]
fn a_user_theme_overrides_one_slot_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = user_file(
        &dir,
        "theme.toml",
        "# my accent\n[accent]\nfg = \"#ff8800\"\n\n[health]\ndegraded = { bg = \"red\" }\n",
    );
    let shipped = Theme::by_name("default").unwrap();
    let (theme, errors) = Theme::load("default", Some(&path));
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        theme.style(Slot::Accent).fg,
        Some(Color::Rgb(0xff, 0x88, 0x00))
    );
    let degraded = theme.style(Slot::HealthDegraded);
    assert_eq!(degraded.bg, Some(Color::Red));
    assert_eq!(
        (degraded.fg, degraded.add_modifier),
        (
            shipped.style(Slot::HealthDegraded).fg,
            shipped.style(Slot::HealthDegraded).add_modifier
        ),
        "fields the user did not give are kept"
    );
    for slot in Slot::ALL {
        if !matches!(slot, Slot::Accent | Slot::HealthDegraded) {
            assert_eq!(theme.style(*slot), shipped.style(*slot), "{slot} changed");
        }
    }
}

#[test]
fn a_user_keymap_overrides_one_binding_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = user_file(
        &dir,
        "keys.toml",
        r#"
applications = [
  { keys = "s", action = "diff", description = "Look before you sync" },
  { keys = "ctrl-s", action = "sync", description = "Sync (deliberately)" },
]
global = [
  { keys = "q", action = "none" },
]
"#,
    );
    let shipped = Keymap::by_name("default").unwrap();
    let (keymap, errors) = Keymap::load("default", Some(&path));
    assert!(errors.is_empty(), "{errors:?}");
    let action = |context, key: &str| keymap.action_for_chord(context, chord(key));
    assert_eq!(action(Context::Applications, "s"), Some(Action::Diff));
    assert_eq!(action(Context::Applications, "ctrl-s"), Some(Action::Sync));
    assert_eq!(action(Context::Applications, "q"), None, "q unbound");
    assert_eq!(action(Context::Applications, "ctrl-c"), Some(Action::Quit));
    assert_eq!(
        action(Context::AppDetail, "s"),
        Some(Action::Sync),
        "other contexts kept"
    );
    assert_eq!(action(Context::Applications, "S"), Some(Action::SyncPrune));
    let help: Vec<_> = keymap
        .bindings_for(Context::Applications)
        .iter()
        .filter(|binding| binding.keys.contains(&chord("s")))
        .collect();
    assert_eq!(help.len(), 1);
    assert_eq!(help[0].description, "Look before you sync");
    assert_eq!(
        keymap.bindings_for(Context::Applications).len(),
        shipped.bindings_for(Context::Applications).len() + 1
    );
    assert_eq!(
        keymap.bindings_for(Context::Diff),
        shipped.bindings_for(Context::Diff)
    );
}

#[test]
fn a_broken_user_theme_names_file_and_line_and_defaults_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = user_file(
        &dir,
        "theme.toml",
        "[accent]\nfg = \"cyan\"\n\n[sync]\nout_of_sync = { fg = \"orangeish\" }\n",
    );
    let (theme, errors) = Theme::load("light", Some(&path));
    assert_eq!(theme, Theme::by_name("light").unwrap());
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert!(matches!(error, ThemeError::Parse { .. }), "{error:?}");
    assert_eq!(error.file(), Some(path.as_path()));
    assert_eq!(error.line(), Some(5));
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("{}:5:", path.display())),
        "{message}"
    );
    assert!(message.contains("orangeish"), "{message}");

    let syntax = user_file(&dir, "syntax.toml", "[accent]\nfg = \"cyan\n");
    let (theme, errors) = Theme::load("default", Some(&syntax));
    assert_eq!(theme, Theme::by_name("default").unwrap());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line(), Some(2), "{}", errors[0]);
}

#[test]
fn a_broken_user_keymap_names_file_and_line_and_defaults_still_load() {
    let dir = tempfile::tempdir().unwrap();
    let path = user_file(
        &dir,
        "keys.toml",
        "applications = [\n  { keys = \"x\", action = \"sync\", description = \"Sync\" },\n  { keys = \"z\", action = \"synk\", description = \"Typo\" },\n]\n",
    );
    let (keymap, errors) = Keymap::load("default", Some(&path));
    assert_eq!(keymap, Keymap::by_name("default").unwrap());
    assert_eq!(
        keymap.action_for_chord(Context::Applications, chord("x")),
        None,
        "nothing of a broken file applies"
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    let error = &errors[0];
    assert_eq!(error.file(), Some(path.as_path()));
    assert_eq!(error.line(), Some(3));
    let message = error.to_string();
    assert!(
        message.starts_with(&format!("{}:3:", path.display())),
        "{message}"
    );
    assert!(message.contains("unknown action `synk`"), "{message}");

    let conflict = user_file(
        &dir,
        "conflict.toml",
        "[[diff]]\nkeys = \"x\"\naction = \"next-hunk\"\ndescription = \"a\"\n\n[[diff]]\nkeys = [\"x\"]\naction = \"prev-hunk\"\ndescription = \"b\"\n",
    );
    let (keymap, errors) = Keymap::load("default", Some(&conflict));
    assert_eq!(keymap, Keymap::by_name("default").unwrap());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        matches!(&errors[0], KeymapError::Conflict { chord: c, .. } if *c == chord("x")),
        "{:?}",
        errors[0]
    );
    let message = errors[0].to_string();
    assert!(
        message.contains("next-hunk") && message.contains("prev-hunk"),
        "{message}"
    );
    assert!(
        message.contains("line 2") && message.contains("line 7"),
        "{message}"
    );
}

#[test]
fn chords_parse_and_display_round_trip() {
    let mut inputs: Vec<String> = [
        "j",
        "J",
        "?",
        "/",
        ":",
        "enter",
        "esc",
        "tab",
        "backtab",
        "shift-tab",
        "up",
        "down",
        "left",
        "right",
        "pageup",
        "pagedown",
        "home",
        "end",
        "space",
        "ctrl-c",
        "alt-x",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    inputs.extend((1..=12).map(|n| format!("f{n}")));
    for input in &inputs {
        let parsed = chord(input);
        let shown = parsed.to_string();
        assert_eq!(chord(&shown), parsed, "{input} -> {shown}");
    }
    assert_eq!(chord("ctrl-c").to_string(), "ctrl-c");
    assert_eq!(chord("backtab").to_string(), "shift-tab");
    assert_eq!(chord("space").to_string(), "space");
    assert_eq!(chord("f7").code, KeyCode::F(7));
    assert_eq!(
        chord("alt-x"),
        KeyChord::new(KeyCode::Char('x'), KeyModifiers::ALT)
    );
}

#[test]
fn capital_s_matches_with_and_without_shift_reported() {
    let capital = chord("S");
    let with_shift = KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT);
    let without_shift = KeyEvent::new(KeyCode::Char('S'), KeyModifiers::NONE);
    assert!(capital.matches(&with_shift));
    assert!(capital.matches(&without_shift));
    assert!(!chord("s").matches(&with_shift));
    let keymap = Keymap::by_name("default").unwrap();
    for event in [with_shift, without_shift] {
        assert_eq!(
            keymap.action_for(Context::Applications, &event),
            Some(Action::SyncPrune)
        );
    }
    let lower = KeyEvent::new(KeyCode::Char('s'), KeyModifiers::NONE);
    assert_eq!(
        keymap.action_for(Context::Applications, &lower),
        Some(Action::Sync)
    );
}
