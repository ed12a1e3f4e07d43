//! `fleetdeck render <app>`: one Application's desired objects as YAML.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use color_eyre::eyre::{bail, eyre};

use super::load::load_catalogs;
use super::settings::Settings;
use crate::engine::model::{Application, Located};
use crate::engine::render::{RenderCache, RenderedSource, render_application_with};
use crate::engine::source::{LocalFirstResolver, RepoCache};

pub async fn run(settings: &Settings, app_name: &str) -> color_eyre::Result<ExitCode> {
    let catalogs = load_catalogs(settings).await?;

    let mut found: Vec<(Located<Application>, &str)> = Vec::new();
    for loaded in &catalogs {
        for located in &loaded.catalog.catalog.applications {
            if located.value.name() == app_name {
                found.push((located.clone(), loaded.repo.name()));
            }
        }
    }
    let app = match found.as_slice() {
        [(app, _)] => app.value.clone(),
        [] => {
            let mut message = format!("no Application named '{app_name}'");
            for loaded in &catalogs {
                let catalog = &loaded.catalog;
                message.push_str(&format!(
                    "\n  searched {} @ {} under '{}'",
                    catalog.repo, catalog.revision, catalog.path
                ));
                for problem in catalog.problems() {
                    message.push_str(&format!("\n  could not read: {problem}"));
                }
            }
            bail!(message);
        }
        several => {
            let places: Vec<String> = several
                .iter()
                .map(|(app, repo)| format!("{repo}: {}", app.origin))
                .collect();
            bail!(
                "Application '{app_name}' is defined more than once:\n  {}",
                places.join("\n  ")
            );
        }
    };

    let cache_dir = settings.repo_cache_dir()?;
    let catalog_repos: Vec<_> = catalogs.iter().map(|loaded| loaded.repo.clone()).collect();
    let tools = settings.render_tools.clone();
    let (sources, warnings) = tokio::task::spawn_blocking(move || {
        let cache = RepoCache::new(cache_dir);
        let mut resolver = LocalFirstResolver::new(&cache);
        for repo in catalog_repos {
            resolver.alias_with_remotes(repo);
        }
        let rendered = render_application_with(&app, &resolver, &RenderCache::new(16), &tools);
        (rendered, resolver.warnings())
    })
    .await
    .map_err(|join| eyre!("renderer stopped: {join}"))?;
    for warning in warnings {
        eprintln!("warning: {warning}");
    }
    let sources = sources?;

    let mut out = std::io::stdout().lock();
    write_stream(&mut out, &sources)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A YAML stream, each document preceded by a `# Source:` comment naming the
/// file it came from, so a reviewer can jump from output to Git.
fn write_stream(out: &mut impl Write, sources: &[RenderedSource]) -> color_eyre::Result<()> {
    for source in sources {
        for manifest in Arc::as_ref(&source.manifests) {
            writeln!(out, "---")?;
            writeln!(
                out,
                "# Source: {} @ {} {}",
                source.repo_url,
                source.commit.short(),
                manifest.origin
            )?;
            write!(out, "{}", serde_saphyr::to_string(&manifest.object)?)?;
        }
    }
    Ok(())
}
