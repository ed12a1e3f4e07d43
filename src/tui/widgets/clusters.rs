//! The clusters table: every cluster with its connection, how many apps it
//! hosts and how many of them drift or are degraded, the hub marked. The
//! selected cluster's full connection story (error text included) is shown
//! under the table, so a long error is never cut off for the row that
//! matters.

use std::collections::HashMap;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Widget, Wrap};

use super::counts::AppCounts;
use super::pane::list_pane;
use super::scroll::Scroll;
use super::text::{labels, short_time};
use crate::engine::api::{ClusterSnapshot, ConnectionState, FleetSnapshot};
use crate::tui::theme::{Slot, Theme};

/// Rows under the table for the selected cluster's details.
const DETAIL_ROWS: u16 = 2;
/// From this width on the table also shows server, since and labels.
const WIDE: u16 = 120;

/// Apps per cluster, counted once per snapshot (the core keeps it with the
/// snapshot's generation) so a frame does not walk every app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterTally {
    generation: u64,
    by_cluster: HashMap<String, AppCounts>,
}

impl ClusterTally {
    pub fn of(snapshot: &FleetSnapshot) -> ClusterTally {
        let mut by_cluster: HashMap<String, AppCounts> = HashMap::new();
        for app in snapshot.apps.iter() {
            if let Some(cluster) = &app.cluster {
                by_cluster.entry(cluster.clone()).or_default().add(app);
            }
        }
        ClusterTally {
            generation: snapshot.generation,
            by_cluster,
        }
    }

    /// The snapshot generation the counts belong to: recount when it moves.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn get(&self, cluster: &str) -> AppCounts {
        self.by_cluster.get(cluster).copied().unwrap_or_default()
    }
}

/// The cursor over the clusters as passed to [`render_clusters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClustersState {
    pub scroll: Scroll,
}

impl ClustersState {
    /// The cluster under the cursor.
    pub fn selected<'a>(&self, clusters: &[&'a ClusterSnapshot]) -> Option<&'a ClusterSnapshot> {
        self.scroll
            .selected(clusters.len())
            .map(|index| clusters[index])
    }
}

/// Table rows [`render_clusters`] shows in `area` (for `set_viewport`).
pub fn body_rows(area: Rect) -> usize {
    // Borders (2), header (1) and the detail lines.
    usize::from(area.height.saturating_sub(3 + DETAIL_ROWS))
}

/// Draws `clusters` (in the order given: the core sorts and filters).
pub fn render_clusters(
    area: Rect,
    buf: &mut Buffer,
    clusters: &[&ClusterSnapshot],
    tally: &ClusterTally,
    state: &ClustersState,
    theme: &Theme,
) {
    let unreachable = clusters
        .iter()
        .filter(|cluster| matches!(cluster.connection, ConnectionState::Unreachable { .. }))
        .count();
    let mut title = vec![Span::styled(
        format!(" Clusters ({}) ", clusters.len()),
        theme.style(Slot::Title),
    )];
    if unreachable > 0 {
        title.push(Span::styled(
            format!("{unreachable} unreachable "),
            theme.style(Slot::Error),
        ));
    }
    let empty = clusters.is_empty().then_some("No clusters are configured.");
    let Some([table_area, detail_area]) =
        list_pane(area, buf, Line::from(title), empty, DETAIL_ROWS, theme)
    else {
        return;
    };
    let wide = area.width >= WIDE;
    let height = usize::from(table_area.height.saturating_sub(1));
    let window = state.scroll.window(clusters.len(), height);
    let selected = state.scroll.selected(clusters.len());
    let rows = window.map(|index| {
        let row = cluster_row(
            clusters[index],
            tally.get(&clusters[index].name),
            wide,
            theme,
        );
        if Some(index) == selected {
            row.style(theme.style(Slot::Selection))
        } else {
            row
        }
    });
    let mut header = vec!["", "NAME", "CONNECTION", "APPS", "OUTOFSYNC", "DEGRADED"];
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Fill(2),
        Constraint::Length(15),
        Constraint::Length(5),
        Constraint::Length(9),
        Constraint::Length(8),
    ];
    if wide {
        header.extend(["SINCE", "SERVER", "LABELS"]);
        widths.extend([
            Constraint::Length(16),
            Constraint::Fill(3),
            Constraint::Fill(2),
        ]);
    }
    Table::new(rows, widths)
        .header(Row::new(header).style(theme.style(Slot::Header)))
        .render(table_area, buf);
    if let Some(index) = selected {
        detail(clusters[index], theme).render(detail_area, buf);
    }
}

fn cluster_row<'a>(
    cluster: &'a ClusterSnapshot,
    counts: AppCounts,
    wide: bool,
    theme: &Theme,
) -> Row<'a> {
    let count = |value: usize, slot: Slot, width: usize| {
        let style = if value > 0 {
            theme.style(slot)
        } else {
            theme.style(Slot::Muted)
        };
        Cell::from(Span::styled(format!("{value:>width$}"), style))
    };
    let (connection, since) = match &cluster.connection {
        ConnectionState::Connected { version, since } => (
            Span::styled(format!("✓ {version}"), theme.style(Slot::HealthHealthy)),
            short_time(since),
        ),
        ConnectionState::Unreachable { since, .. } => (
            Span::styled("✗ Unreachable", theme.style(Slot::Error)),
            short_time(since),
        ),
        ConnectionState::Unknown => (
            Span::styled("? Unknown", theme.style(Slot::Muted)),
            String::new(),
        ),
    };
    let hub = if cluster.hub {
        Span::styled("★", theme.style(Slot::Accent))
    } else {
        Span::raw("")
    };
    let mut cells = vec![
        Cell::from(hub),
        Cell::from(Span::styled(cluster.name.as_str(), theme.style(Slot::Text))),
        Cell::from(connection),
        Cell::from(Span::styled(
            format!("{:>4}", counts.apps),
            theme.style(Slot::Text),
        )),
        count(counts.out_of_sync, Slot::SyncOutOfSync, 9),
        count(counts.degraded, Slot::HealthDegraded, 8),
    ];
    if wide {
        cells.extend([
            Cell::from(Span::styled(since, theme.style(Slot::Muted))),
            Cell::from(Span::styled(
                cluster.server.as_str(),
                theme.style(Slot::Muted),
            )),
            Cell::from(Span::styled(
                labels(&cluster.labels),
                theme.style(Slot::Muted),
            )),
        ]);
    }
    Row::new(cells)
}

/// The selected cluster in full: connection with its error and since,
/// server, labels, hub.
fn detail<'a>(cluster: &'a ClusterSnapshot, theme: &Theme) -> Paragraph<'a> {
    let muted = theme.style(Slot::Muted);
    let connection = match &cluster.connection {
        ConnectionState::Connected { version, since } => Span::styled(
            format!(
                "Connected, Kubernetes {version}, since {}",
                short_time(since)
            ),
            theme.style(Slot::HealthHealthy),
        ),
        ConnectionState::Unreachable { error, since } => Span::styled(
            format!("Unreachable since {}: {error}", short_time(since)),
            theme.style(Slot::Error),
        ),
        ConnectionState::Unknown => Span::styled("Not contacted yet", muted),
    };
    let mut first = vec![
        Span::styled(cluster.name.as_str(), theme.style(Slot::Title)),
        Span::styled(
            if cluster.hub { " (hub) " } else { " " },
            theme.style(Slot::Accent),
        ),
        connection,
    ];
    first.push(Span::raw(""));
    let second = Line::from(vec![
        Span::styled(cluster.server.as_str(), muted),
        Span::styled("  ", Style::default()),
        Span::styled(labels(&cluster.labels), muted),
    ]);
    Paragraph::new(vec![Line::from(first), second]).wrap(Wrap { trim: true })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::widgets::fixture;

    fn render(width: u16, height: u16, cursor: usize) -> ratatui::backend::TestBackend {
        let fleet = fixture::fleet();
        let tally = ClusterTally::of(&fleet);
        let clusters: Vec<&ClusterSnapshot> = fleet.clusters.iter().collect();
        let mut state = ClustersState::default();
        state.scroll.select(cursor, clusters.len());
        fixture::draw(width, height, |area, buf| {
            render_clusters(area, buf, &clusters, &tally, &state, &fixture::theme());
        })
    }

    #[test]
    fn snapshot_80x24() {
        insta::assert_snapshot!(render(80, 24, 2));
    }

    #[test]
    fn snapshot_160x48() {
        insta::assert_snapshot!(render(160, 48, 0));
    }

    #[test]
    fn counts_come_from_the_apps_of_each_cluster() {
        let tally = ClusterTally::of(&fixture::fleet());
        assert_eq!(tally.generation(), 7);
        assert_eq!(
            tally.get("prod-eu"),
            AppCounts {
                apps: 3,
                out_of_sync: 2,
                degraded: 1
            }
        );
        assert_eq!(
            tally.get("prod-us"),
            AppCounts {
                apps: 2,
                out_of_sync: 1,
                degraded: 1
            }
        );
        assert_eq!(tally.get("nowhere"), AppCounts::default());
    }

    #[test]
    fn trouble_is_coloured_and_the_hub_is_marked() {
        let backend = render(80, 24, 0);
        let buffer = backend.buffer();
        let theme = fixture::theme();
        let (x, y) = fixture::find(buffer, "✗ Unreachable").expect("unreachable row");
        assert_eq!(buffer[(x, y)].fg, theme.style(Slot::Error).fg.unwrap());
        let (x, y) = fixture::find(buffer, "★").expect("hub marker");
        assert_eq!(buffer[(x, y)].fg, theme.style(Slot::Accent).fg.unwrap());
        let text = fixture::text(buffer);
        assert!(
            text.contains("Connected, Kubernetes v1.31.2, since 2026-11-22 01:02"),
            "{text}"
        );
    }

    #[test]
    fn the_selected_clusters_error_is_shown_in_full() {
        let backend = render(80, 24, 2);
        let text = fixture::text(backend.buffer());
        assert!(text.contains("connection refused"), "{text}");
    }

    #[test]
    fn only_visible_rows_are_drawn_and_the_cursor_stays_visible() {
        let base = fixture::clusters();
        let many: Vec<ClusterSnapshot> = (0..500)
            .map(|index| {
                let mut cluster = base[index % base.len()].clone();
                cluster.name = format!("cluster-{index:03}");
                cluster
            })
            .collect();
        let clusters: Vec<&ClusterSnapshot> = many.iter().collect();
        let mut state = ClustersState::default();
        state.scroll.select(450, clusters.len());
        let backend = fixture::draw(80, 24, |area, buf| {
            render_clusters(
                area,
                buf,
                &clusters,
                &ClusterTally::default(),
                &state,
                &fixture::theme(),
            );
        });
        let text = fixture::text(backend.buffer());
        assert!(text.contains("cluster-450"), "{text}");
        assert!(!text.contains("cluster-000"), "{text}");
        assert_eq!(
            state.selected(&clusters).map(|c| c.name.as_str()),
            Some("cluster-450")
        );
        assert_eq!(body_rows(Rect::new(0, 0, 80, 24)), 19);
    }
}
