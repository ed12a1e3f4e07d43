//! `fleetdeck sync <app>`: bring one app in line with Git on its cluster,
//! with live progress on stderr (step, resource, result) and an exit status
//! that says whether it worked.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use color_eyre::eyre::{WrapErr, bail, eyre};

use super::app_target::{AppTarget, load_target};
use super::engine_config::check_role;
use super::settings::Settings;
use crate::engine::manifest::ObjectKey;
use crate::engine::policy::roles::OperatorAction;
use crate::engine::source::short_revision;
use crate::engine::state::{InitiatedBy, NewSync, StateStore};
use crate::engine::sync::{
    OperationLocks, ProgressSink, ResultCode, SyncOutcome, SyncProgress, SyncRequest, cancel_pair,
    run_sync,
};

/// What the operator asked for.
#[derive(Debug, Clone, Default)]
pub struct SyncArgs {
    pub prune: bool,
    pub dry_run: bool,
    pub resources: Vec<String>,
    /// Sync the app's sources at this revision instead of `targetRevision`.
    pub revision: Option<String>,
}

pub async fn run(
    settings: &Settings,
    app_name: &str,
    args: &SyncArgs,
) -> color_eyre::Result<ExitCode> {
    if settings.readonly && !args.dry_run {
        bail!("read-only mode: sync is not allowed (a --dry-run is)");
    }
    let selected = parse_resources(&args.resources)?;
    let store = open_state(settings)?;
    let target = load_target(settings, app_name, args.revision.as_deref()).await?;
    if !args.dry_run {
        check_role(
            settings,
            OperatorAction::sync(args.prune),
            &target.role_target(),
        )?;
    }
    let to_target_revision = args.revision.is_none();
    if let (Some(pin), true, false) = (store.pin(app_name)?, to_target_revision, args.dry_run) {
        eprintln!(
            "note: {app_name} was rolled back to {} by {} at {}; this sync returns it to its \
             targetRevision and lifts the pin",
            short_revision(&pin.revision),
            pin.by,
            pin.pinned_at
        );
    }
    let outcome = sync_target(settings, &target, args, selected).await?;
    record(settings, &store, &target, &outcome, to_target_revision)?;
    if !args.dry_run {
        let action = if args.prune { "sync+prune" } else { "sync" };
        audit_outcome(settings, action, &outcome)?;
    }
    Ok(if outcome.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Runs the sync of a loaded target, printing progress and a summary.
pub async fn sync_target(
    settings: &Settings,
    target: &AppTarget,
    args: &SyncArgs,
    selected: Option<BTreeSet<ObjectKey>>,
) -> color_eyre::Result<SyncOutcome> {
    let operator = settings.operator_name();
    let mut request = SyncRequest::for_application(
        &target.app,
        target.project_guard(),
        &target.sources,
        &operator,
    );
    request.prune = args.prune;
    let timeouts = &settings.config.sync;
    if let Some(seconds) = timeouts.wave_timeout_seconds {
        request.timeouts.wave = std::time::Duration::from_secs(seconds);
    }
    if let Some(seconds) = timeouts.hook_timeout_seconds {
        request.timeouts.hook = std::time::Duration::from_secs(seconds);
    }
    request.dry_run = args.dry_run;
    request.selected = match selected {
        None => None,
        Some(asked) => Some(resolve_selected(&request, asked)?),
    };

    eprintln!(
        "{} {} to {} at {}{}",
        if args.dry_run {
            "dry run: syncing"
        } else {
            "syncing"
        },
        target.app.name(),
        target.cluster.name,
        short_revision(&request.revision),
        if args.prune { " with prune" } else { "" }
    );
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            print_progress(&event);
        }
    });
    let (cancel, signal) = cancel_pair();
    let locks = OperationLocks::default();
    let progress = ProgressSink::new(sender);
    let outcome = {
        let sync = run_sync(&target.client, request, &locks, &progress, signal);
        tokio::pin!(sync);
        tokio::select! {
            outcome = &mut sync => outcome,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("terminating: finishing the resource at hand (Ctrl-C again to abort)");
                cancel.cancel();
                tokio::select! {
                    outcome = &mut sync => outcome,
                    _ = tokio::signal::ctrl_c() => bail!("aborted; the sync stopped mid-step"),
                }
            }
        }
    };
    // The printer ends once the last sender is gone.
    drop(progress);
    printer
        .await
        .map_err(|join| eyre!("progress printer stopped: {join}"))?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{:?}: {} ({} synced, {} pruned, {} skipped, {} failed)",
        outcome.phase,
        outcome.message,
        outcome.count(ResultCode::Synced),
        outcome.count(ResultCode::Pruned),
        outcome.count(ResultCode::PruneSkipped),
        outcome.count(ResultCode::SyncFailed),
    )?;
    Ok(outcome)
}

/// The audit line for a finished operation.
pub fn audit_outcome(
    settings: &Settings,
    action: &str,
    outcome: &SyncOutcome,
) -> color_eyre::Result<()> {
    super::audit::record(
        settings,
        action,
        &outcome.app,
        &outcome.revision,
        "",
        &format!("{:?}: {}", outcome.phase, outcome.message),
    )
}

pub fn open_state(settings: &Settings) -> color_eyre::Result<StateStore> {
    let dir = settings.paths.app_state_dir();
    StateStore::open(&dir)
        .wrap_err_with(|| format!("cannot open the state store {}", dir.display()))
}

/// Adds the sync to the app's history (nothing for dry runs and for
/// operations that never started).
pub fn record(
    settings: &Settings,
    store: &StateStore,
    target: &AppTarget,
    outcome: &SyncOutcome,
    to_target_revision: bool,
) -> color_eyre::Result<()> {
    let initiated_by = InitiatedBy::operator(settings.operator_name());
    if let Some(entry) = NewSync::from_outcome(
        &target.app,
        &target.sources,
        outcome,
        initiated_by,
        to_target_revision,
    ) {
        let recorded = store
            .record_sync_for(&target.app, entry)
            .wrap_err_with(|| {
                format!(
                    "the sync of {} could not be recorded in its history",
                    target.app.name()
                )
            })?;
        eprintln!("recorded as history entry {}", recorded.id);
    }
    Ok(())
}

fn print_progress(event: &SyncProgress) {
    match event {
        SyncProgress::Planned { tasks, steps, .. } => {
            eprintln!("plan: {tasks} tasks in {steps} steps");
        }
        SyncProgress::Step { phase, wave } => eprintln!("{phase} wave {wave}"),
        SyncProgress::Resource(result) => eprintln!(
            "  {:<12} {:<9} {}{}: {}",
            format!("{:?}", result.status),
            format!("{:?}", result.change).to_lowercase(),
            if result.hook { "hook " } else { "" },
            result.key,
            result.message
        ),
        SyncProgress::Waiting { pending, .. } => {
            for item in pending {
                eprintln!("  waiting for {item}");
            }
        }
        SyncProgress::Phase { .. } => {}
    }
}

/// `GROUP:KIND:NAME` or `GROUP:KIND:NAMESPACE/NAME` (empty group for the
/// core group, as `argocd app sync --resource` takes them).
fn parse_resources(specs: &[String]) -> color_eyre::Result<Option<BTreeSet<ObjectKey>>> {
    if specs.is_empty() {
        return Ok(None);
    }
    let mut keys = BTreeSet::new();
    for spec in specs {
        let mut parts = spec.splitn(3, ':');
        let (Some(group), Some(kind), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            bail!("--resource {spec}: expected GROUP:KIND:NAME or GROUP:KIND:NAMESPACE/NAME");
        };
        let (namespace, name) = name.split_once('/').unwrap_or(("", name));
        if kind.is_empty() || name.is_empty() {
            bail!("--resource {spec}: the kind and the name are required");
        }
        keys.insert(ObjectKey {
            group: group.to_string(),
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        });
    }
    Ok(Some(keys))
}

/// The app's resources the operator named; a name without a namespace
/// matches the resource of that group, kind and name wherever it lives.
fn resolve_selected(
    request: &SyncRequest,
    asked: BTreeSet<ObjectKey>,
) -> color_eyre::Result<BTreeSet<ObjectKey>> {
    let desired = crate::engine::sync::place_in_destination(&request.desired, &request.compare);
    let mut keys = BTreeSet::new();
    for wanted in asked {
        let found: Vec<ObjectKey> = desired
            .iter()
            .map(|manifest| manifest.key())
            .filter(|key| {
                key.group == wanted.group
                    && key.kind == wanted.kind
                    && key.name == wanted.name
                    && (wanted.namespace.is_empty() || key.namespace == wanted.namespace)
            })
            .collect();
        if found.is_empty() {
            bail!(
                "--resource {}:{}:{}: the app has no such resource",
                wanted.group,
                wanted.kind,
                wanted.name
            );
        }
        keys.extend(found);
    }
    Ok(keys)
}
