//! The widget-backed screens' side of `update`: cursor and screen keys
//! routed to each widget's state, the derived caches (cluster tally,
//! ApplicationSet index, diff document) rebuilt when their data moves,
//! the audit log fed, and the viewports sized from the layout `view` uses.

use std::sync::Arc;
use std::time::SystemTime;

use crate::engine::api::{EngineEvent, FleetSnapshot};

use super::super::action::Action;
use super::super::model::{Model, Screen};
use super::super::msg::Effect;
use super::super::views;
use super::super::widgets::appsets::{AppSetIndex, AppSetsFocus};
use super::super::widgets::clusters::{self, ClusterTally};
use super::super::widgets::diff::{self, DiffDocument, DiffLineKind};
use super::super::widgets::tree::{self, TreeItem, flatten};
use super::super::widgets::{audit, history};
use super::actions::set_filter;
use super::open_app_screen;

/// Sets each widget's viewport from the area `view` gives it now.
pub fn fit_viewports(model: &mut Model) {
    let body = model.body_area();
    model
        .clusters_view
        .scroll
        .set_viewport(clusters::body_rows(body));
    model.diff_view.set_viewport(diff::body_rows(body));
    model
        .history_view
        .scroll
        .set_viewport(history::body_rows(body));
    model.audit_view.set_viewport(audit::body_rows(body));
    if let Screen::Detail { app } = &model.screen
        && let Some(snapshot) = model.snapshot.app(app)
    {
        let area = views::detail::resources_area(model, snapshot, body);
        model.tree_view.scroll.set_viewport(tree::body_rows(area));
    }
}

/// A new snapshot: recounts what is derived from it when its generation
/// moved.
pub fn on_snapshot(model: &mut Model, snapshot: &FleetSnapshot) {
    if model.cluster_tally.generation() != snapshot.generation {
        model.cluster_tally = ClusterTally::of(snapshot);
    }
    if model.appset_index.generation() != snapshot.generation {
        model.appset_index = AppSetIndex::of(snapshot);
    }
}

/// Records an engine event in the audit log at the model's clock. True
/// when it was logged (details are answers, not happenings).
pub fn record(model: &mut Model, event: &EngineEvent) -> bool {
    model.audit_log.push(SystemTime::from(model.now), event)
}

/// New details: the diff document is laid out once for them.
pub fn on_detail(model: &mut Model) {
    model.diff_document = model
        .detail
        .as_deref()
        .map_or_else(DiffDocument::default, |detail| {
            DiffDocument::new(&detail.diffs)
        });
}

/// Opening a screen about another app starts its tree, diff and history
/// views afresh (moving between the screens of one app keeps them).
pub fn reset_app_views(model: &mut Model, app: &str) {
    if model.screen.app() == Some(app) {
        return;
    }
    model.tree_view = Default::default();
    model.diff_view = Default::default();
    model.history_view = Default::default();
}

/// Cursor and screen keys on the widget screens. True when handled.
pub fn navigate(model: &mut Model, action: Action) -> bool {
    fit_viewports(model);
    match model.screen.clone() {
        Screen::Applications => false,
        Screen::Clusters => {
            let len = model.snapshot.clusters.len();
            let scroll = &mut model.clusters_view.scroll;
            match action {
                Action::Up => scroll.up(),
                Action::Down => scroll.down(len),
                Action::PageUp => scroll.page_up(),
                Action::PageDown => scroll.page_down(len),
                Action::Top => scroll.top(),
                Action::Bottom => scroll.bottom(len),
                _ => return false,
            }
            true
        }
        Screen::Detail { app } => tree_key(model, &app, action),
        Screen::Diff { .. } => {
            let document = &model.diff_document;
            let state = &mut model.diff_view;
            match action {
                Action::Up => state.up(),
                Action::Down => state.down(document),
                Action::PageUp => state.page_up(),
                Action::PageDown => state.page_down(document),
                Action::Top => state.top(),
                Action::Bottom => state.bottom(document),
                Action::NextResource => state.next_resource(document),
                Action::PrevResource => state.prev_resource(document),
                Action::NextHunk => state.next_hunk(document),
                Action::PrevHunk => state.prev_hunk(document),
                Action::ToggleWrap => state.toggle_wrap(),
                _ => return false,
            }
            true
        }
        Screen::History { app } => {
            let len = model
                .detail
                .as_deref()
                .filter(|detail| detail.app == app)
                .map_or(0, |detail| detail.history.len());
            let scroll = &mut model.history_view.scroll;
            match action {
                Action::Up => scroll.up(),
                Action::Down => scroll.down(len),
                Action::PageUp => scroll.page_up(),
                Action::PageDown => scroll.page_down(len),
                Action::Top => scroll.top(),
                Action::Bottom => scroll.bottom(len),
                _ => return false,
            }
            true
        }
        Screen::AppSets => {
            let index = &model.appset_index;
            let state = &mut model.appsets_view;
            match action {
                Action::Up => state.up(),
                Action::Down => state.down(index),
                Action::PageUp => state.page_up(),
                Action::PageDown => state.page_down(index),
                Action::Top => state.top(),
                Action::Bottom => state.bottom(index),
                Action::FocusNext | Action::FocusPrev => state.focus_next(),
                _ => return false,
            }
            true
        }
        Screen::Audit => {
            let log = &model.audit_log;
            let state = &mut model.audit_view;
            match action {
                Action::Up => state.up(log),
                Action::Down => state.down(log),
                Action::PageUp => state.page_up(log),
                Action::PageDown => state.page_down(log),
                Action::Top => state.top(log),
                Action::Bottom => state.bottom(),
                _ => return false,
            }
            true
        }
    }
}

/// The resource tree's cursor and fold keys (Enter is [`select`]'s).
fn tree_key(model: &mut Model, app: &str, action: Action) -> bool {
    let snapshot = Arc::clone(&model.snapshot);
    let Some(app) = snapshot.app(app) else {
        return false;
    };
    let Some(detail) = model.detail.clone().filter(|detail| detail.app == app.name) else {
        return false;
    };
    let lines = flatten(app, &detail.tree, &model.tree_view.collapsed);
    let state = &mut model.tree_view;
    match action {
        Action::Up => state.up(),
        Action::Down => state.down(&lines),
        Action::PageUp => state.page_up(),
        Action::PageDown => state.page_down(&lines),
        Action::Top => state.top(),
        Action::Bottom => state.bottom(&lines),
        Action::Collapse => state.collapse(&lines),
        Action::Expand => state.expand(&lines),
        Action::NextResource => state.next_resource(&lines),
        Action::PrevResource => state.prev_resource(&lines),
        Action::ToggleSelect => {
            if !state.toggle_mark(&lines) {
                model.warn("only the app's own resources can be marked for a selective sync");
            }
        }
        _ => return false,
    }
    true
}

/// Enter on a tree line: the resource's diff when it has one, else the
/// node folds or unfolds (owned objects such as Pods have no diff).
fn tree_select(model: &mut Model, app: &str) -> Vec<Effect> {
    let snapshot = Arc::clone(&model.snapshot);
    let Some(app) = snapshot.app(app) else {
        return Vec::new();
    };
    let Some(detail) = model.detail.clone().filter(|detail| detail.app == app.name) else {
        return Vec::new();
    };
    let lines = flatten(app, &detail.tree, &model.tree_view.collapsed);
    let header =
        match model.tree_view.selected(&lines).map(|line| line.item) {
            Some(TreeItem::Resource(node)) => {
                let key = node.key.to_string();
                model.diff_document.lines().iter().position(|line| {
                    matches!(line.kind, DiffLineKind::Header(_)) && line.text == key
                })
            }
            _ => None,
        };
    match header {
        Some(line) => {
            let effects = open_app_screen(
                model,
                Screen::Diff {
                    app: app.name.clone(),
                },
            );
            model.diff_view.top = line;
            effects
        }
        None => {
            model.tree_view.toggle_collapse(&lines);
            Vec::new()
        }
    }
}

/// Enter on the tree, clusters and ApplicationSets screens.
pub fn select(model: &mut Model) -> Vec<Effect> {
    match &model.screen {
        Screen::Detail { app } => {
            let app = app.clone();
            tree_select(model, &app)
        }
        Screen::Clusters => {
            let name = model
                .clusters_view
                .selected(&model.cluster_rows())
                .map(|cluster| cluster.name.clone());
            if let Some(name) = name {
                // Like `:ctx <cluster>`.
                set_filter(model, &format!("cluster={name}"));
                model.back.clear();
                model.screen = Screen::Applications;
                model.info(format!("applications on cluster {name}"));
            }
            Vec::new()
        }
        Screen::AppSets => match model.appsets_view.focus {
            AppSetsFocus::Sets => {
                if model
                    .appsets_view
                    .selected_set(&model.appset_index)
                    .is_some()
                {
                    model.appsets_view.focus_next();
                }
                Vec::new()
            }
            AppSetsFocus::Apps => match selected_appset_app(model) {
                Some(app) => open_app_screen(model, Screen::Detail { app }),
                None => Vec::new(),
            },
        },
        _ => Vec::new(),
    }
}

/// The generated app under the ApplicationSets cursor, when the apps pane
/// has the focus.
pub fn selected_appset_app(model: &Model) -> Option<String> {
    (model.appsets_view.focus == AppSetsFocus::Apps)
        .then(|| {
            model
                .appsets_view
                .selected_app(&model.appset_index, &model.snapshot)
        })
        .flatten()
        .map(|app| app.name.clone())
}

/// Esc on a widget screen before it leaves: the audit filter is cleared,
/// the ApplicationSets apps pane hands the focus back. True when handled.
pub fn back(model: &mut Model) -> bool {
    match model.screen {
        Screen::Audit if !model.audit_view.filter.is_empty() => {
            model.audit_view.set_filter("");
            true
        }
        Screen::AppSets if model.appsets_view.focus == AppSetsFocus::Apps => {
            model.appsets_view.focus_next();
            true
        }
        _ => false,
    }
}

/// The `/` line's text: the audit log's filter on the audit screen, the
/// application filter elsewhere.
pub fn filter_text(model: &Model) -> String {
    match model.screen {
        Screen::Audit => model.audit_view.filter.clone(),
        _ => model.apps.filter.text().to_string(),
    }
}

/// Applies the `/` line's text to what [`filter_text`] read it from.
pub fn apply_filter(model: &mut Model, text: &str) {
    match model.screen {
        Screen::Audit => model.audit_view.set_filter(text),
        _ => set_filter(model, text),
    }
}
