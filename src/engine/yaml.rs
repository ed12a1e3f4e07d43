//! Multi-document YAML parsing that remembers where each document came from.
//!
//! Kubernetes manifests, Argo CD resources and fleetdeck's own config are all
//! YAML. Users need errors that point at a line they can open in an editor, and
//! the UI needs to say which document of a file an object came from, so the
//! text is split into documents here (keeping each document's ordinal and first
//! line) before serde-saphyr parses each one into a `serde_json::Value`.

use serde_json::Value;
use thiserror::Error;

/// One non-empty YAML document of a stream.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlDocument {
    /// 0-based ordinal among the documents of the stream, counting empty
    /// documents too, so the ordinal matches what a reader counts by `---`.
    pub index: usize,
    /// 1-based line of the file where the document's content starts (after
    /// its `---` marker and any leading comments).
    pub start_line: usize,
    pub value: Value,
}

/// A YAML syntax error, positioned in the whole file rather than the document.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[error("document {} at line {line}, column {column}: {message}", .document + 1)]
pub struct YamlError {
    /// 0-based document ordinal (displayed 1-based).
    pub document: usize,
    /// 1-based line in the whole file.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Parses every document of `text`, skipping empty ones (only comments or
/// whitespace), as `kubectl` and Argo CD do.
pub fn parse_documents(text: &str) -> Result<Vec<YamlDocument>, YamlError> {
    let mut documents = Vec::new();
    for segment in split_documents(text) {
        if segment_is_empty(segment.text) {
            continue;
        }
        let value: Value = serde_saphyr::from_str(segment.text).map_err(|error| {
            let (line, column) = error
                .location()
                .map(|location| (location.line() as usize, location.column() as usize))
                .unwrap_or((1, 1));
            YamlError {
                document: segment.index,
                line: segment.start_line + line.saturating_sub(1),
                column,
                message: first_line(&error.without_snippet().to_string()),
            }
        })?;
        if value.is_null() {
            continue;
        }
        documents.push(YamlDocument {
            index: segment.index,
            start_line: segment.start_line + first_content_line(segment.text),
            value,
        });
    }
    Ok(documents)
}

/// Parses a text that must hold exactly one document (config files). An empty
/// text yields `Value::Null`.
pub fn parse_single(text: &str) -> Result<Value, YamlError> {
    let mut documents = parse_documents(text)?;
    match documents.len() {
        0 => Ok(Value::Null),
        1 => Ok(documents.remove(0).value),
        _ => Err(YamlError {
            document: documents[1].index,
            line: documents[1].start_line,
            column: 1,
            message: "expected a single YAML document".to_string(),
        }),
    }
}

struct Segment<'a> {
    index: usize,
    start_line: usize,
    text: &'a str,
}

/// Splits on document markers (`---` at column 0). A block scalar's content is
/// always indented, so a column-0 marker can only be a document boundary.
fn split_documents(text: &str) -> Vec<Segment<'_>> {
    // (byte offset, 1-based line) where each segment starts.
    let mut starts = vec![(0, 1)];
    let mut offset = 0;
    for (line_number, line) in text.split_inclusive('\n').enumerate() {
        if is_document_marker(line) && offset > 0 {
            starts.push((offset, line_number + 1));
        }
        offset += line.len();
    }
    let mut segments = Vec::with_capacity(starts.len());
    let mut index = 0;
    for (position, &(from, start_line)) in starts.iter().enumerate() {
        let to = starts
            .get(position + 1)
            .map_or(text.len(), |&(next, _)| next);
        let slice = &text[from..to];
        // Text before the first marker is a document only if it holds content:
        // `---\nkind: A` is one document, not two.
        if position == 0 && starts.len() > 1 && segment_is_empty(slice) {
            continue;
        }
        segments.push(Segment {
            index,
            start_line,
            text: slice,
        });
        index += 1;
    }
    segments
}

fn is_document_marker(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("---") else {
        return false;
    };
    rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n'])
}

fn segment_is_empty(text: &str) -> bool {
    text.lines().all(|line| {
        let trimmed = line.trim();
        trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "---" || trimmed == "..."
    })
}

/// 0-based offset of the first line that is neither blank, a comment nor a
/// document marker.
fn first_content_line(text: &str) -> usize {
    text.lines()
        .position(|line| {
            let trimmed = line.trim();
            !(trimmed.is_empty() || trimmed.starts_with('#') || is_document_marker(line))
        })
        .unwrap_or(0)
}

/// The parser's message without its own position suffix: that position is
/// relative to the document, and the caller reports the file position.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or_default().trim();
    match line.rfind(" at line ") {
        Some(at) if line[at..].contains(", column ") => line[..at].to_string(),
        _ => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn splits_documents_and_keeps_ordinals_and_lines() {
        let text = "a: 1\n---\n# only a comment\n---\nb: 2\n---\n\n";
        let documents = parse_documents(text).unwrap();
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[0].index, 0);
        assert_eq!(documents[0].start_line, 1);
        assert_eq!(documents[0].value, json!({"a": 1}));
        assert_eq!(documents[1].index, 2);
        assert_eq!(documents[1].start_line, 5);
        assert_eq!(documents[1].value, json!({"b": 2}));
    }

    #[test]
    fn leading_marker_does_not_count_as_a_document() {
        let documents = parse_documents("---\nkind: A\n---\nkind: B\n").unwrap();
        let ordinals: Vec<_> = documents.iter().map(|d| d.index).collect();
        assert_eq!(ordinals, vec![0, 1]);
        assert_eq!(documents[0].start_line, 2);
        assert_eq!(documents[1].start_line, 4);
    }

    #[test]
    fn syntax_error_reports_file_line_and_document() {
        let text = "kind: A\n---\nkind: B\nmetadata:\n  name: [unclosed\n";
        let error = parse_documents(text).unwrap_err();
        assert_eq!(error.document, 1);
        assert!(
            error.line >= 4,
            "line {} should be in document 2",
            error.line
        );
        assert!(error.to_string().starts_with("document 2 at line"));
        // The parser's own (document-relative) position is not repeated.
        assert_eq!(
            error.message.matches("line").count(),
            0,
            "{}",
            error.message
        );
    }

    #[test]
    fn marker_inside_block_scalar_content_is_not_a_split() {
        let text = "data:\n  script: |\n    ---\n    echo hi\n";
        let documents = parse_documents(text).unwrap();
        assert_eq!(documents.len(), 1);
        assert_eq!(
            documents[0].value["data"]["script"],
            json!("---\necho hi\n")
        );
    }

    #[test]
    fn single_document_rejects_streams() {
        assert_eq!(parse_single("").unwrap(), Value::Null);
        assert!(parse_single("a: 1\n---\nb: 2\n").is_err());
    }
}
