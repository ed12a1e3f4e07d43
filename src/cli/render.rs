//! `fleetdeck render <app>`: one Application's desired objects as YAML.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use super::load::{find_application, load_catalogs, render_app};
use super::settings::Settings;
use crate::engine::render::RenderedSource;

pub async fn run(settings: &Settings, app_name: &str) -> color_eyre::Result<ExitCode> {
    let catalogs = load_catalogs(settings).await?;
    let app = find_application(settings, &catalogs, app_name).await?;
    let sources = render_app(settings, &catalogs, app).await?;
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
                crate::engine::safe_text::safe_url(&source.repo_url),
                source.commit.short(),
                crate::engine::safe_text::escape_controls(&manifest.origin.to_string())
            )?;
            write!(out, "{}", serde_saphyr::to_string(&manifest.object)?)?;
        }
    }
    Ok(())
}
