//! The diff screen of one app: the diff widget over the document the
//! model laid out when the details came.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::super::model::Model;
use super::super::widgets::diff::render_diff;
use super::loading;

pub fn render(model: &Model, app: &str, frame: &mut Frame, area: Rect) {
    if model.detail_of(app).is_none() {
        return loading::render(model, &format!("Diff {app}"), frame, area);
    }
    render_diff(
        area,
        frame.buffer_mut(),
        app,
        &model.diff_document,
        &model.diff_view,
        &model.theme,
    );
}
