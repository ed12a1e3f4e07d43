//! `fleetdeck render <app>`: one Application's desired objects as YAML, or
//! as a JSON `List` (`-o json`) for scripts.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use serde_json::{Value, json};

use super::load::{find_application, load_catalogs, render_app};
use super::output::OutputFormat;
use super::settings::Settings;
use crate::engine::render::RenderedSource;

pub async fn run(
    settings: &Settings,
    app_name: &str,
    format: OutputFormat,
) -> color_eyre::Result<ExitCode> {
    let catalogs = load_catalogs(settings).await?;
    let app = find_application(settings, &catalogs, app_name).await?;
    let sources = render_app(settings, &catalogs, app).await?;
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => write_list(&mut out, &sources)?,
        OutputFormat::Yaml | OutputFormat::Table => write_stream(&mut out, &sources)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Every object in one JSON `List`, as `kubectl get -o json` prints several,
/// so `jq '.items[]'` works the same on both.
fn write_list(out: &mut impl Write, sources: &[RenderedSource]) -> color_eyre::Result<()> {
    let items: Vec<&Value> = sources
        .iter()
        .flat_map(|source| source.manifests.iter().map(|manifest| &manifest.object))
        .collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    serde_json::to_writer_pretty(&mut *out, &list)?;
    writeln!(out)?;
    Ok(())
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
                crate::engine::safe_text::safe_url(&source.repo_url),
                source.commit.short(),
                crate::engine::safe_text::escape_controls(&manifest.origin.to_string())
            )?;
            write!(out, "{}", serde_saphyr::to_string(&manifest.object)?)?;
        }
    }
    Ok(())
}
