//! The diff view: every resource that is not in sync, one after the other,
//! each with a header (key, status, and what a sync will do to it — "gone
//! from Git: a sync with prune deletes it") and its unified diff coloured
//! by line. Synced resources are left out; an app without differences gets
//! one calm sentence.
//!
//! [`DiffDocument`] lays the diffs out once (per `AppDetail`); [`DiffState`]
//! scrolls through it and jumps between resources and hunks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::status::{resource_sync_icon, resource_sync_label, resource_sync_slot};
use crate::engine::api::{ResourceDiff, ResourceSyncStatus};
use crate::tui::theme::{Slot, Theme};

/// What a line of the document is, which picks its style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffLineKind {
    /// `Kind/namespace/name  OutOfSync`: starts a resource.
    Header(ResourceSyncStatus),
    /// What a sync will do to the resource; a warning when it deletes or
    /// takes something over.
    Note {
        warning: bool,
    },
    /// `@@ -3,7 +3,7 @@`
    Hunk,
    Added,
    Removed,
    Context,
    /// Between resources.
    Blank,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub kind: DiffLineKind,
    pub text: String,
    /// Index of the resource (among the ones shown) the line belongs to.
    pub resource: usize,
}

/// The diffs of one app laid out as lines, with the positions of resource
/// headers and hunks for jumps. Build it once per `AppDetail`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiffDocument {
    lines: Vec<DiffLine>,
    /// Line index of each resource's header.
    resources: Vec<usize>,
    /// Line index of each `@@` line.
    hunks: Vec<usize>,
}

impl DiffDocument {
    /// Lays out every resource that is not Synced, in the engine's order.
    pub fn new(diffs: &[ResourceDiff]) -> DiffDocument {
        let mut document = DiffDocument::default();
        for diff in diffs.iter().filter(|diff| !diff.status.is_synced()) {
            let resource = document.resources.len();
            if resource > 0 {
                document.push(DiffLineKind::Blank, String::new(), resource - 1);
            }
            document.resources.push(document.lines.len());
            document.push(
                DiffLineKind::Header(diff.status),
                diff.key.to_string(),
                resource,
            );
            for (warning, note) in notes(diff) {
                document.push(DiffLineKind::Note { warning }, note, resource);
            }
            match diff.diff.as_deref() {
                Some(text) => document.push_unified(text, resource),
                None => document.push(
                    DiffLineKind::Note { warning: false },
                    "no text diff for this resource".to_owned(),
                    resource,
                ),
            }
        }
        document
    }

    fn push(&mut self, kind: DiffLineKind, text: String, resource: usize) {
        if kind == DiffLineKind::Hunk {
            self.hunks.push(self.lines.len());
        }
        self.lines.push(DiffLine {
            kind,
            text,
            resource,
        });
    }

    /// The unified diff's lines, without its `---`/`+++` file header (the
    /// resource header above says the same).
    fn push_unified(&mut self, text: &str, resource: usize) {
        let mut in_hunk = false;
        for line in text.lines() {
            let kind = if line.starts_with("@@") {
                in_hunk = true;
                DiffLineKind::Hunk
            } else if !in_hunk && (line.starts_with("--- ") || line.starts_with("+++ ")) {
                continue;
            } else if line.starts_with('+') {
                DiffLineKind::Added
            } else if line.starts_with('-') {
                DiffLineKind::Removed
            } else {
                DiffLineKind::Context
            };
            self.push(kind, line.replace('\t', "    "), resource);
        }
    }

    pub fn lines(&self) -> &[DiffLine] {
        &self.lines
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// No resource differs.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
    }

    /// How many resources are shown.
    pub fn resource_count(&self) -> usize {
        self.resources.len()
    }

    /// Line index of each resource's header.
    pub fn resource_starts(&self) -> &[usize] {
        &self.resources
    }

    /// Line index of each hunk.
    pub fn hunk_starts(&self) -> &[usize] {
        &self.hunks
    }
}

/// What a sync will do to the resource, in words, warnings first.
fn notes(diff: &ResourceDiff) -> Vec<(bool, String)> {
    let mut notes = Vec::new();
    if diff.requires_pruning {
        notes.push((
            true,
            "gone from Git: a sync with prune deletes it".to_owned(),
        ));
    }
    if let Some(other) = &diff.tracked_by_other_app {
        notes.push((
            true,
            format!("also tracked by app {other}: a sync takes it over"),
        ));
    }
    match diff.status {
        ResourceSyncStatus::Missing => {
            notes.push((false, "not on the cluster: a sync creates it".to_owned()));
        }
        ResourceSyncStatus::OutOfSync if !diff.tracked => {
            notes.push((
                true,
                "live but not tracked by this app: a sync adopts it".to_owned(),
            ));
        }
        ResourceSyncStatus::Extraneous if !diff.affects_app_status => {
            notes.push((
                false,
                "ignored for the app's status (IgnoreExtraneous)".to_owned(),
            ));
        }
        _ => {}
    }
    if !diff.drifted_paths.is_empty() {
        notes.push((false, format!("changed: {}", diff.drifted_paths.join(", "))));
    }
    notes
}

/// Where the diff view is: the first line shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffState {
    /// The document line at the top of the view.
    pub top: usize,
    /// Rows shown by the last layout (see [`body_rows`]); 0 when unknown.
    pub viewport: usize,
    /// Long lines continue on the next row instead of being cut.
    pub wrap: bool,
}

impl DiffState {
    pub fn toggle_wrap(&mut self) {
        self.wrap = !self.wrap;
    }

    pub fn set_viewport(&mut self, rows: usize) {
        self.viewport = rows;
    }

    pub fn up(&mut self) {
        self.top = self.top.saturating_sub(1);
    }

    pub fn down(&mut self, document: &DiffDocument) {
        self.scroll_to(self.top.saturating_add(1), document);
    }

    pub fn page_up(&mut self) {
        self.top = self.top.saturating_sub(self.page());
    }

    pub fn page_down(&mut self, document: &DiffDocument) {
        self.scroll_to(self.top.saturating_add(self.page()), document);
    }

    pub fn top(&mut self) {
        self.top = 0;
    }

    pub fn bottom(&mut self, document: &DiffDocument) {
        self.scroll_to(usize::MAX, document);
    }

    /// Brings the next resource's header to the top; stays at the last.
    pub fn next_resource(&mut self, document: &DiffDocument) {
        if let Some(&line) = document.resources.iter().find(|&&line| line > self.top) {
            self.top = line;
        }
    }

    /// Brings the previous resource's header to the top (the current one's
    /// first, when the view is inside it).
    pub fn prev_resource(&mut self, document: &DiffDocument) {
        if let Some(&line) = document
            .resources
            .iter()
            .rev()
            .find(|&&line| line < self.top)
        {
            self.top = line;
        }
    }

    pub fn next_hunk(&mut self, document: &DiffDocument) {
        if let Some(&line) = document.hunks.iter().find(|&&line| line > self.top) {
            self.top = line;
        }
    }

    pub fn prev_hunk(&mut self, document: &DiffDocument) {
        if let Some(&line) = document.hunks.iter().rev().find(|&&line| line < self.top) {
            self.top = line;
        }
    }

    /// The resource (index among those shown) at the top of the view.
    pub fn current_resource(&self, document: &DiffDocument) -> Option<usize> {
        document
            .lines
            .get(self.top.min(document.len().saturating_sub(1)))
            .map(|line| line.resource)
    }

    /// Scrolls to `line`, no further than the last page of the document.
    fn scroll_to(&mut self, line: usize, document: &DiffDocument) {
        let last = document.len().saturating_sub(self.viewport.max(1));
        self.top = line.min(last);
    }

    fn page(&self) -> usize {
        if self.viewport == 0 {
            10
        } else {
            self.viewport
        }
    }
}

/// Diff rows [`render_diff`] shows in `area` (for `set_viewport`).
pub fn body_rows(area: Rect) -> usize {
    // Borders (2) and the legend line.
    usize::from(area.height.saturating_sub(3))
}

/// Draws `document` from `state.top`; `app` names the title.
pub fn render_diff(
    area: Rect,
    buf: &mut Buffer,
    app: &str,
    document: &DiffDocument,
    state: &DiffState,
    theme: &Theme,
) {
    let mut title = vec![Span::styled(
        format!(" Diff · {app} "),
        theme.style(Slot::Title),
    )];
    if let Some(current) = state.current_resource(document) {
        title.push(Span::styled(
            format!("resource {} of {} ", current + 1, document.resource_count()),
            theme.style(Slot::Muted),
        ));
    }
    let block = Block::bordered()
        .border_style(theme.style(Slot::Border))
        .title(Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    if document.is_empty() {
        Paragraph::new(vec![
            Line::raw(""),
            Line::styled(
                "  ✓ No differences: the live state matches Git.",
                theme.style(Slot::SyncSynced),
            ),
        ])
        .render(inner, buf);
        return;
    }
    let muted = theme.style(Slot::Muted);
    let legend = Line::from(vec![
        Span::styled("  - live", theme.style(Slot::DiffRemoved)),
        Span::styled("   ", muted),
        Span::styled("+ Git", theme.style(Slot::DiffAdded)),
        Span::styled("   (what a sync would change)", muted),
    ]);
    let height = usize::from(inner.height.saturating_sub(1));
    let top = state.top.min(document.len().saturating_sub(1));
    let current = state.current_resource(document);
    let mut lines = Vec::with_capacity(height + 1);
    lines.push(legend);
    lines.extend(
        document.lines[top..]
            .iter()
            .take(height)
            .map(|line| styled(line, current == Some(line.resource), theme)),
    );
    let paragraph = Paragraph::new(lines);
    if state.wrap {
        paragraph.wrap(Wrap { trim: false }).render(inner, buf);
    } else {
        paragraph.render(inner, buf);
    }
}

fn styled<'a>(line: &'a DiffLine, current: bool, theme: &Theme) -> Line<'a> {
    let text = line.text.as_str();
    match line.kind {
        DiffLineKind::Header(status) => {
            let marker = if current { "▌" } else { " " };
            Line::from(vec![
                Span::styled(marker, theme.style(Slot::Accent)),
                Span::styled(
                    format!("{} ", resource_sync_icon(status)),
                    theme.style(resource_sync_slot(status)),
                ),
                Span::styled(text, theme.style(Slot::Title)),
                Span::raw("  "),
                Span::styled(
                    resource_sync_label(status),
                    theme.style(resource_sync_slot(status)),
                ),
            ])
        }
        DiffLineKind::Note { warning } => {
            let style = if warning {
                theme.style(Slot::Warning)
            } else {
                theme.style(Slot::Muted)
            };
            Line::from(vec![
                Span::raw("  "),
                Span::styled(if warning { "⚠ " } else { "· " }, style),
                Span::styled(text, style),
            ])
        }
        DiffLineKind::Hunk => Line::styled(format!("  {text}"), theme.style(Slot::DiffHunk)),
        DiffLineKind::Added => Line::styled(format!("  {text}"), theme.style(Slot::DiffAdded)),
        DiffLineKind::Removed => Line::styled(format!("  {text}"), theme.style(Slot::DiffRemoved)),
        DiffLineKind::Context => Line::styled(format!("  {text}"), theme.style(Slot::DiffContext)),
        DiffLineKind::Blank => Line::styled("", Style::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::widgets::fixture;

    fn document() -> DiffDocument {
        DiffDocument::new(&fixture::diffs())
    }

    #[test]
    fn synced_resources_and_file_headers_are_left_out() {
        let document = document();
        assert_eq!(
            document.resource_count(),
            3,
            "the synced Service is skipped"
        );
        assert!(
            !document
                .lines()
                .iter()
                .any(|line| line.text.starts_with("--- live/"))
        );
        assert!(
            !document
                .lines()
                .iter()
                .any(|line| line.text.contains("Service/"))
        );
        let kinds: Vec<DiffLineKind> = document.lines()[..4].iter().map(|line| line.kind).collect();
        assert_eq!(
            kinds,
            [
                DiffLineKind::Header(ResourceSyncStatus::Extraneous),
                DiffLineKind::Note { warning: true },
                DiffLineKind::Hunk,
                DiffLineKind::Removed,
            ]
        );
        assert_eq!(
            document.lines()[1].text,
            "gone from Git: a sync with prune deletes it"
        );
        assert_eq!(document.hunk_starts().len(), 4);
    }

    #[test]
    fn next_and_previous_resource_jump_between_headers() {
        let document = document();
        let starts = document.resource_starts().to_vec();
        let mut state = DiffState::default();
        assert_eq!(state.current_resource(&document), Some(0));
        state.next_resource(&document);
        assert_eq!(state.top, starts[1]);
        assert_eq!(state.current_resource(&document), Some(1));
        state.next_resource(&document);
        state.next_resource(&document);
        assert_eq!(state.top, starts[2], "stays at the last resource");
        state.down(&document);
        state.prev_resource(&document);
        assert_eq!(
            state.top, starts[2],
            "first back to the start of the current one"
        );
        state.prev_resource(&document);
        assert_eq!(state.top, starts[1]);
    }

    #[test]
    fn next_and_previous_hunk_visit_every_hunk_in_order() {
        let document = document();
        let mut state = DiffState::default();
        let mut visited = Vec::new();
        for _ in 0..5 {
            state.next_hunk(&document);
            visited.push(state.top);
        }
        let hunks = document.hunk_starts();
        assert_eq!(visited, [hunks[0], hunks[1], hunks[2], hunks[3], hunks[3]]);
        assert!(
            visited
                .iter()
                .all(|&line| document.lines()[line].kind == DiffLineKind::Hunk)
        );
        state.prev_hunk(&document);
        assert_eq!(state.top, hunks[2]);
        state.top();
        state.prev_hunk(&document);
        assert_eq!(state.top, 0);
    }

    #[test]
    fn scrolling_stops_at_the_last_page() {
        let document = document();
        let mut state = DiffState::default();
        state.set_viewport(10);
        state.bottom(&document);
        assert_eq!(state.top, document.len() - 10);
        state.down(&document);
        assert_eq!(state.top, document.len() - 10);
        state.page_up();
        assert_eq!(state.top, document.len() - 20);
    }

    fn render(
        width: u16,
        height: u16,
        diffs: &[crate::engine::api::ResourceDiff],
        state: DiffState,
    ) -> ratatui::backend::TestBackend {
        let document = DiffDocument::new(diffs);
        fixture::draw(width, height, |area, buf| {
            render_diff(area, buf, "guestbook", &document, &state, &fixture::theme());
        })
    }

    #[test]
    fn snapshot_80x24() {
        let diffs = fixture::diffs();
        let mut state = DiffState::default();
        state.next_resource(&DiffDocument::new(&diffs));
        insta::assert_snapshot!(render(80, 24, &diffs, state));
    }

    #[test]
    fn snapshot_160x48() {
        insta::assert_snapshot!(render(160, 48, &fixture::diffs(), DiffState::default()));
    }

    #[test]
    fn snapshot_no_differences() {
        let synced: Vec<_> = fixture::diffs()
            .into_iter()
            .filter(|diff| diff.status.is_synced())
            .collect();
        insta::assert_snapshot!(render(80, 24, &synced, DiffState::default()));
    }

    #[test]
    fn wrapping_shows_the_end_of_long_lines() {
        let mut diffs = fixture::diffs();
        diffs[1].drifted_paths = vec![format!("spec.{}.end-of-path", "x".repeat(90))];
        let mut state = DiffState::default();
        state.next_resource(&DiffDocument::new(&diffs));
        let cut = fixture::text(render(80, 24, &diffs, state).buffer());
        assert!(!cut.contains("end-of-path"), "{cut}");
        state.toggle_wrap();
        let wrapped = fixture::text(render(80, 24, &diffs, state).buffer());
        assert!(wrapped.contains("end-of-path"), "{wrapped}");
    }

    #[test]
    fn lines_are_coloured_by_kind() {
        let backend = render(160, 48, &fixture::diffs(), DiffState::default());
        let buffer = backend.buffer();
        let theme = fixture::theme();
        for (needle, slot) in [
            ("+  replicas: 3", Slot::DiffAdded),
            ("-  replicas: 2", Slot::DiffRemoved),
            ("@@ -3,7 +3,7 @@", Slot::DiffHunk),
            ("gone from Git", Slot::Warning),
        ] {
            let (x, y) = fixture::find(buffer, needle).unwrap_or_else(|| panic!("{needle}"));
            assert_eq!(buffer[(x, y)].fg, theme.style(slot).fg.unwrap(), "{needle}");
        }
    }
}
