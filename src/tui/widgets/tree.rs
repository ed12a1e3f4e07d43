//! The resource tree of one app: the app, its managed resources, and what
//! they own (ReplicaSets, Pods), each with sync and health, foldable per
//! node. [`flatten`] turns the tree and the folds into the visible lines;
//! the state transitions and [`render_tree`] both work on those lines.

use std::collections::BTreeSet;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Widget};

use super::scroll::Scroll;
use super::status::{
    health_icon, health_needs_attention, health_slot, resource_sync_icon, resource_sync_label,
    resource_sync_slot, sync_icon, sync_label, sync_slot,
};
use crate::engine::api::{AppDetail, AppSnapshot, ObjectKey, ResourceNode, ResourceSyncStatus};
use crate::tui::theme::{Slot, Theme};

/// Between the keys of a node path (never part of an object key).
const PATH_SEPARATOR: &str = " > ";

/// What a tree line stands for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TreeItem<'a> {
    /// The application itself, the root.
    App(&'a AppSnapshot),
    Resource(&'a ResourceNode),
}

/// One visible line of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeLine<'a> {
    pub item: TreeItem<'a>,
    /// 0 for the app, 1 for managed resources, 2 for what they own...
    pub depth: usize,
    /// The node's identity across snapshots: the app name and the object
    /// keys down to the node, joined by `" > "`. What the fold set holds.
    pub path: String,
    /// Tree guides drawn before the node (`│ ├─`).
    pub guides: String,
    pub has_children: bool,
    pub collapsed: bool,
}

impl TreeLine<'_> {
    /// Out of sync, or not healthy (suspended on purpose does not count):
    /// where `next-resource` stops.
    pub fn needs_attention(&self) -> bool {
        match self.item {
            TreeItem::App(_) => false,
            TreeItem::Resource(node) => {
                node.sync.is_some_and(|sync| !sync.is_synced())
                    || node
                        .health
                        .as_ref()
                        .is_some_and(|health| health_needs_attention(health.status))
            }
        }
    }
}

/// The lines to show: the app, then every node whose ancestors are all
/// unfolded, depth first in the engine's order.
pub fn flatten<'a>(
    app: &'a AppSnapshot,
    tree: &'a [ResourceNode],
    collapsed: &BTreeSet<String>,
) -> Vec<TreeLine<'a>> {
    let root_collapsed = collapsed.contains(&app.name);
    let mut lines = vec![TreeLine {
        item: TreeItem::App(app),
        depth: 0,
        path: app.name.clone(),
        guides: String::new(),
        has_children: !tree.is_empty(),
        collapsed: root_collapsed,
    }];
    if !root_collapsed {
        push_children(&mut lines, tree, &app.name, "", 1, collapsed);
    }
    lines
}

fn push_children<'a>(
    lines: &mut Vec<TreeLine<'a>>,
    nodes: &'a [ResourceNode],
    parent: &str,
    indent: &str,
    depth: usize,
    collapsed: &BTreeSet<String>,
) {
    for (index, node) in nodes.iter().enumerate() {
        let last = index + 1 == nodes.len();
        let path = format!("{parent}{PATH_SEPARATOR}{}", node.key);
        let is_collapsed = collapsed.contains(&path);
        lines.push(TreeLine {
            item: TreeItem::Resource(node),
            depth,
            path: path.clone(),
            guides: format!("{indent}{}", if last { "└─" } else { "├─" }),
            has_children: !node.children.is_empty(),
            collapsed: is_collapsed,
        });
        if !is_collapsed {
            let indent = format!("{indent}{}", if last { "  " } else { "│ " });
            push_children(lines, &node.children, &path, &indent, depth + 1, collapsed);
        }
    }
}

/// Cursor, scroll and folds of the tree view. Transitions take the lines
/// [`flatten`] made from the same state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeState {
    pub scroll: Scroll,
    /// Paths (see [`TreeLine::path`]) of the folded nodes.
    pub collapsed: BTreeSet<String>,
    /// Managed resources marked for a selective sync.
    pub marked: BTreeSet<ObjectKey>,
}

impl TreeState {
    pub fn up(&mut self) {
        self.scroll.up();
    }

    pub fn down(&mut self, lines: &[TreeLine<'_>]) {
        self.scroll.down(lines.len());
    }

    pub fn page_up(&mut self) {
        self.scroll.page_up();
    }

    pub fn page_down(&mut self, lines: &[TreeLine<'_>]) {
        self.scroll.page_down(lines.len());
    }

    pub fn top(&mut self) {
        self.scroll.top();
    }

    pub fn bottom(&mut self, lines: &[TreeLine<'_>]) {
        self.scroll.bottom(lines.len());
    }

    /// The line under the cursor.
    pub fn selected<'l, 'a>(&self, lines: &'l [TreeLine<'a>]) -> Option<&'l TreeLine<'a>> {
        self.scroll.selected(lines.len()).map(|index| &lines[index])
    }

    /// Folds or unfolds the node under the cursor (a leaf does nothing).
    pub fn toggle_collapse(&mut self, lines: &[TreeLine<'_>]) {
        if let Some(line) = self.selected(lines).filter(|line| line.has_children)
            && !self.collapsed.remove(&line.path)
        {
            self.collapsed.insert(line.path.clone());
        }
    }

    /// Folds the node under the cursor; on a leaf or a folded node, moves
    /// to the parent instead (as file trees do).
    pub fn collapse(&mut self, lines: &[TreeLine<'_>]) {
        let Some(index) = self.scroll.selected(lines.len()) else {
            return;
        };
        let line = &lines[index];
        if line.has_children && !line.collapsed {
            self.collapsed.insert(line.path.clone());
        } else if let Some(parent) = lines[..index]
            .iter()
            .rposition(|candidate| candidate.depth + 1 == line.depth)
        {
            self.scroll.select(parent, lines.len());
        }
    }

    /// Unfolds the node under the cursor; on an open node, moves to its
    /// first child.
    pub fn expand(&mut self, lines: &[TreeLine<'_>]) {
        let Some(index) = self.scroll.selected(lines.len()) else {
            return;
        };
        let line = &lines[index];
        if line.collapsed {
            self.collapsed.remove(&line.path);
        } else if line.has_children {
            self.scroll.select(index + 1, lines.len());
        }
    }

    /// Moves to the next visible line that is out of sync or unhealthy;
    /// stays put when there is none.
    pub fn next_resource(&mut self, lines: &[TreeLine<'_>]) {
        let start = self
            .scroll
            .selected(lines.len())
            .map_or(0, |index| index + 1);
        if let Some(offset) = lines
            .get(start..)
            .and_then(|rest| rest.iter().position(TreeLine::needs_attention))
        {
            self.scroll.select(start + offset, lines.len());
        }
    }

    /// Marks or unmarks the managed resource under the cursor for a
    /// selective sync and moves down. Only managed resources (depth 1) can
    /// be synced on their own: what they own is the cluster's to create.
    /// False when the line is not one.
    pub fn toggle_mark(&mut self, lines: &[TreeLine<'_>]) -> bool {
        let Some(TreeLine {
            item: TreeItem::Resource(node),
            depth: 1,
            ..
        }) = self.selected(lines)
        else {
            return false;
        };
        if !self.marked.remove(&node.key) {
            self.marked.insert(node.key.clone());
        }
        self.scroll.down(lines.len());
        true
    }

    /// Moves to the previous visible line that is out of sync or unhealthy.
    pub fn prev_resource(&mut self, lines: &[TreeLine<'_>]) {
        let end = self.scroll.selected(lines.len()).unwrap_or(0);
        if let Some(index) = lines[..end].iter().rposition(TreeLine::needs_attention) {
            self.scroll.select(index, lines.len());
        }
    }
}

/// Rows under the tree for the selected node's details.
const DETAIL_ROWS: u16 = 2;
/// From this width on the tree also has a message column.
const WIDE: u16 = 120;

/// Tree rows [`render_tree`] shows in `area` when the app has no errors
/// (for `set_viewport`).
pub fn body_rows(area: Rect) -> usize {
    // Borders (2), header (1) and the detail lines.
    usize::from(area.height.saturating_sub(3 + DETAIL_ROWS))
}

/// Draws the tree of `app` from `detail` with the folds and cursor of
/// `state`; the selected node in full underneath, and the detail's errors
/// (why part of the picture is missing) under that.
pub fn render_tree(
    area: Rect,
    buf: &mut Buffer,
    app: &AppSnapshot,
    detail: &AppDetail,
    state: &TreeState,
    theme: &Theme,
) {
    let lines = flatten(app, &detail.tree, &state.collapsed);
    let attention = lines.iter().filter(|line| line.needs_attention()).count();
    let mut title = vec![Span::styled(
        format!(" Resources · {} ", app.name),
        theme.style(Slot::Title),
    )];
    if attention > 0 {
        title.push(Span::styled(
            format!("{attention} need attention "),
            theme.style(Slot::Warning),
        ));
    }
    if !state.marked.is_empty() {
        title.push(Span::styled(
            format!("· {} marked: s syncs only these ", state.marked.len()),
            theme.style(Slot::Accent),
        ));
    }
    let block = Block::bordered()
        .border_style(theme.style(Slot::Border))
        .title(Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    let error_rows = u16::try_from(detail.errors.len())
        .unwrap_or(u16::MAX)
        .min(inner.height / 3);
    let [table_area, detail_area, errors_area] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(DETAIL_ROWS),
        Constraint::Length(error_rows),
    ])
    .areas(inner);
    let wide = area.width >= WIDE;
    let height = usize::from(table_area.height.saturating_sub(1));
    let window = state.scroll.window(lines.len(), height);
    let selected = state.scroll.selected(lines.len());
    let rows = window.map(|index| {
        let row = tree_row(&lines[index], app, &state.marked, wide, theme);
        if Some(index) == selected {
            row.style(theme.style(Slot::Selection))
        } else {
            row
        }
    });
    let mut header = vec!["RESOURCE", "SYNC", "HEALTH"];
    let mut widths = vec![
        Constraint::Fill(3),
        Constraint::Length(12),
        Constraint::Length(13),
    ];
    if wide {
        header.push("MESSAGE");
        widths.push(Constraint::Fill(2));
    }
    Table::new(rows, widths)
        .header(Row::new(header).style(theme.style(Slot::Header)))
        .render(table_area, buf);
    if detail.tree.is_empty() && table_area.height > 2 {
        let [_, _, note] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(table_area);
        Paragraph::new(Line::styled(
            "  No resources: nothing rendered from Git and nothing live.",
            theme.style(Slot::Muted),
        ))
        .render(note, buf);
    }
    if let Some(line) = selected.map(|index| &lines[index]) {
        selected_detail(line, theme).render(detail_area, buf);
    }
    let errors: Vec<Line> = detail
        .errors
        .iter()
        .map(|error| Line::styled(format!("⚠ {error}"), theme.style(Slot::Warning)))
        .collect();
    Paragraph::new(errors).render(errors_area, buf);
}

/// What a node has to say: the prune warning for an extraneous resource,
/// else its health message; for the app, its conditions.
fn message<'a>(line: &TreeLine<'a>, theme: &Theme) -> Span<'a> {
    match line.item {
        TreeItem::App(app) => Span::styled(app.conditions.join("; "), theme.style(Slot::Warning)),
        TreeItem::Resource(node) => match (node.sync, node.health.as_ref()) {
            (Some(ResourceSyncStatus::Extraneous), _) => Span::styled(
                "gone from Git: a sync with prune deletes it",
                theme.style(Slot::Warning),
            ),
            (_, Some(health)) => Span::styled(health.message.as_str(), theme.style(Slot::Muted)),
            _ => Span::styled("", Style::default()),
        },
    }
}

/// The selected node in full: its whole key and its message.
fn selected_detail<'a>(line: &TreeLine<'a>, theme: &Theme) -> Paragraph<'a> {
    let name = match line.item {
        TreeItem::App(app) => format!("Application {} → {}", app.name, app.destination),
        TreeItem::Resource(node) => node.key.to_string(),
    };
    Paragraph::new(vec![
        Line::styled(name, theme.style(Slot::Title)),
        Line::from(message(line, theme)),
    ])
}

fn tree_row<'a>(
    line: &TreeLine<'a>,
    app: &AppSnapshot,
    marked: &BTreeSet<ObjectKey>,
    wide: bool,
    theme: &Theme,
) -> Row<'a> {
    let fold = match (line.has_children, line.collapsed) {
        (false, _) => "  ",
        (true, false) => "▾ ",
        (true, true) => "▸ ",
    };
    let muted = theme.style(Slot::Muted);
    let mut name = vec![
        Span::styled(line.guides.clone(), theme.style(Slot::Border)),
        Span::styled(fold, muted),
    ];
    let (sync, health) = match line.item {
        TreeItem::App(app) => {
            name.push(Span::styled(app.name.clone(), theme.style(Slot::Title)));
            (
                Span::styled(
                    format!("{} {}", sync_icon(app.sync), sync_label(app.sync)),
                    theme.style(sync_slot(app.sync)),
                ),
                Span::styled(
                    format!("{} {}", health_icon(app.health), app.health),
                    theme.style(health_slot(app.health)),
                ),
            )
        }
        TreeItem::Resource(node) => {
            if marked.contains(&node.key) {
                name.push(Span::styled("● ", theme.style(Slot::Marked)));
            }
            name.push(Span::styled(
                format!("{}/{}", node.key.kind, node.key.name),
                theme.style(Slot::Text),
            ));
            if !node.key.namespace.is_empty() && node.key.namespace != app.namespace {
                name.push(Span::styled(format!(" ({})", node.key.namespace), muted));
            }
            let sync = node.sync.map_or_else(
                || Span::raw(""),
                |sync| {
                    Span::styled(
                        format!("{} {}", resource_sync_icon(sync), resource_sync_label(sync)),
                        theme.style(resource_sync_slot(sync)),
                    )
                },
            );
            let health = node.health.as_ref().map_or_else(
                || Span::raw(""),
                |health| {
                    Span::styled(
                        format!("{} {}", health_icon(health.status), health.status),
                        theme.style(health_slot(health.status)),
                    )
                },
            );
            (sync, health)
        }
    };
    let mut cells = vec![
        Cell::from(Line::from(name)),
        Cell::from(sync),
        Cell::from(health),
    ];
    if wide {
        cells.push(Cell::from(message(line, theme)));
    }
    Row::new(cells)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::widgets::fixture;

    fn paths(lines: &[TreeLine<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|line| {
                format!(
                    "{}{}",
                    line.guides,
                    line.path.rsplit(" > ").next().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn flattening_walks_depth_first_with_guides() {
        let app = fixture::guestbook();
        let tree = fixture::tree();
        let lines = flatten(&app, &tree, &BTreeSet::new());
        assert_eq!(
            paths(&lines),
            [
                "guestbook",
                "├─ConfigMap/shop/legacy-flags",
                "├─Deployment.apps/shop/guestbook-ui",
                "│ ├─ReplicaSet.apps/shop/guestbook-ui-5d9f7c",
                "│ │ └─Pod/shop/guestbook-ui-5d9f7c-abcde",
                "│ └─ReplicaSet.apps/shop/guestbook-ui-7b4c9d",
                "│   ├─Pod/shop/guestbook-ui-7b4c9d-fghij",
                "│   └─Pod/shop/guestbook-ui-7b4c9d-klmno",
                "├─Secret/shop/guestbook-db",
                "└─Service/shop/guestbook-ui",
            ]
        );
        assert_eq!(lines[4].depth, 3);
        assert_eq!(
            lines[4].path,
            "guestbook > Deployment.apps/shop/guestbook-ui > ReplicaSet.apps/shop/guestbook-ui-5d9f7c > Pod/shop/guestbook-ui-5d9f7c-abcde"
        );
        assert!(lines[2].has_children && !lines[9].has_children);
    }

    #[test]
    fn folds_hide_descendants_and_survive_by_path() {
        let app = fixture::guestbook();
        let tree = fixture::tree();
        let mut state = TreeState::default();
        let lines = flatten(&app, &tree, &state.collapsed);
        state.scroll.select(2, lines.len());
        state.toggle_collapse(&lines);
        let lines = flatten(&app, &tree, &state.collapsed);
        assert_eq!(lines.len(), 5);
        assert!(lines[2].collapsed);
        assert_eq!(state.selected(&lines).map(|line| line.depth), Some(1));
        state.toggle_collapse(&lines);
        assert_eq!(flatten(&app, &tree, &state.collapsed).len(), 10);

        // A leaf does not fold.
        state.scroll.select(9, 10);
        let lines = flatten(&app, &tree, &state.collapsed);
        state.toggle_collapse(&lines);
        assert!(state.collapsed.is_empty());

        // Folding the app hides everything.
        state.top();
        state.toggle_collapse(&lines);
        assert_eq!(flatten(&app, &tree, &state.collapsed).len(), 1);
    }

    #[test]
    fn collapse_and_expand_move_like_a_file_tree() {
        let app = fixture::guestbook();
        let tree = fixture::tree();
        let mut state = TreeState::default();
        let lines = flatten(&app, &tree, &state.collapsed);
        state.scroll.select(6, lines.len()); // a Pod
        state.collapse(&lines);
        assert_eq!(state.scroll.cursor, 5, "leaf: up to its ReplicaSet");
        state.collapse(&lines);
        let lines = flatten(&app, &tree, &state.collapsed);
        assert!(lines[5].collapsed, "open node: folded");
        assert_eq!(lines.len(), 8);
        state.collapse(&lines);
        assert_eq!(state.scroll.cursor, 2, "folded node: up to the Deployment");
        state.scroll.select(5, lines.len());
        state.expand(&lines);
        let lines = flatten(&app, &tree, &state.collapsed);
        assert!(!lines[5].collapsed && lines.len() == 10);
        state.expand(&lines);
        assert_eq!(state.scroll.cursor, 6, "open node: to its first child");
        state.expand(&lines);
        assert_eq!(state.scroll.cursor, 6, "leaf: stays");
    }

    #[test]
    fn next_resource_stops_at_trouble_only() {
        let app = fixture::guestbook();
        let tree = fixture::tree();
        let mut state = TreeState::default();
        let lines = flatten(&app, &tree, &state.collapsed);
        let mut stops = Vec::new();
        for _ in 0..8 {
            state.next_resource(&lines);
            stops.push(state.scroll.cursor);
        }
        // ConfigMap (extraneous), Deployment (out of sync, degraded), the
        // degraded ReplicaSet, its two pods, the missing Secret; the
        // healthy ReplicaSet, its pod and the synced Service are skipped.
        assert_eq!(stops, [1, 2, 5, 6, 7, 8, 8, 8]);
        state.prev_resource(&lines);
        assert_eq!(state.scroll.cursor, 7);
        state.top();
        state.prev_resource(&lines);
        assert_eq!(state.scroll.cursor, 0);
    }

    fn render(
        width: u16,
        height: u16,
        detail: &AppDetail,
        state: &TreeState,
    ) -> ratatui::backend::TestBackend {
        let app = fixture::guestbook();
        fixture::draw(width, height, |area, buf| {
            render_tree(area, buf, &app, detail, state, &fixture::theme());
        })
    }

    #[test]
    fn snapshot_80x24() {
        let mut state = TreeState::default();
        state.scroll.select(6, 10);
        insta::assert_snapshot!(render(80, 24, &fixture::detail(), &state));
    }

    #[test]
    fn snapshot_160x48() {
        let mut detail = fixture::detail();
        detail
            .errors
            .push("cluster prod-eu: live state is 2m old (watch restarting)".into());
        let mut state = TreeState::default();
        state
            .collapsed
            .insert("guestbook > Deployment.apps/shop/guestbook-ui > ReplicaSet.apps/shop/guestbook-ui-5d9f7c".into());
        insta::assert_snapshot!(render(160, 48, &detail, &state));
    }

    #[test]
    fn statuses_are_coloured_and_prune_is_spelled_out() {
        let backend = render(160, 48, &fixture::detail(), &TreeState::default());
        let buffer = backend.buffer();
        let theme = fixture::theme();
        let (x, y) = fixture::find(buffer, "✗ Degraded").expect("degraded");
        assert_eq!(
            buffer[(x, y)].fg,
            theme.style(Slot::HealthDegraded).fg.unwrap()
        );
        let (x, y) = fixture::find(buffer, "− Extraneous").expect("extraneous");
        assert_eq!(buffer[(x, y)].fg, theme.style(Slot::Warning).fg.unwrap());
        let text = fixture::text(buffer);
        assert!(
            text.contains("gone from Git: a sync with prune deletes it"),
            "{text}"
        );
    }

    #[test]
    fn a_long_tree_scrolls_to_the_cursor() {
        let app = fixture::guestbook();
        let pods: Vec<ResourceNode> = (0..300)
            .map(|index| ResourceNode {
                key: fixture::key("", "Pod", "shop", &format!("pod-{index:03}")),
                sync: None,
                health: None,
                children: Vec::new(),
            })
            .collect();
        let mut detail = fixture::detail();
        detail.tree[1].children[0].children = pods;
        let mut state = TreeState::default();
        let lines = flatten(&app, &detail.tree, &state.collapsed);
        assert_eq!(lines.len(), 309);
        state.scroll.select(250, lines.len());
        let backend = render(80, 24, &detail, &state);
        let text = fixture::text(backend.buffer());
        assert!(text.contains("pod-246"), "{text}");
        assert!(!text.contains("pod-100"), "{text}");
    }
}
