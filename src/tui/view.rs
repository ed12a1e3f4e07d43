//! `view(&Model, &mut Frame)`: header, the current screen, the status
//! line, then the overlay on top. The screen dispatch is one match over
//! [`Screen`], one view per screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::model::{Model, Overlay, Screen};
use super::views;

pub fn view(model: &Model, frame: &mut Frame) {
    let [header, body, status] = Layout::vertical([
        Constraint::Length(model.header_height()),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    views::header::render(model, frame, header);
    match &model.screen {
        Screen::Applications => views::applications::render(model, frame, body),
        Screen::Detail { app } => views::detail::render(model, app, frame, body),
        Screen::Diff { app } => views::diff::render(model, app, frame, body),
        Screen::History { app } => views::history::render(model, app, frame, body),
        Screen::Clusters => views::clusters::render(model, frame, body),
        Screen::AppSets => views::appsets::render(model, frame, body),
        Screen::Audit => views::audit::render(model, frame, body),
    }
    views::status_line::render(model, frame, status);
    match &model.overlay {
        None | Some(Overlay::Line(_)) => {}
        Some(Overlay::Help { context, scroll }) => {
            views::help::render(model, *context, *scroll, frame, body)
        }
        Some(Overlay::Pause(dialog)) => views::dialogs::pause(model, dialog, frame, body),
        Some(Overlay::Confirm(dialog)) => views::dialogs::confirm(model, dialog, frame, body),
        Some(Overlay::SyncPreview(preview)) => views::preview::render(model, preview, frame, body),
        Some(Overlay::BulkPreview(preview)) => {
            views::bulk_preview::render(model, preview, frame, body)
        }
    }
}
