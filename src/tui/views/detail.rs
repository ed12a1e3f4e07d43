//! One application: what it deploys from where to where, its policy and
//! automation, conditions, the running operation by wave and resource;
//! below, its resources: the resource tree widget once the engine's
//! details have come, the snapshot's flat list until then.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::engine::api::AppSnapshot;

use super::super::format::{
    ago, automation_text, health_slot, health_text, short_revision, sync_slot, sync_text,
};
use super::super::model::Model;
use super::super::theme::Slot;
use super::super::widgets::tree::render_tree;

pub fn render(model: &Model, name: &str, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let Some(app) = model.snapshot.app(name) else {
        let text = format!(" {name} is no longer in the fleet (esc goes back).");
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.style(Slot::Warning))),
            area,
        );
        return;
    };
    let mut summary = summary(model, app);
    let [top, bottom] = split(summary.len(), area);
    let room = usize::from(top.height.saturating_sub(1));
    if summary.len() > room && room > 0 {
        let hidden = summary.len() - room + 1;
        summary.truncate(room - 1);
        summary.push(Line::styled(
            format!(" … and {hidden} more lines (a taller terminal shows them)"),
            theme.style(Slot::Muted),
        ));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.style(Slot::Border))
        .title(Span::styled(
            format!(" {} ", app.name),
            theme.style(Slot::Title),
        ));
    frame.render_widget(Paragraph::new(summary).block(block), top);
    resources(model, app, frame, bottom);
}

/// The summary on top, as tall as its lines but never more than half of a
/// small screen (a running operation's results can be long, and the tree
/// below shows every resource anyway); the resources below.
fn split(summary_lines: usize, area: Rect) -> [Rect; 2] {
    let wanted = u16::try_from(summary_lines + 1).unwrap_or(u16::MAX);
    let most = (area.height / 2).max(area.height.saturating_sub(SUMMARY_LEAVES));
    Layout::vertical([Constraint::Length(wanted.min(most)), Constraint::Min(3)]).areas(area)
}

/// Rows a tall screen keeps for the resources below the summary.
const SUMMARY_LEAVES: u16 = 12;

/// Where [`render`] draws the resources of `app` in `area`: `update` sizes
/// the tree's viewport from it.
pub fn resources_area(model: &Model, app: &AppSnapshot, area: Rect) -> Rect {
    split(summary(model, app).len(), area)[1]
}

fn summary(model: &Model, app: &AppSnapshot) -> Vec<Line<'static>> {
    let theme = &model.theme;
    let label = |text: &str| Span::styled(format!(" {text:<12}"), theme.style(Slot::Muted));
    let mut lines = Vec::new();
    let source = app
        .source
        .as_ref()
        .map_or("(no source)".to_string(), ToString::to_string);
    lines.push(Line::from(vec![label("source"), Span::raw(source)]));
    let mut revision = app
        .revision
        .as_deref()
        .map_or("(not rendered)".to_string(), |rev| {
            short_revision(rev).to_string()
        });
    if let Some(pinned) = &app.pinned_revision {
        revision.push_str(&format!(
            "  (pinned at {} by a rollback)",
            short_revision(pinned)
        ));
    }
    lines.push(Line::from(vec![label("revision"), Span::raw(revision)]));
    lines.push(Line::from(vec![
        label("destination"),
        Span::raw(format!(
            "{} / {}  (project {}{})",
            app.cluster.as_deref().unwrap_or(&app.destination),
            app.namespace,
            app.project,
            app.application_set
                .as_deref()
                .map_or(String::new(), |set| format!(", appset {set}"))
        )),
    ]));
    lines.push(Line::from(vec![
        label("status"),
        Span::styled(sync_text(app.sync), theme.style(sync_slot(app.sync))),
        Span::raw("  "),
        Span::styled(
            health_text(app.health),
            theme.style(health_slot(app.health)),
        ),
    ]));
    let (automation, slot) = automation_text(&model.snapshot, app, model.now);
    let policy = if app.automated {
        format!(
            "automated, self-heal {}, auto-prune {}",
            on_off(app.self_heal),
            on_off(app.auto_prune)
        )
    } else {
        "manual sync".to_string()
    };
    // The engine's own words on the automation say more than the column's
    // short state, on the same line.
    let automation = app.automation.clone().unwrap_or(automation);
    lines.push(Line::from(vec![
        label("policy"),
        Span::raw(policy),
        Span::raw("  "),
        Span::styled(automation, theme.style(slot)),
    ]));
    for pause in &app.paused {
        lines.push(Line::from(vec![
            label("paused"),
            Span::styled(pause.clone(), theme.style(Slot::Paused)),
        ]));
    }
    if let Some(last) = &app.last_sync {
        lines.push(Line::from(vec![
            label("last sync"),
            Span::raw(format!(
                "{} {} {} by {}",
                last.result,
                short_revision(&last.revision),
                ago(&last.at, model.now),
                last.initiated_by
            )),
        ]));
    }
    for condition in &app.conditions {
        lines.push(Line::from(vec![
            label("condition"),
            Span::styled(condition.clone(), theme.style(Slot::Warning)),
        ]));
    }
    if let Some(operation) = model.snapshot.operation(&app.name) {
        let kind = if operation.dry_run {
            "dry run"
        } else {
            "operation"
        };
        lines.push(Line::from(vec![
            label(kind),
            Span::styled(
                format!(
                    "{:?}, started by {} {}",
                    operation.phase,
                    operation.initiated_by,
                    ago(&operation.started_at, model.now)
                ),
                theme.style(Slot::HealthProgressing),
            ),
        ]));
        if !operation.message.is_empty() {
            lines.push(Line::from(vec![
                label(""),
                Span::styled(
                    operation.message.clone(),
                    theme.style(Slot::HealthProgressing),
                ),
            ]));
        }
        for result in &operation.results {
            lines.push(Line::from(vec![
                label(""),
                Span::styled(
                    format!(
                        "{:?} wave {:>2}  {:<10} {}  {}",
                        result.phase,
                        result.wave,
                        format!("{:?}", result.status),
                        result.key,
                        result.message
                    ),
                    theme.style(Slot::Text),
                ),
            ]));
        }
    }
    lines
}

fn on_off(value: bool) -> &'static str {
    if value { "on" } else { "off" }
}

/// The resources: the engine's tree when the details have come, else the
/// snapshot's flat list.
pub fn resources(model: &Model, app: &AppSnapshot, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    if let Some(detail) = model.detail_of(&app.name) {
        render_tree(
            area,
            frame.buffer_mut(),
            app,
            detail,
            &model.tree_view,
            theme,
        );
        return;
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.style(Slot::Border))
        .title(Span::styled(
            " Resources (loading details…) ",
            theme.style(Slot::Title),
        ));
    let lines: Vec<Line> = app
        .resources
        .iter()
        .map(|resource| {
            let health = resource
                .health
                .map_or(String::new(), |health| health.as_str().to_string());
            Line::raw(format!(" {}  {:?} {health}", resource.key, resource.sync))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
