//! `fleetdeck sync <app>`: bring one app in line with Git on its cluster,
//! with live progress on stderr (step, resource, result) and an exit status
//! that says whether it worked.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use color_eyre::eyre::{WrapErr, bail, eyre};

use super::app_target::{AppTarget, load_target};
use super::engine_config::rollback_pause;
use super::settings::Settings;
use crate::engine::manifest::ObjectKey;
use crate::engine::operations::{Initiator, OperationKind, OperationReport, Operations, SyncSpec};
use crate::engine::source::short_revision;
use crate::engine::state::StateStore;
use crate::engine::sync::{ProgressSink, ResultCode, SyncProgress, SyncRequest, cancel_pair};

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
    let operations = operations(settings)?;
    let target = load_target(settings, app_name, args.revision.as_deref()).await?;
    let to_target_revision = args.revision.is_none();
    if let (Some(store), true, false) = (operations.state(), to_target_revision, args.dry_run)
        && let Some(pin) = store.pin(app_name)?
    {
        eprintln!(
            "note: {app_name} was rolled back to {} by {} at {}; this sync returns it to its \
             targetRevision and lifts the pin",
            short_revision(&pin.revision),
            pin.by,
            pin.pinned_at
        );
    }
    let report = sync_target(
        settings,
        &operations,
        &target,
        args,
        selected,
        OperationKind::Sync { to_target_revision },
    )
    .await?;
    Ok(exit_code(&report))
}

/// The layer the CLI's writing commands go through: the state directory's
/// locks (shared with a running controller), history, audit and pauses.
pub fn operations(settings: &Settings) -> color_eyre::Result<Operations> {
    let dir = settings.paths.app_state_dir();
    Ok(Operations::for_state_dir(&dir, settings.config.role_book())
        .wrap_err_with(|| format!("cannot open the state directory {}", dir.display()))?
        .with_rollback_pause(rollback_pause(settings)?)
        .readonly(settings.readonly))
}

/// Success only when the sync succeeded and all of it was recorded.
pub fn exit_code(report: &OperationReport) -> ExitCode {
    if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Runs the sync (or rollback) of a loaded target through the operations
/// layer, printing progress and a summary.
pub async fn sync_target(
    settings: &Settings,
    operations: &Operations,
    target: &AppTarget,
    args: &SyncArgs,
    selected: Option<BTreeSet<ObjectKey>>,
    kind: OperationKind,
) -> color_eyre::Result<OperationReport> {
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
    let revision = request.revision.clone();
    let started = operations
        .start(SyncSpec {
            app: target.app.clone(),
            rendered: Arc::new(target.sources.clone()),
            client: target.client.clone(),
            request,
            initiator: Initiator::operator(operator),
            kind,
            reason: String::new(),
        })
        .map_err(|error| eyre!(error))?;
    if let Some(stale) = started.interrupted() {
        eprintln!(
            "note: the {} of {} by {} since {} never finished (its process is gone); \
             recorded as interrupted in the audit log",
            stale.action,
            stale.app,
            stale.holder(),
            stale.since
        );
    }

    eprintln!(
        "{} {} to {} at {}{}",
        if args.dry_run {
            "dry run: syncing"
        } else {
            "syncing"
        },
        target.app.name(),
        target.cluster.name,
        short_revision(&revision),
        if args.prune { " with prune" } else { "" }
    );
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(event) = receiver.recv().await {
            print_progress(&event);
        }
    });
    let (cancel, signal) = cancel_pair();
    let report = {
        let sync = started.run(ProgressSink::new(sender), signal);
        tokio::pin!(sync);
        tokio::select! {
            report = &mut sync => report,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("terminating: finishing the resource at hand (Ctrl-C again to abort)");
                cancel.cancel();
                tokio::select! {
                    report = &mut sync => report,
                    _ = tokio::signal::ctrl_c() => bail!("aborted; the sync stopped mid-step"),
                }
            }
        }
    }
    .map_err(|error| eyre!(error))?;
    // The printer ends once the last sender (inside the sync) is gone.
    printer
        .await
        .map_err(|join| eyre!("progress printer stopped: {join}"))?;
    let outcome = &report.outcome;
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
    if let Some(entry) = &report.history {
        eprintln!("recorded as history entry {}", entry.id);
    }
    for warning in &report.warnings {
        eprintln!("error: {warning}");
    }
    Ok(report)
}

pub fn open_state(settings: &Settings) -> color_eyre::Result<StateStore> {
    let dir = settings.paths.app_state_dir();
    StateStore::open(&dir)
        .wrap_err_with(|| format!("cannot open the state store {}", dir.display()))
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
