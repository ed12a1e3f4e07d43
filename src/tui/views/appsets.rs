//! The ApplicationSets screen: the sets widget over the index the model
//! keeps per snapshot generation.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::super::model::Model;
use super::super::widgets::appsets::render_appsets;

pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    render_appsets(
        area,
        frame.buffer_mut(),
        &model.snapshot,
        &model.appset_index,
        &model.appsets_view,
        &model.theme,
    );
}
