//! The sync preview drawn over the screen: what the sync covers, then the
//! engine's dry run — deletions first, so what is about to be deleted is
//! never the part cut off on a small terminal — and the name to type when
//! the sync is destructive or lands on production.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::super::format::truncate;
use super::super::model::Model;
use super::super::preview::{PreviewPlan, SyncPreview};
use super::super::theme::{Slot, Theme};
use super::dialogs::{PreviewFooter, preview_popup};
use crate::engine::api::{Change, OperationPhase, ResourceResult, ResultCode};

/// Lines around the plan: the summary (2), the dry run heading (1), a
/// blank, the name prompt (2), the error and the key hint.
const FIXED_LINES: usize = 8;

pub fn render(model: &Model, preview: &SyncPreview, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let width = area.width.min(96);
    let text_width = usize::from(width.saturating_sub(2));
    let plan_room = usize::from(area.height.saturating_sub(2)).saturating_sub(FIXED_LINES);
    let mut lines = summary(preview, theme);
    lines.extend(plan(preview, plan_room.max(1), text_width, theme));
    let footer = PreviewFooter {
        typing: preview.typing.as_ref(),
        expected: preview.expected_name(),
        error: preview.error.as_deref(),
        hint: hint(preview),
    };
    let title = if preview.readonly.is_some() {
        format!("Dry run {}", preview.app)
    } else {
        format!("Sync {}", preview.app)
    };
    preview_popup(model, &title, lines, footer, width, frame, area);
}

fn hint(preview: &SyncPreview) -> &'static str {
    match (preview.readonly.is_some(), preview.typing.is_some()) {
        (true, _) => "read-only: preview only · p prune on/off · n/esc close",
        (false, true) => "enter syncs · esc cancels",
        (false, false) => "y sync · p prune on/off · n/esc cancel",
    }
}

/// What the sync covers and where it lands.
fn summary<'a>(preview: &SyncPreview, theme: &Theme) -> Vec<Line<'a>> {
    let revision = preview.revision.as_deref().unwrap_or("its target revision");
    let (prune, prune_slot) = if preview.prune {
        ("prune ON", Slot::Warning)
    } else {
        ("prune off", Slot::Muted)
    };
    let scope = match preview.resources.len() {
        0 => "every resource".to_string(),
        1 => "1 selected resource, no hooks".to_string(),
        count => format!("{count} selected resources, no hooks"),
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} → {} at {revision} · ", preview.app, preview.cluster),
            theme.style(Slot::Text),
        ),
        Span::styled(prune, theme.style(prune_slot)),
        Span::styled(format!(" · {scope}"), theme.style(Slot::Text)),
    ])];
    lines.push(match &preview.production {
        Some(cluster) => Line::styled(
            format!("{cluster} is a PRODUCTION cluster."),
            theme.style(Slot::Warning),
        ),
        None => Line::raw(""),
    });
    lines
}

/// The dry run's answer, at most `room` lines.
fn plan<'a>(preview: &SyncPreview, room: usize, width: usize, theme: &Theme) -> Vec<Line<'a>> {
    let outcome = match &preview.plan {
        PreviewPlan::Waiting => {
            return vec![Line::styled(
                "Dry run: asking the engine what this sync would do…",
                theme.style(Slot::Muted),
            )];
        }
        PreviewPlan::Refused(reason) => {
            return vec![Line::styled(
                truncate(&format!("Dry run refused: {reason}"), width),
                theme.style(Slot::Error),
            )];
        }
        PreviewPlan::Ready(outcome) => outcome,
    };
    let summary = preview.summary();
    let mut lines = vec![match outcome.phase {
        OperationPhase::Succeeded => Line::styled(
            format!(
                "Dry run: {} to apply, {} to delete, {} kept, {} unchanged",
                summary.applies.len(),
                summary.deletes.len(),
                summary.keeps.len(),
                summary.unchanged
            ),
            theme.style(Slot::Title),
        ),
        _ => Line::styled(
            truncate(
                &format!("Dry run {:?}: {}", outcome.phase, outcome.message.trim()),
                width,
            ),
            theme.style(Slot::Error),
        ),
    }];
    let rows: Vec<&ResourceResult> = summary
        .deletes
        .iter()
        .chain(&summary.applies)
        .chain(&summary.keeps)
        .copied()
        .collect();
    let room = room.saturating_sub(1);
    let shown = if rows.len() > room {
        room.saturating_sub(1)
    } else {
        rows.len()
    };
    lines.extend(
        rows.iter()
            .take(shown)
            .map(|result| plan_row(result, preview.prune, width, theme)),
    );
    if rows.len() > shown {
        lines.push(Line::styled(
            format!("  … and {} more", rows.len() - shown),
            theme.style(Slot::Muted),
        ));
    }
    if rows.is_empty() && outcome.phase == OperationPhase::Succeeded {
        lines.push(Line::styled(
            "  nothing to change: the cluster already matches Git",
            theme.style(Slot::Muted),
        ));
    }
    lines
}

fn plan_row<'a>(result: &ResourceResult, prune: bool, width: usize, theme: &Theme) -> Line<'a> {
    let (verb, slot) = match result.change {
        Change::Create => ("+ create", Slot::DiffAdded),
        Change::Update => ("~ update", Slot::SyncOutOfSync),
        Change::RunHook => ("▶ run", Slot::Text),
        Change::Prune => ("✖ DELETE", Slot::DiffRemoved),
        Change::Keep => ("= keep", Slot::Muted),
        Change::Unchanged => ("  same", Slot::Muted),
    };
    // A hook's place is its phase (`PreSync`); a resource's, its wave.
    let place = if result.hook {
        format!("{:?}", result.phase)
    } else {
        format!("wave {}", result.wave)
    };
    let mut text = format!("  {verb:<9} {place:<8} {}", result.key);
    if result.change == Change::Keep {
        text.push_str(if prune {
            "  (Prune=false)"
        } else {
            "  (prune is off)"
        });
    }
    let mut spans = vec![Span::styled(truncate(&text, width), theme.style(slot))];
    if result.status == ResultCode::SyncFailed && !result.message.is_empty() {
        let room = width.saturating_sub(text.chars().count() + 3);
        if room > 8 {
            spans.push(Span::styled(
                format!(" ✖ {}", truncate(&result.message, room)),
                theme.style(Slot::Error),
            ));
        }
    }
    Line::from(spans)
}
