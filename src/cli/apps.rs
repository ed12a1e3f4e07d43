//! `fleetdeck apps`: the Argo CD resources found in each configured repo.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

use super::load::{LoadedCatalog, load_catalogs};
use super::output::{OutputFormat, write_structured, write_table};
use super::settings::Settings;
use crate::engine::manifest::Origin;
use crate::engine::model::{AppProject, Application, ApplicationSet, Located};

pub async fn run(settings: &Settings, format: OutputFormat) -> color_eyre::Result<ExitCode> {
    let catalogs = load_catalogs(settings).await?;
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Table => write_tables(&mut out, &catalogs)?,
        OutputFormat::Json | OutputFormat::Yaml => {
            let listing: Vec<Listing> = catalogs.iter().map(Listing::from).collect();
            write_structured(&mut out, format, &listing)?;
        }
    }
    out.flush()?;
    let problems: usize = catalogs
        .iter()
        .map(|loaded| loaded.catalog.problems().len())
        .sum();
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The machine-readable form: the resources as written, plus where each came
/// from and every problem found.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Listing<'a> {
    repo: &'a str,
    revision: &'a str,
    commit: String,
    path: &'a str,
    applications: Vec<Entry<'a, Application>>,
    application_sets: Vec<Entry<'a, ApplicationSet>>,
    projects: Vec<Entry<'a, AppProject>>,
    errors: Vec<String>,
}

#[derive(Serialize)]
struct Entry<'a, T> {
    origin: &'a Origin,
    resource: &'a T,
}

fn entries<T>(located: &[Located<T>]) -> Vec<Entry<'_, T>> {
    located
        .iter()
        .map(|item| Entry {
            origin: &item.origin,
            resource: &item.value,
        })
        .collect()
}

impl<'a> From<&'a LoadedCatalog> for Listing<'a> {
    fn from(loaded: &'a LoadedCatalog) -> Self {
        let catalog = &loaded.catalog;
        Listing {
            repo: &catalog.repo,
            revision: &catalog.revision,
            commit: catalog.commit.to_string(),
            path: catalog.path.as_str(),
            applications: entries(&catalog.catalog.applications),
            application_sets: entries(&catalog.catalog.application_sets),
            projects: entries(&catalog.catalog.projects),
            errors: catalog.problems(),
        }
    }
}

fn write_tables(out: &mut impl Write, catalogs: &[LoadedCatalog]) -> color_eyre::Result<()> {
    for (index, loaded) in catalogs.iter().enumerate() {
        let catalog = &loaded.catalog;
        if index > 0 {
            writeln!(out)?;
        }
        writeln!(
            out,
            "# {} @ {} ({}), path {}",
            crate::engine::safe_text::safe_url(&catalog.repo),
            catalog.revision,
            catalog.commit.short(),
            if catalog.path.is_root() {
                "/"
            } else {
                catalog.path.as_str()
            }
        )?;

        writeln!(
            out,
            "\nAPPLICATIONS ({})",
            catalog.catalog.applications.len()
        )?;
        let rows: Vec<Vec<String>> = catalog
            .catalog
            .applications
            .iter()
            .map(|located| application_row(&located.value))
            .collect();
        write_table(
            out,
            &[
                "NAME",
                "PROJECT",
                "SOURCE",
                "REVISION",
                "DESTINATION",
                "SYNC",
            ],
            &rows,
        )?;

        writeln!(
            out,
            "\nAPPLICATIONSETS ({})",
            catalog.catalog.application_sets.len()
        )?;
        let rows: Vec<Vec<String>> = catalog
            .catalog
            .application_sets
            .iter()
            .map(|located| {
                let set = &located.value;
                let generators: Vec<String> = set
                    .spec
                    .generators
                    .iter()
                    .flat_map(|generator| generator.kinds())
                    .map(|kind| kind.name().to_string())
                    .collect();
                vec![
                    set.name().to_string(),
                    generators.join(","),
                    located.origin.file.to_string(),
                ]
            })
            .collect();
        write_table(out, &["NAME", "GENERATORS", "FILE"], &rows)?;

        writeln!(out, "\nPROJECTS ({})", catalog.catalog.projects.len())?;
        let rows: Vec<Vec<String>> = catalog
            .catalog
            .projects
            .iter()
            .map(|located| {
                let project = &located.value;
                vec![
                    project.name().to_string(),
                    project.spec.source_repos.join(","),
                    project.spec.destinations.len().to_string(),
                    project.spec.sync_windows.len().to_string(),
                ]
            })
            .collect();
        write_table(
            out,
            &["NAME", "SOURCE REPOS", "DESTINATIONS", "WINDOWS"],
            &rows,
        )?;

        let problems = catalog.problems();
        if !problems.is_empty() {
            writeln!(out, "\nERRORS ({})", problems.len())?;
            for problem in problems {
                writeln!(
                    out,
                    "  {}",
                    crate::engine::safe_text::escape_controls(&problem)
                )?;
            }
        }
    }
    Ok(())
}

fn application_row(app: &Application) -> Vec<String> {
    let sources = app.sources();
    let source = match sources {
        [] => "-".to_string(),
        [only] => describe_source(&only.repo_url, &only.path, &only.chart),
        [first, rest @ ..] => format!(
            "{} (+{} more)",
            describe_source(&first.repo_url, &first.path, &first.chart),
            rest.len()
        ),
    };
    let revision = sources
        .first()
        .map_or("-", |source| source.target_revision_or_head())
        .to_string();
    let destination = &app.spec.destination;
    let cluster = if destination.name.is_empty() {
        destination.server.as_str()
    } else {
        destination.name.as_str()
    };
    let sync = match app.automated_sync() {
        None => "manual".to_string(),
        Some(automated) => {
            let mut flags = vec!["auto"];
            if automated.prune {
                flags.push("prune");
            }
            if automated.self_heal {
                flags.push("self-heal");
            }
            flags.join("+")
        }
    };
    vec![
        app.name().to_string(),
        app.project().to_string(),
        source,
        revision,
        format!("{cluster}/{}", destination.namespace),
        sync,
    ]
}

fn describe_source(repo_url: &str, path: &str, chart: &str) -> String {
    let repo_url = crate::engine::safe_text::redact_url_credentials(repo_url);
    if chart.is_empty() {
        format!("{repo_url} {path}")
    } else {
        format!("{repo_url} chart {chart}")
    }
}
