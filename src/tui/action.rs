//! What a key can do: the [`Action`] enum the keymap binds chords to and the
//! update loop dispatches on.
//!
//! Actions are intents, not commands for the engine: `Sync` asks the current
//! view to sync what is under the cursor (or the selection), `SyncPrune` asks
//! for a confirmation first, and the engine remains the safeguard. In keymap
//! files an action is written in kebab-case (`sync-prune`, `hard-refresh`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer};
use thiserror::Error;

macro_rules! actions {
    ($($(#[$doc:meta])* $variant:ident => $name:literal,)*) => {
        /// Everything a key binding can ask for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action {
            $($(#[$doc])* $variant,)*
        }

        impl Action {
            /// Every action, in declaration order.
            pub const ALL: &'static [Action] = &[$(Action::$variant,)*];

            /// The kebab-case name used in keymap files.
            pub fn name(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }
        }
    };
}

actions! {
    /// Leave fleetdeck.
    Quit => "quit",
    /// Open (or close) the help view.
    Help => "help",
    /// Open the `:` command line.
    Command => "command",
    /// Open the `/` filter line.
    Filter => "filter",
    /// Go back one view (or close a dialog, or clear a filter).
    Back => "back",
    /// Drill into the row under the cursor.
    Select => "select",
    Up => "up",
    Down => "down",
    PageUp => "page-up",
    PageDown => "page-down",
    Top => "top",
    Bottom => "bottom",
    /// Move focus to the next pane of a view.
    FocusNext => "focus-next",
    FocusPrev => "focus-prev",
    /// Resource tree: fold and unfold a node.
    Collapse => "collapse",
    Expand => "expand",
    /// Sync the application(s) under the cursor or selected.
    Sync => "sync",
    /// Sync and prune resources no longer in Git (asks for confirmation).
    SyncPrune => "sync-prune",
    /// Compare with Git and the live state again.
    Refresh => "refresh",
    /// Refresh bypassing caches (re-render manifests, re-list live objects).
    HardRefresh => "hard-refresh",
    /// Roll back to the revision under the cursor (history view).
    Rollback => "rollback",
    /// Pause automated sync for a bounded time.
    Pause => "pause",
    /// Resume automated sync.
    Resume => "resume",
    /// Show the diff between Git and the live state.
    Diff => "diff",
    /// Show the sync history.
    History => "history",
    /// Add or remove the row under the cursor from the selection.
    ToggleSelect => "toggle-select",
    /// Select every visible row (or clear the selection when all are selected).
    SelectAll => "select-all",
    /// Answer yes in a confirmation; submit a text input.
    Confirm => "confirm",
    /// Answer no in a confirmation; abandon a text input.
    Cancel => "cancel",
    /// Complete the word in a text input (command names, app names).
    Complete => "complete",
    /// Jump to the next / previous resource (diff view, resource tree).
    NextResource => "next-resource",
    PrevResource => "prev-resource",
    /// Jump to the next / previous change in a diff.
    NextHunk => "next-hunk",
    PrevHunk => "prev-hunk",
    /// Toggle line wrapping.
    ToggleWrap => "toggle-wrap",
    /// Cycle the sort order of a list (name, health, sync, cluster).
    Sort => "sort",
    /// Let a gated application sync the revision that awaits approval.
    Approve => "approve",
    /// Terminate the application's running operation.
    CancelOperation => "cancel-operation",
    /// Preview a sync: what it would change, without changing anything.
    DryRun => "dry-run",
}

/// The word that unbinds a chord in a user keymap (`action = "none"`).
pub const UNBIND: &str = "none";

/// An action name that is not one of [`Action::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unknown action `{name}` (known actions: {known}; `none` unbinds a key)", known = known_names())]
pub struct UnknownAction {
    pub name: String,
}

fn known_names() -> String {
    Action::ALL
        .iter()
        .map(|action| action.name())
        .collect::<Vec<_>>()
        .join(", ")
}

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(name: &str) -> Result<Action, UnknownAction> {
        Action::ALL
            .iter()
            .copied()
            .find(|action| action.name() == name)
            .ok_or_else(|| UnknownAction {
                name: name.to_owned(),
            })
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Action, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for action in Action::ALL {
            let name = action.name();
            assert!(seen.insert(name), "{name} twice");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{name} is not kebab-case"
            );
            assert_ne!(name, UNBIND);
            assert_eq!(name.parse::<Action>(), Ok(*action));
        }
        assert_eq!("sync-prune".parse(), Ok(Action::SyncPrune));
        assert_eq!("hard-refresh".parse(), Ok(Action::HardRefresh));
    }

    #[test]
    fn unknown_action_is_named() {
        let error = "sink".parse::<Action>().unwrap_err();
        assert_eq!(error.name, "sink");
        let message = error.to_string();
        assert!(message.starts_with("unknown action `sink`"), "{message}");
        assert!(message.contains("sync-prune"), "{message}");
        assert!(
            "Sync".parse::<Action>().is_err(),
            "names are case-sensitive"
        );
    }
}
