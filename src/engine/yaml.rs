//! Multi-document YAML parsing that remembers where each document came from.
//!
//! Kubernetes manifests, Argo CD resources and fleetdeck's own config are all
//! YAML. Users need errors that point at a line they can open in an editor, and
//! the UI needs to say which document of a file an object came from, so the
//! text is split into documents here (keeping each document's ordinal and first
//! line) before serde-saphyr parses each one into a `serde_json::Value`.
//!
//! The value is the one kubectl and Argo CD's repo-server see: they read
//! YAML with sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 scalars), so `0644` is
//! the octal 420, `yes`/`on` are booleans and a repeated key keeps its last
//! value rather than failing the file. See [`kube_value`] and
//! [`lenient_text`] for the rest of that reader's behaviour kept here.
//!
//! Files that kustomize reads (its resources and patches) go through
//! [`parse_kustomize_documents`]: kustomize reads them with go-yaml v3 and
//! prints every object after a JSON round trip, so what reaches Argo CD
//! follows v3's rules: only `true`/`false` are booleans (`yes` and `on` come
//! out as the strings "yes" and "on"), a repeated key fails the build, and a
//! block scalar ending a file with no final newline has no trailing `\n`.
//! (v3 also turns an unquoted date into an RFC 3339 timestamp string; that
//! one is not reproduced: the parser does not say whether a scalar was
//! quoted.)

mod kube_value;
mod lenient_text;

use serde_json::Value;
use serde_saphyr::options::DuplicateKeyPolicy;
use thiserror::Error;

use kube_value::KubeValue;

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
    parse_documents_with(text, Reader::Kubectl)
}

/// Parses a file as kustomize reads its resources and patches.
pub fn parse_kustomize_documents(text: &str) -> Result<Vec<YamlDocument>, YamlError> {
    parse_documents_with(text, Reader::Kustomize)
}

/// Whose reading of the text to reproduce.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// sigs.k8s.io/yaml: kubectl, Argo CD's manifests and configuration.
    Kubectl,
    /// kustomize's kyaml (go-yaml v3).
    Kustomize,
}

fn parse_documents_with(text: &str, reader: Reader) -> Result<Vec<YamlDocument>, YamlError> {
    let mut documents = Vec::new();
    for segment in split_documents(text) {
        if segment_is_empty(segment.text) {
            continue;
        }
        let value = parse_value(segment.text, reader).map_err(|error| {
            let (line, column) = error_position(&error);
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

/// One document's text to its value, read as sigs.k8s.io/yaml reads it.
fn parse_value(text: &str, reader: Reader) -> Result<Value, serde_saphyr::Error> {
    let mut repaired: Option<String> = None;
    // Each round indents one more under-indented quoted continuation line,
    // so a document can need at most one round per line.
    for _ in 0..=text.lines().count() {
        let current = repaired.as_deref().unwrap_or(text);
        match serde_saphyr::from_str_with_options::<KubeValue>(current, reader_options(reader)) {
            Ok(KubeValue(mut value)) => {
                if reader == Reader::Kustomize {
                    lenient_text::drop_phantom_final_newline(current, &mut value);
                }
                return Ok(value);
            }
            Err(error) => {
                let message = error.without_snippet().to_string();
                let (line, _) = error_position(&error);
                match message
                    .contains(lenient_text::UNDER_INDENTED_QUOTE)
                    .then(|| lenient_text::indent_continuation(current, line))
                    .flatten()
                {
                    Some(next) => repaired = Some(next),
                    None => return Err(error),
                }
            }
        }
    }
    serde_saphyr::from_str_with_options::<KubeValue>(text, reader_options(reader))
        .map(|value| value.0)
}

/// The reader's scalar and key rules where serde-saphyr has a switch for
/// them (both go-yaml versions read `0644` as octal).
fn reader_options(reader: Reader) -> serde_saphyr::Options {
    match reader {
        Reader::Kubectl => serde_saphyr::options! {
            legacy_octal_numbers: true,
            duplicate_keys: DuplicateKeyPolicy::LastWins,
        },
        Reader::Kustomize => serde_saphyr::options! {
            legacy_octal_numbers: true,
            strict_booleans: true,
            duplicate_keys: DuplicateKeyPolicy::Error,
        },
    }
}

/// 1-based (line, column) of a parse error within its document.
fn error_position(error: &serde_saphyr::Error) -> (usize, usize) {
    error
        .location()
        .map(|location| (location.line() as usize, location.column() as usize))
        .unwrap_or((1, 1))
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
    fn kubectl_reads_yaml_1_1_scalars() {
        let text = "mode: 0644\nflag: yes\ny: on\nsize: 1.0\nmode: 0755\nscript: |\n  echo";
        let value = parse_single(text).unwrap();
        assert_eq!(
            value,
            json!({"mode": 493, "flag": true, "true": true, "size": 1, "script": "echo\n"})
        );
    }

    #[test]
    fn kustomize_reads_yaml_1_2_booleans_and_no_phantom_newline() {
        let text = "mode: 0644\nflag: yes\ny: on\nok: true\nscript: |\n  echo";
        let documents = parse_kustomize_documents(text).unwrap();
        assert_eq!(
            documents[0].value,
            json!({"mode": 420, "flag": "yes", "y": "on", "ok": true, "script": "echo"})
        );
        assert!(parse_kustomize_documents("a: 1\na: 2\n").is_err());
    }

    #[test]
    fn under_indented_quoted_continuations_are_read() {
        let text = "data:\n  key: \"one\n  two\n  three\"\n  next: x\n";
        let value = parse_single(text).unwrap();
        assert_eq!(
            value,
            json!({"data": {"key": "one two three", "next": "x"}})
        );
    }

    #[test]
    fn single_document_rejects_streams() {
        assert_eq!(parse_single("").unwrap(), Value::Null);
        assert!(parse_single("a: 1\n---\nb: 2\n").is_err());
    }
}
