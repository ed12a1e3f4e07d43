//! `update(&mut Model, Msg) -> Vec<Effect>`: every change of the UI's
//! state, with no I/O. Keys become actions through the keymap of the
//! current context; overlays (help, the text line, dialogs) get keys
//! before the screen. Write actions check read-only first and say why.

mod actions;
mod overlays;
mod screens;

use std::sync::Arc;

use ratatui::crossterm::event::{KeyEvent, KeyEventKind};

use crate::engine::api::{
    ConnectionState, EngineEvent, FleetSnapshot, OperationPhase, Timestamp, format_duration,
};

use super::action::Action;
use super::model::{FleetCounts, LineInput, LineKind, Model, Overlay, Screen};
use super::msg::{Effect, Msg};
use super::text_field::TextField;
use super::views;

pub use actions::run_command_line;

pub fn update(model: &mut Model, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => {
            if key.kind == KeyEventKind::Release {
                return Vec::new();
            }
            model.dirty = true;
            on_key(model, key)
        }
        Msg::Snapshot(snapshot) => {
            on_snapshot(model, snapshot);
            Vec::new()
        }
        Msg::Engine(event) => {
            if screens::record(model, &event) && model.screen == Screen::Audit {
                model.dirty = true;
            }
            on_event(model, event);
            Vec::new()
        }
        Msg::Tick(now) => {
            let before = clock_texts(model);
            model.now = now;
            if clock_texts(model) != before {
                model.dirty = true;
            }
            Vec::new()
        }
        Msg::Resize { width, height } => {
            model.width = width;
            model.height = height;
            let rows = model.page_rows();
            model.apps.scroll_into_view(rows);
            screens::fit_viewports(model);
            model.dirty = true;
            Vec::new()
        }
    }
}

/// Everything on screen that depends on the clock: pause time left (in
/// the banner and the automation column) and "12m ago" texts, which move
/// by the minute. A tick that changes none of them draws nothing.
fn clock_texts(model: &Model) -> (Vec<String>, i64) {
    let pauses = model
        .snapshot
        .pauses
        .iter()
        .map(|pause| {
            if pause.is_active(model.now) {
                format_duration(pause.time_left(model.now))
            } else {
                "ended".to_string()
            }
        })
        .collect();
    (pauses, model.now.as_second().div_euclid(60))
}

fn on_key(model: &mut Model, key: KeyEvent) -> Vec<Effect> {
    let action = model.keymap.action_for(model.context(), &key);
    match model.overlay.take() {
        Some(Overlay::Help { context, scroll }) => {
            match action {
                Some(Action::Quit) => {
                    model.quit = true;
                    return vec![Effect::Quit];
                }
                Some(Action::Back | Action::Help | Action::Cancel) => {}
                Some(Action::Down) => {
                    let most = views::help::max_scroll(model, context, model.body_area());
                    model.overlay = Some(Overlay::Help {
                        context,
                        scroll: (scroll + 1).min(most),
                    })
                }
                Some(Action::Up) => {
                    model.overlay = Some(Overlay::Help {
                        context,
                        scroll: scroll.saturating_sub(1),
                    })
                }
                _ => model.overlay = Some(Overlay::Help { context, scroll }),
            }
            Vec::new()
        }
        Some(Overlay::Line(line)) => overlays::line_key(model, line, key, action),
        Some(Overlay::Pause(dialog)) => overlays::pause_key(model, dialog, key, action),
        Some(Overlay::Confirm(dialog)) => overlays::confirm_key(model, dialog, key, action),
        Some(Overlay::SyncPreview(preview)) => overlays::preview_key(model, preview, key, action),
        Some(Overlay::BulkPreview(preview)) => overlays::bulk_key(model, preview, key, action),
        None => match action {
            Some(action) => screen_action(model, action),
            None => Vec::new(),
        },
    }
}

fn screen_action(model: &mut Model, action: Action) -> Vec<Effect> {
    if screens::navigate(model, action) {
        return Vec::new();
    }
    let page = model.page_rows() as isize;
    match action {
        Action::Quit => {
            model.quit = true;
            return vec![Effect::Quit];
        }
        Action::Help => {
            model.overlay = Some(Overlay::Help {
                context: model.screen.context(),
                scroll: 0,
            })
        }
        Action::Command => open_line(model, LineKind::Command),
        Action::Filter => {
            if !matches!(model.screen, Screen::Applications | Screen::Audit) {
                go_to(model, Screen::Applications);
            }
            open_line(model, LineKind::Filter);
        }
        Action::Back => back(model),
        Action::Up => move_cursor(model, -1),
        Action::Down => move_cursor(model, 1),
        Action::PageUp => move_cursor(model, -page),
        Action::PageDown => move_cursor(model, page),
        Action::Top => move_cursor(model, isize::MIN / 2),
        Action::Bottom => move_cursor(model, isize::MAX / 2),
        Action::Select => {
            if model.screen == Screen::Applications
                && let Some(app) = model.apps.current(&model.snapshot)
            {
                let app = app.name.clone();
                return open_app_screen(model, Screen::Detail { app });
            }
            return screens::select(model);
        }
        Action::ToggleSelect => {
            if model.screen == Screen::Applications {
                model.apps.toggle_mark(&model.snapshot);
                model.apps.move_by(1);
                model.apps.scroll_into_view(model.page_rows());
            }
        }
        Action::SelectAll => {
            if model.screen == Screen::Applications {
                model.apps.toggle_all(&model.snapshot);
            }
        }
        Action::Sort => {
            if model.screen == Screen::Applications {
                model.apps.sort = model.apps.sort.next();
                model.apps.refresh(&model.snapshot);
                model.apps.scroll_into_view(model.page_rows());
                model.info(format!("sorted by {}", model.apps.sort.name()));
            }
        }
        Action::Diff => {
            if let Some(app) = current_app(model) {
                return open_app_screen(model, Screen::Diff { app });
            }
        }
        Action::History => {
            if let Some(app) = current_app(model) {
                return open_app_screen(model, Screen::History { app });
            }
        }
        Action::Sync => return actions::sync(model),
        Action::SyncPrune => return actions::sync_prune(model),
        Action::DryRun => return actions::dry_run(model),
        Action::Refresh => return actions::refresh(model, false, false),
        Action::HardRefresh => return actions::refresh(model, false, true),
        Action::Pause => actions::open_pause(model, false),
        Action::Resume => return actions::resume(model, None),
        Action::Rollback => actions::rollback(model),
        Action::Approve => return actions::approve(model),
        Action::CancelOperation => actions::cancel_operation(model),
        Action::FocusNext
        | Action::FocusPrev
        | Action::Collapse
        | Action::Expand
        | Action::NextResource
        | Action::PrevResource
        | Action::NextHunk
        | Action::PrevHunk
        | Action::ToggleWrap
        | Action::Confirm
        | Action::Cancel
        | Action::Complete => {}
    }
    Vec::new()
}

/// The app the current screen acts on: the cursor's in the list (or in
/// the ApplicationSets apps pane), the screen's own otherwise.
pub(crate) fn current_app(model: &Model) -> Option<String> {
    match &model.screen {
        Screen::Applications => model
            .apps
            .current(&model.snapshot)
            .map(|app| app.name.clone()),
        Screen::AppSets => screens::selected_appset_app(model),
        screen => screen.app().map(str::to_string),
    }
}

fn move_cursor(model: &mut Model, delta: isize) {
    if model.screen == Screen::Applications {
        model.apps.move_by(delta);
        model.apps.scroll_into_view(model.page_rows());
    }
}

fn open_line(model: &mut Model, kind: LineKind) {
    let before = screens::filter_text(model);
    let field = match kind {
        LineKind::Filter => TextField::new(&before),
        LineKind::Command => TextField::new(""),
    };
    model.overlay = Some(Overlay::Line(Box::new(LineInput {
        kind,
        field,
        before,
        history_back: 0,
        draft: String::new(),
    })));
}

/// Esc on a screen: clear the filter, then the marks, then go back.
fn back(model: &mut Model) {
    if screens::back(model) {
        return;
    }
    if model.screen == Screen::Applications {
        if !model.apps.filter.is_empty() {
            actions::set_filter(model, "");
            return;
        }
        if !model.apps.marked.is_empty() {
            model.apps.marked.clear();
            return;
        }
    }
    if let Some(screen) = model.back.pop() {
        model.screen = screen;
    }
}

pub(crate) fn go_to(model: &mut Model, screen: Screen) {
    if model.screen != screen {
        let previous = std::mem::replace(&mut model.screen, screen);
        model.back.push(previous);
    }
}

/// Opens a screen about one app and asks the engine for its details.
pub(crate) fn open_app_screen(model: &mut Model, screen: Screen) -> Vec<Effect> {
    let Some(app) = screen.app().map(str::to_string) else {
        return Vec::new();
    };
    screens::reset_app_views(model, &app);
    go_to(model, screen);
    screens::fit_viewports(model);
    vec![Effect::Send(crate::engine::api::Command::Describe { app })]
}

fn on_snapshot(model: &mut Model, snapshot: Arc<FleetSnapshot>) {
    if Arc::ptr_eq(&model.snapshot, &snapshot) {
        return;
    }
    let current = model
        .apps
        .current(&model.snapshot)
        .map(|app| app.name.clone());
    model.counts = FleetCounts::of(&snapshot);
    screens::on_snapshot(model, &snapshot);
    model.snapshot = snapshot;
    model.apps.refresh_keeping(&model.snapshot, current);
    model.apps.scroll_into_view(model.page_rows());
    model.dirty = true;
}

fn on_event(model: &mut Model, event: EngineEvent) {
    let preview_changed = match &mut model.overlay {
        Some(Overlay::SyncPreview(preview)) => preview.on_event(&event),
        Some(Overlay::BulkPreview(preview)) => preview.on_event(&event),
        _ => false,
    };
    if preview_changed {
        model.dirty = true;
    }
    match event {
        EngineEvent::Rejected { command, reason } => {
            model.error(format!("✖ the engine refused {command}: {reason}"))
        }
        EngineEvent::Warning { message } => model.warn(format!("⚠ {message}")),
        EngineEvent::OperatorAction {
            operator,
            action,
            target,
            detail,
        } => {
            let detail = if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            };
            model.info(format!("{operator} {action} {target}{detail}"))
        }
        EngineEvent::OperationStarted {
            app,
            initiated_by,
            dry_run,
        } => {
            let what = if dry_run { "dry run" } else { "sync" };
            model.info(format!("{what} of {app} started by {initiated_by}"))
        }
        EngineEvent::OperationFinished { app, outcome } => {
            let what = if outcome.dry_run { "dry run" } else { "sync" };
            let text = format!(
                "{what} of {app}: {:?} {}",
                outcome.phase,
                outcome.message.trim()
            );
            if outcome.phase == OperationPhase::Succeeded {
                model.info(text)
            } else {
                model.error(text)
            }
        }
        EngineEvent::ClusterConnection { cluster, state } => match state {
            ConnectionState::Unreachable { error, .. } => {
                model.warn(format!("⚠ cluster {cluster} is unreachable: {error}"))
            }
            ConnectionState::Connected { .. } | ConnectionState::Unknown => return,
        },
        EngineEvent::OperationProgress { .. } => return,
        EngineEvent::AppDetail(detail) => {
            let shown = model.screen.app() == Some(detail.app.as_str());
            model.detail = Some(Arc::new(*detail));
            screens::on_detail(model);
            if !shown {
                return;
            }
        }
    }
    model.dirty = true;
}

/// The clock a model starts with when the caller has none.
pub fn now() -> Timestamp {
    Timestamp::now()
}
