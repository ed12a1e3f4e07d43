//! The clusters screen: the clusters widget over the snapshot's clusters,
//! with the per-cluster app counts the model keeps.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::super::model::Model;
use super::super::widgets::clusters::render_clusters;

pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    render_clusters(
        area,
        frame.buffer_mut(),
        &model.cluster_rows(),
        &model.cluster_tally,
        &model.clusters_view,
        &model.theme,
    );
}
