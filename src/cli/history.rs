//! `fleetdeck history <app>`: the app's past syncs, newest first, each with
//! its commit's subject and author, and the rollback pin if one holds it.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use serde::Serialize;

use super::output::OutputFormat;
use super::settings::Settings;
use super::sync::open_state;
use crate::engine::error_chain::error_chain;
use crate::engine::reconciler::{CatalogSource, GitSource};
use crate::engine::render::RenderCache;
use crate::engine::source::{CommitInfo, RepoCache, RepoPath, short_revision};
use crate::engine::state::{AppState, HistoryEntry};

/// The widest a subject is printed in the table.
const SUBJECT_WIDTH: usize = 50;

/// The app's state as stored, with the commits its history names.
#[derive(Serialize)]
struct HistoryReport<'a> {
    #[serde(flatten)]
    state: &'a AppState,
    /// Revision → subject, author and time (absent when not known).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    commits: BTreeMap<String, CommitInfo>,
}

pub fn run(
    settings: &Settings,
    app_name: &str,
    format: OutputFormat,
) -> color_eyre::Result<ExitCode> {
    let store = open_state(settings)?;
    let state = store.load(app_name)?;
    let commits = commits(settings, &state.history);
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => {
            let report = HistoryReport {
                state: &state,
                commits,
            };
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        OutputFormat::Yaml => {
            let report = HistoryReport {
                state: &state,
                commits,
            };
            write!(out, "{}", serde_saphyr::to_string(&report)?)?
        }
        OutputFormat::Table => {
            if state.history.is_empty() {
                writeln!(out, "no syncs of {app_name} recorded on this machine yet")?;
            } else {
                writeln!(
                    out,
                    "{:>4}  {:<25}  {:<8}  {:<12}  {:<10}  {:<9}  {:<16}  {:<SUBJECT_WIDTH$}  MESSAGE",
                    "ID", "DEPLOYED", "REVISION", "BY", "RESULT", "RESOURCES", "AUTHOR", "SUBJECT"
                )?;
                for entry in state.history.iter().rev() {
                    let commit = commits.get(&entry.revision);
                    writeln!(
                        out,
                        "{:>4}  {:<25}  {:<8}  {:<12}  {:<10}  {:<9}  {:<16}  {:<SUBJECT_WIDTH$}  {}",
                        entry.id,
                        entry.deployed_at.to_string(),
                        short_revision(&entry.revision),
                        entry.initiated_by.to_string(),
                        entry.result.phase.as_str(),
                        entry.resources.total(),
                        commit.map_or("-", |commit| commit.author_name.as_str()),
                        commit.map_or_else(|| "-".to_string(), |commit| cut(&commit.subject)),
                        entry.result.message
                    )?;
                }
            }
            if let Some(pin) = &state.pin {
                writeln!(
                    out,
                    "\npinned at {} (history entry {}) by {} since {}: a sync to targetRevision lifts it",
                    short_revision(&pin.revision),
                    pin.history_id,
                    pin.by,
                    pin.pinned_at
                )?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The subjects and authors of the history's commits, read from the
/// configured repositories as last fetched (history is a local read: it
/// never fetches). Chart versions and commits no repository has are
/// left out; a repository that cannot be read is a warning, not a failure.
fn commits(settings: &Settings, history: &[HistoryEntry]) -> BTreeMap<String, CommitInfo> {
    let mut found = BTreeMap::new();
    if history.is_empty() {
        return found;
    }
    let Ok(cache_dir) = settings.repo_cache_dir() else {
        return found;
    };
    let cache = Arc::new(RepoCache::new(cache_dir));
    let catalogs = settings
        .repos
        .iter()
        .filter_map(|config| {
            // Opened as cloned before: a history never reaches the network.
            let repo = cache.open_cached(&config.url).ok()?;
            let path = RepoPath::new(&config.path).ok()?;
            Some(CatalogSource {
                repo,
                revision: config.revision.clone(),
                path,
            })
        })
        .collect();
    let git = GitSource::new(
        catalogs,
        cache,
        settings.render_tools.clone(),
        RenderCache::new(1),
    );
    let mut warned = false;
    for entry in history {
        if !entry.source.chart.is_empty() || found.contains_key(&entry.revision) {
            continue;
        }
        match git.commit_info(&entry.source.repo_url, &entry.revision) {
            Ok(Some(info)) => {
                found.insert(entry.revision.clone(), info);
            }
            Ok(None) => {}
            Err(error) if !warned => {
                warned = true;
                eprintln!(
                    "warning: commit subjects unavailable: {}",
                    error_chain(&error)
                );
            }
            Err(_) => {}
        }
    }
    found
}

/// A subject cut to the table's column.
fn cut(subject: &str) -> String {
    if subject.chars().count() <= SUBJECT_WIDTH {
        return subject.to_string();
    }
    let mut cut: String = subject.chars().take(SUBJECT_WIDTH - 1).collect();
    cut.push('…');
    cut
}
