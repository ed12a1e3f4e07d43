//! [`Resource`]: one object during a kustomize build, with the names and
//! namespaces it has had.
//!
//! Kustomize fixes references (a Deployment naming a ConfigMap) only after
//! every prefix, suffix, namespace and hash has been applied, by matching the
//! name a referrer wrote against every name the target ever had. Keeping that
//! history on the resource is what makes the final pass possible.

use serde_json::{Map, Value};

use crate::engine::manifest::{Manifest, Origin};

/// How a generated ConfigMap or Secret relates to what is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    Create,
    Merge,
    Replace,
}

/// An object being built.
#[derive(Debug, Clone)]
pub struct Resource {
    /// Always a JSON object.
    pub object: Value,
    pub origin: Origin,
    /// Every name this object has had, oldest first (the current one last).
    pub names: Vec<String>,
    /// Every namespace this object has had, oldest first ("" for none).
    pub namespaces: Vec<String>,
    /// A generated object whose name gets kustomize's content hash suffix
    /// at the end of the build.
    pub needs_hash: bool,
    /// The prefixes and suffixes applied to it (`prefix|suffix`), in order:
    /// kustomize uses them to tell apart same-named objects of different
    /// overlays when fixing references.
    pub lineage: Vec<String>,
}

impl Resource {
    pub fn new(manifest: Manifest) -> Resource {
        let name = manifest.name().to_string();
        let namespace = manifest.namespace().unwrap_or_default().to_string();
        Resource {
            object: manifest.object,
            origin: manifest.origin,
            names: vec![name],
            namespaces: vec![namespace],
            needs_hash: false,
            lineage: Vec::new(),
        }
    }

    /// The finished object. Kustomize writes no `metadata.annotations`
    /// that is null or empty (it rebuilds the map after removing its own
    /// internal annotations), while an empty `labels` is kept as written.
    pub fn into_manifest(mut self) -> Manifest {
        if let Some(metadata) = self
            .object
            .get_mut("metadata")
            .and_then(Value::as_object_mut)
            && metadata
                .get("annotations")
                .is_some_and(|annotations| match annotations {
                    Value::Null => true,
                    Value::Object(map) => map.is_empty(),
                    _ => false,
                })
        {
            metadata.remove("annotations");
        }
        Manifest {
            object: self.object,
            origin: self.origin,
        }
    }

    pub fn api_version(&self) -> &str {
        self.object["apiVersion"].as_str().unwrap_or_default()
    }

    pub fn group(&self) -> &str {
        self.api_version()
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }

    pub fn version(&self) -> &str {
        let api_version = self.api_version();
        api_version
            .rsplit_once('/')
            .map_or(api_version, |(_, version)| version)
    }

    pub fn kind(&self) -> &str {
        self.object["kind"].as_str().unwrap_or_default()
    }

    pub fn name(&self) -> &str {
        self.object["metadata"]["name"].as_str().unwrap_or_default()
    }

    pub fn namespace(&self) -> &str {
        self.object["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
    }

    /// Whether the object had `name` at some point of the build.
    pub fn had_name(&self, name: &str) -> bool {
        self.names.iter().any(|known| known == name)
    }

    /// Whether the object was in `namespace` at some point of the build.
    pub fn had_namespace(&self, namespace: &str) -> bool {
        self.namespaces.iter().any(|known| known == namespace)
    }

    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        object_field(&mut self.object, "metadata")
    }

    pub fn set_name(&mut self, name: String) {
        if self.name() != name {
            self.names.push(name.clone());
        }
        self.metadata_mut()
            .insert("name".into(), Value::String(name));
    }

    pub fn set_namespace(&mut self, namespace: String) {
        if self.namespace() != namespace {
            self.namespaces.push(namespace.clone());
        }
        self.metadata_mut()
            .insert("namespace".into(), Value::String(namespace));
    }

    /// `metadata.labels` or `metadata.annotations` as a string map.
    pub fn string_map(&self, field: &str) -> Map<String, Value> {
        self.object["metadata"][field]
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    /// A printable identity, as kustomize prints one in errors.
    pub fn id(&self) -> String {
        let namespace = self.namespace();
        if namespace.is_empty() {
            format!("{}/{}", self.kind(), self.name())
        } else {
            format!("{}/{}/{}", self.kind(), namespace, self.name())
        }
    }
}

/// The object under `key` in `value`, created (and a non-object replaced)
/// when missing.
pub fn object_field<'a>(value: &'a mut Value, key: &str) -> &'a mut Map<String, Value> {
    if !value.is_object() {
        *value = Value::Object(Map::new());
    }
    let Value::Object(map) = value else {
        unreachable!("just made an object")
    };
    let entry = map
        .entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()));
    if !entry.is_object() {
        *entry = Value::Object(Map::new());
    }
    match entry {
        Value::Object(inner) => inner,
        _ => unreachable!("just made an object"),
    }
}
