//! The live audit log: engine events as timestamped lines, coloured by
//! kind, in a bounded ring buffer ([`AuditLog`], 2,000 lines by default)
//! and filtered by a substring. The view follows the newest line until the
//! operator scrolls up, then holds still while new lines arrive.

use std::collections::VecDeque;
use std::time::SystemTime;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::text::{clock, short_revision};
use crate::engine::api::{
    ConnectionState, EngineEvent, OperationPhase, ResultCode, SyncOutcome, SyncProgress,
};
use crate::tui::theme::{Slot, Theme};

/// Lines kept when the core does not say otherwise.
pub const DEFAULT_CAPACITY: usize = 2_000;

/// What a line is about, which picks its tag and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditKind {
    /// An operation started or moved on.
    Operation,
    Succeeded,
    Failed,
    Connected,
    Disconnected,
    Rejected,
    Warning,
    /// An operator's pause, resume, approval, rollback or cancel.
    Operator,
}

impl AuditKind {
    /// The tag shown in the line (and matched by the filter).
    pub fn tag(self) -> &'static str {
        match self {
            AuditKind::Operation => "sync",
            AuditKind::Succeeded => "synced",
            AuditKind::Failed => "FAILED",
            AuditKind::Connected => "cluster",
            AuditKind::Disconnected => "CLUSTER",
            AuditKind::Rejected => "REFUSED",
            AuditKind::Warning => "warning",
            AuditKind::Operator => "operator",
        }
    }

    fn slot(self) -> Slot {
        match self {
            AuditKind::Operation => Slot::Text,
            AuditKind::Succeeded | AuditKind::Connected => Slot::HealthHealthy,
            AuditKind::Failed | AuditKind::Disconnected | AuditKind::Rejected => Slot::Error,
            AuditKind::Warning => Slot::Warning,
            AuditKind::Operator => Slot::Accent,
        }
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Counts every line ever pushed (never reused), so a scrolled view can
    /// hold on to a line while older ones are dropped.
    pub seq: u64,
    pub at: SystemTime,
    pub kind: AuditKind,
    pub text: String,
    /// Tag and text in lower case, for the filter.
    search: String,
}

impl AuditEntry {
    /// Case-insensitive substring match on tag and text; `needle` is
    /// already lower case.
    fn matches(&self, needle: &str) -> bool {
        needle.is_empty() || self.search.contains(needle)
    }
}

/// The newest `capacity` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLog {
    entries: VecDeque<AuditEntry>,
    capacity: usize,
    next_seq: u64,
}

impl Default for AuditLog {
    fn default() -> Self {
        AuditLog::new(DEFAULT_CAPACITY)
    }
}

impl AuditLog {
    pub fn new(capacity: usize) -> AuditLog {
        AuditLog {
            entries: VecDeque::with_capacity(capacity.min(DEFAULT_CAPACITY)),
            capacity: capacity.max(1),
            next_seq: 0,
        }
    }

    /// Records `event` as received at `now`, dropping the oldest line when
    /// full. Returns false for events that are answers, not happenings (an
    /// `AppDetail`), which are not logged.
    pub fn push(&mut self, now: SystemTime, event: &EngineEvent) -> bool {
        let Some((kind, text)) = describe(event) else {
            return false;
        };
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
        }
        let search = format!("{} {}", kind.tag(), text).to_lowercase();
        self.entries.push_back(AuditEntry {
            seq: self.next_seq,
            at: now,
            kind,
            text,
            search,
        });
        self.next_seq += 1;
        true
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &AuditEntry> + ExactSizeIterator {
        self.entries.iter()
    }

    /// The lines that match `filter` (case-insensitive), oldest first.
    pub fn matching(&self, filter: &str) -> Vec<&AuditEntry> {
        let needle = filter.to_lowercase();
        self.entries
            .iter()
            .filter(|entry| entry.matches(&needle))
            .collect()
    }
}

/// An event in one line, or `None` when it is not worth logging.
fn describe(event: &EngineEvent) -> Option<(AuditKind, String)> {
    Some(match event {
        EngineEvent::OperationStarted {
            app,
            initiated_by,
            dry_run,
        } => (
            AuditKind::Operation,
            format!(
                "{app}: {} started by {initiated_by}",
                if *dry_run { "dry run" } else { "sync" }
            ),
        ),
        // The end of an operation is said by `OperationFinished`, which
        // follows with the counts; its last phase change would say it twice.
        EngineEvent::OperationProgress {
            progress: SyncProgress::Phase { phase, .. },
            ..
        } if is_final(*phase) => return None,
        EngineEvent::OperationProgress { app, progress } => {
            let kind = match progress {
                SyncProgress::Resource(result) if result.status == ResultCode::SyncFailed => {
                    AuditKind::Failed
                }
                _ => AuditKind::Operation,
            };
            (kind, progress_text(app, progress))
        }
        EngineEvent::OperationFinished { app, outcome } => finished(app, outcome),
        EngineEvent::ClusterConnection { cluster, state } => match state {
            ConnectionState::Connected { version, .. } => (
                AuditKind::Connected,
                format!("{cluster}: connected, Kubernetes {version}"),
            ),
            ConnectionState::Unreachable { error, .. } => (
                AuditKind::Disconnected,
                format!("{cluster}: unreachable: {error}"),
            ),
            ConnectionState::Unknown => (
                AuditKind::Warning,
                format!("{cluster}: connection state unknown"),
            ),
        },
        EngineEvent::Rejected { command, reason } => {
            (AuditKind::Rejected, format!("{command}: {reason}"))
        }
        EngineEvent::Warning { message } => (AuditKind::Warning, message.clone()),
        EngineEvent::OperatorAction {
            operator,
            action,
            target,
            detail,
        } => (
            AuditKind::Operator,
            if detail.is_empty() {
                format!("{operator} {action} {target}")
            } else {
                format!("{operator} {action} {target}: {detail}")
            },
        ),
        EngineEvent::AppDetail(_) => return None,
    })
}

fn progress_text(app: &str, progress: &SyncProgress) -> String {
    match progress {
        SyncProgress::Planned { tasks, steps, .. } => {
            format!("{app}: plan of {tasks} tasks in {steps} steps")
        }
        SyncProgress::Step { phase, wave } => format!("{app}: {phase} wave {wave}"),
        SyncProgress::Resource(result) => {
            let status = match result.status {
                ResultCode::Synced => "synced",
                ResultCode::SyncFailed => "FAILED",
                ResultCode::Pruned => "pruned (deleted)",
                ResultCode::PruneSkipped => "kept (prune off)",
            };
            let mut text = format!("{app}: {} {status}", result.key);
            if !result.message.is_empty() {
                text.push_str(": ");
                text.push_str(&result.message);
            }
            text
        }
        SyncProgress::Waiting {
            phase,
            wave,
            pending,
        } => format!(
            "{app}: {phase} wave {wave} waiting for {}",
            pending.join(", ")
        ),
        SyncProgress::Phase { phase, message } => {
            format!("{app}: {}: {message}", phase_word(*phase))
        }
    }
}

fn is_final(phase: OperationPhase) -> bool {
    matches!(
        phase,
        OperationPhase::Succeeded | OperationPhase::Failed | OperationPhase::Error
    )
}

fn phase_word(phase: OperationPhase) -> &'static str {
    match phase {
        OperationPhase::Running => "running",
        OperationPhase::Terminating => "terminating",
        OperationPhase::Succeeded => "succeeded",
        OperationPhase::Failed => "failed",
        OperationPhase::Error => "error",
    }
}

fn finished(app: &str, outcome: &SyncOutcome) -> (AuditKind, String) {
    let kind = if outcome.succeeded() {
        AuditKind::Succeeded
    } else {
        AuditKind::Failed
    };
    let what = if outcome.dry_run { "dry run" } else { "sync" };
    let mut text = format!(
        "{app}: {what} {} on {} at {}: {} ({} synced, {} pruned, {} failed)",
        phase_word(outcome.phase),
        outcome.cluster,
        short_revision(&outcome.revision),
        outcome.message,
        outcome.count(ResultCode::Synced),
        outcome.count(ResultCode::Pruned),
        outcome.count(ResultCode::SyncFailed),
    );
    if outcome.message.is_empty() {
        text = text.replace(":  (", " (");
    }
    (kind, text)
}

/// The filter and where the view is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditState {
    /// Shown lines contain this (case-insensitive); empty shows all.
    pub filter: String,
    /// The `seq` of the first line shown; `None` follows the newest line.
    pub anchor: Option<u64>,
    /// Rows shown by the last layout (see [`body_rows`]); 0 when unknown.
    pub viewport: usize,
}

impl AuditState {
    pub fn set_viewport(&mut self, rows: usize) {
        self.viewport = rows;
    }

    /// A new filter shows the newest matching lines.
    pub fn set_filter(&mut self, filter: impl Into<String>) {
        self.filter = filter.into();
        self.anchor = None;
    }

    pub fn following(&self) -> bool {
        self.anchor.is_none()
    }

    pub fn up(&mut self, log: &AuditLog) {
        self.move_by(log, -1);
    }

    pub fn down(&mut self, log: &AuditLog) {
        self.move_by(log, 1);
    }

    pub fn page_up(&mut self, log: &AuditLog) {
        self.move_by(log, -page(self.viewport));
    }

    pub fn page_down(&mut self, log: &AuditLog) {
        self.move_by(log, page(self.viewport));
    }

    /// The oldest line.
    pub fn top(&mut self, log: &AuditLog) {
        let lines = log.matching(&self.filter);
        self.anchor = lines.first().map(|entry| entry.seq);
        if lines.len() <= self.height() {
            self.anchor = None;
        }
    }

    /// Back to following the newest line.
    pub fn bottom(&mut self) {
        self.anchor = None;
    }

    fn height(&self) -> usize {
        if self.viewport == 0 {
            10
        } else {
            self.viewport
        }
    }

    /// Moves the first shown line by `delta`; reaching the last page
    /// resumes following.
    fn move_by(&mut self, log: &AuditLog, delta: isize) {
        let lines = log.matching(&self.filter);
        let start = first_shown(&lines, self.anchor, self.height());
        let last_start = lines.len().saturating_sub(self.height());
        let target = start.saturating_add_signed(delta).min(last_start);
        self.anchor = if target >= last_start {
            None
        } else {
            lines.get(target).map(|entry| entry.seq)
        };
    }
}

fn page(viewport: usize) -> isize {
    isize::try_from(if viewport == 0 { 10 } else { viewport }).unwrap_or(isize::MAX)
}

/// Index (into `lines`) of the first line shown in `height` rows.
fn first_shown(lines: &[&AuditEntry], anchor: Option<u64>, height: usize) -> usize {
    let last_start = lines.len().saturating_sub(height);
    match anchor {
        None => last_start,
        Some(seq) => lines
            .iter()
            .position(|entry| entry.seq >= seq)
            .unwrap_or(last_start)
            .min(last_start),
    }
}

/// Log rows [`render_audit`] shows in `area` (for `set_viewport`).
pub fn body_rows(area: Rect) -> usize {
    usize::from(area.height.saturating_sub(2))
}

/// Width of `HH:MM:SS tag      ` before the text of a line.
const PREFIX_WIDTH: usize = 18;
/// Narrower than this for the text, lines are cut instead of wrapped.
const MIN_WRAP_WIDTH: usize = 20;

/// `text` in rows of at most `width` columns, broken after spaces where
/// possible: an error message is read whole, never cut at the edge.
fn wrap(text: &str, width: usize) -> Vec<&str> {
    let mut rows = Vec::new();
    let mut row_start = 0;
    let mut row_width = 0;
    let mut last_space = None;
    for (index, character) in text.char_indices() {
        let character_width = Span::raw(&text[index..index + character.len_utf8()]).width();
        if row_width + character_width > width && index > row_start {
            let cut = last_space
                .filter(|&space| space > row_start)
                .unwrap_or(index);
            rows.push(&text[row_start..cut]);
            row_start = cut;
            row_width = Span::raw(&text[cut..index]).width();
            last_space = None;
        }
        row_width += character_width;
        if character == ' ' {
            last_space = Some(index + 1);
        }
    }
    rows.push(&text[row_start..]);
    rows
}

/// Index (into `lines`) of the first line shown: the anchored line, or
/// when following, as many of the newest lines as fit in `height` rows.
fn first_shown_in_rows(
    lines: &[&AuditEntry],
    anchor: Option<u64>,
    height: usize,
    rows: impl Fn(&AuditEntry) -> usize,
) -> usize {
    if anchor.is_some() {
        return first_shown(lines, anchor, height);
    }
    let mut used = 0;
    let mut start = lines.len();
    while start > 0 {
        let needed = rows(lines[start - 1]);
        if used + needed > height && start < lines.len() {
            break;
        }
        used += needed;
        start -= 1;
    }
    start
}

/// Draws the lines of `log` that match `state.filter`; long lines wrap
/// under their text.
pub fn render_audit(
    area: Rect,
    buf: &mut Buffer,
    log: &AuditLog,
    state: &AuditState,
    theme: &Theme,
) {
    let lines = log.matching(&state.filter);
    let mut title = vec![Span::styled(" Audit ", theme.style(Slot::Title))];
    if state.filter.is_empty() {
        title.push(Span::styled(
            format!("({} lines) ", lines.len()),
            theme.style(Slot::Muted),
        ));
    } else {
        title.push(Span::styled(
            format!("/{} ", state.filter),
            theme.style(Slot::Accent),
        ));
        title.push(Span::styled(
            format!("({} of {} lines) ", lines.len(), log.len()),
            theme.style(Slot::Muted),
        ));
    }
    if !state.following() {
        title.push(Span::styled(
            "scrolled: G follows new lines ",
            theme.style(Slot::Warning),
        ));
    }
    let block = Block::bordered()
        .border_style(theme.style(Slot::Border))
        .title(Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    if lines.is_empty() {
        let message = if log.is_empty() {
            "Nothing has happened yet."
        } else {
            "No line matches the filter."
        };
        Paragraph::new(Line::styled(message, theme.style(Slot::Muted))).render(inner, buf);
        return;
    }
    let height = usize::from(inner.height);
    let text_width = usize::from(inner.width).saturating_sub(PREFIX_WIDTH);
    let wraps = text_width >= MIN_WRAP_WIDTH;
    let rows_of = |entry: &AuditEntry| {
        if wraps {
            wrap(&entry.text, text_width).len()
        } else {
            1
        }
    };
    let start = first_shown_in_rows(&lines, state.anchor, height, rows_of);
    let muted = theme.style(Slot::Muted);
    let mut shown: Vec<Line> = Vec::with_capacity(height);
    for entry in &lines[start..] {
        if shown.len() >= height {
            break;
        }
        let style = theme.style(entry.kind.slot());
        let rows = if wraps {
            wrap(&entry.text, text_width)
        } else {
            vec![entry.text.as_str()]
        };
        for (index, row) in rows.into_iter().enumerate() {
            let prefix = if index == 0 {
                vec![
                    Span::styled(format!("{} ", clock(entry.at)), muted),
                    Span::styled(format!("{:<8} ", entry.kind.tag()), style),
                ]
            } else {
                vec![Span::raw(" ".repeat(PREFIX_WIDTH))]
            };
            let mut spans = prefix;
            spans.push(Span::styled(row, style));
            shown.push(Line::from(spans));
        }
    }
    shown.truncate(height);
    Paragraph::new(shown).render(inner, buf);
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::tui::widgets::fixture;

    fn at(second: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_763_780_400 + second)
    }

    fn warning(index: usize) -> EngineEvent {
        EngineEvent::Warning {
            message: format!("warning {index}"),
        }
    }

    fn log() -> AuditLog {
        let mut log = AuditLog::default();
        for (second, event) in fixture::events().iter().enumerate() {
            log.push(at(second as u64 * 7), event);
        }
        log
    }

    #[test]
    fn the_ring_buffer_keeps_the_newest_lines() {
        let mut log = AuditLog::new(3);
        for index in 0..5 {
            assert!(log.push(at(index as u64), &warning(index)));
        }
        assert_eq!(log.len(), 3);
        let texts: Vec<&str> = log.entries().map(|entry| entry.text.as_str()).collect();
        assert_eq!(texts, ["warning 2", "warning 3", "warning 4"]);
        let seqs: Vec<u64> = log.entries().map(|entry| entry.seq).collect();
        assert_eq!(seqs, [2, 3, 4]);
        assert_eq!(AuditLog::default().capacity, 2_000);
    }

    #[test]
    fn every_happening_is_logged_with_its_kind_and_answers_are_not() {
        let log = log();
        assert_eq!(
            log.len(),
            fixture::events().len() - 1,
            "AppDetail is not logged"
        );
        let kinds: Vec<AuditKind> = log.entries().map(|entry| entry.kind).collect();
        assert_eq!(
            kinds,
            [
                AuditKind::Connected,
                AuditKind::Operation,
                AuditKind::Operation,
                AuditKind::Failed,
                AuditKind::Failed,
                AuditKind::Disconnected,
                AuditKind::Rejected,
                AuditKind::Warning,
                AuditKind::Operator,
            ]
        );
        let failed = log.entries().nth(4).unwrap();
        assert_eq!(
            failed.text,
            "guestbook: sync failed on prod-eu at 2c3d4e5: one or more objects failed to apply (0 synced, 0 pruned, 1 failed)"
        );
    }

    #[test]
    fn an_operation_ends_in_one_line_not_two() {
        let mut log = AuditLog::default();
        let phase = |phase| EngineEvent::OperationProgress {
            app: "web".into(),
            progress: SyncProgress::Phase {
                phase,
                message: "successfully synced".into(),
            },
        };
        assert!(log.push(at(0), &phase(OperationPhase::Running)));
        assert!(log.push(at(0), &phase(OperationPhase::Terminating)));
        for last in [
            OperationPhase::Succeeded,
            OperationPhase::Failed,
            OperationPhase::Error,
        ] {
            assert!(
                !log.push(at(1), &phase(last)),
                "{last:?}: the finish event says it"
            );
        }
        assert_eq!(log.len(), 2);
    }

    #[test]
    fn the_filter_is_a_case_insensitive_substring_of_tag_or_text() {
        let log = log();
        let texts = |filter: &str| -> Vec<String> {
            log.matching(filter)
                .iter()
                .map(|entry| entry.text.clone())
                .collect()
        };
        assert_eq!(texts("PROD-US").len(), 1);
        assert_eq!(texts("OPERATOR").len(), 1, "tags match too");
        assert_eq!(
            texts("refused").len(),
            2,
            "the REFUSED tag and a connection refused"
        );
        assert_eq!(texts("guestbook").len(), 7);
        assert!(texts("nothing like this").is_empty());
        assert_eq!(texts("").len(), log.len());
    }

    #[test]
    fn scrolling_up_holds_the_view_while_lines_arrive() {
        let mut log = AuditLog::new(100);
        for index in 0..30 {
            log.push(at(index), &warning(index as usize));
        }
        let mut state = AuditState::default();
        state.set_viewport(10);
        assert!(state.following());
        state.up(&log);
        assert_eq!(state.anchor, Some(19));
        log.push(at(31), &warning(30));
        let lines = log.matching("");
        assert_eq!(first_shown(&lines, state.anchor, 10), 19, "view held still");
        state.page_up(&log);
        assert_eq!(state.anchor, Some(9));
        state.top(&log);
        assert_eq!(state.anchor, Some(0));
        state.up(&log);
        assert_eq!(state.anchor, Some(0));
        state.page_down(&log);
        state.page_down(&log);
        assert_eq!(state.anchor, Some(20));
        state.page_down(&log);
        assert!(state.following(), "the last page follows again");
        state.up(&log);
        state.set_filter("warning 2");
        assert!(state.following(), "a new filter shows the newest lines");
    }

    #[test]
    fn a_held_line_that_is_dropped_falls_back_to_the_oldest() {
        let mut log = AuditLog::new(20);
        for index in 0..20 {
            log.push(at(index), &warning(index as usize));
        }
        let mut state = AuditState::default();
        state.set_viewport(5);
        state.top(&log);
        for index in 20..25 {
            log.push(at(index), &warning(index as usize));
        }
        let lines = log.matching("");
        assert_eq!(first_shown(&lines, state.anchor, 5), 0);
        assert_eq!(lines[0].seq, 5);
    }

    #[test]
    fn long_lines_wrap_after_spaces_and_hard_split_long_words() {
        assert_eq!(wrap("short", 10), ["short"]);
        assert_eq!(
            wrap("dial tcp 10.0.3.7:443: refused", 12),
            ["dial tcp ", "10.0.3.7:443", ": refused"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("", 4), [""]);
    }

    #[test]
    fn following_shows_the_newest_lines_that_fit_when_they_wrap() {
        let mut log = AuditLog::new(10);
        for index in 0..4 {
            log.push(at(index), &warning(index as usize));
        }
        let lines = log.matching("");
        let rows = |entry: &AuditEntry| if entry.seq == 3 { 3 } else { 1 };
        assert_eq!(first_shown_in_rows(&lines, None, 4, rows), 2);
        assert_eq!(
            first_shown_in_rows(&lines, None, 2, rows),
            3,
            "the newest line always shows"
        );
        assert_eq!(
            first_shown_in_rows(&lines, Some(1), 4, rows),
            0,
            "anchored: capped by line count"
        );
    }

    fn render(width: u16, height: u16, state: &AuditState) -> ratatui::backend::TestBackend {
        let log = log();
        fixture::draw(width, height, |area, buf| {
            render_audit(area, buf, &log, state, &fixture::theme());
        })
    }

    #[test]
    fn snapshot_80x24() {
        insta::assert_snapshot!(render(80, 24, &AuditState::default()));
    }

    #[test]
    fn snapshot_160x48() {
        insta::assert_snapshot!(render(160, 48, &AuditState::default()));
    }

    #[test]
    fn snapshot_filtered() {
        let mut state = AuditState::default();
        state.set_filter("PROD");
        insta::assert_snapshot!(render(80, 24, &state));
    }

    #[test]
    fn kinds_are_coloured() {
        let backend = render(160, 48, &AuditState::default());
        let buffer = backend.buffer();
        let theme = fixture::theme();
        for (needle, slot) in [
            ("REFUSED", Slot::Error),
            ("FAILED", Slot::Error),
            ("operator", Slot::Accent),
            ("warning", Slot::Warning),
            ("cluster ", Slot::HealthHealthy),
        ] {
            let (x, y) = fixture::find(buffer, needle).unwrap_or_else(|| panic!("{needle}"));
            assert_eq!(buffer[(x, y)].fg, theme.style(slot).fg.unwrap(), "{needle}");
        }
        let text = fixture::text(buffer);
        assert!(text.contains("03:00:00 cluster"), "{text}");
    }
}
