//! The history screen of one app: the history widget, with the revision
//! a rollback pinned the app at marked.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::super::model::Model;
use super::super::widgets::history::{HistoryView, render_history};
use super::loading;

pub fn render(model: &Model, app: &str, frame: &mut Frame, area: Rect) {
    let Some(detail) = model.detail_of(app) else {
        return loading::render(model, &format!("History {app}"), frame, area);
    };
    let pinned = model
        .snapshot
        .app(app)
        .and_then(|snapshot| snapshot.pinned_revision.as_deref());
    let view = HistoryView {
        app,
        history: &detail.history,
        commits: &detail.commits,
        pinned,
    };
    render_history(
        area,
        frame.buffer_mut(),
        view,
        &model.history_view,
        &model.theme,
    );
}
