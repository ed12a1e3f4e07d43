//! The UI's whole state (Elm architecture): what is shown, where the
//! cursor is, which dialog is open, the latest snapshot and details, and
//! the clock. `update` changes it, `view` draws it; neither does I/O.

use std::sync::Arc;

use ratatui::layout::Rect;

use crate::engine::api::{
    AppDetail, AutomationState, ClusterSnapshot, Command, ConnectionState, FleetSnapshot,
    HealthStatus, PauseScope, SyncStatus, Timestamp,
};

use super::app_list::AppList;
use super::bulk_preview::BulkSyncPreview;
use super::command_line::CommandHistory;
use super::keymap::{Context, Keymap};
use super::preview::SyncPreview;
use super::text_field::TextField;
use super::theme::Theme;
use super::widgets::appsets::{AppSetIndex, AppSetsState};
use super::widgets::audit::{AuditLog, AuditState, DEFAULT_CAPACITY};
use super::widgets::clusters::{ClusterTally, ClustersState};
use super::widgets::diff::{DiffDocument, DiffState};
use super::widgets::history::HistoryState;
use super::widgets::tree::TreeState;

/// The views, one per screen. `view` dispatches with one match over this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Applications,
    Detail { app: String },
    Diff { app: String },
    History { app: String },
    Clusters,
    AppSets,
    Audit,
}

impl Screen {
    /// The keymap context of the screen.
    pub fn context(&self) -> Context {
        match self {
            Screen::Applications => Context::Applications,
            Screen::Detail { .. } => Context::AppDetail,
            Screen::Diff { .. } => Context::Diff,
            Screen::History { .. } => Context::History,
            Screen::Clusters => Context::Fleet,
            // No context of its own: the application list's keys (Enter
            // opens the app under the cursor) fit its apps pane.
            Screen::AppSets => Context::Applications,
            Screen::Audit => Context::Audit,
        }
    }

    pub fn title(&self) -> String {
        match self {
            Screen::Applications => "Applications".into(),
            Screen::Detail { app } => format!("Application {app}"),
            Screen::Diff { app } => format!("Diff {app}"),
            Screen::History { app } => format!("History {app}"),
            Screen::Clusters => "Clusters".into(),
            Screen::AppSets => "ApplicationSets".into(),
            Screen::Audit => "Audit log".into(),
        }
    }

    /// The app a screen is about.
    pub fn app(&self) -> Option<&str> {
        match self {
            Screen::Detail { app } | Screen::Diff { app } | Screen::History { app } => Some(app),
            _ => None,
        }
    }
}

/// A modal layer over the screen: it gets the keys first.
#[derive(Debug, Clone)]
pub enum Overlay {
    /// The keys of `context` (the screen's when opened).
    Help {
        context: Context,
        scroll: usize,
    },
    /// The `/` filter or the `:` command line.
    Line(Box<LineInput>),
    Pause(Box<PauseDialog>),
    Confirm(Box<ConfirmDialog>),
    /// A single app's sync with the engine's dry run of it.
    SyncPreview(Box<SyncPreview>),
    /// Marked apps' sync, each with the engine's dry run of it.
    BulkPreview(Box<BulkSyncPreview>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Filter,
    Command,
}

#[derive(Debug, Clone)]
pub struct LineInput {
    pub kind: LineKind,
    pub field: TextField,
    /// The filter before editing began (Esc puts it back).
    pub before: String,
    /// Steps back in the command history (0 = the line being typed).
    pub history_back: usize,
    /// What the operator typed before walking the history.
    pub draft: String,
}

/// Which field of the pause dialog has the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseField {
    Duration,
    Reason,
    Scope,
}

/// One choice of what a pause covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PauseChoice {
    /// "app guestbook-dev", "3 marked apps", "the whole fleet"...
    pub label: String,
    /// One command per scope (a filter that is no single scope becomes one
    /// pause per app).
    pub scopes: Vec<PauseScope>,
    /// A freeze: the name the operator must type to confirm, when any.
    pub confirm_name: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PauseDialog {
    pub duration: TextField,
    pub reason: TextField,
    pub choices: Vec<PauseChoice>,
    pub choice: usize,
    pub focus: PauseField,
    /// The duration is a preset (the default, or picked with ↑/↓): the
    /// first character typed replaces it rather than extends it, so typing
    /// `30m` over `1h` means 30 minutes, not `1h30m`.
    pub duration_is_preset: bool,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

/// The duration presets Up/Down cycle through.
pub const PAUSE_PRESETS: &[&str] = &["15m", "1h", "4h"];

/// A question before a destructive or wide action. With `expected`, the
/// operator must type that name; without, `y` confirms.
#[derive(Debug, Clone)]
pub struct ConfirmDialog {
    pub title: String,
    /// Exactly what will happen, one line each.
    pub lines: Vec<String>,
    pub expected: Option<String>,
    pub field: TextField,
    pub commands: Vec<Command>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warning,
    Error,
}

/// The message line at the bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub level: Level,
    pub text: String,
}

/// Fleet-wide counts for the header, computed once per snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FleetCounts {
    pub apps: usize,
    pub out_of_sync: usize,
    pub degraded: usize,
    pub progressing: usize,
    pub paused: usize,
    pub awaiting_approval: usize,
    pub clusters: usize,
    pub reachable: usize,
}

impl FleetCounts {
    pub fn of(snapshot: &FleetSnapshot) -> FleetCounts {
        let mut counts = FleetCounts {
            apps: snapshot.apps.len(),
            clusters: snapshot.clusters.len(),
            reachable: snapshot
                .clusters
                .iter()
                .filter(|cluster| matches!(cluster.connection, ConnectionState::Connected { .. }))
                .count(),
            ..FleetCounts::default()
        };
        for app in snapshot.apps.iter() {
            counts.out_of_sync += usize::from(app.sync == SyncStatus::OutOfSync);
            counts.degraded += usize::from(app.health == HealthStatus::Degraded);
            counts.progressing += usize::from(app.health == HealthStatus::Progressing);
            counts.paused += usize::from(app.automation_state == AutomationState::Paused);
            counts.awaiting_approval +=
                usize::from(app.automation_state == AutomationState::AwaitingApproval);
        }
        counts
    }
}

/// From this width on, the header takes one line and tables show more
/// columns.
pub const WIDE: u16 = 120;

/// Pauses the banner lists one per line before it says "+N more".
pub const MAX_BANNER: usize = 3;

/// Everything the UI knows.
#[derive(Debug, Clone)]
pub struct Model {
    /// Who acts: goes into every command's `by` / `initiated_by`.
    pub operator: String,
    /// Read-only by the operator's choice (the flag), on top of the
    /// engine's own `snapshot.readonly`.
    pub readonly_flag: bool,
    pub theme: Theme,
    pub keymap: Keymap,
    pub snapshot: Arc<FleetSnapshot>,
    pub counts: FleetCounts,
    /// The clock, set by ticks (tests pin it).
    pub now: Timestamp,
    pub screen: Screen,
    /// Screens to go back to.
    pub back: Vec<Screen>,
    pub apps: AppList,
    /// The latest details the engine sent (of any app; views check `app`).
    pub detail: Option<Arc<AppDetail>>,
    /// `detail`'s diffs laid out once per details message, not per frame.
    pub diff_document: DiffDocument,
    /// Apps per cluster, recounted when the snapshot generation moves.
    pub cluster_tally: ClusterTally,
    /// Apps per ApplicationSet, rebuilt when the snapshot generation moves.
    pub appset_index: AppSetIndex,
    /// Every engine event received, for the audit view.
    pub audit_log: AuditLog,
    pub clusters_view: ClustersState,
    pub tree_view: TreeState,
    pub diff_view: DiffState,
    pub history_view: HistoryState,
    pub appsets_view: AppSetsState,
    pub audit_view: AuditState,
    pub overlay: Option<Overlay>,
    pub status: Option<StatusLine>,
    pub commands: CommandHistory,
    /// The terminal size, for paging and scrolling.
    pub width: u16,
    pub height: u16,
    /// Something visible changed since the last draw.
    pub dirty: bool,
    pub quit: bool,
}

impl Model {
    pub fn new(
        operator: &str,
        snapshot: Arc<FleetSnapshot>,
        theme: Theme,
        keymap: Keymap,
        now: Timestamp,
    ) -> Model {
        let mut model = Model {
            operator: operator.to_string(),
            readonly_flag: false,
            theme,
            keymap,
            counts: FleetCounts::of(&snapshot),
            cluster_tally: ClusterTally::of(&snapshot),
            appset_index: AppSetIndex::of(&snapshot),
            snapshot,
            now,
            screen: Screen::Applications,
            back: Vec::new(),
            apps: AppList::default(),
            detail: None,
            diff_document: DiffDocument::default(),
            audit_log: AuditLog::new(DEFAULT_CAPACITY),
            clusters_view: ClustersState::default(),
            tree_view: TreeState::default(),
            diff_view: DiffState::default(),
            history_view: HistoryState::default(),
            appsets_view: AppSetsState::default(),
            audit_view: AuditState::default(),
            overlay: None,
            status: None,
            commands: CommandHistory::default(),
            width: 80,
            height: 24,
            dirty: true,
            quit: false,
        };
        model.apps.refresh(&model.snapshot);
        model
    }

    /// Why writes are refused, when they are.
    pub fn readonly_reason(&self) -> Option<&'static str> {
        if self.snapshot.readonly {
            Some("the engine is read-only")
        } else if self.readonly_flag {
            Some("fleetdeck was started read-only")
        } else {
            None
        }
    }

    pub fn is_readonly(&self) -> bool {
        self.readonly_reason().is_some()
    }

    /// The keymap context the keys go to now.
    pub fn context(&self) -> Context {
        match &self.overlay {
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::Line(_) | Overlay::Pause(_)) => Context::Input,
            Some(Overlay::Confirm(dialog)) if dialog.expected.is_some() => Context::Input,
            Some(Overlay::Confirm(_)) => Context::Confirm,
            Some(Overlay::SyncPreview(preview)) if preview.typing.is_some() => Context::Input,
            Some(Overlay::SyncPreview(_)) => Context::Confirm,
            Some(Overlay::BulkPreview(preview)) if preview.typing.is_some() => Context::Input,
            Some(Overlay::BulkPreview(_)) => Context::Confirm,
            None => self.screen.context(),
        }
    }

    /// The details of `app`, when the latest details are about it.
    pub fn detail_of(&self, app: &str) -> Option<&AppDetail> {
        self.detail.as_deref().filter(|detail| detail.app == app)
    }

    /// The clusters in the order the clusters view lists them (the
    /// snapshot's).
    pub fn cluster_rows(&self) -> Vec<&ClusterSnapshot> {
        self.snapshot.clusters.iter().collect()
    }

    /// Lines the header takes: one on a wide terminal, two on a narrow
    /// one, plus the pause banner.
    pub fn header_height(&self) -> u16 {
        let base = if self.width >= WIDE { 1 } else { 2 };
        let pauses = self.active_pauses();
        let banner = if pauses > MAX_BANNER {
            MAX_BANNER + 1
        } else {
            pauses
        };
        base + banner as u16
    }

    /// Where `view` draws the screen: between the header and the status
    /// line (update sizes the widgets' viewports from it).
    pub fn body_area(&self) -> Rect {
        let top = self.header_height().min(self.height);
        Rect::new(0, top, self.width, self.height.saturating_sub(top + 1))
    }

    /// Rows of the application table that fit the terminal (for paging):
    /// the terminal minus header, table title and column header, status.
    pub fn page_rows(&self) -> usize {
        usize::from(self.height.saturating_sub(self.header_height() + 3)).max(1)
    }

    pub fn active_pauses(&self) -> usize {
        self.snapshot
            .pauses
            .iter()
            .filter(|pause| pause.is_active(self.now))
            .count()
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.set_status(Level::Info, text);
    }

    pub fn warn(&mut self, text: impl Into<String>) {
        self.set_status(Level::Warning, text);
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.set_status(Level::Error, text);
    }

    fn set_status(&mut self, level: Level, text: impl Into<String>) {
        self.status = Some(StatusLine {
            level,
            text: text.into(),
        });
    }
}
