//! [`Fleet`]: what the actor knows of the whole fleet between passes — one
//! [`AppEntry`] per app, plus what belongs to no single app (projects,
//! ApplicationSets, problems, cluster connections, pauses, rollouts).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::app_entry::AppEntry;
use super::automation::Automation;
use super::observe::base_row;
use super::refresh::{RefreshResult, same_render};
use crate::engine::api::{ConnectionState, RolloutSnapshot};
use crate::engine::appset::{AppSetSummary, GeneratedMemory};
use crate::engine::model::{AppProject, ApplicationSet};
use crate::engine::policy::pause::Pause;

#[derive(Default)]
pub(super) struct Fleet {
    /// By app name.
    pub entries: BTreeMap<String, AppEntry>,
    pub projects: HashMap<String, AppProject>,
    pub application_sets: Vec<ApplicationSet>,
    /// Those sets as published, from the last Git pass.
    pub set_summaries: Arc<Vec<AppSetSummary>>,
    /// Repository, catalog and state problems.
    pub problems: Arc<Vec<String>>,
    pub connections: HashMap<String, ConnectionState>,
    /// RollingSync rollouts as of the last automation pass.
    pub rollouts: Arc<Vec<RolloutSnapshot>>,
    /// The pauses in force at the last automation pass.
    pub pauses: Vec<Pause>,
    pub automation: Automation,
    /// What was last saved to `generated.json`.
    pub saved_generated: GeneratedMemory,
    /// Whether a Git pass was merged yet (recomputes wait for the first).
    pub rendered_once: bool,
    /// Operations still running on apps that left the fleet: they end on
    /// their own and are recorded like any other.
    pub departed: HashMap<String, super::app_entry::Running>,
}

impl Fleet {
    /// Takes a Git pass in; returns the apps whose inputs it changed (new
    /// apps, changed Applications, renders that changed or now fail).
    /// Apps that left the fleet are dropped with their rows; an operation
    /// still running on one ends on its own and is recorded.
    pub fn merge_git_pass(
        &mut self,
        result: RefreshResult,
        problems: Vec<String>,
    ) -> BTreeSet<String> {
        let RefreshResult {
            apps,
            problems: found,
            mut renders,
            mut owners,
            projects,
            mut parents,
            mut notes,
            application_sets,
            mut commits,
            hard: _,
            set_summaries,
        } = result;
        let mut changed = BTreeSet::new();
        let mut entries = BTreeMap::new();
        for app in apps {
            let name = app.name().to_string();
            let outcome = renders.remove(&name);
            let previous = self.entries.remove(&name);
            let entry = match previous {
                Some(mut entry) => {
                    if entry.app != app || !same_render(entry.outcome.as_ref(), outcome.as_ref()) {
                        changed.insert(name.clone());
                    }
                    entry.app = app;
                    entry.outcome = outcome;
                    entry
                }
                None => {
                    changed.insert(name.clone());
                    let cluster = None;
                    AppEntry {
                        row: Arc::new(base_row(&app, cluster)),
                        app,
                        outcome,
                        commit: None,
                        owner: None,
                        parent: None,
                        note: None,
                        operation: None,
                    }
                }
            };
            entries.insert(name, entry);
        }
        for (name, entry) in &mut entries {
            entry.commit = commits.remove(name);
            entry.owner = owners.remove(name);
            entry.parent = parents.remove(name);
            entry.note = notes.remove(name);
            if entry.row.application_set != entry.owner || entry.row.parent_app != entry.parent {
                let row = Arc::make_mut(&mut entry.row);
                row.application_set = entry.owner.clone();
                row.parent_app = entry.parent.clone();
            }
        }
        for (name, entry) in std::mem::replace(&mut self.entries, entries) {
            if let Some(running) = entry.operation {
                self.departed.insert(name, running);
            }
        }
        self.projects = projects;
        self.application_sets = application_sets;
        self.set_summaries = Arc::new(set_summaries);
        let mut all_problems = problems;
        all_problems.extend(found);
        self.problems = Arc::new(all_problems);
        self.rendered_once = true;
        changed
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The cluster labels map when nothing is known.
    pub fn no_labels() -> &'static BTreeMap<String, String> {
        static EMPTY: BTreeMap<String, String> = BTreeMap::new();
        &EMPTY
    }
}
