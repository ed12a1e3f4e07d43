//! `fleetdeck pause` / `fleetdeck resume` / `fleetdeck pauses`: time-boxed
//! holds on automation, written to the shared pause file that every engine
//! (a `controller` in another terminal included) reads on each refresh.
//! Pause and resume go through the operations layer (role, act, audit).

use std::process::ExitCode;

use clap::Args;
use color_eyre::eyre::{WrapErr, bail, eyre};
use k8s_openapi::jiff::Timestamp;

use super::settings::Settings;
use super::sync::operations;
use crate::engine::operations::{OperationError, PauseAsk};
use crate::engine::policy::duration_text::{MAX_TIME_BOX, parse_duration};
use crate::engine::policy::label_match::TextSelector;
use crate::engine::policy::pause::PauseScope;
use crate::engine::state::{PauseStore, ResumeTarget};

/// What a pause or resume applies to: exactly one (checked when used, so
/// `resume --id` needs none).
#[derive(Debug, Clone, Args)]
#[group(required = false, multiple = false)]
pub struct ScopeArgs {
    /// One app.
    pub app: Option<String>,
    /// Every app deployed to this cluster.
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Every app of this project.
    #[arg(long, value_name = "NAME")]
    pub project: Option<String>,
    /// Every app whose labels match (`team=web,tier!=db`).
    #[arg(long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Every app of the fleet: a freeze.
    #[arg(long)]
    pub all: bool,
}

impl ScopeArgs {
    fn scope(&self) -> color_eyre::Result<PauseScope> {
        Ok(match self {
            ScopeArgs { app: Some(app), .. } => PauseScope::App(app.clone()),
            ScopeArgs {
                cluster: Some(cluster),
                ..
            } => PauseScope::Cluster(cluster.clone()),
            ScopeArgs {
                project: Some(project),
                ..
            } => PauseScope::Project(project.clone()),
            ScopeArgs {
                selector: Some(selector),
                ..
            } => PauseScope::Selector(
                TextSelector::parse(selector)
                    .map_err(|error| eyre!("--selector {selector}: {error}"))?,
            ),
            ScopeArgs { all: true, .. } => PauseScope::Fleet,
            _ => bail!("say which apps: one app, --cluster, --project, --selector or --all"),
        })
    }
}

fn open(settings: &Settings) -> color_eyre::Result<PauseStore> {
    let dir = settings.paths.app_state_dir();
    PauseStore::open(&dir)
        .wrap_err_with(|| format!("cannot open the pause store in {}", dir.display()))
}

pub async fn pause(
    settings: &Settings,
    scope: &ScopeArgs,
    duration: &str,
    reason: &str,
) -> color_eyre::Result<ExitCode> {
    if settings.readonly {
        bail!("read-only mode: pausing is not allowed");
    }
    let duration = parse_duration(duration, MAX_TIME_BOX)
        .map_err(|error| eyre!("--for {duration}: {error}"))?;
    let scope = scope.scope()?;
    let pause = operations(settings)?
        .pause(
            &settings.operator_name(),
            PauseAsk::new(scope, reason, duration),
        )
        .await
        .map_err(|error| eyre!(error))?;
    println!(
        "{}: {} {}",
        pause.id,
        pause.scope,
        pause.describe(Timestamp::now())
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn resume(
    settings: &Settings,
    scope: &ScopeArgs,
    id: Option<&str>,
) -> color_eyre::Result<ExitCode> {
    if settings.readonly {
        bail!("read-only mode: resuming is not allowed");
    }
    let target = match id {
        Some(id) => ResumeTarget::Id(id.to_string()),
        None => ResumeTarget::Scope(scope.scope()?),
    };
    let removed = match operations(settings)?
        .resume(&settings.operator_name(), target)
        .await
    {
        Ok(removed) => removed,
        Err(OperationError::NoMatchingPause) => {
            eprintln!("no pause in force matches; nothing resumed (`fleetdeck pauses` lists them)");
            return Ok(ExitCode::from(1));
        }
        Err(error) => return Err(eyre!(error)),
    };
    // Healing resumes now rather than at the controller's next poll.
    super::refresh::request(settings, None)?;
    for pause in removed {
        println!(
            "resumed {}: {} ({} by {})",
            pause.id, pause.scope, pause.reason, pause.owner
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn list(settings: &Settings) -> color_eyre::Result<ExitCode> {
    let now = Timestamp::now();
    let pauses = open(settings)?.list(now)?;
    if pauses.is_empty() {
        println!("no pauses in force");
    }
    for pause in pauses {
        println!("{}: {} {}", pause.id, pause.scope, pause.describe(now));
    }
    Ok(ExitCode::SUCCESS)
}
