//! Operator roles: who may do what to which apps. A [`RoleBook`] (built
//! from the config's `roles:` section by the caller) answers one question,
//! [`RoleBook::check`], for the engine actor and for every CLI command that
//! writes, so both refuse the same things with the same words.
//!
//! - `readonly`: nothing that changes the fleet (dry runs are reads).
//! - `sync`: sync, refresh, pause, resume, cancel a running operation.
//! - `admin`: also prune, rollback, approve, and freeze or unfreeze the
//!   whole fleet (a pause or resume with scope Fleet).
//!
//! A role may be scoped to projects and/or clusters; outside its scope the
//! operator is `readonly`. A scoped role fails closed: when the target's
//! project (or cluster) is not known, or spans several (a cluster-wide
//! pause spans projects), the scope cannot be shown to hold and only
//! `readonly` applies.
//!
//! Operator names are what the config or `$USER` says: roles are guard
//! rails against mistakes, not authentication. The process-wide
//! `readonly` switch is separate and composes with this (both must allow).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::pause::PauseScope;

/// What an operator may do, in increasing power.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    #[default]
    Readonly,
    Sync,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Readonly => "readonly",
            Role::Sync => "sync",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something an operator asks the engine to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum OperatorAction {
    Sync,
    Refresh,
    Pause,
    Resume,
    /// Terminate a running operation.
    Cancel,
    /// A sync that deletes what Git no longer has.
    Prune,
    Rollback,
    Approve,
    /// A pause with scope Fleet.
    FreezeFleet,
    /// Lifting a pause with scope Fleet.
    UnfreezeFleet,
}

impl OperatorAction {
    /// The least role that may do this.
    pub fn needs(self) -> Role {
        match self {
            OperatorAction::Sync
            | OperatorAction::Refresh
            | OperatorAction::Pause
            | OperatorAction::Resume
            | OperatorAction::Cancel => Role::Sync,
            OperatorAction::Prune
            | OperatorAction::Rollback
            | OperatorAction::Approve
            | OperatorAction::FreezeFleet
            | OperatorAction::UnfreezeFleet => Role::Admin,
        }
    }

    /// The action a sync is: with prune it needs more.
    pub fn sync(prune: bool) -> OperatorAction {
        if prune {
            OperatorAction::Prune
        } else {
            OperatorAction::Sync
        }
    }

    /// Pausing `scope` (the whole fleet is a freeze).
    pub fn pause(scope: &PauseScope) -> OperatorAction {
        if matches!(scope, PauseScope::Fleet) {
            OperatorAction::FreezeFleet
        } else {
            OperatorAction::Pause
        }
    }

    /// Resuming `scope` (the whole fleet is an unfreeze).
    pub fn resume(scope: &PauseScope) -> OperatorAction {
        if matches!(scope, PauseScope::Fleet) {
            OperatorAction::UnfreezeFleet
        } else {
            OperatorAction::Resume
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OperatorAction::Sync => "sync",
            OperatorAction::Refresh => "refresh",
            OperatorAction::Pause => "pause",
            OperatorAction::Resume => "resume",
            OperatorAction::Cancel => "cancel",
            OperatorAction::Prune => "prune",
            OperatorAction::Rollback => "rollback",
            OperatorAction::Approve => "approve",
            OperatorAction::FreezeFleet => "freeze the fleet",
            OperatorAction::UnfreezeFleet => "unfreeze the fleet",
        }
    }
}

impl fmt::Display for OperatorAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is known of the apps an action touches. `None` means unknown or
/// several (a whole cluster spans projects).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ActionTarget {
    pub app: Option<String>,
    pub project: Option<String>,
    pub cluster: Option<String>,
}

impl ActionTarget {
    /// One app of a known project on a known cluster.
    pub fn app(
        app: impl Into<String>,
        project: impl Into<String>,
        cluster: Option<String>,
    ) -> Self {
        ActionTarget {
            app: Some(app.into()),
            project: Some(project.into()),
            cluster,
        }
    }

    /// What a pause scope says by itself (an app's project and cluster are
    /// not in it: callers that know them use [`ActionTarget::app`]).
    pub fn of_pause_scope(scope: &PauseScope) -> Self {
        match scope {
            PauseScope::App(app) => ActionTarget {
                app: Some(app.clone()),
                ..ActionTarget::default()
            },
            PauseScope::Cluster(cluster) => ActionTarget {
                cluster: Some(cluster.clone()),
                ..ActionTarget::default()
            },
            PauseScope::Project(project) => ActionTarget {
                project: Some(project.clone()),
                ..ActionTarget::default()
            },
            PauseScope::Selector(_) | PauseScope::Fleet => ActionTarget::default(),
        }
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(app) = &self.app {
            parts.push(format!("app {app}"));
        }
        if let Some(project) = &self.project {
            parts.push(format!("project {project}"));
        }
        if let Some(cluster) = &self.cluster {
            parts.push(format!("cluster {cluster}"));
        }
        parts.join(", ")
    }
}

/// One operator's role, optionally limited to some projects and clusters
/// (an empty list does not limit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub role: Role,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub projects: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clusters: Vec<String>,
}

impl Grant {
    pub fn new(role: Role) -> Self {
        Grant {
            role,
            ..Grant::default()
        }
    }

    fn is_scoped(&self) -> bool {
        !self.projects.is_empty() || !self.clusters.is_empty()
    }

    /// Why `target` is outside the scope, if it is.
    fn outside_scope(&self, target: &ActionTarget) -> Option<String> {
        let check = |limits: &[String], fact: &Option<String>, what: &str| -> Option<String> {
            if limits.is_empty() {
                return None;
            }
            match fact {
                Some(value) if limits.contains(value) => None,
                Some(value) => Some(format!(
                    "{what} {value} is not one of {}",
                    limits.join(", ")
                )),
                None => Some(format!(
                    "the {what} is not known or is several, and the role is limited to {what}s {}",
                    limits.join(", ")
                )),
            }
        };
        check(&self.projects, &target.project, "project")
            .or_else(|| check(&self.clusters, &target.cluster, "cluster"))
    }

    fn describe_scope(&self) -> String {
        let mut parts = Vec::new();
        if !self.projects.is_empty() {
            parts.push(format!("projects {}", self.projects.join(", ")));
        }
        if !self.clusters.is_empty() {
            parts.push(format!("clusters {}", self.clusters.join(", ")));
        }
        parts.join(" and ")
    }
}

/// Why an operator may not do something, in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{operator} may not {action}: {reason} ({action} needs {needs})")]
pub struct RoleRefusal {
    pub operator: String,
    pub action: OperatorAction,
    pub needs: Role,
    /// The role that applied and where, or why the scope did not hold.
    pub reason: String,
}

/// Every operator's role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleBook {
    /// The role of operators not listed.
    default: Role,
    operators: BTreeMap<String, Grant>,
}

impl Default for RoleBook {
    /// No roles configured: everyone is admin, as before roles existed.
    fn default() -> Self {
        RoleBook::everyone(Role::Admin)
    }
}

impl RoleBook {
    /// Everyone has `role`.
    pub fn everyone(role: Role) -> Self {
        RoleBook {
            default: role,
            operators: BTreeMap::new(),
        }
    }

    pub fn new(default: Role, operators: impl IntoIterator<Item = (String, Grant)>) -> Self {
        RoleBook {
            default,
            operators: operators.into_iter().collect(),
        }
    }

    /// The role that applies to `operator` on `target`, and a description of
    /// why (for messages).
    pub fn role_on(&self, operator: &str, target: &ActionTarget) -> (Role, String) {
        let on = |role: Role| {
            let target = target.describe();
            if target.is_empty() {
                format!("role {role}")
            } else {
                format!("role {role} on {target}")
            }
        };
        match self.operators.get(operator) {
            None => (
                self.default,
                format!(
                    "{} (the default for operators not listed)",
                    on(self.default)
                ),
            ),
            Some(grant) if !grant.is_scoped() => (grant.role, on(grant.role)),
            Some(grant) => match grant.outside_scope(target) {
                None => (grant.role, on(grant.role)),
                Some(why) => (
                    Role::Readonly,
                    format!(
                        "readonly outside the scope of role {} ({}): {why}",
                        grant.role,
                        grant.describe_scope()
                    ),
                ),
            },
        }
    }

    /// Whether `operator` may do `action` on `target`.
    pub fn check(
        &self,
        operator: &str,
        action: OperatorAction,
        target: &ActionTarget,
    ) -> Result<(), RoleRefusal> {
        let needs = action.needs();
        let (role, reason) = self.role_on(operator, target);
        if role >= needs {
            Ok(())
        } else {
            Err(RoleRefusal {
                operator: operator.to_string(),
                action,
                needs,
                reason,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn book() -> RoleBook {
        RoleBook::new(
            Role::Sync,
            [
                ("alice".to_string(), Grant::new(Role::Admin)),
                (
                    "bob".to_string(),
                    Grant {
                        role: Role::Sync,
                        projects: vec!["payments".into()],
                        clusters: vec!["staging".into()],
                    },
                ),
                ("carol".to_string(), Grant::new(Role::Readonly)),
            ],
        )
    }

    fn payments_on(cluster: &str) -> ActionTarget {
        ActionTarget::app("web", "payments", Some(cluster.to_string()))
    }

    #[test]
    fn roles_grow_in_power() {
        let book = book();
        let target = payments_on("staging");
        for action in [
            OperatorAction::Sync,
            OperatorAction::Prune,
            OperatorAction::Rollback,
            OperatorAction::Approve,
            OperatorAction::FreezeFleet,
        ] {
            assert!(book.check("alice", action, &target).is_ok(), "{action}");
            assert!(book.check("carol", action, &target).is_err(), "{action}");
        }
        for action in [
            OperatorAction::Sync,
            OperatorAction::Refresh,
            OperatorAction::Pause,
            OperatorAction::Resume,
            OperatorAction::Cancel,
        ] {
            assert!(book.check("bob", action, &target).is_ok(), "{action}");
        }
        for action in [
            OperatorAction::Prune,
            OperatorAction::Rollback,
            OperatorAction::Approve,
            OperatorAction::FreezeFleet,
            OperatorAction::UnfreezeFleet,
        ] {
            assert!(book.check("bob", action, &target).is_err(), "{action}");
        }
    }

    #[test]
    fn refusal_names_the_operator_role_target_and_need() {
        let refusal = book()
            .check("bob", OperatorAction::Prune, &payments_on("staging"))
            .unwrap_err();
        assert_eq!(
            refusal.to_string(),
            "bob may not prune: role sync on app web, project payments, cluster staging \
             (prune needs admin)"
        );
    }

    #[test]
    fn outside_its_scope_a_role_is_readonly() {
        let book = book();
        let refusal = book
            .check("bob", OperatorAction::Sync, &payments_on("prod"))
            .unwrap_err();
        let message = refusal.to_string();
        assert!(
            message.contains("readonly outside the scope of role sync"),
            "{message}"
        );
        assert!(
            message.contains("cluster prod is not one of staging"),
            "{message}"
        );
        let other_project = ActionTarget::app("api", "shop", Some("staging".into()));
        assert!(
            book.check("bob", OperatorAction::Sync, &other_project)
                .is_err()
        );
        // A cluster-wide pause spans projects: the project scope cannot hold.
        let whole_cluster = ActionTarget::of_pause_scope(&PauseScope::Cluster("staging".into()));
        let message = book
            .check("bob", OperatorAction::Pause, &whole_cluster)
            .unwrap_err()
            .to_string();
        assert!(message.contains("not known or is several"), "{message}");
        // Unscoped roles need no facts.
        assert!(
            book.check("alice", OperatorAction::Pause, &whole_cluster)
                .is_ok()
        );
    }

    #[test]
    fn unlisted_operators_get_the_default_and_no_roles_means_admin() {
        let refusal = book()
            .check("dave", OperatorAction::Approve, &payments_on("prod"))
            .unwrap_err();
        assert!(refusal.reason.contains("the default"), "{refusal}");
        assert!(
            book()
                .check("dave", OperatorAction::Sync, &payments_on("prod"))
                .is_ok()
        );
        let open = RoleBook::default();
        assert!(
            open.check(
                "anyone",
                OperatorAction::FreezeFleet,
                &ActionTarget::default()
            )
            .is_ok()
        );
    }

    #[test]
    fn fleet_scope_is_a_freeze() {
        assert_eq!(
            OperatorAction::pause(&PauseScope::Fleet),
            OperatorAction::FreezeFleet
        );
        assert_eq!(
            OperatorAction::resume(&PauseScope::App("web".into())),
            OperatorAction::Resume
        );
        assert_eq!(OperatorAction::sync(true), OperatorAction::Prune);
    }
}
