//! The application list's state: filter, sort order, the rows it shows
//! (indices into the snapshot's apps), the cursor, the scroll offset and
//! the marked apps. Recomputed on a new snapshot or a filter keystroke;
//! views draw only the rows in the viewport, so the frame cost does not
//! grow with the fleet.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use crate::engine::api::{AppSnapshot, FleetSnapshot, HealthStatus, SyncStatus};

use super::filter::Filter;

/// The orders `o` cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    #[default]
    Name,
    /// Worst health first.
    Health,
    /// Out of sync first.
    Sync,
    /// By cluster, then name.
    Cluster,
}

impl SortOrder {
    pub fn next(self) -> SortOrder {
        match self {
            SortOrder::Name => SortOrder::Health,
            SortOrder::Health => SortOrder::Sync,
            SortOrder::Sync => SortOrder::Cluster,
            SortOrder::Cluster => SortOrder::Name,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SortOrder::Name => "name",
            SortOrder::Health => "health",
            SortOrder::Sync => "sync",
            SortOrder::Cluster => "cluster",
        }
    }

    fn compare(self, a: &AppSnapshot, b: &AppSnapshot) -> Ordering {
        let by_name = || a.name.cmp(&b.name);
        match self {
            SortOrder::Name => by_name(),
            SortOrder::Health => health_rank(b.health)
                .cmp(&health_rank(a.health))
                .then_with(by_name),
            SortOrder::Sync => sync_rank(b.sync).cmp(&sync_rank(a.sync)).then_with(by_name),
            SortOrder::Cluster => a.cluster.cmp(&b.cluster).then_with(by_name),
        }
    }
}

/// Higher is worse: what an operator wants to see first.
fn health_rank(health: HealthStatus) -> u8 {
    match health {
        HealthStatus::Healthy => 0,
        HealthStatus::Suspended => 1,
        HealthStatus::Unknown => 2,
        HealthStatus::Progressing => 3,
        HealthStatus::Missing => 4,
        HealthStatus::Degraded => 5,
    }
}

fn sync_rank(sync: SyncStatus) -> u8 {
    match sync {
        SyncStatus::Synced => 0,
        SyncStatus::Unknown => 1,
        SyncStatus::OutOfSync => 2,
    }
}

/// Rows of one cluster (or project) kept together, the group shown once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Cluster,
    Project,
}

impl GroupBy {
    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Cluster => "cluster",
            GroupBy::Project => "project",
        }
    }

    /// The group an app belongs to.
    pub fn key(self, app: &AppSnapshot) -> &str {
        match self {
            GroupBy::Cluster => app.cluster.as_deref().unwrap_or(""),
            GroupBy::Project => &app.project,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct AppList {
    pub filter: Filter,
    pub sort: SortOrder,
    pub group: Option<GroupBy>,
    /// Indices into `FleetSnapshot::apps`, filtered and sorted.
    pub rows: Vec<usize>,
    /// Position in `rows`.
    pub cursor: usize,
    /// First row in the viewport.
    pub offset: usize,
    /// Marked app names (kept across snapshots; names are stable).
    pub marked: BTreeSet<String>,
}

impl AppList {
    /// Recomputes the rows, keeping the cursor on the same app when it is
    /// still shown.
    pub fn refresh(&mut self, snapshot: &FleetSnapshot) {
        let current = self.current(snapshot).map(|app| app.name.clone());
        self.refresh_keeping(snapshot, current);
    }

    /// Recomputes the rows for a new snapshot, with the cursor on
    /// `current` (the app it was on in the previous snapshot) if shown.
    pub fn refresh_keeping(&mut self, snapshot: &FleetSnapshot, current: Option<String>) {
        let filter = &self.filter;
        let mut rows: Vec<usize> = snapshot
            .apps
            .iter()
            .enumerate()
            .filter(|(_, app)| filter.matches(app))
            .map(|(index, _)| index)
            .collect();
        if self.sort != SortOrder::Name || self.group.is_some() {
            let (sort, group) = (self.sort, self.group);
            rows.sort_by(|a, b| {
                let (a, b) = (&snapshot.apps[*a], &snapshot.apps[*b]);
                let by_group =
                    group.map_or(Ordering::Equal, |group| group.key(a).cmp(group.key(b)));
                by_group.then_with(|| sort.compare(a, b))
            });
        }
        self.rows = rows;
        self.cursor = current
            .and_then(|name| {
                self.rows
                    .iter()
                    .position(|index| snapshot.apps[*index].name == name)
            })
            .unwrap_or(self.cursor)
            .min(self.rows.len().saturating_sub(1));
    }

    /// The app under the cursor.
    pub fn current<'a>(&self, snapshot: &'a FleetSnapshot) -> Option<&'a AppSnapshot> {
        self.rows
            .get(self.cursor)
            .and_then(|index| snapshot.apps.get(*index))
            .map(AsRef::as_ref)
    }

    /// The marked apps that still exist, or the app under the cursor when
    /// none is marked: what a bulk action acts on.
    pub fn targets<'a>(&self, snapshot: &'a FleetSnapshot) -> Vec<&'a AppSnapshot> {
        if self.marked.is_empty() {
            return self.current(snapshot).into_iter().collect();
        }
        snapshot
            .apps
            .iter()
            .filter(|app| self.marked.contains(&app.name))
            .map(AsRef::as_ref)
            .collect()
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.rows.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
    }

    pub fn to_top(&mut self) {
        self.cursor = 0;
    }

    pub fn to_bottom(&mut self) {
        self.cursor = self.rows.len().saturating_sub(1);
    }

    /// Scrolls so that the cursor is inside a viewport of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        if height == 0 {
            return;
        }
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        let max_offset = self.rows.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }

    pub fn toggle_mark(&mut self, snapshot: &FleetSnapshot) {
        if let Some(app) = self.current(snapshot)
            && !self.marked.remove(&app.name)
        {
            self.marked.insert(app.name.clone());
        }
    }

    /// Marks every shown app, or clears the marks when all are marked.
    pub fn toggle_all(&mut self, snapshot: &FleetSnapshot) {
        let all_marked = !self.rows.is_empty()
            && self
                .rows
                .iter()
                .all(|index| self.marked.contains(&snapshot.apps[*index].name));
        if all_marked {
            self.marked.clear();
        } else {
            self.marked.extend(
                self.rows
                    .iter()
                    .map(|index| snapshot.apps[*index].name.clone()),
            );
        }
    }
}
