//! Two places where go-yaml (kubectl's and Argo CD's reader) and
//! serde-saphyr read the same text differently, repaired around the parser.
//!
//! - A quoted scalar whose continuation lines are not indented past their
//!   key is refused by serde-saphyr (the YAML spec requires the indent) but
//!   accepted by go-yaml. A continuation line's leading spaces are folded
//!   away, so indenting it changes nothing but the verdict.
//! - A block scalar (`|`, `>`) that ends the file with no final newline has
//!   no line break to keep for kustomize's go-yaml v3: its value ends without
//!   `\n`. kubectl's go-yaml v2 and serde-saphyr add one, so this repair is
//!   for kustomize's reading only.

use serde_json::Value;

/// The serde-saphyr message for an under-indented quoted continuation.
pub const UNDER_INDENTED_QUOTE: &str = "invalid indentation in multiline quoted scalar";

/// `text` with its 1-based `line` indented one column past the closest
/// non-blank line before it, or `None` if there is no such line.
pub fn indent_continuation(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let index = line.checked_sub(1)?;
    let target = lines.get(index)?;
    let previous = lines[..index]
        .iter()
        .rev()
        .find(|candidate| !candidate.trim().is_empty())?;
    let wanted = indentation(previous) + 1;
    let have = indentation(target);
    if have >= wanted {
        return None;
    }
    let mut repaired = String::with_capacity(text.len() + wanted - have);
    for (position, piece) in lines.iter().enumerate() {
        if position == index {
            repaired.extend(std::iter::repeat_n(' ', wanted - have));
        }
        repaired.push_str(piece);
    }
    Some(repaired)
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Removes the line break serde-saphyr gave the block scalar that ends
/// `text` when the text itself has no final line break.
pub fn drop_phantom_final_newline(text: &str, value: &mut Value) {
    if text.ends_with('\n') || !ends_in_block_scalar(text) {
        return;
    }
    if let Some(Value::String(last)) = last_leaf(value)
        && last.ends_with('\n')
    {
        last.pop();
    }
}

/// Whether the last non-blank line of `text` belongs to a block scalar:
/// after the last block-scalar header, every non-blank line is indented past
/// the header's line.
fn ends_in_block_scalar(text: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    let Some(header) = lines.iter().rposition(|line| is_block_header(line)) else {
        return false;
    };
    let header_indent = indentation(lines[header]);
    let body = &lines[header + 1..];
    body.iter().any(|line| !line.trim().is_empty())
        && body
            .iter()
            .all(|line| line.trim().is_empty() || indentation(line) > header_indent)
}

/// `key: |`, `- >-`, `key: |+2 # comment` and the like.
fn is_block_header(line: &str) -> bool {
    let code = match line.find(" #") {
        Some(comment) => &line[..comment],
        None => line,
    };
    let code = code.trim_end();
    let Some(at) = code.rfind(['|', '>']) else {
        return false;
    };
    let indicators = &code[at + 1..];
    let before = code[..at].trim_end();
    indicators.len() <= 2
        && indicators
            .chars()
            .all(|c| c == '-' || c == '+' || c.is_ascii_digit())
        && (before.ends_with(':') || before.ends_with('-') || before.is_empty())
        && !before.trim_start().starts_with('#')
}

/// The scalar printed last: the last item or value, recursively.
fn last_leaf(value: &mut Value) -> Option<&mut Value> {
    match value {
        Value::Array(items) => last_leaf(items.last_mut()?),
        Value::Object(fields) => last_leaf(fields.values_mut().next_back()?),
        leaf => Some(leaf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indents_a_continuation_past_the_line_before() {
        let text = "data:\n  key: \"abc\n  def\"\n";
        assert_eq!(
            indent_continuation(text, 3).as_deref(),
            Some("data:\n  key: \"abc\n   def\"\n")
        );
        assert_eq!(indent_continuation(text, 1), None);
    }

    #[test]
    fn recognises_block_headers() {
        for header in ["a: |", "  a: >-", "- |+", "  key: |2 # note", "|"] {
            assert!(is_block_header(header), "{header}");
        }
        for other in ["a: b", "a: \"|\"", "# a: |", "a: x|y", "a: b >"] {
            assert!(!is_block_header(other), "{other}");
        }
    }

    #[test]
    fn only_a_block_scalar_ending_the_text_loses_its_break() {
        let mut value = json!({"a": "x\ny\n"});
        drop_phantom_final_newline("a: |\n  x\n  y", &mut value);
        assert_eq!(value, json!({"a": "x\ny"}));

        let mut value = json!({"a": "x\n", "b": "c"});
        drop_phantom_final_newline("a: |\n  x\nb: c", &mut value);
        assert_eq!(value, json!({"a": "x\n", "b": "c"}));

        let mut value = json!({"a": "x\n"});
        drop_phantom_final_newline("a: |\n  x\n", &mut value);
        assert_eq!(value, json!({"a": "x\n"}));

        let mut value = json!({"a": "x\n"});
        drop_phantom_final_newline("a: \"x\\n\"", &mut value);
        assert_eq!(value, json!({"a": "x\n"}));
    }
}
