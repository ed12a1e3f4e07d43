//! The operator commands that are not a plain sync: pause and resume (in
//! the shared pause file, so every fleetdeck process honours them),
//! rollback (render the older revision, sync it, then pin and pause the
//! app) and describe (an app's diffs, tree and history, on demand).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use super::actor::{Actor, Core, Done};
use super::app_entry::Launch;
use super::fleet::Fleet;
use super::observe::look_in_cache;
use crate::engine::api::{AppDetail, EngineEvent};
use crate::engine::error_chain::error_chain;
use crate::engine::model::Application;
use crate::engine::policy::pause::{PauseRequest, PauseScope};
use crate::engine::render::RenderedSource;
use crate::engine::source::short_revision;
use crate::engine::state::{AuditRecord, HistoryEntry, ResumeTarget, rollback_entry};
use k8s_openapi::jiff::Timestamp;

/// A rollback whose older revision has been rendered, ready to sync.
pub(in crate::engine::reconciler) struct RollbackRender {
    app: Application,
    entry: HistoryEntry,
    rendered: Result<Vec<RenderedSource>, String>,
    prune: bool,
    by: String,
}

impl Actor {
    pub(super) fn pause(&self, scope: PauseScope, duration: Duration, reason: String, by: String) {
        let command = format!("pause {scope}");
        if self.rules.readonly {
            return self.reject(command, "read-only mode");
        }
        let Some(store) = &self.records.pauses else {
            return self.reject(command, "no state directory: a pause could not be kept");
        };
        let now = Timestamp::now();
        let request = PauseRequest {
            scope,
            reason,
            owner: by.clone(),
            duration,
        };
        match store.add(request, now) {
            Ok(pause) => {
                let detail = format!("{} until {}", pause.id, pause.expires_at);
                self.audit_record(AuditRecord {
                    at: now,
                    operator: by.clone(),
                    action: "pause".to_string(),
                    target: pause.scope.to_string(),
                    revision: String::new(),
                    reason: pause.reason.clone(),
                    result: detail.clone(),
                });
                let _ = self.events.send(EngineEvent::OperatorAction {
                    operator: by,
                    action: "pause".to_string(),
                    target: pause.scope.to_string(),
                    detail: format!("{}: {}", pause.describe(now), detail),
                });
            }
            Err(error) => self.reject(command, &error_chain(&error)),
        }
    }

    pub(super) fn resume(&self, target: &ResumeTarget, by: &str) {
        let command = match target {
            ResumeTarget::Id(id) => format!("resume {id}"),
            ResumeTarget::Scope(scope) => format!("resume {scope}"),
        };
        if self.rules.readonly {
            return self.reject(command, "read-only mode");
        }
        let Some(store) = &self.records.pauses else {
            return self.reject(command, "no state directory: there are no pauses");
        };
        let now = Timestamp::now();
        match store.resume(target, now) {
            Ok(removed) if removed.is_empty() => {
                self.reject(command, "no pause in force matches; nothing resumed")
            }
            Ok(removed) => {
                for pause in removed {
                    let detail = format!("{} (set by {}) ended", pause.id, pause.owner);
                    self.audit_record(AuditRecord {
                        at: now,
                        operator: by.to_string(),
                        action: "resume".to_string(),
                        target: pause.scope.to_string(),
                        revision: String::new(),
                        reason: pause.reason.clone(),
                        result: detail.clone(),
                    });
                    let _ = self.events.send(EngineEvent::OperatorAction {
                        operator: by.to_string(),
                        action: "resume".to_string(),
                        target: pause.scope.to_string(),
                        detail,
                    });
                }
            }
            Err(error) => self.reject(command, &error_chain(&error)),
        }
    }

    /// Picks the history entry and renders it off the actor (git2 and
    /// rendering block); the sync starts when the render is back.
    pub(super) fn rollback(
        &self,
        core: &Core,
        app_name: String,
        history_id: Option<u64>,
        prune: bool,
        by: String,
    ) {
        let command = format!("rollback {app_name}");
        if self.rules.readonly {
            return self.reject(command, "read-only mode");
        }
        if core.queue.operating(&app_name) {
            return self.reject(command, "an operation is already running on this app");
        }
        let Some(store) = &self.records.state else {
            return self.reject(command, "no state directory: there is no history");
        };
        let Some(mut app) = core
            .fleet
            .entries
            .get(&app_name)
            .map(|entry| entry.app.clone())
        else {
            return self.reject(command, "no such app");
        };
        let history = match store.history(&app_name) {
            Ok(history) => history,
            Err(error) => return self.reject(command, &error_chain(&error)),
        };
        let entry = match rollback_entry(&history, history_id) {
            Ok(entry) => entry,
            Err(reason) => return self.reject(command, &reason),
        };
        app.pin_git_sources(&entry.revision);
        let git = self.desired.git.clone();
        let done = core.done.clone();
        tokio::spawn(async move {
            let for_render = app.clone();
            let rendered = tokio::task::spawn_blocking(move || git.render(&for_render))
                .await
                .map_err(|join| format!("the renderer stopped: {join}"))
                .and_then(|result| result.map_err(|error| error_chain(&error)));
            let _ = done.send(Done::RollbackRendered(Box::new(RollbackRender {
                app,
                entry,
                rendered,
                prune,
                by,
            })));
        });
    }

    pub(super) fn rollback_rendered(&self, core: &mut Core, render: RollbackRender) {
        let RollbackRender {
            app,
            entry,
            rendered,
            prune,
            by,
        } = render;
        let rendered = match rendered {
            Ok(rendered) => rendered,
            Err(reason) => {
                return self.reject(
                    format!("rollback {}", app.name()),
                    &format!("revision {} cannot be rendered: {reason}", entry.revision),
                );
            }
        };
        self.launch(
            core,
            Launch {
                app,
                rendered: Arc::new(rendered),
                prune,
                dry_run: false,
                selected: None,
                initiated_by: by,
                rollback: Some(entry),
                automated: None,
            },
        );
    }

    /// Answers with the app's details, from its cluster's live cache.
    pub(super) fn describe(&self, fleet: &Fleet, app_name: String) {
        let Some(app_entry) = fleet.entries.get(&app_name) else {
            return self.reject(format!("describe {app_name}"), "no such app");
        };
        let app = &app_entry.app;
        let mut errors = Vec::new();
        let history = match self
            .records
            .state
            .as_ref()
            .map(|store| store.history(&app_name))
        {
            None => Vec::new(),
            Some(Ok(history)) => history,
            Some(Err(error)) => {
                errors.push(format!("history: {}", error_chain(&error)));
                Vec::new()
            }
        };
        let mut detail = AppDetail {
            app: app_name.clone(),
            diffs: Vec::new(),
            tree: Vec::new(),
            history,
            commits: BTreeMap::new(),
            errors,
        };
        if let Some(current) = &app_entry.commit {
            detail
                .commits
                .insert(current.id.to_string(), current.clone());
        }
        let cache = self
            .live
            .registry
            .resolve(&app.spec.destination)
            .map_err(|error| error.to_string())
            .and_then(|entry| {
                self.live
                    .caches
                    .get(&entry.name)
                    .cloned()
                    .ok_or_else(|| format!("cluster {} has no live cache", entry.name))
            });
        match (app_entry.render(), cache) {
            (None, _) => detail
                .errors
                .push("the app could not be rendered; see its conditions".to_string()),
            (_, Err(reason)) => detail.errors.push(reason),
            // One app from the cache: no API call, a few milliseconds.
            (Some(rendered), Ok(cache)) => match look_in_cache(app, rendered, &cache) {
                Ok((status, _)) => {
                    detail
                        .errors
                        .extend(status.diff.errors.iter().map(ToString::to_string));
                    detail.diffs = status.diff.resources;
                    detail.tree = status.tree;
                }
                Err(reason) => detail.errors.push(reason),
            },
        }
        self.answer_with_commits(detail);
    }

    /// Adds the history's commit subjects and authors (Git reads on the
    /// blocking pool; the commit cache answers most), then sends the
    /// detail. A commit that cannot be read is named in the errors.
    fn answer_with_commits(&self, mut detail: AppDetail) {
        let wanted: Vec<(String, String)> = detail
            .history
            .iter()
            // A chart version names no commit.
            .filter(|entry| entry.source.chart.is_empty())
            .filter(|entry| !detail.commits.contains_key(&entry.revision))
            .map(|entry| (entry.source.repo_url.clone(), entry.revision.clone()))
            .collect();
        let git = self.desired.git.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            let looked_up = tokio::task::spawn_blocking(move || {
                let mut found = BTreeMap::new();
                let mut errors = Vec::new();
                for (repo_url, revision) in wanted {
                    if found.contains_key(&revision) {
                        continue;
                    }
                    match git.commit_info(&repo_url, &revision) {
                        Ok(Some(info)) => {
                            found.insert(revision, info);
                        }
                        Ok(None) => {}
                        Err(error) => errors.push(format!(
                            "commit {}: {}",
                            short_revision(&revision),
                            error_chain(&error)
                        )),
                    }
                }
                (found, errors)
            })
            .await;
            match looked_up {
                Ok((found, errors)) => {
                    detail.commits.extend(found);
                    detail.errors.extend(errors);
                }
                Err(join) => detail
                    .errors
                    .push(format!("commit subjects could not be read: {join}")),
            }
            let _ = events.send(EngineEvent::AppDetail(Box::new(detail)));
        });
    }
}
