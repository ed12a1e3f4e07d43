//! Plain stand-ins for the views the widgets module draws (clusters,
//! diff, history, ApplicationSets, audit): enough to use the flows (the
//! history list backs rollback) until each is swapped in `view.rs`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::engine::api::ConnectionState;

use super::super::format::short_revision;
use super::super::model::Model;
use super::super::theme::Slot;

fn framed(model: &Model, title: &str, lines: Vec<Line<'static>>, frame: &mut Frame, area: Rect) {
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(model.theme.style(Slot::Border))
        .title(Span::styled(
            format!(" {title} "),
            model.theme.style(Slot::Title),
        ));
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn loading(model: &Model) -> Vec<Line<'static>> {
    vec![Line::styled(
        " waiting for the engine's details…",
        model.theme.style(Slot::Muted),
    )]
}

pub fn clusters(model: &Model, frame: &mut Frame, area: Rect) {
    let lines = model
        .snapshot
        .clusters
        .iter()
        .map(|cluster| {
            let (state, slot) = match &cluster.connection {
                ConnectionState::Connected { version, .. } => {
                    (format!("connected {version}"), Slot::Text)
                }
                ConnectionState::Unreachable { error, .. } => {
                    (format!("unreachable: {error}"), Slot::Error)
                }
                ConnectionState::Unknown => ("unknown".to_string(), Slot::Muted),
            };
            let hub = if cluster.hub { " (hub)" } else { "" };
            Line::styled(
                format!(" {}{hub}  {state}", cluster.name),
                model.theme.style(slot),
            )
        })
        .collect();
    framed(model, "Clusters", lines, frame, area);
}

pub fn diff(model: &Model, app: &str, frame: &mut Frame, area: Rect) {
    let lines = match model.detail_of(app) {
        None => loading(model),
        Some(detail) => detail
            .diffs
            .iter()
            .filter(|diff| !diff.status.is_synced())
            .flat_map(|diff| {
                let mut lines = vec![Line::styled(
                    format!(" {:?} {}", diff.status, diff.key),
                    model.theme.style(Slot::Header),
                )];
                lines.extend(diff.diff.iter().flat_map(|text| text.lines()).map(|line| {
                    let slot = if line.starts_with('+') {
                        Slot::DiffAdded
                    } else if line.starts_with('-') {
                        Slot::DiffRemoved
                    } else {
                        Slot::DiffContext
                    };
                    Line::styled(format!(" {line}"), model.theme.style(slot))
                }));
                lines
            })
            .collect(),
    };
    framed(model, &format!("Diff {app}"), lines, frame, area);
}

pub fn history(model: &Model, app: &str, frame: &mut Frame, area: Rect) {
    let lines = match model.detail_of(app) {
        None => loading(model),
        Some(detail) => detail
            .history
            .iter()
            .rev()
            .enumerate()
            .map(|(index, entry)| {
                let text = format!(
                    " #{:<4} {}  {}  {:<10} {:?}",
                    entry.id,
                    short_revision(&entry.revision),
                    entry.deployed_at.strftime("%Y-%m-%d %H:%M"),
                    entry.initiated_by.to_string(),
                    entry.result.phase
                );
                let slot = if index == model.history_cursor {
                    Slot::Selection
                } else {
                    Slot::Text
                };
                Line::styled(text, model.theme.style(slot))
            })
            .collect(),
    };
    framed(
        model,
        &format!("History {app} (b rolls back)"),
        lines,
        frame,
        area,
    );
}

pub fn app_sets(model: &Model, frame: &mut Frame, area: Rect) {
    let mut sets: Vec<&str> = model
        .snapshot
        .apps
        .iter()
        .filter_map(|app| app.application_set.as_deref())
        .collect();
    sets.sort_unstable();
    sets.dedup();
    let lines = sets
        .into_iter()
        .map(|set| Line::raw(format!(" {set}")))
        .collect();
    framed(model, "ApplicationSets", lines, frame, area);
}

pub fn audit(model: &Model, frame: &mut Frame, area: Rect) {
    let lines = vec![Line::styled(
        " The audit log view is not wired yet.",
        model.theme.style(Slot::Muted),
    )];
    framed(model, "Audit log", lines, frame, area);
}
