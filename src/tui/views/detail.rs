//! One application: what it deploys from where to where, its policy and
//! automation, conditions, the running operation by wave and resource;
//! below, its resources (a flat placeholder until the resource tree widget
//! is wired in: `resources` is the one call to swap).

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
    let summary = summary(model, app);
    let wanted = summary.len() as u16 + 1;
    let [top, bottom] = Layout::vertical([
        Constraint::Length(wanted.min(area.height.saturating_sub(4).max(area.height / 2))),
        Constraint::Min(3),
    ])
    .areas(area);
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
    lines.push(Line::from(vec![
        label("policy"),
        Span::raw(policy),
        Span::raw("  "),
        Span::styled(automation, theme.style(slot)),
    ]));
    if let Some(text) = &app.automation {
        lines.push(Line::from(vec![
            label("automation"),
            Span::styled(text.clone(), theme.style(slot)),
        ]));
    }
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
    if let Some(operation) = &app.operation {
        let kind = if operation.dry_run {
            "dry run"
        } else {
            "operation"
        };
        lines.push(Line::from(vec![
            label(kind),
            Span::styled(
                format!(
                    "{:?}, started by {} at {}",
                    operation.phase, operation.initiated_by, operation.started_at
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
/// snapshot's flat list. Placeholder for `widgets::tree`.
pub fn resources(model: &Model, app: &AppSnapshot, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let detail = model.detail_of(&app.name);
    let title = match detail {
        Some(_) => " Resources ".to_string(),
        None => " Resources (loading details…) ".to_string(),
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.style(Slot::Border))
        .title(Span::styled(title, theme.style(Slot::Title)));
    let mut lines = Vec::new();
    match detail {
        Some(detail) => {
            for node in &detail.tree {
                let sync = node.sync.map_or(String::new(), |sync| format!("{sync:?}"));
                let health = node
                    .health
                    .as_ref()
                    .map_or(String::new(), |health| health.status.as_str().to_string());
                lines.push(Line::raw(format!(" {}  {sync} {health}", node.key)));
                for child in &node.children {
                    lines.push(Line::styled(
                        format!("   └ {}", child.key),
                        theme.style(Slot::Muted),
                    ));
                }
            }
            for error in &detail.errors {
                lines.push(Line::styled(
                    format!(" ⚠ {error}"),
                    theme.style(Slot::Warning),
                ));
            }
        }
        None => {
            for resource in &app.resources {
                let health = resource
                    .health
                    .map_or(String::new(), |health| health.as_str().to_string());
                lines.push(Line::raw(format!(
                    " {}  {:?} {health}",
                    resource.key, resource.sync
                )));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
