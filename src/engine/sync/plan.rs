//! The plan of a sync: which objects are applied, run as hooks or pruned,
//! and in which order — before anything touches a cluster, so a dry run can
//! show exactly this plan.
//!
//! Order, as Argo CD orders it: phase (PreSync, Sync, PostSync, SyncFail),
//! then wave, then kind (namespaces and CRDs first, workloads later, custom
//! resources last), then name. A Namespace is moved just before the first
//! object that lives in it, and a CRD just before the first of its custom
//! resources, taking that object's phase and wave, so a wave annotation on a
//! workload can never strand it before its namespace exists. Prunes run in
//! reverse wave order (what was created last is deleted first), and
//! `PruneLast` prunes after every wave of the Sync phase.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::Value;

use super::kind_order::kind_rank;
use super::{SyncOptions, SyncPhase};
use crate::engine::conventions::hooks::{HookDeletePolicy, HookMark, delete_policies, hook_mark};
use crate::engine::conventions::waves::sync_wave;
use crate::engine::manifest::{Manifest, ObjectKey};

/// What a task does to its object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type")]
pub enum TaskAction {
    /// Server-side apply of the desired object.
    Apply,
    /// Create the hook object and wait for it to finish.
    Hook {
        delete_policies: Vec<HookDeletePolicy>,
    },
    /// Delete the live object, gone from Git.
    Prune,
    /// A live object gone from Git that this sync leaves in place.
    PruneSkipped { reason: String },
}

/// One step of a sync.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SyncTask {
    pub phase: SyncPhase,
    pub wave: i32,
    pub key: ObjectKey,
    pub action: TaskAction,
    /// The desired object (apply, hook) or the live object (prune).
    #[serde(skip)]
    pub object: Value,
}

impl SyncTask {
    fn is_prune(&self) -> bool {
        matches!(
            self.action,
            TaskAction::Prune | TaskAction::PruneSkipped { .. }
        )
    }
}

/// What to plan.
#[derive(Debug, Clone, Copy)]
pub struct PlanRequest<'a> {
    /// Every rendered object, hooks included.
    pub desired: &'a [Manifest],
    /// Live objects that carry this app's tracking id but are gone from Git.
    pub extraneous: &'a [Value],
    /// Whether this sync may delete (the operator asked, or policy allows).
    pub prune: bool,
    /// The Application's `syncPolicy.syncOptions`.
    pub app_options: &'a SyncOptions,
    /// Selective sync: only these resources, and no hooks (as Argo CD).
    pub selected: Option<&'a BTreeSet<ObjectKey>>,
}

/// The ordered tasks of one sync.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SyncPlan {
    pub tasks: Vec<SyncTask>,
}

impl SyncPlan {
    /// Consecutive tasks of the same phase and wave: each step must finish
    /// (and be healthy) before the next starts.
    pub fn steps(&self) -> Vec<&[SyncTask]> {
        self.tasks
            .chunk_by(|a, b| a.phase == b.phase && a.wave == b.wave)
            .collect()
    }
}

/// Builds the plan. Pure: reads the objects, touches nothing.
pub fn plan_sync(request: PlanRequest<'_>) -> SyncPlan {
    let selected = |key: &ObjectKey| request.selected.is_none_or(|keys| keys.contains(key));
    let mut tasks = Vec::new();

    for manifest in request.desired {
        let key = manifest.key();
        if !selected(&key) {
            continue;
        }
        let wave = sync_wave(&manifest.object);
        match hook_mark(&manifest.object) {
            HookMark::Skip => {}
            HookMark::None => tasks.push(SyncTask {
                phase: SyncPhase::Sync,
                wave,
                key,
                action: TaskAction::Apply,
                object: manifest.object.clone(),
            }),
            HookMark::Phases(_) if request.selected.is_some() => {}
            HookMark::Phases(phases) => {
                let policies = delete_policies(&manifest.object);
                for phase in phases {
                    tasks.push(SyncTask {
                        phase,
                        wave,
                        key: key.clone(),
                        action: TaskAction::Hook {
                            delete_policies: policies.clone(),
                        },
                        object: manifest.object.clone(),
                    });
                }
            }
        }
    }

    for live in request.extraneous {
        let key = ObjectKey::of(live);
        if !selected(&key) || hook_mark(live) == HookMark::Skip {
            continue;
        }
        let options = SyncOptions::layered(request.app_options, &SyncOptions::of_resource(live));
        let action = if options.is("Prune", "false") {
            TaskAction::PruneSkipped {
                reason: "ignored (no prune)".to_string(),
            }
        } else if !request.prune {
            TaskAction::PruneSkipped {
                reason: "ignored (requires pruning)".to_string(),
            }
        } else {
            TaskAction::Prune
        };
        tasks.push(SyncTask {
            phase: SyncPhase::Sync,
            wave: sync_wave(live),
            key,
            action,
            object: live.clone(),
        });
    }

    reverse_prune_waves(&mut tasks);
    prune_last(&mut tasks, request.app_options);
    sort_tasks(&mut tasks);
    move_before_first_user(&mut tasks, namespace_provided, namespace_used);
    move_before_first_user(&mut tasks, crd_provided, custom_resource_used);
    SyncPlan { tasks }
}

/// Prune waves mirrored: the lowest prune wave takes the highest's place
/// and so on, so deletion runs in reverse creation order.
fn reverse_prune_waves(tasks: &mut [SyncTask]) {
    let mut waves: Vec<i32> = tasks
        .iter()
        .filter(|task| task.is_prune())
        .map(|task| task.wave)
        .collect();
    waves.sort_unstable();
    waves.dedup();
    let mirrored: HashMap<i32, i32> = waves
        .iter()
        .zip(waves.iter().rev())
        .map(|(from, to)| (*from, *to))
        .collect();
    for task in tasks.iter_mut().filter(|task| task.is_prune()) {
        if let Some(wave) = mirrored.get(&task.wave) {
            task.wave = *wave;
        }
    }
}

/// `PruneLast=true` (on the app or the resource): prune after the last wave
/// of the Sync phase.
fn prune_last(tasks: &mut [SyncTask], app_options: &SyncOptions) {
    let last_wave = tasks
        .iter()
        .filter(|task| task.phase == SyncPhase::Sync)
        .map(|task| task.wave)
        .max()
        .unwrap_or(0)
        .max(0)
        + 1;
    for task in tasks.iter_mut().filter(|task| task.is_prune()) {
        let options = SyncOptions::layered(app_options, &SyncOptions::of_resource(&task.object));
        if options.is("PruneLast", "true") {
            task.wave = last_wave;
        }
    }
}

fn sort_tasks(tasks: &mut [SyncTask]) {
    tasks.sort_by(|a, b| {
        (a.phase, a.wave, kind_rank(&a.key.kind), &a.key.name).cmp(&(
            b.phase,
            b.wave,
            kind_rank(&b.key.kind),
            &b.key.name,
        ))
    });
}

/// The dependency a task provides (a namespace name, a CRD's group/kind).
type Provides = fn(&SyncTask) -> Option<String>;
/// The dependency a task needs.
type Uses = fn(&SyncTask) -> Option<String>;

fn namespace_provided(task: &SyncTask) -> Option<String> {
    (task.key.group.is_empty() && task.key.kind == "Namespace" && !task.is_prune())
        .then(|| task.key.name.clone())
}

fn namespace_used(task: &SyncTask) -> Option<String> {
    (!task.key.namespace.is_empty()).then(|| task.key.namespace.clone())
}

fn crd_provided(task: &SyncTask) -> Option<String> {
    if task.key.kind != "CustomResourceDefinition" || task.is_prune() {
        return None;
    }
    let spec = &task.object["spec"];
    let group = spec["group"].as_str()?;
    let kind = spec["names"]["kind"].as_str()?;
    Some(format!("{group}/{kind}"))
}

fn custom_resource_used(task: &SyncTask) -> Option<String> {
    Some(format!("{}/{}", task.key.group, task.key.kind))
}

/// Moves each provider to just before the first task that uses what it
/// provides, giving it that task's phase and wave. Prune tasks neither
/// provide nor count as users (a deleted object needs nothing created).
fn move_before_first_user(tasks: &mut Vec<SyncTask>, provides: Provides, uses: Uses) {
    let mut first_user: HashMap<String, usize> = HashMap::new();
    let mut index = 0;
    while index < tasks.len() {
        if let Some(provided) = provides(&tasks[index]) {
            if let Some(&user) = first_user.get(&provided) {
                let mut provider = tasks.remove(index);
                provider.phase = tasks[user].phase;
                provider.wave = tasks[user].wave;
                tasks.insert(user, provider);
                for position in first_user.values_mut() {
                    if *position >= user {
                        *position += 1;
                    }
                }
            }
        } else if !tasks[index].is_prune()
            && let Some(used) = uses(&tasks[index])
        {
            first_user.entry(used).or_insert(index);
        }
        index += 1;
    }
}
