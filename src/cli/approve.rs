//! `fleetdeck approve <app>`: let automation sync the revision a gated app
//! renders now. Saved in the state store, with a refresh request, so a
//! running controller acts on it within a second; a later revision needs
//! approving again.

use std::process::ExitCode;

use color_eyre::eyre::{bail, eyre};

use super::app_target::fleet_registry;
use super::load::{find_application, load_catalogs, render_app};
use super::settings::Settings;
use super::sync::operations;
use crate::engine::operations::ApproveAsk;
use crate::engine::policy::roles::ActionTarget;
use crate::engine::source::short_revision;

pub async fn run(settings: &Settings, app_name: &str) -> color_eyre::Result<ExitCode> {
    if settings.readonly {
        bail!("read-only mode: approving is not allowed");
    }
    let catalogs = load_catalogs(settings).await?;
    let app = find_application(settings, &catalogs, app_name).await?;
    // Approving writes no cluster, so it needs no kubeconfig: without one
    // the cluster is unknown, and a role limited to clusters does not hold.
    let cluster = fleet_registry(settings).ok().and_then(|(_, registry)| {
        registry
            .resolve(&app.spec.destination)
            .ok()
            .map(|entry| entry.name.clone())
    });
    let target = ActionTarget::app(app_name, app.project(), cluster);
    let rendered = render_app(settings, &catalogs, app).await?;
    let revision = rendered
        .first()
        .map(|source| source.commit.to_string())
        .ok_or_else(|| eyre!("{app_name} has no Git source to approve a revision of"))?;
    let by = settings.operator_name();
    operations(settings)?
        .approve(
            &by,
            ApproveAsk {
                app: app_name.to_string(),
                revision: revision.clone(),
                target,
            },
        )
        .await
        .map_err(|error| eyre!(error))?;
    // A running controller decides again now rather than at its next poll.
    super::refresh::request(settings, Some(app_name))?;
    println!(
        "{app_name}: {} approved by {by}; automation may sync it now",
        short_revision(&revision)
    );
    Ok(ExitCode::SUCCESS)
}
