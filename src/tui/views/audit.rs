//! The audit screen: the audit widget over every engine event the model
//! received.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::super::model::Model;
use super::super::widgets::audit::render_audit;

pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    render_audit(
        area,
        frame.buffer_mut(),
        &model.audit_log,
        &model.audit_view,
        &model.theme,
    );
}
