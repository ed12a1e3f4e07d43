//! ApplicationSets as the snapshot knows them: every set read from Git
//! (even one that generates nothing or failed) and every set an app names,
//! with counts; for the selected set its generators and policies
//! ([`super::appset_details`]), its RollingSync steps and its generated apps.
//!
//! Wide terminals put the selected set's details beside the list of sets;
//! narrow ones put them at the top of the apps pane.

use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table, Widget};

use super::appset_details::detail_lines;
use super::counts::AppCounts;
use super::scroll::Scroll;
use super::status::{health_icon, health_slot, sync_icon, sync_label, sync_slot};
use super::text::short_revision;
use crate::engine::api::{AppSetSummary, AppSnapshot, FleetSnapshot, RollingPlan, RollingState};
use crate::tui::theme::{Slot, Theme};

/// One ApplicationSet and the apps it generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppSetRow {
    pub name: String,
    /// Indices into the snapshot's `apps`, in the snapshot's (name) order.
    pub apps: Vec<usize>,
    pub counts: AppCounts,
    /// Index into the snapshot's `application_sets`, for a set read from
    /// Git.
    pub summary: Option<usize>,
}

impl AppSetRow {
    /// The set's summary in `snapshot` (the one the index was built from).
    pub fn summary<'a>(&self, snapshot: &'a FleetSnapshot) -> Option<&'a AppSetSummary> {
        self.summary
            .and_then(|index| snapshot.application_sets.get(index))
    }
}

/// The sets of one snapshot, by name. Build it once per snapshot
/// generation; it holds indices into that snapshot's apps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppSetIndex {
    generation: u64,
    pub sets: Vec<AppSetRow>,
}

impl AppSetIndex {
    pub fn of(snapshot: &FleetSnapshot) -> AppSetIndex {
        let empty = |name: &str| AppSetRow {
            name: name.to_owned(),
            apps: Vec::new(),
            counts: AppCounts::default(),
            summary: None,
        };
        let mut sets: BTreeMap<&str, AppSetRow> = BTreeMap::new();
        for (index, summary) in snapshot.application_sets.iter().enumerate() {
            sets.entry(&summary.name)
                .or_insert_with(|| empty(&summary.name))
                .summary = Some(index);
        }
        for (index, app) in snapshot.apps.iter().enumerate() {
            if let Some(set) = app.application_set.as_deref() {
                let row = sets.entry(set).or_insert_with(|| empty(set));
                row.apps.push(index);
                row.counts.add(app);
            }
        }
        AppSetIndex {
            generation: snapshot.generation,
            sets: sets.into_values().collect(),
        }
    }

    /// The snapshot generation the index was built from.
    pub fn generation(&self) -> u64 {
        self.generation
    }
}

/// Which list the cursor keys move.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AppSetsFocus {
    #[default]
    Sets,
    Apps,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppSetsState {
    pub sets: Scroll,
    pub apps: Scroll,
    pub focus: AppSetsFocus,
}

impl AppSetsState {
    pub fn focus_next(&mut self) {
        self.focus = match self.focus {
            AppSetsFocus::Sets => AppSetsFocus::Apps,
            AppSetsFocus::Apps => AppSetsFocus::Sets,
        };
    }

    /// The set under the cursor.
    pub fn selected_set<'a>(&self, index: &'a AppSetIndex) -> Option<&'a AppSetRow> {
        self.sets
            .selected(index.sets.len())
            .map(|row| &index.sets[row])
    }

    /// The generated app under the apps cursor.
    pub fn selected_app<'a>(
        &self,
        index: &AppSetIndex,
        snapshot: &'a FleetSnapshot,
    ) -> Option<&'a AppSnapshot> {
        let set = self.selected_set(index)?;
        let row = self.apps.selected(set.apps.len())?;
        snapshot.apps.get(set.apps[row]).map(AsRef::as_ref)
    }

    pub fn up(&mut self) {
        match self.focus {
            AppSetsFocus::Sets => {
                let before = self.sets.cursor;
                self.sets.up();
                self.reset_apps_if_moved(before);
            }
            AppSetsFocus::Apps => self.apps.up(),
        }
    }

    pub fn down(&mut self, index: &AppSetIndex) {
        match self.focus {
            AppSetsFocus::Sets => {
                let before = self.sets.cursor;
                self.sets.down(index.sets.len());
                self.reset_apps_if_moved(before);
            }
            AppSetsFocus::Apps => {
                let len = self.selected_set(index).map_or(0, |set| set.apps.len());
                self.apps.down(len);
            }
        }
    }

    pub fn page_up(&mut self) {
        match self.focus {
            AppSetsFocus::Sets => {
                let before = self.sets.cursor;
                self.sets.page_up();
                self.reset_apps_if_moved(before);
            }
            AppSetsFocus::Apps => self.apps.page_up(),
        }
    }

    pub fn page_down(&mut self, index: &AppSetIndex) {
        match self.focus {
            AppSetsFocus::Sets => {
                let before = self.sets.cursor;
                self.sets.page_down(index.sets.len());
                self.reset_apps_if_moved(before);
            }
            AppSetsFocus::Apps => {
                let len = self.selected_set(index).map_or(0, |set| set.apps.len());
                self.apps.page_down(len);
            }
        }
    }

    pub fn top(&mut self) {
        match self.focus {
            AppSetsFocus::Sets => {
                let before = self.sets.cursor;
                self.sets.top();
                self.reset_apps_if_moved(before);
            }
            AppSetsFocus::Apps => self.apps.top(),
        }
    }

    pub fn bottom(&mut self, index: &AppSetIndex) {
        match self.focus {
            AppSetsFocus::Sets => {
                let before = self.sets.cursor;
                self.sets.bottom(index.sets.len());
                self.reset_apps_if_moved(before);
            }
            AppSetsFocus::Apps => {
                let len = self.selected_set(index).map_or(0, |set| set.apps.len());
                self.apps.bottom(len);
            }
        }
    }

    /// Another set: its app list starts from the top.
    fn reset_apps_if_moved(&mut self, before: usize) {
        if self.sets.cursor != before {
            self.apps = Scroll {
                viewport: self.apps.viewport,
                ..Scroll::default()
            };
        }
    }
}

/// Terminals at least this wide show the selected set's details beside
/// the list of sets.
const WIDE: u16 = 120;

/// Draws the sets (top), the selected set's details (beside them when wide,
/// else atop the apps) and its steps and apps (bottom).
pub fn render_appsets(
    area: Rect,
    buf: &mut Buffer,
    snapshot: &FleetSnapshot,
    index: &AppSetIndex,
    state: &AppSetsState,
    theme: &Theme,
) {
    let wide = area.width >= WIDE;
    let set = state.selected_set(index);
    // The top fits the sets (and, when wide, the details beside them), up
    // to 40% of the screen; the apps get the rest.
    let details_width = if wide {
        area.width * 55 / 100
    } else {
        area.width
    };
    let detail_rows = match (wide, set) {
        (true, Some(set)) => detail_lines(
            set.summary(snapshot),
            details_width.saturating_sub(2),
            theme,
        )
        .len(),
        _ => 0,
    };
    let wanted = (index.sets.len() + 1).max(detail_rows).max(3) + 2;
    let top_height = u16::try_from(wanted)
        .unwrap_or(u16::MAX)
        .min(area.height * 2 / 5);
    let [top, apps_area] =
        Layout::vertical([Constraint::Length(top_height), Constraint::Fill(1)]).areas(area);
    let (sets_area, details_area) = if wide {
        let [sets, details] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
        (sets, Some(details))
    } else {
        (top, None)
    };
    let border = |focused: bool| {
        if focused {
            theme.style(Slot::BorderFocused)
        } else {
            theme.style(Slot::Border)
        }
    };
    let block = Block::bordered()
        .border_style(border(state.focus == AppSetsFocus::Sets))
        .title(Span::styled(
            format!(" ApplicationSets ({}) ", index.sets.len()),
            theme.style(Slot::Title),
        ));
    let inner = block.inner(sets_area);
    block.render(sets_area, buf);
    if index.sets.is_empty() {
        Paragraph::new(Line::styled(
            "No ApplicationSet in Git, and no app in this fleet was generated by one.",
            theme.style(Slot::Muted),
        ))
        .render(inner, buf);
    } else {
        render_sets(inner, buf, snapshot, index, state, theme);
    }

    if let Some(details_area) = details_area {
        let title = set.map_or_else(
            || " ApplicationSet ".to_owned(),
            |set| format!(" ApplicationSet {} ", set.name),
        );
        let block = Block::bordered()
            .border_style(theme.style(Slot::Border))
            .title(Span::styled(title, theme.style(Slot::Title)));
        let inner = block.inner(details_area);
        block.render(details_area, buf);
        if let Some(set) = set {
            Paragraph::new(detail_lines(set.summary(snapshot), inner.width, theme))
                .render(inner, buf);
        }
    }

    let title = set.map_or_else(
        || " Generated apps ".to_owned(),
        |set| format!(" Generated by {} ({}) ", set.name, set.apps.len()),
    );
    let block = Block::bordered()
        .border_style(border(state.focus == AppSetsFocus::Apps))
        .title(Span::styled(title, theme.style(Slot::Title)));
    let mut inner = block.inner(apps_area);
    block.render(apps_area, buf);
    let Some(set) = set else {
        return;
    };
    if !wide {
        // At most half the pane: the apps stay visible.
        let lines = detail_lines(set.summary(snapshot), inner.width, theme);
        let wanted = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        let [details, rest] = Layout::vertical([
            Constraint::Length(wanted.min(inner.height / 2)),
            Constraint::Fill(1),
        ])
        .areas(inner);
        Paragraph::new(lines).render(details, buf);
        inner = rest;
    }
    let rollout = snapshot
        .rollouts
        .iter()
        .find(|rollout| rollout.application_set == set.name);
    let inner = match rollout {
        Some(rollout) => {
            // One line per step, at most half of what is left.
            let wanted = u16::try_from(rollout.plan.steps.len() + 1).unwrap_or(u16::MAX);
            let [steps_area, rest] = Layout::vertical([
                Constraint::Length(wanted.min(inner.height / 2)),
                Constraint::Fill(1),
            ])
            .areas(inner);
            render_steps(steps_area, buf, &rollout.plan, theme);
            rest
        }
        None => inner,
    };
    render_apps(inner, buf, snapshot, set, state, theme);
}

/// The RollingSync steps: where the rollout stands and what holds it.
fn render_steps(area: Rect, buf: &mut Buffer, plan: &RollingPlan, theme: &Theme) {
    let mut lines = vec![Line::styled(
        "RollingSync steps (each waits for the previous one to be Healthy)",
        theme.style(Slot::Header),
    )];
    for step in &plan.steps {
        let (icon, slot) = match step.state {
            RollingState::Healthy => ("✓", Slot::HealthHealthy),
            RollingState::Progressing => ("◐", Slot::HealthProgressing),
            RollingState::Pending => ("○", Slot::HealthProgressing),
            RollingState::Waiting => ("…", Slot::Muted),
        };
        let mut spans = vec![
            Span::styled(
                format!(" {icon} step {} ", step.index + 1),
                theme.style(slot),
            ),
            Span::styled(
                format!(
                    "{:?}, {} apps, {} at a time",
                    step.state,
                    step.apps.len(),
                    step.max_update
                ),
                theme.style(Slot::Text),
            ),
        ];
        if let Some(reason) = &step.reason {
            spans.push(Span::styled(
                format!(": {reason}"),
                theme.style(Slot::Warning),
            ));
        }
        lines.push(Line::from(spans));
    }
    Paragraph::new(lines).render(area, buf);
}

fn count_cell(value: usize, slot: Slot, theme: &Theme) -> Cell<'static> {
    let style = if value > 0 {
        theme.style(slot)
    } else {
        theme.style(Slot::Muted)
    };
    Cell::from(Span::styled(format!("{value:>9}"), style))
}

fn render_sets(
    area: Rect,
    buf: &mut Buffer,
    snapshot: &FleetSnapshot,
    index: &AppSetIndex,
    state: &AppSetsState,
    theme: &Theme,
) {
    let height = usize::from(area.height.saturating_sub(1));
    let window = state.sets.window(index.sets.len(), height);
    let selected = state.sets.selected(index.sets.len());
    // The generators column, where there is room for it.
    let generators = area.width >= 60;
    let rows = window.map(|row| {
        let set = &index.sets[row];
        let summary = set.summary(snapshot);
        let name = match summary {
            Some(summary) if summary.error.is_some() => {
                Span::styled(format!("✗ {}", set.name), theme.style(Slot::Error))
            }
            _ => Span::styled(set.name.clone(), theme.style(Slot::Text)),
        };
        let mut cells = vec![Cell::from(name)];
        if generators {
            cells.push(Cell::from(Span::styled(
                summary.map_or_else(|| "-".to_owned(), AppSetSummary::generators_text),
                theme.style(Slot::Muted),
            )));
        }
        cells.extend([
            Cell::from(Span::styled(
                format!("{:>4}", set.counts.apps),
                theme.style(Slot::Text),
            )),
            count_cell(set.counts.out_of_sync, Slot::SyncOutOfSync, theme),
            count_cell(set.counts.degraded, Slot::HealthDegraded, theme),
        ]);
        let line = Row::new(cells);
        if Some(row) == selected {
            line.style(theme.style(Slot::Selection))
        } else {
            line
        }
    });
    let mut header = vec!["NAME"];
    let mut widths = vec![Constraint::Fill(1)];
    if generators {
        header.push("GENERATORS");
        widths.push(Constraint::Fill(2));
    }
    header.extend(["APPS", "OUTOFSYNC", " DEGRADED"]);
    widths.extend([
        Constraint::Length(4),
        Constraint::Length(9),
        Constraint::Length(9),
    ]);
    Table::new(rows, widths)
        .header(Row::new(header).style(theme.style(Slot::Header)))
        .render(area, buf);
}

fn render_apps(
    area: Rect,
    buf: &mut Buffer,
    snapshot: &FleetSnapshot,
    set: &AppSetRow,
    state: &AppSetsState,
    theme: &Theme,
) {
    let height = usize::from(area.height.saturating_sub(1));
    let window = state.apps.window(set.apps.len(), height);
    let selected = (state.focus == AppSetsFocus::Apps)
        .then(|| state.apps.selected(set.apps.len()))
        .flatten();
    let wide = area.width >= 100;
    let rows = window.filter_map(|row| {
        let app = snapshot.apps.get(set.apps[row])?;
        let mut cells = vec![
            Cell::from(Span::styled(app.name.as_str(), theme.style(Slot::Text))),
            Cell::from(Span::styled(
                app.cluster.as_deref().unwrap_or(app.destination.as_str()),
                theme.style(Slot::Muted),
            )),
            Cell::from(Span::styled(
                format!("{} {}", sync_icon(app.sync), sync_label(app.sync)),
                theme.style(sync_slot(app.sync)),
            )),
            Cell::from(Span::styled(
                format!("{} {}", health_icon(app.health), app.health),
                theme.style(health_slot(app.health)),
            )),
        ];
        if wide {
            cells.push(Cell::from(Span::styled(
                app.revision.as_deref().map(short_revision).unwrap_or("-"),
                theme.style(Slot::Accent),
            )));
            cells.push(Cell::from(Span::styled(
                app.automation.as_deref().unwrap_or("manual sync"),
                theme.style(Slot::Muted),
            )));
        }
        let line = Row::new(cells);
        Some(if Some(row) == selected {
            line.style(theme.style(Slot::Selection))
        } else {
            line
        })
    });
    let mut header = vec!["APP", "CLUSTER", "SYNC", "HEALTH"];
    let mut widths = vec![
        Constraint::Fill(2),
        Constraint::Fill(1),
        Constraint::Length(11),
        Constraint::Length(13),
    ];
    if wide {
        header.extend(["REVISION", "AUTOMATION"]);
        widths.extend([Constraint::Length(8), Constraint::Fill(2)]);
    }
    Table::new(rows, widths)
        .header(Row::new(header).style(theme.style(Slot::Header)))
        .render(area, buf);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::widgets::fixture;

    #[test]
    fn apps_group_by_their_set_and_hand_made_apps_stay_out() {
        let fleet = fixture::fleet();
        let index = AppSetIndex::of(&fleet);
        assert_eq!(index.generation(), 7);
        let names: Vec<&str> = index.sets.iter().map(|set| set.name.as_str()).collect();
        assert_eq!(names, ["cart", "web"]);
        let web = &index.sets[1];
        let apps: Vec<&str> = web
            .apps
            .iter()
            .map(|&i| fleet.apps[i].name.as_str())
            .collect();
        assert_eq!(apps, ["web-prod-eu", "web-prod-us", "web-staging"]);
        assert_eq!(
            web.counts,
            AppCounts {
                apps: 3,
                out_of_sync: 2,
                degraded: 1
            }
        );
    }

    #[test]
    fn moving_to_another_set_restarts_its_app_list() {
        let fleet = fixture::fleet();
        let index = AppSetIndex::of(&fleet);
        let mut state = AppSetsState::default();
        state.focus_next();
        state.down(&index);
        state.down(&index);
        assert_eq!(
            state
                .selected_app(&index, &fleet)
                .map(|app| app.name.as_str()),
            Some("cart-staging")
        );
        state.down(&index);
        assert_eq!(state.apps.cursor, 2, "stops at the last app of the set");
        state.focus_next();
        state.down(&index);
        assert_eq!(
            state.selected_set(&index).map(|set| set.name.as_str()),
            Some("web")
        );
        assert_eq!(state.apps.cursor, 0);
        state.down(&index);
        assert_eq!(state.sets.cursor, 1, "stops at the last set");
        state.up();
        assert_eq!(state.sets.cursor, 0);
    }

    fn render(width: u16, height: u16, state: &AppSetsState) -> ratatui::backend::TestBackend {
        let fleet = fixture::fleet();
        let index = AppSetIndex::of(&fleet);
        fixture::draw(width, height, |area, buf| {
            render_appsets(area, buf, &fleet, &index, state, &fixture::theme());
        })
    }

    #[test]
    fn snapshot_80x24() {
        insta::assert_snapshot!(render(80, 24, &AppSetsState::default()));
    }

    #[test]
    fn snapshot_160x48() {
        let mut state = AppSetsState::default();
        state.sets.select(1, 2);
        state.focus = AppSetsFocus::Apps;
        state.apps.select(1, 3);
        insta::assert_snapshot!(render(160, 48, &state));
    }

    #[test]
    fn a_rolling_sync_shows_its_steps_and_what_holds_them() {
        use crate::engine::api::{RolloutSnapshot, StepState};
        let mut snapshot = fixture::fleet();
        let index = AppSetIndex::of(&snapshot);
        let set = index.sets[0].name.clone();
        std::sync::Arc::make_mut(&mut snapshot.rollouts).push(RolloutSnapshot {
            application_set: set,
            plan: RollingPlan {
                steps: vec![
                    StepState {
                        index: 0,
                        apps: vec!["a".into()],
                        state: RollingState::Progressing,
                        max_update: 1,
                        reason: Some("waiting for a (Degraded)".into()),
                    },
                    StepState {
                        index: 1,
                        apps: vec!["b".into()],
                        state: RollingState::Waiting,
                        max_update: 1,
                        reason: None,
                    },
                ],
                app_states: BTreeMap::new(),
                sync_now: Vec::new(),
            },
        });
        let area = Rect::new(0, 0, 100, 30);
        let mut buf = Buffer::empty(area);
        render_appsets(
            area,
            &mut buf,
            &snapshot,
            &index,
            &AppSetsState::default(),
            &Theme::plain(),
        );
        let text: String = buf.content().iter().map(|cell| cell.symbol()).collect();
        assert!(text.contains("step 1 Progressing"), "{text}");
        assert!(text.contains("waiting for a (Degraded)"), "{text}");
        assert!(text.contains("step 2 Waiting"), "{text}");
    }

    /// The fleet with a set whose generation failed and left it no apps.
    fn fleet_with_a_broken_set() -> FleetSnapshot {
        let mut snapshot = fixture::fleet();
        std::sync::Arc::make_mut(&mut snapshot.application_sets).push(AppSetSummary {
            name: "broken".into(),
            namespace: None,
            project: Some("default".into()),
            generators: Vec::new(),
            apps: 0,
            applications_sync: None,
            preserve_resources_on_deletion: false,
            strategy: crate::engine::api::SetStrategy::AllAtOnce,
            error: Some("ApplicationSet broken: revision no-such-branch not found".into()),
            skipped: Vec::new(),
        });
        snapshot
    }

    #[test]
    fn a_set_read_from_git_is_listed_even_without_apps() {
        let snapshot = fleet_with_a_broken_set();
        let index = AppSetIndex::of(&snapshot);
        let names: Vec<&str> = index.sets.iter().map(|set| set.name.as_str()).collect();
        assert_eq!(names, ["broken", "cart", "web"]);
        assert!(index.sets[0].apps.is_empty());
        assert_eq!(
            index.sets[2]
                .summary(&snapshot)
                .map(AppSetSummary::generators_text),
            Some("matrix(clusters(tier=workload) × list(1))".to_owned())
        );
    }

    #[test]
    fn a_failed_generation_shows_its_error_in_the_error_style() {
        let snapshot = fleet_with_a_broken_set();
        let index = AppSetIndex::of(&snapshot);
        let theme = fixture::theme();
        for (width, height) in [(80, 24), (160, 48)] {
            let backend = fixture::draw(width, height, |area, buf| {
                render_appsets(
                    area,
                    buf,
                    &snapshot,
                    &index,
                    &AppSetsState::default(),
                    &theme,
                );
            });
            let buffer = backend.buffer();
            let text = fixture::text(buffer);
            assert!(text.contains("✗ broken"), "{text}");
            assert!(text.contains("✗ generation failed"), "{text}");
            let at = buffer
                .content()
                .iter()
                .position(|cell| cell.symbol() == "✗")
                .expect("error mark");
            assert_eq!(
                buffer.content()[at].fg,
                theme.style(Slot::Error).fg.expect("error colour"),
                "{width}x{height}"
            );
        }
    }

    #[test]
    fn the_selected_sets_generators_are_drawn_nested_at_both_sizes() {
        let snapshot = fixture::fleet();
        let index = AppSetIndex::of(&snapshot);
        let mut state = AppSetsState::default();
        state.down(&index);
        for (width, height) in [(80, 24), (160, 48)] {
            let backend = fixture::draw(width, height, |area, buf| {
                render_appsets(area, buf, &snapshot, &index, &state, &fixture::theme());
            });
            let text = fixture::text(backend.buffer());
            assert!(text.contains("• matrix → 3 apps"), "{text}");
            assert!(
                text.contains("  · clusters: selector tier=workload (3 clusters)"),
                "{text}"
            );
            assert!(text.contains("  · list: 1 element"), "{text}");
            assert!(
                text.contains("web-prod-eu"),
                "the apps stay visible: {text}"
            );
        }
    }

    #[test]
    fn an_empty_fleet_says_so() {
        let fleet = FleetSnapshot::default();
        let index = AppSetIndex::of(&fleet);
        let backend = fixture::draw(80, 24, |area, buf| {
            render_appsets(
                area,
                buf,
                &fleet,
                &index,
                &AppSetsState::default(),
                &fixture::theme(),
            );
        });
        let text = fixture::text(backend.buffer());
        assert!(text.contains("No ApplicationSet in Git"), "{text}");
    }
}
