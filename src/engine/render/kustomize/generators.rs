//! `configMapGenerator` and `secretGenerator`: ConfigMaps and Secrets built
//! from literals, files and env files, merged into (or replacing) objects of
//! the bases according to `behavior`.

use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Map, Value};

use super::KustomizeError;
use super::kustomization::{GeneratorArgs, GeneratorOptions};
use super::resource::{Behavior, Resource};
use super::resources::read_local_file;
use crate::engine::manifest::Origin;
use crate::engine::source::{RepoPath, SourceTree};

/// ConfigMap or Secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratorKind {
    ConfigMap,
    Secret,
}

impl GeneratorKind {
    pub fn field(self) -> &'static str {
        match self {
            GeneratorKind::ConfigMap => "configMapGenerator",
            GeneratorKind::Secret => "secretGenerator",
        }
    }

    fn kind(self) -> &'static str {
        match self {
            GeneratorKind::ConfigMap => "ConfigMap",
            GeneratorKind::Secret => "Secret",
        }
    }
}

/// Where a generator reads its files: the kustomization's directory.
pub struct GeneratorContext<'a> {
    pub tree: &'a dyn SourceTree,
    pub file: &'a RepoPath,
    pub dir: &'a RepoPath,
    pub global: Option<&'a GeneratorOptions>,
}

/// Runs one generator and adds its object to `resources` as `behavior` says.
pub fn run_generator(
    context: &GeneratorContext<'_>,
    kind: GeneratorKind,
    index: usize,
    args: &GeneratorArgs,
    resources: &mut Vec<Resource>,
) -> Result<(), KustomizeError> {
    let field = |name: &str| format!("{}[{index}].{name}", kind.field());
    let fail = |message: String| KustomizeError::Generator {
        file: context.file.clone(),
        generator: kind.field(),
        name: args.name.clone(),
        message,
    };
    if args.name.is_empty() {
        return Err(KustomizeError::invalid(
            context.file,
            field("name"),
            "is required",
        ));
    }
    let behavior = match args.behavior.as_str() {
        "" | "create" => Behavior::Create,
        "merge" => Behavior::Merge,
        "replace" => Behavior::Replace,
        other => {
            return Err(KustomizeError::invalid(
                context.file,
                field("behavior"),
                format!("unknown behavior '{other}' (expected create, merge or replace)"),
            ));
        }
    };
    if kind == GeneratorKind::ConfigMap && !args.kind.is_empty() {
        return Err(KustomizeError::UnknownField {
            file: context.file.clone(),
            field: field("type"),
        });
    }

    let pairs = collect_pairs(context, kind, index, args)?;
    let mut data = Map::new();
    let mut binary = Map::new();
    for (key, bytes) in pairs {
        if data.contains_key(&key) || binary.contains_key(&key) {
            return Err(fail(format!("key '{key}' is defined more than once")));
        }
        match (kind, String::from_utf8(bytes)) {
            (GeneratorKind::ConfigMap, Ok(text)) => {
                data.insert(key, Value::String(text));
            }
            (GeneratorKind::ConfigMap, Err(raw)) => {
                binary.insert(key, Value::String(encode_base64(raw.as_bytes())));
            }
            (GeneratorKind::Secret, result) => {
                let bytes = result.map_or_else(|raw| raw.into_bytes(), String::into_bytes);
                data.insert(key, Value::String(encode_base64(&bytes)));
            }
        }
    }

    let local = args.options.as_ref();
    let mut labels = context.global.map(|o| o.labels.clone()).unwrap_or_default();
    let mut annotations = context
        .global
        .map(|o| o.annotations.clone())
        .unwrap_or_default();
    if let Some(local) = local {
        labels.extend(local.labels.clone());
        annotations.extend(local.annotations.clone());
    }
    // Kustomize ORs the global and local flags: a local `false` cannot
    // undo a global `true`.
    let pick = |get: fn(&GeneratorOptions) -> Option<bool>| {
        local.and_then(get).unwrap_or(false) || context.global.and_then(get).unwrap_or(false)
    };
    let disable_hash = pick(|o| o.disable_name_suffix_hash);
    let immutable = pick(|o| o.immutable);

    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(args.name.clone()));
    if !args.namespace.is_empty() {
        metadata.insert("namespace".into(), Value::String(args.namespace.clone()));
    }
    if !labels.is_empty() {
        metadata.insert("labels".into(), string_map(&labels));
    }
    if !annotations.is_empty() {
        metadata.insert("annotations".into(), string_map(&annotations));
    }
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::String("v1".into()));
    object.insert("kind".into(), Value::String(kind.kind().into()));
    object.insert("metadata".into(), Value::Object(metadata));
    if !data.is_empty() {
        object.insert("data".into(), Value::Object(data));
    }
    if !binary.is_empty() {
        object.insert("binaryData".into(), Value::Object(binary));
    }
    if kind == GeneratorKind::Secret {
        let secret_type = if args.kind.is_empty() {
            "Opaque"
        } else {
            &args.kind
        };
        object.insert("type".into(), Value::String(secret_type.into()));
    }
    if immutable {
        object.insert("immutable".into(), Value::Bool(true));
    }
    let generated = Resource {
        object: Value::Object(object),
        origin: Origin {
            file: Arc::from(context.file.as_str()),
            document: 0,
            line: 1,
        },
        names: vec![args.name.clone()],
        namespaces: vec![args.namespace.clone()],
        needs_hash: !disable_hash,
        lineage: Vec::new(),
    };

    let existing = resources.iter().position(|resource| {
        resource.kind() == kind.kind()
            && resource.group().is_empty()
            && resource.had_name(&args.name)
            && (args.namespace.is_empty() || resource.had_namespace(&args.namespace))
    });
    match (behavior, existing) {
        (Behavior::Create, None) => resources.push(generated),
        (Behavior::Create, Some(_)) => {
            return Err(fail(
                "an object with this name already exists; use behavior merge or replace"
                    .to_string(),
            ));
        }
        (_, None) => {
            return Err(fail(format!(
                "behavior {} needs an existing {} with this name",
                args.behavior,
                kind.kind()
            )));
        }
        (behavior, Some(at)) => {
            let old = &mut resources[at];
            absorb(old, generated, behavior);
        }
    }
    Ok(())
}

/// Merges or replaces `old` with `new`, as kustomize does: the old object
/// keeps its identity (name history, namespace); labels and annotations
/// are merged; data is merged (new keys win) or replaced.
fn absorb(old: &mut Resource, new: Resource, behavior: Behavior) {
    let Value::Object(new_object) = new.object else {
        return;
    };
    for field in ["labels", "annotations"] {
        let mut merged = old.string_map(field);
        if let Some(Value::Object(extra)) = new_object["metadata"].get(field) {
            merged.extend(extra.clone());
        }
        if !merged.is_empty() {
            old.metadata_mut()
                .insert(field.to_string(), Value::Object(merged));
        }
    }
    let Value::Object(old_object) = &mut old.object else {
        return;
    };
    for field in ["data", "binaryData"] {
        let incoming = new_object.get(field).cloned();
        match behavior {
            Behavior::Merge => {
                if let Some(Value::Object(incoming)) = incoming {
                    let entry = old_object
                        .entry(field.to_string())
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Value::Object(target) = entry {
                        target.extend(incoming);
                    }
                }
            }
            _ => match incoming {
                Some(value) => {
                    old_object.insert(field.to_string(), value);
                }
                None => {
                    old_object.remove(field);
                }
            },
        }
    }
    if let Some(immutable) = new_object.get("immutable") {
        old_object.insert("immutable".into(), immutable.clone());
    }
    old.needs_hash = new.needs_hash;
}

/// Base64 as kustomize writes it: an encoding of 70 characters or more is
/// cut into lines of 70, each ending in a newline (this text is what the
/// content hash sees, so it must match byte for byte).
fn encode_base64(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

fn string_map(map: &std::collections::BTreeMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect(),
    )
}

/// The key/value pairs of a generator, in kustomize's order: env files,
/// then literals, then files.
fn collect_pairs(
    context: &GeneratorContext<'_>,
    kind: GeneratorKind,
    index: usize,
    args: &GeneratorArgs,
) -> Result<Vec<(String, Vec<u8>)>, KustomizeError> {
    let field = |name: &str, at: usize| format!("{}[{index}].{name}[{at}]", kind.field());
    let mut pairs = Vec::new();
    let mut env_files: Vec<&String> = args.envs.iter().collect();
    if !args.env.is_empty() {
        env_files.push(&args.env);
    }
    for (at, env) in env_files.into_iter().enumerate() {
        let bytes = read_local_file(context.tree, context.file, context.dir, env)?;
        let text = String::from_utf8(bytes).map_err(|_| {
            KustomizeError::invalid(
                context.file,
                field("envs", at),
                format!("'{env}' is not UTF-8"),
            )
        })?;
        for (line_number, line) in text.lines().enumerate() {
            let line = if line_number == 0 {
                line.trim_start_matches('\u{feff}')
            } else {
                line
            };
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // A line with no `=` makes kustomize read the variable from its
            // own environment. A render must not depend on (or leak) the
            // environment fleetdeck happens to run in, so the value is the
            // one kustomize gives an unset variable: empty.
            let (key, value) = line.split_once('=').unwrap_or((line.trim_end(), ""));
            pairs.push((key.to_string(), value.as_bytes().to_vec()));
        }
    }
    for (at, literal) in args.literals.iter().enumerate() {
        let Some((key, value)) = literal.split_once('=').filter(|(key, _)| !key.is_empty()) else {
            return Err(KustomizeError::invalid(
                context.file,
                field("literals", at),
                format!("invalid literal '{literal}', expected key=value"),
            ));
        };
        pairs.push((key.to_string(), remove_quotes(value).as_bytes().to_vec()));
    }
    for (at, source) in args.files.iter().enumerate() {
        let (key, path) = match source.split_once('=') {
            Some((key, path)) if !key.is_empty() && !path.is_empty() => (key.to_string(), path),
            Some(_) => {
                return Err(KustomizeError::invalid(
                    context.file,
                    field("files", at),
                    format!("invalid file source '{source}', expected [key=]path"),
                ));
            }
            None => {
                let name = source.rsplit('/').next().unwrap_or(source).to_string();
                (name, source.as_str())
            }
        };
        let bytes = read_local_file(context.tree, context.file, context.dir, path)?;
        pairs.push((key, bytes));
    }
    Ok(pairs)
}

/// Strips one pair of matching surrounding quotes, as kustomize does for
/// literal values.
fn remove_quotes(value: &str) -> &str {
    let bytes = value.as_bytes();
    if bytes.len() >= 2
        && bytes[0] == bytes[bytes.len() - 1]
        && (bytes[0] == b'"' || bytes[0] == b'\'')
    {
        &value[1..value.len() - 1]
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::source::FsTree;

    #[test]
    fn base64_lines_of_seventy_as_kustomize_writes_them() {
        assert_eq!(encode_base64(b"v"), "dg==");
        let long = encode_base64(&[0u8; 60]);
        let lines: Vec<&str> = long.split_terminator('\n').collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), 70);
        assert!(long.ends_with('\n'));
        // 68 characters stay on one line; 72 become lines of 70 and 2,
        // each ending in a newline.
        assert_eq!(encode_base64(&[1u8; 51]).len(), 68);
        assert_eq!(encode_base64(&[1u8; 52]).len(), 72 + 2);
    }

    #[test]
    fn literals_envs_and_files_with_quotes_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("k");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("a.env"), "\u{feff}# c\n  X=1\nY=\"q\"\n\n").unwrap();
        std::fs::write(root.join("f.txt"), "body").unwrap();
        let tree = FsTree::new(dir.path());
        let file = RepoPath::new("k/kustomization.yaml").unwrap();
        let dir_path = RepoPath::new("k").unwrap();
        let context = GeneratorContext {
            tree: &tree,
            file: &file,
            dir: &dir_path,
            global: None,
        };
        let args = GeneratorArgs {
            name: "c".into(),
            literals: vec!["l='v'".into(), "e=a=b".into()],
            envs: vec!["a.env".into()],
            files: vec!["key=f.txt".into()],
            ..GeneratorArgs::default()
        };
        let mut resources = Vec::new();
        run_generator(&context, GeneratorKind::ConfigMap, 0, &args, &mut resources).unwrap();
        let data = &resources[0].object["data"];
        assert_eq!(data["X"], "1");
        assert_eq!(data["Y"], "\"q\"");
        assert_eq!(data["l"], "v");
        assert_eq!(data["e"], "a=b");
        assert_eq!(data["key"], "body");
        assert!(resources[0].needs_hash);

        let duplicate = GeneratorArgs {
            name: "d".into(),
            literals: vec!["a=1".into(), "a=2".into()],
            ..GeneratorArgs::default()
        };
        let error = run_generator(
            &context,
            GeneratorKind::ConfigMap,
            1,
            &duplicate,
            &mut resources,
        )
        .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("key 'a' is defined more than once"),
            "{error}"
        );

        let bad = GeneratorArgs {
            name: "e".into(),
            literals: vec!["novalue".into()],
            ..GeneratorArgs::default()
        };
        let error =
            run_generator(&context, GeneratorKind::Secret, 0, &bad, &mut resources).unwrap_err();
        assert_eq!(
            error.to_string(),
            "k/kustomization.yaml: field 'secretGenerator[0].literals[0]': invalid literal 'novalue', expected key=value"
        );
    }
}
