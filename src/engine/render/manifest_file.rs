//! One manifest file (YAML stream or JSON) to objects, as Argo CD reads a
//! directory source: empty documents skipped, `List` kinds flattened, and
//! every object required to say what it is (`apiVersion`, `kind`).

use std::sync::Arc;

use serde_json::Value;

use super::FileError;
use crate::engine::manifest::{Manifest, Origin};
use crate::engine::source::RepoPath;
use crate::engine::yaml;

/// Parses one file. `.json` files are read as JSON (an object, or an array
/// of objects); everything else as a YAML stream.
pub fn parse_manifest_file(file: &RepoPath, bytes: &[u8]) -> Result<Vec<Manifest>, FileError> {
    parse_objects(file, bytes, ApiVersion::Required)
}

/// Parses a file named in a kustomization's `resources`. Kustomize builds
/// objects that have a `kind` but no `apiVersion` (its own examples do) and
/// prints them; refusing them would fail builds `kubectl kustomize` passes.
pub fn parse_kustomize_resource_file(
    file: &RepoPath,
    bytes: &[u8],
) -> Result<Vec<Manifest>, FileError> {
    parse_objects(file, bytes, ApiVersion::Optional)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ApiVersion {
    Required,
    Optional,
}

fn parse_objects(
    file: &RepoPath,
    bytes: &[u8],
    api_version: ApiVersion,
) -> Result<Vec<Manifest>, FileError> {
    let error = |line: Option<usize>, document: Option<usize>, message: String| FileError {
        file: file.clone(),
        line,
        document,
        message,
    };
    let text = std::str::from_utf8(bytes)
        .map_err(|utf8| error(None, None, format!("not UTF-8 text ({utf8})")))?;
    let documents = if file.as_str().ends_with(".json") {
        json_documents(text)
            .map_err(|json| error(Some(json.line()), None, format!("invalid JSON: {json}")))?
    } else {
        let parse = match api_version {
            ApiVersion::Required => yaml::parse_documents,
            ApiVersion::Optional => yaml::parse_kustomize_documents,
        };
        parse(text).map_err(|yaml| error(Some(yaml.line), Some(yaml.document), yaml.message))?
    };

    let file_name: Arc<str> = Arc::from(file.as_str());
    let mut manifests = Vec::new();
    for document in documents {
        let origin = Origin {
            file: file_name.clone(),
            document: document.index,
            line: document.start_line,
        };
        let invalid = |message: &str| {
            error(
                Some(document.start_line),
                Some(document.index),
                message.to_string(),
            )
        };
        push_objects(
            document.value,
            &origin,
            api_version,
            &mut manifests,
            &invalid,
        )?;
    }
    Ok(manifests)
}

/// Adds the object (or the items of a list object) to `out`.
fn push_objects(
    value: Value,
    origin: &Origin,
    api_version: ApiVersion,
    out: &mut Vec<Manifest>,
    invalid: &dyn Fn(&str) -> FileError,
) -> Result<(), FileError> {
    let Value::Object(mut object) = value else {
        return Err(invalid(
            "document is not a Kubernetes object (expected a mapping)",
        ));
    };
    let kind = object
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if kind.ends_with("List") && object.get("items").is_some_and(Value::is_array) {
        if let Some(Value::Array(items)) = object.remove("items") {
            for item in items {
                push_objects(item, origin, api_version, out, invalid)?;
            }
        }
        return Ok(());
    }
    if kind.is_empty() {
        return Err(invalid("object has no `kind`"));
    }
    if api_version == ApiVersion::Required
        && object
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
    {
        return Err(invalid(&format!("{kind} object has no `apiVersion`")));
    }
    out.push(Manifest {
        object: Value::Object(object),
        origin: origin.clone(),
    });
    Ok(())
}

fn json_documents(text: &str) -> Result<Vec<yaml::YamlDocument>, serde_json::Error> {
    let value: Value = serde_json::from_str(text)?;
    let values = match value {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        other => vec![other],
    };
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(index, value)| yaml::YamlDocument {
            index,
            start_line: 1,
            value,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> RepoPath {
        RepoPath::new(text).unwrap()
    }

    #[test]
    fn yaml_stream_with_list_and_empty_documents() {
        let text = "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Secret, metadata: {name: b}}\n  - {apiVersion: v1, kind: Service, metadata: {name: c}}\n";
        let manifests = parse_manifest_file(&path("x/all.yaml"), text.as_bytes()).unwrap();
        let names: Vec<_> = manifests.iter().map(|m| m.name()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(manifests[1].origin.document, 2);
        assert_eq!(manifests[1].origin.line, 7);
        assert_eq!(&*manifests[0].origin.file, "x/all.yaml");
    }

    #[test]
    fn json_object_and_array() {
        let one = parse_manifest_file(
            &path("a.json"),
            br#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"j"}}"#,
        )
        .unwrap();
        assert_eq!(one[0].name(), "j");
        let many = parse_manifest_file(
            &path("b.json"),
            br#"[{"apiVersion":"v1","kind":"A","metadata":{"name":"1"}},{"apiVersion":"v1","kind":"B","metadata":{"name":"2"}}]"#,
        )
        .unwrap();
        assert_eq!(many.len(), 2);
        assert_eq!(many[1].origin.document, 1);
    }

    #[test]
    fn errors_name_file_line_and_document() {
        let bad =
            parse_manifest_file(&path("apps/web/bad.yaml"), b"kind: A\nmetadata: [\n").unwrap_err();
        assert_eq!(bad.file.as_str(), "apps/web/bad.yaml");
        assert!(bad.line.is_some());
        assert!(bad.to_string().starts_with("apps/web/bad.yaml:"), "{bad}");

        let no_kind =
            parse_manifest_file(&path("m.yaml"), b"apiVersion: v1\n---\nfoo: bar\n").unwrap_err();
        assert_eq!(no_kind.document, Some(0));
        assert!(no_kind.message.contains("kind"));

        let no_version =
            parse_manifest_file(&path("m.yaml"), b"---\nkind: Pod\nmetadata: {}\n").unwrap_err();
        assert!(no_version.message.contains("apiVersion"), "{no_version}");

        let scalar = parse_manifest_file(&path("m.yaml"), b"just text\n").unwrap_err();
        assert!(scalar.message.contains("mapping"));

        let json = parse_manifest_file(&path("m.json"), b"{\n\"kind\": \n").unwrap_err();
        assert_eq!(json.line, Some(3));
    }
}
