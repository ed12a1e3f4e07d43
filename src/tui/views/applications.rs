//! The application list: one row per app that passes the filter, only the
//! rows in the viewport are built (10,000 apps cost what 40 do). Columns
//! are added by priority while they fit, so 80 columns show the essentials
//! and a wide terminal shows project, namespace, revision and last sync.
//! The line under the table describes the selected app's commit (short
//! SHA, subject, author, age) at every width: a subject is too long for a
//! column, and one line read for the row in hand is what an operator needs.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use crate::engine::api::{AppSnapshot, Timestamp};

use super::super::app_list::GroupBy;
use super::super::format::{
    ago, automation_text, health_slot, health_text, short_revision, sync_slot, sync_text, truncate,
};
use super::super::model::Model;
use super::super::theme::Slot;

/// The group column's width (`:group cluster`).
const GROUP_WIDTH: u16 = 12;

/// The widest the name column grows to (longer names are cut with "…").
const MAX_NAME: u16 = 48;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Project,
    Cluster,
    Namespace,
    Sync,
    Health,
    Revision,
    Automation,
    LastSync,
}

impl Column {
    /// Display order.
    const ORDER: [Column; 9] = [
        Column::Name,
        Column::Project,
        Column::Cluster,
        Column::Namespace,
        Column::Sync,
        Column::Health,
        Column::Revision,
        Column::Automation,
        Column::LastSync,
    ];
    /// What to drop last comes first.
    const PRIORITY: [Column; 9] = [
        Column::Name,
        Column::Sync,
        Column::Health,
        Column::Automation,
        Column::Cluster,
        Column::Project,
        Column::Revision,
        Column::LastSync,
        Column::Namespace,
    ];

    fn title(self) -> &'static str {
        match self {
            Column::Name => "NAME",
            Column::Project => "PROJECT",
            Column::Cluster => "CLUSTER",
            Column::Namespace => "NAMESPACE",
            Column::Sync => "SYNC",
            Column::Health => "HEALTH",
            Column::Revision => "REV",
            Column::Automation => "AUTOMATION",
            Column::LastSync => "LAST SYNC",
        }
    }

    /// Width (the name's is its minimum; it takes what is left).
    fn width(self) -> u16 {
        match self {
            Column::Name => 18,
            Column::Project => 10,
            Column::Cluster => 12,
            Column::Namespace => 12,
            Column::Sync => 11,
            Column::Health => 13,
            Column::Revision => 7,
            Column::Automation => 17,
            Column::LastSync => 12,
        }
    }
}

/// The columns that fit `width` (one space between columns, two for the
/// mark), in display order.
fn columns(width: u16) -> Vec<Column> {
    let mut used = 2;
    let mut chosen = Vec::new();
    for column in Column::PRIORITY {
        let needed = column.width() + 1;
        if used + needed <= width {
            used += needed;
            chosen.push(column);
        }
    }
    Column::ORDER
        .into_iter()
        .filter(|column| chosen.contains(column))
        .collect()
}

pub fn render(model: &Model, frame: &mut Frame, area: Rect) {
    let theme = &model.theme;
    let list = &model.apps;
    let mut title = vec![
        Span::styled(" Applications ", theme.style(Slot::Title)),
        Span::styled(
            format!("{}/{} ", list.rows.len(), model.snapshot.apps.len()),
            theme.style(Slot::Muted),
        ),
        Span::styled(
            format!("· sort {} ", list.sort.name()),
            theme.style(Slot::Muted),
        ),
    ];
    if let Some(group) = list.group {
        title.push(Span::styled(
            format!("· by {} ", group.name()),
            theme.style(Slot::Muted),
        ));
    }
    if !list.filter.is_empty() {
        title.push(Span::styled(
            format!("· filter {} ", list.filter.text()),
            theme.style(Slot::Accent),
        ));
    }
    if !list.marked.is_empty() {
        title.push(Span::styled(
            format!("· {} marked ", list.marked.len()),
            theme.style(Slot::Marked),
        ));
    }
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.style(Slot::Border))
        .title(Line::from(title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if list.rows.is_empty() {
        let text = if model.snapshot.apps.is_empty() {
            " No applications yet: the engine has not reported any."
        } else {
            " No application matches the filter (esc clears it)."
        };
        frame.render_widget(
            Paragraph::new(Line::styled(text, theme.style(Slot::Muted))),
            inner,
        );
        return;
    }

    let [inner, footer] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
    if let Some(app) = list
        .rows
        .get(list.cursor)
        .and_then(|index| model.snapshot.apps.get(*index))
    {
        frame.render_widget(
            Paragraph::new(commit_line(model, app, footer.width)),
            footer,
        );
    }

    let group_width = if list.group.is_some() {
        GROUP_WIDTH + 1
    } else {
        0
    };
    let columns: Vec<Column> = columns(inner.width.saturating_sub(group_width))
        .into_iter()
        .filter(|column| match list.group {
            Some(GroupBy::Cluster) => *column != Column::Cluster,
            Some(GroupBy::Project) => *column != Column::Project,
            None => true,
        })
        .collect();
    let height = usize::from(inner.height.saturating_sub(1));
    // The model's offset is a hint; keep the cursor visible whatever the
    // terminal did since.
    let mut offset = list.offset.min(list.rows.len().saturating_sub(height));
    if list.cursor < offset {
        offset = list.cursor;
    } else if height > 0 && list.cursor >= offset + height {
        offset = list.cursor + 1 - height;
    }
    let end = (offset + height).min(list.rows.len());
    let rows = list.rows[offset..end].iter().enumerate().map(|(i, index)| {
        let app = &model.snapshot.apps[*index];
        let marked = list.marked.contains(&app.name);
        // The group is named on its first row (and on the viewport's).
        let group = list.group.map(|group| {
            let key = group.key(app);
            let first = offset + i == offset
                || group.key(&model.snapshot.apps[list.rows[offset + i - 1]]) != key;
            Cell::from(Span::styled(
                if first {
                    key.to_string()
                } else {
                    String::new()
                },
                theme.style(Slot::Accent),
            ))
        });
        let mut row = Row::new(
            std::iter::once(Cell::from(Span::styled(
                if marked { "●" } else { " " },
                theme.style(Slot::Marked),
            )))
            .chain(group)
            .chain(columns.iter().map(|column| cell(model, app, *column))),
        );
        if offset + i == list.cursor {
            row = row.style(theme.style(Slot::Selection));
        } else if marked {
            row = row.style(theme.style(Slot::Marked));
        }
        row
    });
    // The name column is as wide as the longest name shown (within
    // bounds); the last column takes what is left, so a wide terminal
    // does not push the status columns far from the names.
    let longest = list.rows[offset..end]
        .iter()
        .map(|index| model.snapshot.apps[*index].name.chars().count())
        .max()
        .unwrap_or(0);
    let others: u16 = columns
        .iter()
        .filter(|column| **column != Column::Name)
        .map(|column| column.width() + 1)
        .sum();
    let room = inner.width.saturating_sub(others + 3 + group_width);
    let name_width = (longest as u16)
        .clamp(Column::Name.width(), MAX_NAME)
        .min(room.max(Column::Name.width()));
    let last = columns.len().saturating_sub(1);
    let group_column = list.group.map(|_| Constraint::Length(GROUP_WIDTH));
    let widths: Vec<Constraint> = std::iter::once(Constraint::Length(1))
        .chain(group_column)
        .chain(columns.iter().enumerate().map(|(i, column)| match column {
            Column::Name if i == last => Constraint::Min(column.width()),
            Column::Name => Constraint::Length(name_width),
            other if i == last => Constraint::Min(other.width()),
            other => Constraint::Length(other.width()),
        }))
        .collect();
    let group_title = list
        .group
        .map(|group| Cell::from(group.name().to_uppercase()));
    let header = Row::new(
        std::iter::once(Cell::from(""))
            .chain(group_title)
            .chain(columns.iter().map(|column| Cell::from(column.title()))),
    )
    .style(theme.style(Slot::Header));
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, inner);
}

/// The selected app's commit in one line of `width`: short SHA, subject,
/// then author and age as room allows.
fn commit_line(model: &Model, app: &AppSnapshot, width: u16) -> Line<'static> {
    let theme = &model.theme;
    let Some(revision) = app.revision.as_deref() else {
        return Line::styled(" no rendered revision yet", theme.style(Slot::Muted));
    };
    let mut spans = vec![Span::styled(
        format!(" {} ", short_revision(revision)),
        theme.style(Slot::Accent),
    )];
    let Some(commit) = &app.commit else {
        spans.push(Span::styled(
            "commit subject unknown",
            theme.style(Slot::Muted),
        ));
        return Line::from(spans);
    };
    let mut by = format!("  {}", commit.author_name);
    if let Ok(time) = Timestamp::from_second(commit.time) {
        by.push_str(&format!(", {}", ago(&time.to_string(), model.now)));
    }
    let used = spans[0].width();
    let room = usize::from(width).saturating_sub(used);
    let subject_width = commit.subject.chars().count();
    // The subject first; the author only where it fits whole.
    let (subject, by) = if subject_width + by.chars().count() <= room {
        (commit.subject.clone(), by)
    } else {
        (truncate(&commit.subject, room), String::new())
    };
    spans.push(Span::styled(subject, theme.style(Slot::Text)));
    spans.push(Span::styled(by, theme.style(Slot::Muted)));
    Line::from(spans)
}

fn cell<'a>(model: &Model, app: &'a AppSnapshot, column: Column) -> Cell<'a> {
    let theme = &model.theme;
    let styled = |text: String, slot: Slot| Cell::from(Span::styled(text, theme.style(slot)));
    match column {
        Column::Name => Cell::from(app.name.as_str()),
        Column::Project => Cell::from(app.project.as_str()),
        Column::Cluster => match &app.cluster {
            Some(cluster) => Cell::from(cluster.as_str()),
            None => styled(format!("? {}", app.destination), Slot::Warning),
        },
        Column::Namespace => Cell::from(app.namespace.as_str()),
        Column::Sync => styled(sync_text(app.sync).into(), sync_slot(app.sync)),
        Column::Health => styled(health_text(app.health).into(), health_slot(app.health)),
        Column::Revision => Cell::from(
            app.revision
                .as_deref()
                .map_or("-", short_revision)
                .to_string(),
        ),
        Column::Automation => {
            let (text, slot) = automation_text(&model.snapshot, app, model.now);
            styled(text, slot)
        }
        Column::LastSync => match &app.last_sync {
            Some(last) if last.result != "Succeeded" => styled(
                format!("{} {}", last.result, ago(&last.at, model.now)),
                Slot::Error,
            ),
            Some(last) => styled(ago(&last.at, model.now), Slot::Muted),
            None => Cell::from(Span::styled("never", Style::default())),
        },
    }
}
