//! One ApplicationSet's own facts for the ApplicationSets view: project,
//! namespace and policies, its generators as a tree (matrix and merge
//! children one level in), and, in the error style, why generation failed.
//! The words come from the engine's summary; this file only lays them out.

use ratatui::text::{Line, Span};

use crate::engine::api::AppSetSummary;
use crate::tui::theme::{Slot, Theme};

/// The lines describing `summary`, wrapped to `width` where a message can
/// be long (errors, skipped apps). `None`: the set is known only from the
/// apps it generated (an app's render holds it), so its generators are not
/// in the snapshot.
pub fn detail_lines(
    summary: Option<&AppSetSummary>,
    width: u16,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let Some(summary) = summary else {
        return vec![Line::styled(
            "Generators not shown: this set is rendered by an app, not read from Git.",
            theme.style(Slot::Muted),
        )];
    };
    let width = usize::from(width).max(20);
    let mut lines = vec![facts_line(summary, theme)];
    let policies = summary.policy_text();
    if !policies.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("policy ", theme.style(Slot::Muted)),
            Span::styled(policies, theme.style(Slot::Accent)),
        ]));
    }
    for generator in &summary.generators {
        for (depth, text) in generator.lines() {
            let bullet = if depth == 0 { "• " } else { "· " };
            lines.push(Line::from(vec![
                Span::raw(format!("{}{bullet}", "  ".repeat(depth))),
                Span::styled(text, theme.style(Slot::Text)),
            ]));
        }
    }
    if summary.generators.is_empty() {
        lines.push(Line::styled("no generators", theme.style(Slot::Muted)));
    }
    if let Some(error) = &summary.error {
        let kept = match summary.apps {
            0 => String::new(),
            apps => format!(", keeping the {apps} apps it had"),
        };
        let text = format!("✗ generation failed{kept}: {error}");
        lines.extend(
            wrap(&text, width)
                .into_iter()
                .map(|line| Line::styled(line, theme.style(Slot::Error))),
        );
    }
    for skipped in &summary.skipped {
        lines.extend(
            wrap(&format!("! {skipped}"), width)
                .into_iter()
                .map(|line| Line::styled(line, theme.style(Slot::Warning))),
        );
    }
    lines
}

/// "project services  namespace argocd  6 apps".
fn facts_line(summary: &AppSetSummary, theme: &Theme) -> Line<'static> {
    let muted = theme.style(Slot::Muted);
    let text = theme.style(Slot::Text);
    let mut spans = vec![
        Span::styled("project ", muted),
        Span::styled(
            summary
                .project
                .clone()
                .unwrap_or_else(|| "(templated)".to_string()),
            text,
        ),
    ];
    if let Some(namespace) = &summary.namespace {
        spans.push(Span::styled("  namespace ", muted));
        spans.push(Span::styled(namespace.clone(), text));
    }
    spans.push(Span::styled(
        format!(
            "  {} {}",
            summary.apps,
            if summary.apps == 1 { "app" } else { "apps" }
        ),
        text,
    ));
    Line::from(spans)
}

/// Word wrap to `width` columns (a word longer than a line is cut).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word = word.to_string();
        loop {
            let used = line.chars().count();
            let needed = word.chars().count() + usize::from(used > 0);
            if used + needed <= width {
                if used > 0 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let head: String = word.chars().take(width).collect();
            word = word.chars().skip(width).collect();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_words_and_cuts_long_ones() {
        assert_eq!(
            wrap("generation failed: no such branch", 20),
            ["generation failed:", "no such branch"]
        );
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert!(wrap("", 10).is_empty());
    }
}
