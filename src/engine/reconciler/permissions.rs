//! The operator's role, checked on every command the actor takes, with the
//! facts the role's scope needs (the app's project and cluster) read from
//! the fleet the actor holds.

use crate::engine::api::Command;
use crate::engine::cluster::ClusterRegistry;
use crate::engine::model::Application;
use crate::engine::policy::pause::PauseScope;
use crate::engine::policy::roles::{ActionTarget, OperatorAction, RoleBook, RoleRefusal};
use crate::engine::state::ResumeTarget;

/// Finds an app of the fleet by name.
pub(super) type AppLookup<'a> = &'a dyn Fn(&str) -> Option<&'a Application>;

/// A refused command: how to name it in the rejection, and why.
pub(super) struct Refused {
    pub command: String,
    pub refusal: RoleRefusal,
}

/// Whether the operator of `command` may do it. Commands that change
/// nothing (refresh, describe, dry runs, shutdown) need no role.
/// `scope_of_pause` finds what a resume by id would lift.
pub(super) fn authorize(
    roles: &RoleBook,
    apps: AppLookup<'_>,
    registry: &ClusterRegistry,
    scope_of_pause: impl Fn(&str) -> Option<PauseScope>,
    command: &Command,
) -> Result<(), Refused> {
    let refused = |label: String| {
        move |refusal| Refused {
            command: label,
            refusal,
        }
    };
    match command {
        Command::Pause { scope, by, .. } => {
            return roles
                .check(
                    by,
                    OperatorAction::pause(scope),
                    &pause_target(apps, registry, scope),
                )
                .map_err(refused(format!("pause {scope}")));
        }
        Command::Resume { target, by } => {
            let (label, scope) = match target {
                ResumeTarget::Scope(scope) => (format!("resume {scope}"), Some(scope.clone())),
                ResumeTarget::Id(id) => (format!("resume {id}"), scope_of_pause(id)),
            };
            let (action, target) = match &scope {
                Some(scope) => (
                    OperatorAction::resume(scope),
                    pause_target(apps, registry, scope),
                ),
                None => (OperatorAction::Resume, ActionTarget::default()),
            };
            return roles.check(by, action, &target).map_err(refused(label));
        }
        _ => {}
    }
    let (label, operator, action, app) = match command {
        Command::Sync {
            app,
            prune,
            dry_run: false,
            initiated_by,
            ..
        } => (
            format!("sync {app}"),
            initiated_by.as_str(),
            OperatorAction::sync(*prune),
            app,
        ),
        Command::Approve { app, by } => (
            format!("approve {app}"),
            by.as_str(),
            OperatorAction::Approve,
            app,
        ),
        Command::Rollback { app, by, .. } => (
            format!("rollback {app}"),
            by.as_str(),
            OperatorAction::Rollback,
            app,
        ),
        Command::Cancel { app, by } => (
            format!("cancel {app}"),
            by.as_str(),
            OperatorAction::Cancel,
            app,
        ),
        Command::Sync { dry_run: true, .. }
        | Command::Refresh { .. }
        | Command::Describe { .. }
        | Command::Shutdown
        | Command::Pause { .. }
        | Command::Resume { .. } => return Ok(()),
    };
    roles
        .check(operator, action, &app_target(apps, registry, app))
        .map_err(refused(label))
}

/// One app's project and cluster, as far as the fleet knows them (an app
/// the fleet does not know has neither: a scoped role then does not hold).
pub(super) fn app_target(
    apps: AppLookup<'_>,
    registry: &ClusterRegistry,
    app_name: &str,
) -> ActionTarget {
    match apps(app_name) {
        Some(app) => ActionTarget::app(
            app_name,
            app.project(),
            registry
                .resolve(&app.spec.destination)
                .ok()
                .map(|entry| entry.name.clone()),
        ),
        None => ActionTarget {
            app: Some(app_name.to_string()),
            ..ActionTarget::default()
        },
    }
}

/// What a pause or resume of `scope` touches (for Pause/Resume commands):
/// one app's project and cluster when it names an app.
pub(super) fn pause_target(
    apps: AppLookup<'_>,
    registry: &ClusterRegistry,
    scope: &PauseScope,
) -> ActionTarget {
    match scope {
        PauseScope::App(app) => app_target(apps, registry, app),
        other => ActionTarget::of_pause_scope(other),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::engine::policy::roles::{Grant, Role};

    fn apps() -> Vec<Application> {
        vec![
            Application::from_value(json!({
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": "web"},
                "spec": {"project": "payments",
                    "source": {"repoURL": "https://git/a", "path": "web"},
                    "destination": {"name": "dev", "namespace": "web"}}
            }))
            .unwrap(),
        ]
    }

    fn book() -> RoleBook {
        RoleBook::new(
            Role::Readonly,
            [(
                "bob".to_string(),
                Grant {
                    role: Role::Sync,
                    projects: vec!["payments".into()],
                    clusters: Vec::new(),
                },
            )],
        )
    }

    fn sync(prune: bool, dry_run: bool, by: &str) -> Command {
        Command::Sync {
            app: "web".into(),
            prune,
            dry_run,
            resources: Vec::new(),
            initiated_by: by.into(),
        }
    }

    fn refusal(command: &Command) -> Option<String> {
        let frozen = |id: &str| (id == "p1").then_some(PauseScope::Fleet);
        let apps = apps();
        let lookup = |name: &str| apps.iter().find(|app| app.name() == name);
        authorize(
            &book(),
            &lookup,
            &ClusterRegistry::default(),
            frozen,
            command,
        )
        .err()
        .map(|refused| format!("{}: {}", refused.command, refused.refusal))
    }

    #[test]
    fn the_apps_project_decides_a_scoped_role() {
        assert_eq!(refusal(&sync(false, false, "bob")), None);
        assert_eq!(
            refusal(&sync(true, false, "bob")).as_deref(),
            Some(
                "sync web: bob may not prune: role sync on app web, project payments (prune needs admin)"
            )
        );
        let unknown_app = Command::Sync {
            app: "api".into(),
            prune: false,
            dry_run: false,
            resources: Vec::new(),
            initiated_by: "bob".into(),
        };
        let refused = refusal(&unknown_app).unwrap_or_default();
        assert!(refused.contains("project is not known"), "{refused}");
    }

    #[test]
    fn reads_need_no_role_and_unnamed_commands_get_the_default() {
        assert_eq!(
            refusal(&sync(true, true, "nobody")),
            None,
            "a dry run is a read"
        );
        assert_eq!(
            refusal(&Command::Refresh {
                app: None,
                hard: true
            }),
            None
        );
        let cancel = refusal(&Command::Cancel {
            app: "web".into(),
            by: "nobody".into(),
        })
        .unwrap_or_default();
        assert!(
            cancel.starts_with("cancel web: nobody may not cancel: role readonly"),
            "{cancel}"
        );
        let approve = refusal(&Command::Approve {
            app: "web".into(),
            by: "bob".into(),
        })
        .unwrap_or_default();
        assert!(approve.contains("approve needs admin"), "{approve}");
    }

    #[test]
    fn pauses_resumes_and_rollbacks_are_checked() {
        let pause = |scope: PauseScope| Command::Pause {
            scope,
            duration: std::time::Duration::from_secs(60),
            reason: "incident".into(),
            by: "bob".into(),
        };
        assert_eq!(refusal(&pause(PauseScope::App("web".into()))), None);
        let freeze = refusal(&pause(PauseScope::Fleet)).unwrap_or_default();
        assert!(freeze.contains("bob may not freeze the fleet"), "{freeze}");
        let resume_freeze = refusal(&Command::Resume {
            target: ResumeTarget::Id("p1".into()),
            by: "bob".into(),
        })
        .unwrap_or_default();
        assert!(
            resume_freeze.contains("bob may not unfreeze the fleet"),
            "{resume_freeze}"
        );
        let rollback = refusal(&Command::Rollback {
            app: "web".into(),
            history_id: None,
            prune: false,
            by: "bob".into(),
        })
        .unwrap_or_default();
        assert!(
            rollback.starts_with("rollback web: bob may not rollback"),
            "{rollback}"
        );
        assert_eq!(refusal(&Command::Describe { app: "web".into() }), None);
    }
}
