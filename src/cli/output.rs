//! Output formats shared by the listing subcommands.

use std::io::Write;

use serde::Serialize;

/// How a listing is printed: aligned columns for people, JSON or YAML for
/// scripts (the same data either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Yaml,
}

/// Prints rows as left-aligned columns separated by two spaces, the way
/// `kubectl get` does, so the output reads well and greps well.
pub fn write_table(
    out: &mut impl Write,
    headers: &[&str],
    rows: &[Vec<String>],
) -> std::io::Result<()> {
    // Cells hold names and text from Git or a cluster: one row stays one
    // line, and nothing in it reaches the terminal as a control sequence.
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|cell| crate::engine::safe_text::escape_controls(cell).into_owned())
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = headers.iter().map(|header| header.len()).collect();
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (index, (cell, width)) in cells.iter().zip(&widths).enumerate() {
            if index + 1 == cells.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        text.trim_end().to_string()
    };
    writeln!(out, "{}", line(headers.to_vec()))?;
    for row in &rows {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}

/// Serializes `value` as pretty JSON or YAML.
pub fn write_structured(
    out: &mut impl Write,
    format: OutputFormat,
    value: &impl Serialize,
) -> color_eyre::Result<()> {
    match format {
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, value)?;
            writeln!(out)?;
        }
        OutputFormat::Yaml | OutputFormat::Table => {
            write!(out, "{}", serde_saphyr::to_string(value)?)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns_and_trims_trailing_space() {
        let mut out = Vec::new();
        write_table(
            &mut out,
            &["NAME", "PROJECT", "X"],
            &[
                vec!["guestbook".into(), "default".into(), String::new()],
                vec!["a".into(), "p".into(), "z".into()],
            ],
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "NAME       PROJECT  X\nguestbook  default\na          p        z\n"
        );
    }
}
