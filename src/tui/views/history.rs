//! The history screen of one app: the history widget, with the revision
//! a rollback pinned the app at marked.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::super::model::Model;
use super::super::widgets::history::render_history;
use super::loading;

pub fn render(model: &Model, app: &str, frame: &mut Frame, area: Rect) {
    let Some(detail) = model.detail_of(app) else {
        return loading::render(model, &format!("History {app}"), frame, area);
    };
    let pinned = model
        .snapshot
        .app(app)
        .and_then(|snapshot| snapshot.pinned_revision.as_deref());
    render_history(
        area,
        frame.buffer_mut(),
        app,
        &detail.history,
        pinned,
        &model.history_view,
        &model.theme,
    );
}
