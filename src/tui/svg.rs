//! A ratatui [`Buffer`] as an SVG image: how the README screenshots are
//! made from the demo fleet, never drawn by hand.
//!
//! The output is a monospace grid: one background rectangle per run of
//! cells with the same background, one `<text>` per run of cells with the
//! same style (runs merged so a line is a handful of elements, not one per
//! cell). Colours map to a fixed palette (the xterm defaults for the 16
//! named colours and the 256-colour cube), `Color::Reset` to a neutral
//! default, and the output is byte-for-byte deterministic: integer
//! coordinates, no timestamps, no hashing order.

use std::fmt::Write as _;

use ratatui::buffer::{Buffer, Cell};
use ratatui::style::{Color, Modifier};
use ratatui::text::Span;

/// Cell size in SVG units (a 15px monospace font advances about 9px).
const CELL_WIDTH: u32 = 9;
const CELL_HEIGHT: u32 = 18;
const FONT_SIZE: u32 = 15;
/// From the top of a cell to the text baseline.
const BASELINE: u32 = 14;
/// Space around the grid.
const PADDING: u32 = 10;

/// The colours `Color::Reset` stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SvgDefaults {
    pub foreground: Color,
    pub background: Color,
}

impl Default for SvgDefaults {
    /// A dark, neutral terminal: light grey on near-black.
    fn default() -> Self {
        SvgDefaults {
            foreground: Color::Rgb(0xd0, 0xd0, 0xd0),
            background: Color::Rgb(0x1c, 0x1c, 0x1c),
        }
    }
}

/// `buffer` as an SVG document titled `title`, on a dark neutral terminal.
pub fn buffer_to_svg(buffer: &Buffer, title: &str) -> String {
    buffer_to_svg_with(buffer, title, SvgDefaults::default())
}

/// `buffer` as an SVG document, with `defaults` for `Color::Reset` (a light
/// theme looks right on a light background).
pub fn buffer_to_svg_with(buffer: &Buffer, title: &str, defaults: SvgDefaults) -> String {
    let area = buffer.area;
    let width = u32::from(area.width) * CELL_WIDTH + 2 * PADDING;
    let height = u32::from(area.height) * CELL_HEIGHT + 2 * PADDING;
    let background = hex(defaults.background, defaults.background);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" font-family=\"'DejaVu Sans Mono', Menlo, Consolas, monospace\" \
         font-size=\"{FONT_SIZE}\">"
    );
    let _ = writeln!(svg, "<title>{}</title>", escape(title));
    let _ = writeln!(
        svg,
        "<rect width=\"{width}\" height=\"{height}\" rx=\"6\" fill=\"{background}\"/>"
    );
    let mut backgrounds = String::new();
    let mut texts = String::new();
    for row in 0..area.height {
        let cells = row_cells(buffer, row);
        let y = PADDING + u32::from(row) * CELL_HEIGHT;
        for run in runs(&cells, |cell| colours(cell, defaults).1) {
            let bg = colours(cells[run.start], defaults).1;
            if bg != background {
                let _ = writeln!(
                    backgrounds,
                    "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{CELL_HEIGHT}\" fill=\"{bg}\"/>",
                    PADDING + run.start as u32 * CELL_WIDTH,
                    run.len() as u32 * CELL_WIDTH,
                );
            }
        }
        for run in runs(&cells, |cell| text_style(cell, defaults)) {
            let style = text_style(cells[run.start], defaults);
            let text = run_text(&cells[run.clone()]);
            if style.hidden || text.trim().is_empty() {
                continue;
            }
            let mut attributes = format!("fill=\"{}\"", style.fg);
            if style.bold {
                attributes.push_str(" font-weight=\"bold\"");
            }
            if style.italic {
                attributes.push_str(" font-style=\"italic\"");
            }
            match (style.underline, style.crossed_out) {
                (true, true) => attributes.push_str(" text-decoration=\"underline line-through\""),
                (true, false) => attributes.push_str(" text-decoration=\"underline\""),
                (false, true) => attributes.push_str(" text-decoration=\"line-through\""),
                (false, false) => {}
            }
            if style.dim {
                attributes.push_str(" opacity=\"0.6\"");
            }
            let _ = writeln!(
                texts,
                "<text x=\"{}\" y=\"{}\" textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\" \
                 xml:space=\"preserve\" {attributes}>{}</text>",
                PADDING + run.start as u32 * CELL_WIDTH,
                y + BASELINE,
                run.len() as u32 * CELL_WIDTH,
                escape(&text),
            );
        }
    }
    svg.push_str(&backgrounds);
    svg.push_str(&texts);
    svg.push_str("</svg>\n");
    svg
}

/// What a text run shares.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TextStyle {
    fg: String,
    bold: bool,
    italic: bool,
    underline: bool,
    crossed_out: bool,
    dim: bool,
    hidden: bool,
}

fn text_style(cell: &Cell, defaults: SvgDefaults) -> TextStyle {
    let modifier = cell.modifier;
    TextStyle {
        fg: colours(cell, defaults).0,
        bold: modifier.contains(Modifier::BOLD),
        italic: modifier.contains(Modifier::ITALIC),
        underline: modifier.contains(Modifier::UNDERLINED),
        crossed_out: modifier.contains(Modifier::CROSSED_OUT),
        dim: modifier.contains(Modifier::DIM),
        hidden: modifier.contains(Modifier::HIDDEN),
    }
}

/// The cell's (foreground, background) as `#rrggbb`, reversed if asked.
fn colours(cell: &Cell, defaults: SvgDefaults) -> (String, String) {
    let fg = hex(cell.fg, defaults.foreground);
    let bg = hex(cell.bg, defaults.background);
    if cell.modifier.contains(Modifier::REVERSED) {
        (bg, fg)
    } else {
        (fg, bg)
    }
}

/// The cells of a row, each cell a wide character covers replaced by that
/// character's cell, so it joins its run and takes its colours.
fn row_cells(buffer: &Buffer, row: u16) -> Vec<&Cell> {
    let area = buffer.area;
    let mut cells: Vec<&Cell> = Vec::with_capacity(usize::from(area.width));
    let mut covered = 0;
    for column in 0..area.width {
        let cell = &buffer[(area.x + column, area.y + row)];
        if covered > 0 {
            covered -= 1;
            let owner = cells.last().copied().unwrap_or(cell);
            cells.push(owner);
        } else {
            covered = Span::raw(cell.symbol()).width().saturating_sub(1);
            cells.push(cell);
        }
    }
    cells
}

/// Maximal runs of adjacent cells with equal `key`.
fn runs<K: PartialEq>(cells: &[&Cell], key: impl Fn(&Cell) -> K) -> Vec<std::ops::Range<usize>> {
    let mut runs = Vec::new();
    let mut start = 0;
    while start < cells.len() {
        let first = key(cells[start]);
        let mut end = start + 1;
        while end < cells.len() && key(cells[end]) == first {
            end += 1;
        }
        runs.push(start..end);
        start = end;
    }
    runs
}

/// The text of a run of cells; the cells a wide character covers carry no
/// text of their own.
fn run_text(cells: &[&Cell]) -> String {
    let mut text = String::new();
    let mut covered = 0;
    for cell in cells {
        if covered > 0 {
            covered -= 1;
            continue;
        }
        let symbol = cell.symbol();
        text.push_str(symbol);
        covered = Span::raw(symbol).width().saturating_sub(1);
    }
    text
}

/// A colour as `#rrggbb`; `Reset` is `default` (itself never `Reset`
/// twice: a `Reset` default falls back to black).
fn hex(color: Color, default: Color) -> String {
    let (r, g, b) = rgb(color).or_else(|| rgb(default)).unwrap_or((0, 0, 0));
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The xterm default palette for the 16 named colours.
const ANSI: [(u8, u8, u8); 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x00, 0x00),
    (0x00, 0xcd, 0x00),
    (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee),
    (0xcd, 0x00, 0xcd),
    (0x00, 0xcd, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f),
    (0xff, 0x00, 0x00),
    (0x00, 0xff, 0x00),
    (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff),
    (0xff, 0x00, 0xff),
    (0x00, 0xff, 0xff),
    (0xff, 0xff, 0xff),
];

fn rgb(color: Color) -> Option<(u8, u8, u8)> {
    let index = match color {
        Color::Reset => return None,
        Color::Rgb(r, g, b) => return Some((r, g, b)),
        Color::Indexed(index) => return Some(indexed(index)),
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
    };
    Some(ANSI[index])
}

/// The 256-colour palette: the 16 named colours, a 6×6×6 cube, 24 greys.
fn indexed(index: u8) -> (u8, u8, u8) {
    match index {
        0..=15 => ANSI[usize::from(index)],
        16..=231 => {
            let level = |value: u8| if value == 0 { 0 } else { 55 + value * 40 };
            let cube = index - 16;
            (level(cube / 36), level(cube / 6 % 6), level(cube % 6))
        }
        232..=255 => {
            let grey = 8 + (index - 232) * 10;
            (grey, grey, grey)
        }
    }
}

/// Text safe inside an XML element or attribute.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            // Characters XML 1.0 does not allow at all.
            character if character.is_control() && !matches!(character, '\t' | '\n') => {}
            character => escaped.push(character),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    use super::*;

    fn buffer(width: u16, height: u16) -> Buffer {
        Buffer::empty(Rect::new(0, 0, width, height))
    }

    fn texts(svg: &str) -> Vec<&str> {
        svg.lines()
            .filter(|line| line.starts_with("<text"))
            .collect()
    }

    #[test]
    fn text_and_title_are_escaped() {
        let mut buf = buffer(20, 1);
        buf.set_string(0, 0, "a<b & \"c\" 'd'>", Style::default());
        let svg = buffer_to_svg(&buf, "fleet <demo> & co");
        assert!(
            svg.contains("<title>fleet &lt;demo&gt; &amp; co</title>"),
            "{svg}"
        );
        let texts = texts(&svg);
        assert_eq!(texts.len(), 1, "{svg}");
        assert!(
            texts[0].ends_with(">a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;      </text>"),
            "{}",
            texts[0]
        );
    }

    #[test]
    fn equal_styles_merge_into_one_run_and_changes_split_it() {
        let mut buf = buffer(12, 1);
        let red = Style::default().fg(Color::Red);
        buf.set_string(0, 0, "abc", red);
        buf.set_string(3, 0, "def", red);
        buf.set_string(6, 0, "ghi", red.add_modifier(Modifier::BOLD));
        let svg = buffer_to_svg(&buf, "runs");
        let texts = texts(&svg);
        assert_eq!(texts.len(), 2, "{svg}");
        assert!(texts[0].contains("x=\"10\""), "{}", texts[0]);
        assert!(texts[0].contains("textLength=\"54\""), "{}", texts[0]);
        assert!(texts[0].contains("fill=\"#cd0000\""), "{}", texts[0]);
        assert!(texts[0].ends_with(">abcdef</text>"), "{}", texts[0]);
        assert!(texts[1].contains("x=\"64\""), "{}", texts[1]);
        assert!(texts[1].contains("font-weight=\"bold\""), "{}", texts[1]);
        assert!(texts[1].ends_with(">ghi</text>"), "{}", texts[1]);
    }

    #[test]
    fn backgrounds_become_rects_and_reset_is_the_default() {
        let mut buf = buffer(10, 2);
        buf.set_string(2, 1, "  ", Style::default().bg(Color::Indexed(21)));
        buf.set_string(
            4,
            1,
            "ok",
            Style::default().bg(Color::Rgb(1, 2, 3)).fg(Color::Reset),
        );
        let svg = buffer_to_svg(&buf, "bg");
        let rects: Vec<&str> = svg
            .lines()
            .filter(|line| line.starts_with("<rect x="))
            .collect();
        assert_eq!(
            rects,
            [
                "<rect x=\"28\" y=\"28\" width=\"18\" height=\"18\" fill=\"#0000ff\"/>",
                "<rect x=\"46\" y=\"28\" width=\"18\" height=\"18\" fill=\"#010203\"/>",
            ]
        );
        assert!(svg.contains("rx=\"6\" fill=\"#1c1c1c\""), "{svg}");
        let texts = texts(&svg);
        assert_eq!(texts.len(), 1, "blank runs draw no text: {svg}");
        assert!(texts[0].contains("fill=\"#d0d0d0\""), "{}", texts[0]);
    }

    #[test]
    fn colours_map_from_names_indices_and_rgb() {
        assert_eq!(hex(Color::LightRed, Color::Black), "#ff0000");
        assert_eq!(hex(Color::DarkGray, Color::Black), "#7f7f7f");
        assert_eq!(hex(Color::Indexed(3), Color::Black), "#cdcd00");
        assert_eq!(hex(Color::Indexed(16), Color::Black), "#000000");
        assert_eq!(hex(Color::Indexed(208), Color::Black), "#ff8700");
        assert_eq!(hex(Color::Indexed(231), Color::Black), "#ffffff");
        assert_eq!(hex(Color::Indexed(244), Color::Black), "#808080");
        assert_eq!(hex(Color::Rgb(0xe6, 0x9f, 0x00), Color::Black), "#e69f00");
        assert_eq!(hex(Color::Reset, Color::White), "#ffffff");
        assert_eq!(hex(Color::Reset, Color::Reset), "#000000");
    }

    #[test]
    fn modifiers_are_honoured_and_reversed_swaps_colours() {
        let mut buf = buffer(8, 1);
        let style = Style::default()
            .fg(Color::Green)
            .bg(Color::Black)
            .add_modifier(Modifier::ITALIC | Modifier::UNDERLINED | Modifier::REVERSED);
        buf.set_string(0, 0, "sel", style);
        let svg = buffer_to_svg(&buf, "mods");
        let text = texts(&svg)[0];
        assert!(text.contains("fill=\"#000000\""), "{text}");
        assert!(text.contains("font-style=\"italic\""), "{text}");
        assert!(text.contains("text-decoration=\"underline\""), "{text}");
        assert!(
            svg.contains("<rect x=\"10\" y=\"10\" width=\"27\" height=\"18\" fill=\"#00cd00\"/>"),
            "{svg}"
        );
    }

    #[test]
    fn wide_characters_take_two_cells_and_one_character() {
        let mut buf = buffer(6, 1);
        buf.set_string(0, 0, "日本x", Style::default().fg(Color::Cyan));
        let svg = buffer_to_svg(&buf, "wide");
        let text = texts(&svg)[0];
        assert!(text.ends_with(">日本x</text>"), "{text}");
        assert!(text.contains("textLength=\"45\""), "five cells: {text}");
    }

    #[test]
    fn output_is_deterministic_and_sized_by_the_grid() {
        let mut buf = buffer(80, 24);
        buf.set_string(0, 0, "fleetdeck", Style::default().fg(Color::Cyan));
        let first = buffer_to_svg(&buf, "same");
        assert_eq!(first, buffer_to_svg(&buf, "same"));
        assert!(
            first.starts_with(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"740\" height=\"452\""
            )
        );
        assert!(first.ends_with("</svg>\n"));
        let light = buffer_to_svg_with(
            &buf,
            "light",
            SvgDefaults {
                foreground: Color::Black,
                background: Color::White,
            },
        );
        assert!(light.contains("rx=\"6\" fill=\"#ffffff\""), "{light}");
    }
}
