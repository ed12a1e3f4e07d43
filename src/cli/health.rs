//! `fleetdeck health -f FILE`: the health of each Kubernetes object in a
//! YAML file, assessed as Argo CD does (`engine::health::assess`).
//!
//! Kinds without a health check (ConfigMap, Secret, most CRDs) are *not
//! assessed*, as in Argo CD, where they have no health and do not count
//! towards an application's: they are listed with no status and do not
//! affect the exit status. `kind: List` documents (`kubectl get -o yaml`)
//! are read item by item.
//!
//! Exit status: 0 when every assessed object is Healthy, 1 when any is not,
//! 2 when the input cannot be used (unreadable file, bad YAML, a document
//! that is not an object, no objects at all).

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;
use serde_json::Value;

use super::output::{OutputFormat, write_structured, write_table};
use crate::engine::health::{HealthStatus, assess};
use crate::engine::yaml::parse_documents;

/// Exit status for input that cannot be used (as for a command-line error).
const EXIT_BAD_INPUT: u8 = 2;

/// One object's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectHealth {
    /// 1-based document number in the file.
    document: usize,
    /// Line where the document starts.
    line: usize,
    api_version: String,
    kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    namespace: String,
    name: String,
    /// Whether the kind has a health check; when not, `status` is `None`.
    assessed: bool,
    status: Option<HealthStatus>,
    message: String,
}

/// Input the command cannot use; shown on stderr, exit status 2.
#[derive(Debug, thiserror::Error)]
enum InputError {
    #[error("cannot read {file}: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {source}")]
    Yaml {
        file: String,
        #[source]
        source: crate::engine::yaml::YamlError,
    },
    #[error("{file}: document {document} (line {line}) is not a Kubernetes object: {reason}")]
    NotAnObject {
        file: String,
        document: usize,
        line: usize,
        reason: String,
    },
    #[error("{file} holds no Kubernetes objects")]
    Empty { file: String },
}

pub fn run(file: &Path, output: OutputFormat) -> color_eyre::Result<ExitCode> {
    let rows = match read_objects(file) {
        Ok(rows) => rows,
        Err(error) => {
            eprintln!("Error: {error}");
            return Ok(ExitCode::from(EXIT_BAD_INPUT));
        }
    };
    let mut out = std::io::stdout().lock();
    match output {
        OutputFormat::Table => write_rows(&mut out, &rows)?,
        OutputFormat::Json | OutputFormat::Yaml => write_structured(&mut out, output, &rows)?,
    }
    out.flush()?;
    Ok(exit_status(&rows))
}

/// 0 when every assessed object is Healthy, else 1.
fn exit_status(rows: &[ObjectHealth]) -> ExitCode {
    let all_healthy = rows
        .iter()
        .filter_map(|row| row.status)
        .all(|status| status == HealthStatus::Healthy);
    if all_healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn read_objects(file: &Path) -> Result<Vec<ObjectHealth>, InputError> {
    let stdin = file.as_os_str() == "-";
    let label = if stdin {
        "<stdin>".to_string()
    } else {
        file.display().to_string()
    };
    let read_error = |source| InputError::Read {
        file: label.clone(),
        source,
    };
    let text = if stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(read_error)?;
        text
    } else {
        std::fs::read_to_string(file).map_err(read_error)?
    };
    assess_text(&label, &text)
}

/// Every object of a YAML stream with its health.
fn assess_text(label: &str, text: &str) -> Result<Vec<ObjectHealth>, InputError> {
    let documents = parse_documents(text).map_err(|source| InputError::Yaml {
        file: label.to_string(),
        source,
    })?;
    let mut rows = Vec::new();
    for document in &documents {
        let number = document.index + 1;
        let not_an_object = |reason: String| InputError::NotAnObject {
            file: label.to_string(),
            document: number,
            line: document.start_line,
            reason,
        };
        let items = list_items(&document.value).map_err(|reason| not_an_object(reason.into()))?;
        for (position, object) in items.iter().enumerate() {
            let row = object_health(object, number, document.start_line).map_err(|reason| {
                if items.len() == 1 && std::ptr::eq(*object, &document.value) {
                    not_an_object(reason.into())
                } else {
                    not_an_object(format!("items[{position}]: {reason}"))
                }
            })?;
            rows.push(row);
        }
    }
    if rows.is_empty() {
        return Err(InputError::Empty {
            file: label.to_string(),
        });
    }
    Ok(rows)
}

/// The objects a document holds: itself, or the items of a `List`.
fn list_items(value: &Value) -> Result<Vec<&Value>, &'static str> {
    let kind = value["kind"].as_str().unwrap_or_default();
    let is_list = kind == "List" || (kind.ends_with("List") && value.get("items").is_some());
    if !is_list {
        return Ok(vec![value]);
    }
    match &value["items"] {
        Value::Array(items) => Ok(items.iter().collect()),
        Value::Null => Ok(Vec::new()),
        _ => Err("`items` of a List is not a sequence"),
    }
}

fn object_health(
    object: &Value,
    document: usize,
    line: usize,
) -> Result<ObjectHealth, &'static str> {
    if !object.is_object() {
        return Err("not a mapping");
    }
    let text = |value: &Value| value.as_str().unwrap_or_default().to_string();
    let api_version = text(&object["apiVersion"]);
    let kind = text(&object["kind"]);
    if api_version.is_empty() {
        return Err("no `apiVersion`");
    }
    if kind.is_empty() {
        return Err("no `kind`");
    }
    let (assessed, status, message) = match assess(object) {
        Some(health) => (true, Some(health.status), health.message),
        None => (
            false,
            None,
            format!("no health check for {kind} (not assessed)"),
        ),
    };
    Ok(ObjectHealth {
        document,
        line,
        api_version,
        kind,
        namespace: text(&object["metadata"]["namespace"]),
        name: text(&object["metadata"]["name"]),
        assessed,
        status,
        message,
    })
}

fn write_rows(out: &mut impl Write, rows: &[ObjectHealth]) -> std::io::Result<()> {
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            vec![
                row.kind.clone(),
                or_dash(&row.namespace),
                or_dash(&row.name),
                row.status
                    .map_or_else(|| "-".to_string(), |status| status.to_string()),
                row.message.replace('\n', " "),
            ]
        })
        .collect();
    write_table(
        out,
        &["KIND", "NAMESPACE", "NAME", "HEALTH", "MESSAGE"],
        &table,
    )
}

fn or_dash(text: &str) -> String {
    if text.is_empty() {
        "-".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "\
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {type: ClusterIP}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Pod
    metadata: {name: worker}
    spec: {restartPolicy: Always}
    status: {phase: Pending}
";

    #[test]
    fn each_object_gets_its_health_or_is_marked_not_assessed() {
        let rows = assess_text("f.yaml", STREAM).unwrap();
        let summary: Vec<(&str, &str, Option<HealthStatus>, usize)> = rows
            .iter()
            .map(|row| (row.kind.as_str(), row.name.as_str(), row.status, row.line))
            .collect();
        assert_eq!(
            summary,
            [
                ("Service", "web", Some(HealthStatus::Healthy), 1),
                ("ConfigMap", "settings", None, 6),
                ("Pod", "worker", Some(HealthStatus::Progressing), 10),
            ]
        );
        assert!(!rows[1].assessed);
        assert_eq!(
            rows[1].message,
            "no health check for ConfigMap (not assessed)"
        );
        assert_eq!(exit_status(&rows), ExitCode::FAILURE);
        assert_eq!(exit_status(&rows[..2]), ExitCode::SUCCESS);
    }

    #[test]
    fn unusable_input_names_the_file_and_document() {
        let error = assess_text("bad.yaml", "kind: Service\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "bad.yaml: document 1 (line 1) is not a Kubernetes object: no `apiVersion`"
        );
        let error = assess_text("list.yaml", "---\n- a\n- b\n").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("list.yaml: document 1 (line 2)"),
            "{error}"
        );
        let error = assess_text(
            "items.yaml",
            "apiVersion: v1\nkind: List\nitems: [{kind: Pod}]\n",
        )
        .unwrap_err();
        assert!(
            error.to_string().ends_with("items[0]: no `apiVersion`"),
            "{error}"
        );
        assert!(matches!(
            assess_text("empty.yaml", "# nothing\n"),
            Err(InputError::Empty { .. })
        ));
        assert!(matches!(
            assess_text("syntax.yaml", "a: [\n"),
            Err(InputError::Yaml { .. })
        ));
    }

    #[test]
    fn the_table_shows_dashes_for_what_is_not_there() {
        let rows = assess_text("f.yaml", STREAM).unwrap();
        let mut out = Vec::new();
        write_rows(&mut out, &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("KIND"), "{text}");
        assert!(
            lines[1].starts_with("Service    shop       web       Healthy"),
            "{text}"
        );
        assert!(lines[2].contains("settings  -"), "{text}");
    }
}
