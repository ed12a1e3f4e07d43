//! What the write actions and `:` commands do: build the engine commands,
//! and put a confirmation in front of the destructive ones (prune,
//! rollback, a sync to production, a freeze) that says exactly what will
//! happen and wants a name typed.

use crate::engine::api::{
    AppSnapshot, AutomationState, Command, FleetSnapshot, MAX_TIME_BOX, PauseScope, ResumeTarget,
    format_duration, parse_duration,
};

use super::super::bulk_preview::{BulkEntry, BulkSyncPreview};
use super::super::command_line::{self, CommandLine};
use super::super::filter::Filter;
use super::super::format::{pauses_covering, short_revision};
use super::super::model::{
    ConfirmDialog, Model, Overlay, PauseChoice, PauseDialog, PauseField, Screen,
};
use super::super::msg::Effect;
use super::super::preview::{PreviewPlan, SyncPreview};
use super::super::text_field::TextField;
use super::super::theme;
use super::{current_app, go_to};

/// Whether `app` deploys to a cluster labelled as production
/// (`env=prod` or `environment=production`).
pub fn is_production(snapshot: &FleetSnapshot, app: &AppSnapshot) -> Option<String> {
    let cluster = snapshot.cluster(app.cluster.as_deref()?)?;
    let labelled = |key: &str, value: &str| cluster.labels.get(key).is_some_and(|v| v == value);
    (labelled("env", "prod") || labelled("environment", "production")).then(|| cluster.name.clone())
}

/// Refuses a write in read-only mode, saying why. True when refused.
fn refused(model: &mut Model, what: &str) -> bool {
    match model.readonly_reason() {
        Some(reason) => {
            model.warn(format!("read-only: {reason}, so {what} is not available"));
            true
        }
        None => false,
    }
}

/// The apps an action covers: marked apps in the list, else the one under
/// the cursor; the screen's app elsewhere.
fn targets(model: &Model) -> Vec<AppSnapshot> {
    match &model.screen {
        Screen::Applications => model
            .apps
            .targets(&model.snapshot)
            .into_iter()
            .cloned()
            .collect(),
        _ => current_app(model)
            .and_then(|name| model.snapshot.app(&name))
            .cloned()
            .into_iter()
            .collect(),
    }
}

fn single_target(model: &mut Model) -> Option<AppSnapshot> {
    let name = current_app(model);
    match name.and_then(|name| model.snapshot.app(&name).cloned()) {
        Some(app) => Some(app),
        None => {
            model.warn("no application here");
            None
        }
    }
}

fn confirm(
    model: &mut Model,
    title: String,
    lines: Vec<String>,
    expected: Option<String>,
    commands: Vec<Command>,
) {
    model.overlay = Some(Overlay::Confirm(Box::new(ConfirmDialog {
        title,
        lines,
        expected,
        field: TextField::new(""),
        commands,
        error: None,
    })));
}

/// Where `app` deploys, as the operator knows it: the cluster's name.
fn cluster_of(app: &AppSnapshot) -> String {
    app.cluster
        .clone()
        .unwrap_or_else(|| app.destination.clone())
}

/// The revision a sync of `app` applies, short.
fn revision_of(app: &AppSnapshot) -> Option<String> {
    app.revision
        .as_deref()
        .map(|revision| short_revision(revision).to_string())
}

/// Sync: one app gets its preview, marked apps the bulk preview; either
/// way the engine's dry run comes first.
pub fn sync(model: &mut Model) -> Vec<Effect> {
    if refused(model, "sync") {
        return Vec::new();
    }
    let apps = targets(model);
    match apps.as_slice() {
        [] => {
            model.warn("no application to sync");
            Vec::new()
        }
        [app] => open_preview(model, app, false),
        _ => sync_many(model, &apps),
    }
}

/// Opens the bulk preview of the marked apps and asks the engine for each
/// one's dry run.
fn sync_many(model: &mut Model, apps: &[AppSnapshot]) -> Vec<Effect> {
    let entries = apps
        .iter()
        .map(|app| BulkEntry {
            app: app.name.clone(),
            cluster: cluster_of(app),
            revision: revision_of(app),
            production: is_production(&model.snapshot, app),
            plan: PreviewPlan::Waiting,
        })
        .collect();
    let preview = BulkSyncPreview::new(entries);
    let commands = preview.dry_run_commands(&model.operator);
    model.overlay = Some(Overlay::BulkPreview(Box::new(preview)));
    commands.into_iter().map(Effect::Send).collect()
}

/// Opens the sync preview of `app` and asks the engine for its dry run.
/// On the resource tree, the marked resources are all the sync touches.
fn open_preview(model: &mut Model, app: &AppSnapshot, prune: bool) -> Vec<Effect> {
    let resources = match &model.screen {
        Screen::Detail { app: shown } if *shown == app.name => {
            model.tree_view.marked.iter().cloned().collect()
        }
        _ => Vec::new(),
    };
    let preview = SyncPreview {
        app: app.name.clone(),
        cluster: cluster_of(app),
        revision: revision_of(app),
        prune,
        resources,
        production: is_production(&model.snapshot, app),
        readonly: model.readonly_reason().map(str::to_string),
        plan: PreviewPlan::Waiting,
        typing: None,
        error: None,
    };
    let command = preview.dry_run_command(&model.operator);
    model.overlay = Some(Overlay::SyncPreview(Box::new(preview)));
    vec![Effect::Send(command)]
}

pub fn sync_prune(model: &mut Model) -> Vec<Effect> {
    if refused(model, "sync with prune") {
        return Vec::new();
    }
    if model.screen == Screen::Applications && model.apps.marked.len() > 1 {
        model.warn("prune one application at a time: its preview lists what is deleted");
        return Vec::new();
    }
    match single_target(model) {
        Some(app) => open_preview(model, &app, true),
        None => Vec::new(),
    }
}

/// The preview alone: allowed read-only, since a dry run changes nothing.
pub fn dry_run(model: &mut Model) -> Vec<Effect> {
    match single_target(model) {
        Some(app) => open_preview(model, &app, false),
        None => Vec::new(),
    }
}

/// Asks the engine to refresh the app under the cursor (every app when
/// `everything` or when there is none). A `hard` refresh renders again and
/// re-lists the live objects, trusting no cache; the status line says so.
pub fn refresh(model: &mut Model, everything: bool, hard: bool) -> Vec<Effect> {
    let app = if everything { None } else { current_app(model) };
    let what = if hard { "hard refresh" } else { "refresh" };
    let target = match &app {
        Some(app) => format!("{what} of {app} asked"),
        None => format!("{what} of every app asked"),
    };
    model.info(if hard {
        format!("{target}: manifests rendered again, live objects re-listed")
    } else {
        target
    });
    vec![Effect::Send(Command::Refresh { app, hard })]
}

/// The pause dialog's choices: the app (or the marked apps), then what
/// the filter shows, or the whole fleet when there is no filter.
fn pause_choices(model: &Model) -> Vec<PauseChoice> {
    let mut choices = Vec::new();
    let apps = targets(model);
    match apps.as_slice() {
        [] => {}
        [app] => choices.push(PauseChoice {
            label: format!("app {}", app.name),
            scopes: vec![PauseScope::App(app.name.clone())],
            confirm_name: None,
        }),
        many => choices.push(PauseChoice {
            label: format!("{} marked apps", many.len()),
            scopes: many
                .iter()
                .map(|app| PauseScope::App(app.name.clone()))
                .collect(),
            confirm_name: None,
        }),
    }
    choices.push(freeze_choice(model));
    choices
}

/// A freeze of what the filter shows: one scope when the filter is one
/// (a cluster, a project, a label selector), else one pause per app.
fn freeze_choice(model: &Model) -> PauseChoice {
    let filter: &Filter = &model.apps.filter;
    if filter.is_empty() {
        return PauseChoice {
            label: format!("the whole fleet ({} apps)", model.snapshot.apps.len()),
            scopes: vec![PauseScope::Fleet],
            confirm_name: Some("fleet".into()),
        };
    }
    let shown = model.apps.rows.len();
    if let Some(cluster) = filter.only_cluster() {
        return PauseChoice {
            label: format!("cluster {cluster} ({shown} apps)"),
            scopes: vec![PauseScope::Cluster(cluster.to_string())],
            confirm_name: Some(cluster.to_string()),
        };
    }
    if let Some(project) = filter.only_project() {
        return PauseChoice {
            label: format!("project {project} ({shown} apps)"),
            scopes: vec![PauseScope::Project(project.to_string())],
            confirm_name: Some(project.to_string()),
        };
    }
    if let Some(scope) = filter
        .as_label_selector()
        .and_then(|selector| PauseScope::selector(&selector).ok())
    {
        return PauseChoice {
            label: format!("{scope} ({shown} apps now)"),
            scopes: vec![scope],
            confirm_name: Some("freeze".into()),
        };
    }
    PauseChoice {
        label: format!("the {shown} apps the filter `{}` shows", filter.text()),
        scopes: model
            .apps
            .rows
            .iter()
            .map(|index| PauseScope::App(model.snapshot.apps[*index].name.clone()))
            .collect(),
        confirm_name: Some("freeze".into()),
    }
}

pub fn open_pause(model: &mut Model, freeze: bool) {
    if refused(model, "pause") {
        return;
    }
    let choices = pause_choices(model);
    let choice = if freeze { choices.len() - 1 } else { 0 };
    let mut reason = TextField::new("");
    reason.set_focused(false);
    model.overlay = Some(Overlay::Pause(Box::new(PauseDialog {
        duration: TextField::new("1h"),
        reason,
        choices,
        choice,
        focus: PauseField::Duration,
        duration_is_preset: true,
        error: None,
    })));
}

/// Enter in the pause dialog: the commands, or a freeze confirmation, or
/// the dialog back with the reason it was refused.
pub fn submit_pause(model: &mut Model, mut dialog: Box<PauseDialog>) -> Vec<Effect> {
    let duration = match parse_duration(dialog.duration.text(), MAX_TIME_BOX) {
        Ok(duration) => duration,
        Err(error) => {
            dialog.error = Some(error.to_string());
            model.overlay = Some(Overlay::Pause(dialog));
            return Vec::new();
        }
    };
    let reason = dialog.reason.text().trim().to_string();
    if reason.is_empty() {
        dialog.error = Some("a pause needs a reason: everyone sees it".into());
        dialog.focus = PauseField::Reason;
        model.overlay = Some(Overlay::Pause(dialog));
        return Vec::new();
    }
    let Some(choice) = dialog.choices.get(dialog.choice).cloned() else {
        return Vec::new();
    };
    let commands: Vec<Command> = choice
        .scopes
        .iter()
        .map(|scope| Command::Pause {
            scope: scope.clone(),
            duration,
            reason: reason.clone(),
            by: model.operator.clone(),
        })
        .collect();
    let length = format_duration(duration);
    if let Some(name) = choice.confirm_name {
        let lines = vec![
            format!(
                "Freeze: stop automated sync and self-heal of {} for {length}.",
                choice.label
            ),
            format!("Reason everyone sees: {reason}"),
            "Drift is still shown; the freeze ends by itself, or with resume.".into(),
        ];
        confirm(model, "Freeze".into(), lines, Some(name), commands);
        return Vec::new();
    }
    model.info(format!("pause of {} for {length} sent", choice.label));
    commands.into_iter().map(Effect::Send).collect()
}

/// Resumes the pauses set on the target apps themselves, or one pause by
/// id. Broader pauses (a cluster's, a freeze) are named, not ended: they
/// cover other apps too.
pub fn resume(model: &mut Model, id: Option<String>) -> Vec<Effect> {
    if refused(model, "resume") {
        return Vec::new();
    }
    let by = model.operator.clone();
    if let Some(id) = id {
        if !model.snapshot.pauses.iter().any(|pause| pause.id == id) {
            model.error(format!("no pause with id {id}"));
            return Vec::new();
        }
        model.info(format!("resume of pause {id} sent"));
        return vec![Effect::Send(Command::Resume {
            target: ResumeTarget::Id(id),
            by,
        })];
    }
    let mut effects = Vec::new();
    let mut others = Vec::new();
    for app in targets(model) {
        let covering = pauses_covering(&model.snapshot, &app, model.now);
        let own = PauseScope::App(app.name.clone());
        if covering.iter().any(|pause| pause.scope == own) {
            effects.push(Effect::Send(Command::Resume {
                target: ResumeTarget::Scope(own),
                by: by.clone(),
            }));
        }
        others.extend(
            covering
                .iter()
                .filter(|pause| pause.scope != PauseScope::App(app.name.clone()))
                .map(|pause| format!("{} ({} by {})", pause.id, pause.scope, pause.owner)),
        );
    }
    others.sort();
    others.dedup();
    match (effects.is_empty(), others.is_empty()) {
        (true, true) => model.info("nothing to resume: not paused"),
        (false, true) => model.info(format!("resume of {} app(s) sent", effects.len())),
        (_, false) => model.warn(format!(
            "{}still held by {}: `:resume <id>` ends one",
            if effects.is_empty() {
                ""
            } else {
                "resume sent; "
            },
            others.join(", ")
        )),
    }
    effects
}

pub fn rollback(model: &mut Model) {
    if refused(model, "rollback") {
        return;
    }
    let Screen::History { app } = model.screen.clone() else {
        model.warn("rollback works from the history view (H)");
        return;
    };
    let Some(detail) = model.detail_of(&app) else {
        model.warn("waiting for the history from the engine");
        return;
    };
    let Some(entry) = model.history_view.selected(&detail.history).cloned() else {
        model.warn("no history entry here");
        return;
    };
    let lines = vec![
        format!(
            "Roll {app} back to revision {} (history #{}, deployed {} by {}).",
            short_revision(&entry.revision),
            entry.id,
            entry.deployed_at.strftime("%Y-%m-%d %H:%M UTC"),
            entry.initiated_by
        ),
        format!("Automated sync of {app} is paused afterwards, so nothing undoes it."),
        "Resources that revision does not have are kept (no prune).".into(),
    ];
    let command = Command::Rollback {
        app: app.clone(),
        history_id: Some(entry.id),
        prune: false,
        by: model.operator.clone(),
    };
    confirm(model, "Rollback".into(), lines, Some(app), vec![command]);
}

pub fn approve(model: &mut Model) -> Vec<Effect> {
    if refused(model, "approve") {
        return Vec::new();
    }
    let Some(app) = single_target(model) else {
        return Vec::new();
    };
    if app.automation_state != AutomationState::AwaitingApproval {
        model.warn(format!("{} is not awaiting approval", app.name));
        return Vec::new();
    }
    model.info(format!("approval of {} sent", app.name));
    vec![Effect::Send(Command::Approve {
        app: app.name,
        by: model.operator.clone(),
    })]
}

pub fn cancel_operation(model: &mut Model) {
    if refused(model, "cancel") {
        return;
    }
    let Some(app) = single_target(model) else {
        return;
    };
    let running = model
        .snapshot
        .operation(&app.name)
        .is_some_and(|operation| !operation.phase.is_done());
    if !running {
        model.warn(format!("{} has no running operation", app.name));
        return;
    }
    let lines = vec![format!(
        "Terminate the running operation of {}: the resource at hand finishes, the rest is not applied.",
        app.name
    )];
    confirm(
        model,
        "Terminate operation".into(),
        lines,
        None,
        vec![Command::Cancel {
            app: app.name,
            by: model.operator.clone(),
        }],
    );
}

pub fn set_filter(model: &mut Model, text: &str) {
    model.apps.filter = Filter::parse(text);
    model.apps.refresh(&model.snapshot);
    model.apps.scroll_into_view(model.page_rows());
}

/// Runs a `:` line.
pub fn run_command_line(model: &mut Model, line: &str) -> Vec<Effect> {
    let parsed = match command_line::parse(line) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => return Vec::new(),
        Err(error) => {
            model.error(error.to_string());
            return Vec::new();
        }
    };
    match parsed {
        CommandLine::Apps => {
            model.back.clear();
            model.screen = Screen::Applications;
        }
        CommandLine::Clusters => go_to(model, Screen::Clusters),
        CommandLine::AppSets => go_to(model, Screen::AppSets),
        CommandLine::Audit => go_to(model, Screen::Audit),
        CommandLine::Context(None) => {
            set_filter(model, "");
            model.screen = Screen::Applications;
        }
        CommandLine::Context(Some(cluster)) => {
            if model.snapshot.cluster(&cluster).is_none() {
                model.error(format!("no cluster named {cluster} (Tab completes)"));
                return Vec::new();
            }
            set_filter(model, &format!("cluster={cluster}"));
            model.back.clear();
            model.screen = Screen::Applications;
        }
        CommandLine::Pause { duration, reason } | CommandLine::Freeze { duration, reason } => {
            let freeze = matches!(
                command_line::parse(line),
                Ok(Some(CommandLine::Freeze { .. }))
            );
            open_pause(model, freeze);
            if let Some(Overlay::Pause(mut dialog)) = model.overlay.take() {
                dialog.duration.set(&duration);
                dialog.reason.set(&reason);
                return submit_pause(model, dialog);
            }
        }
        CommandLine::Resume(id) => return resume(model, id),
        CommandLine::Sync => return sync(model),
        CommandLine::DryRun => return dry_run(model),
        CommandLine::Refresh { hard } => {
            let everything = model.screen == Screen::Clusters;
            return refresh(model, everything, hard);
        }
        CommandLine::Theme(name) => {
            if !theme::shipped_names().contains(&name.as_str()) {
                model.error(format!(
                    "unknown theme {name} (themes: {})",
                    theme::shipped_names().join(", ")
                ));
                return Vec::new();
            }
            return vec![Effect::LoadTheme(name)];
        }
        CommandLine::Group(group) => {
            model.apps.group = group;
            model.apps.refresh(&model.snapshot);
            model.apps.scroll_into_view(model.page_rows());
            model.back.clear();
            model.screen = Screen::Applications;
        }
        CommandLine::Help => {
            model.overlay = Some(Overlay::Help {
                context: model.screen.context(),
                scroll: 0,
            })
        }
        CommandLine::Quit => {
            model.quit = true;
            return vec![Effect::Quit];
        }
    }
    Vec::new()
}
