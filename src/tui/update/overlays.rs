//! Keys in the modal layers: the `/` and `:` line, the pause dialog and
//! the confirmation. Each handler owns the overlay it was given and puts
//! it back when it stays open.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::super::action::Action;
use super::super::bulk_preview::BulkSyncPreview;
use super::super::command_line;
use super::super::model::{
    ConfirmDialog, LineInput, LineKind, Model, Overlay, PAUSE_PRESETS, PauseDialog, PauseField,
};
use super::super::msg::Effect;
use super::super::preview::{PreviewPlan, SyncPreview};
use super::super::text_field::TextField;
use super::super::theme;
use super::actions::{run_command_line, submit_pause};
use super::screens::apply_filter;

fn quit(model: &mut Model) -> Vec<Effect> {
    model.quit = true;
    vec![Effect::Quit]
}

pub fn line_key(
    model: &mut Model,
    mut line: Box<LineInput>,
    key: KeyEvent,
    action: Option<Action>,
) -> Vec<Effect> {
    match (action, line.kind) {
        (Some(Action::Quit), _) => return quit(model),
        (Some(Action::Confirm), LineKind::Filter) => {
            let text = line.field.text().to_string();
            apply_filter(model, &text);
            return Vec::new();
        }
        (Some(Action::Confirm), LineKind::Command) => {
            let text = line.field.text().to_string();
            model.commands.push(&text);
            return run_command_line(model, &text);
        }
        (Some(Action::Cancel), LineKind::Filter) => {
            apply_filter(model, &line.before);
            return Vec::new();
        }
        (Some(Action::Cancel), LineKind::Command) => return Vec::new(),
        (Some(Action::Complete), LineKind::Command) => {
            let clusters: Vec<&str> = model
                .snapshot
                .clusters
                .iter()
                .map(|cluster| cluster.name.as_str())
                .collect();
            let (completed, candidates) =
                command_line::complete(line.field.text(), &clusters, &theme::shipped_names());
            line.field.set(&completed);
            if candidates.len() > 1 {
                model.info(candidates.join("  "));
            }
        }
        (Some(Action::Complete), LineKind::Filter) => {}
        _ if line.kind == LineKind::Command && matches!(key.code, KeyCode::Up | KeyCode::Down) => {
            let back = if key.code == KeyCode::Up {
                (line.history_back + 1).min(model.commands.len())
            } else {
                line.history_back.saturating_sub(1)
            };
            if line.history_back == 0 {
                line.draft = line.field.text().to_string();
            }
            line.history_back = back;
            let text = if back == 0 {
                line.draft.clone()
            } else {
                model.commands.get(back).unwrap_or_default().to_string()
            };
            line.field.set(&text);
        }
        _ => {
            if line.field.input(key) && line.kind == LineKind::Filter {
                let text = line.field.text().to_string();
                apply_filter(model, &text);
            }
        }
    }
    model.overlay = Some(Overlay::Line(line));
    Vec::new()
}

fn focus(dialog: &mut PauseDialog, field: PauseField) {
    dialog.focus = field;
    dialog.duration.set_focused(field == PauseField::Duration);
    dialog.reason.set_focused(field == PauseField::Reason);
}

pub fn pause_key(
    model: &mut Model,
    mut dialog: Box<PauseDialog>,
    key: KeyEvent,
    action: Option<Action>,
) -> Vec<Effect> {
    match action {
        Some(Action::Quit) => return quit(model),
        Some(Action::Cancel) => return Vec::new(),
        Some(Action::Confirm) => return submit_pause(model, dialog),
        Some(Action::Complete) => {
            let next = match dialog.focus {
                PauseField::Duration => PauseField::Reason,
                PauseField::Reason => PauseField::Scope,
                PauseField::Scope => PauseField::Duration,
            };
            focus(&mut dialog, next);
        }
        _ if key.code == KeyCode::BackTab => {
            let previous = match dialog.focus {
                PauseField::Duration => PauseField::Scope,
                PauseField::Reason => PauseField::Duration,
                PauseField::Scope => PauseField::Reason,
            };
            focus(&mut dialog, previous);
        }
        _ if matches!(key.code, KeyCode::Up | KeyCode::Down) => {
            let step = |index: usize, len: usize| {
                if key.code == KeyCode::Down {
                    (index + 1) % len
                } else {
                    (index + len - 1) % len
                }
            };
            match dialog.focus {
                PauseField::Duration => {
                    let index = PAUSE_PRESETS
                        .iter()
                        .position(|preset| *preset == dialog.duration.text());
                    let next = match index {
                        Some(index) => step(index, PAUSE_PRESETS.len()),
                        None => 0,
                    };
                    dialog.duration.set(PAUSE_PRESETS[next]);
                    dialog.duration_is_preset = true;
                }
                PauseField::Scope => {
                    dialog.choice = step(dialog.choice, dialog.choices.len().max(1));
                }
                PauseField::Reason => {}
            }
        }
        _ => match dialog.focus {
            PauseField::Duration => {
                let typing = matches!(key.code, KeyCode::Char(_))
                    && !key.modifiers.contains(KeyModifiers::CONTROL);
                if dialog.duration_is_preset && typing {
                    dialog.duration.set("");
                }
                if dialog.duration.input(key) {
                    dialog.error = None;
                    dialog.duration_is_preset = false;
                }
            }
            PauseField::Reason => {
                if dialog.reason.input(key) {
                    dialog.error = None;
                }
            }
            PauseField::Scope => {
                if key.code == KeyCode::Char(' ') {
                    dialog.choice = (dialog.choice + 1) % dialog.choices.len().max(1);
                }
            }
        },
    }
    model.overlay = Some(Overlay::Pause(dialog));
    Vec::new()
}

pub fn confirm_key(
    model: &mut Model,
    mut dialog: Box<ConfirmDialog>,
    key: KeyEvent,
    action: Option<Action>,
) -> Vec<Effect> {
    match action {
        Some(Action::Quit) => return quit(model),
        Some(Action::Cancel) => {
            model.info(format!("{}: cancelled, nothing sent", dialog.title));
            return Vec::new();
        }
        Some(Action::Confirm) => match &dialog.expected {
            Some(expected) if dialog.field.text().trim() != expected => {
                dialog.error = Some(format!("type {expected} exactly to go ahead"));
            }
            _ => {
                model.info(format!("{}: sent", dialog.title));
                return dialog.commands.into_iter().map(Effect::Send).collect();
            }
        },
        _ => {
            if dialog.expected.is_some() && dialog.field.input(key) {
                dialog.error = None;
            }
        }
    }
    model.overlay = Some(Overlay::Confirm(dialog));
    Vec::new()
}

/// Keys in the sync preview. Before the name is asked: `y` goes ahead,
/// `p` turns prune on or off (and runs the dry run again), `n` cancels.
/// Once a name is wanted the keys type it.
pub fn preview_key(
    model: &mut Model,
    mut preview: Box<SyncPreview>,
    key: KeyEvent,
    action: Option<Action>,
) -> Vec<Effect> {
    let title = format!("sync of {}", preview.app);
    match (action, preview.typing.is_some()) {
        (Some(Action::Quit), _) => return quit(model),
        (Some(Action::Cancel), _) => {
            model.info(format!("{title}: cancelled, nothing sent"));
            return Vec::new();
        }
        (Some(Action::Confirm), false) => {
            if let Some(reason) = &preview.readonly {
                preview.error = Some(format!("read-only: {reason}; this is a preview only"));
            } else {
                match &preview.plan {
                    PreviewPlan::Waiting => {
                        preview.error = Some("waiting for the engine's dry run".into());
                    }
                    PreviewPlan::Refused(_) => {
                        preview.error =
                            Some("the engine refused the dry run; it would refuse the sync".into());
                    }
                    PreviewPlan::Ready(_) if preview.expected_name().is_some() => {
                        preview.typing = Some(TextField::new(""));
                        preview.error = None;
                    }
                    PreviewPlan::Ready(_) => return send_sync(model, &preview),
                }
            }
        }
        (Some(Action::SyncPrune), false) => {
            if preview.plan == PreviewPlan::Waiting {
                preview.error = Some("wait for the dry run before changing it".into());
            } else {
                preview.prune = !preview.prune;
                preview.plan = PreviewPlan::Waiting;
                preview.error = None;
                let command = preview.dry_run_command(&model.operator);
                model.overlay = Some(Overlay::SyncPreview(preview));
                return vec![Effect::Send(command)];
            }
        }
        (_, true) => {
            let expected = preview.expected_name();
            if name_typed(
                &mut preview.typing,
                expected,
                &mut preview.error,
                key,
                action,
            ) {
                return send_sync(model, &preview);
            }
        }
        (_, false) => {}
    }
    model.overlay = Some(Overlay::SyncPreview(preview));
    Vec::new()
}

fn send_sync(model: &mut Model, preview: &SyncPreview) -> Vec<Effect> {
    let prune = if preview.prune { " with prune" } else { "" };
    let only = match preview.resources.len() {
        0 => String::new(),
        count => format!(" ({count} selected resources)"),
    };
    model.info(format!("sync of {}{prune}{only} sent", preview.app));
    vec![Effect::Send(preview.sync_command(&model.operator))]
}

/// Keys in the bulk preview: `y` syncs the apps whose dry run passed, once
/// every dry run is back (and once a production cluster's name is typed,
/// when the syncs land on one); `n` or esc cancels.
pub fn bulk_key(
    model: &mut Model,
    mut preview: Box<BulkSyncPreview>,
    key: KeyEvent,
    action: Option<Action>,
) -> Vec<Effect> {
    match (action, preview.typing.is_some()) {
        (Some(Action::Quit), _) => return quit(model),
        (Some(Action::Cancel), _) => {
            model.info("bulk sync: cancelled, nothing sent");
            return Vec::new();
        }
        (Some(Action::Confirm), false) => {
            let waiting = preview.waiting();
            if waiting > 0 {
                preview.error = Some(format!("waiting for {waiting} dry run(s)"));
            } else if preview.passed() == 0 {
                preview.error = Some("no dry run passed: nothing to sync".into());
            } else if preview.expected_name().is_some() {
                preview.typing = Some(TextField::new(""));
                preview.error = None;
            } else {
                return send_bulk(model, &preview);
            }
        }
        (_, true) => {
            let expected = preview.expected_name();
            if name_typed(
                &mut preview.typing,
                expected,
                &mut preview.error,
                key,
                action,
            ) {
                return send_bulk(model, &preview);
            }
        }
        (_, false) => {}
    }
    model.overlay = Some(Overlay::BulkPreview(preview));
    Vec::new()
}

fn send_bulk(model: &mut Model, preview: &BulkSyncPreview) -> Vec<Effect> {
    let commands = preview.sync_commands(&model.operator);
    let skipped = match preview.skipped() {
        0 => String::new(),
        count => format!("; {count} left out (dry run refused or failed)"),
    };
    model.info(format!("sync of {} apps sent{skipped}", commands.len()));
    commands.into_iter().map(Effect::Send).collect()
}

/// The name step of a preview, once a name is wanted: Enter checks what was
/// typed against `expected`, other keys type. True when Enter was pressed
/// on the exact name.
fn name_typed(
    typing: &mut Option<TextField>,
    expected: Option<String>,
    error: &mut Option<String>,
    key: KeyEvent,
    action: Option<Action>,
) -> bool {
    let Some(field) = typing.as_mut() else {
        return false;
    };
    if action == Some(Action::Confirm) {
        let expected = expected.unwrap_or_default();
        if field.text().trim() == expected {
            return true;
        }
        *error = Some(format!("type {expected} exactly to go ahead"));
    } else if field.input(key) {
        *error = None;
    }
    false
}
