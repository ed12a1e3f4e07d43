//! Loading a kustomization and everything it includes: resource files,
//! resource directories (other kustomizations, legacy `bases`) and
//! components, with cycle detection, then running its generators and
//! transformers in kustomize's order.
//!
//! Like kustomize's default load restrictor, files (resources, patches,
//! generator inputs) must sit in or below the kustomization's directory;
//! only other kustomization directories may be reached through `..`.

use std::collections::HashSet;

use super::KustomizeError;
use super::generators::{GeneratorContext, GeneratorKind, run_generator};
use super::images::set_images;
use super::kustomization::{Kustomization, KustomizationKind};
use super::labels::{LabelScope, add_annotations, add_labels};
use super::namespace::set_namespace;
use super::patches::{
    PatchContext, apply_json6902_patches, apply_patches, apply_strategic_merge_patches,
};
use super::prefix_suffix::add_prefix_suffix;
use super::replicas::set_replicas;
use super::resource::Resource;
use super::transformers::{TransformerContext, run_transformer};
use super::vars::Var;
use crate::engine::render::{KUSTOMIZATION_FILES, parse_kustomize_resource_file};
use crate::engine::source::{RepoPath, SourceTree};

/// A parsed kustomization and where it lives.
pub struct Loaded {
    pub file: RepoPath,
    pub dir: RepoPath,
    pub kustomization: Kustomization,
}

/// Finds and parses the kustomization file of `dir`.
pub fn load_kustomization(tree: &dyn SourceTree, dir: &RepoPath) -> Result<Loaded, KustomizeError> {
    let read = |context: &str, path: &RepoPath| {
        tree.read_file(path)
            .map_err(|error| KustomizeError::source(context.to_string(), error))
    };
    let mut found = Vec::new();
    for name in KUSTOMIZATION_FILES {
        let file = join(dir, name, dir)?;
        if let Some(bytes) = read(file.as_str(), &file)? {
            found.push((file, bytes));
        }
    }
    if found.len() > 1 {
        return Err(KustomizeError::InvalidFile {
            file: found[1].0.clone(),
            message: format!(
                "found more than one kustomization file in '{dir}'; keep only {}",
                found[0].0.file_name().unwrap_or_default()
            ),
        });
    }
    let Some((file, bytes)) = found.pop() else {
        return Err(KustomizeError::MissingKustomization {
            tree: tree.describe(),
            path: dir.clone(),
        });
    };
    let kustomization = Kustomization::parse(&file, &bytes)?;
    Ok(Loaded {
        file,
        dir: dir.clone(),
        kustomization,
    })
}

/// Reads a file named by a kustomization, refusing paths outside its
/// directory (kustomize's default load restriction).
pub fn read_local_file(
    tree: &dyn SourceTree,
    file: &RepoPath,
    dir: &RepoPath,
    entry: &str,
) -> Result<Vec<u8>, KustomizeError> {
    let path = join(dir, entry, file)?;
    if !is_within(&path, dir) {
        return Err(KustomizeError::NotFound {
            file: file.clone(),
            entry: format!("{entry}' is outside the kustomization directory '{dir}"),
        });
    }
    tree.read_file(&path)
        .map_err(|error| KustomizeError::source(file.to_string(), error))?
        .ok_or_else(|| KustomizeError::NotFound {
            file: file.clone(),
            entry: entry.to_string(),
        })
}

fn join(dir: &RepoPath, entry: &str, file: &RepoPath) -> Result<RepoPath, KustomizeError> {
    dir.join(entry).map_err(|_| KustomizeError::NotFound {
        file: file.clone(),
        entry: format!("{entry}' (outside the repository"),
    })
}

fn is_within(path: &RepoPath, dir: &RepoPath) -> bool {
    dir.is_root() || path.as_str().starts_with(&format!("{}/", dir.as_str()))
}

/// Whether a `resources` entry is a URL kustomize would fetch.
fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("git@")
        || entry.starts_with("github.com/")
        || entry.starts_with("gitlab.com/")
        || entry.starts_with("bitbucket.org/")
}

/// Builds kustomizations, remembering which directories are being built so
/// a cycle is an error rather than a stack overflow.
pub struct Builder<'a> {
    tree: &'a dyn SourceTree,
    stack: Vec<RepoPath>,
    /// Every `vars` entry met in the build, resolved once at its end.
    pub vars: Vec<Var>,
}

impl<'a> Builder<'a> {
    pub fn new(tree: &'a dyn SourceTree) -> Builder<'a> {
        Builder {
            tree,
            stack: Vec::new(),
            vars: Vec::new(),
        }
    }

    /// Runs one kustomization (or component) on top of `resources`.
    pub fn accumulate(
        &mut self,
        loaded: &Loaded,
        resources: &mut Vec<Resource>,
    ) -> Result<(), KustomizeError> {
        if self.stack.contains(&loaded.dir) {
            let mut chain: Vec<String> = self.stack.iter().map(ToString::to_string).collect();
            chain.push(loaded.dir.to_string());
            return Err(KustomizeError::Cycle { chain });
        }
        self.stack.push(loaded.dir.clone());
        let result = self.run(loaded, resources);
        self.stack.pop();
        result
    }

    fn run(
        &mut self,
        loaded: &Loaded,
        resources: &mut Vec<Resource>,
    ) -> Result<(), KustomizeError> {
        let Loaded {
            file,
            dir,
            kustomization: k,
        } = loaded;
        for entry in k.resources.iter().chain(&k.bases) {
            self.add_resource(file, dir, entry, resources)?;
        }
        for var in &k.vars {
            if self.vars.iter().any(|known| known.name == var.name) {
                return Err(KustomizeError::invalid(
                    file,
                    "vars",
                    format!("var '{}' is declared more than once in the build", var.name),
                ));
            }
            self.vars.push(var.clone());
        }
        check_unique(file, resources)?;

        let generators = GeneratorContext {
            tree: self.tree,
            file,
            dir,
            global: k.generator_options.as_ref(),
        };
        for (index, args) in k.config_map_generator.iter().enumerate() {
            run_generator(
                &generators,
                GeneratorKind::ConfigMap,
                index,
                args,
                resources,
            )?;
        }
        for (index, args) in k.secret_generator.iter().enumerate() {
            run_generator(&generators, GeneratorKind::Secret, index, args, resources)?;
        }

        for entry in &k.components {
            if is_remote(entry) {
                return Err(KustomizeError::RemoteResource {
                    file: file.clone(),
                    entry: entry.clone(),
                });
            }
            let path = join(dir, entry, file)?;
            if self
                .tree
                .list_dir(&path)
                .map_err(|error| KustomizeError::source(file.to_string(), error))?
                .is_none()
            {
                return Err(KustomizeError::NotFound {
                    file: file.clone(),
                    entry: entry.clone(),
                });
            }
            let component = load_kustomization(self.tree, &path)?;
            self.expect_kind(file, entry, &component, KustomizationKind::Component)?;
            self.accumulate(&component, resources)?;
        }

        let schema_kinds = match &k.openapi {
            Some(openapi) if !openapi.path.is_empty() => {
                schema_kinds(self.tree, file, dir, &openapi.path)?
            }
            _ => Vec::new(),
        };
        let patches = PatchContext {
            tree: self.tree,
            file,
            dir,
            schema_kinds: &schema_kinds,
        };
        apply_strategic_merge_patches(&patches, &k.patches_strategic_merge, resources)?;
        apply_patches(&patches, &k.patches, resources)?;
        set_namespace(resources, &k.namespace);
        add_prefix_suffix(resources, &k.name_prefix, &k.name_suffix);
        add_labels(
            resources,
            &k.common_labels,
            LabelScope {
                selectors: true,
                templates: true,
            },
        );
        for label in &k.labels {
            add_labels(
                resources,
                &label.pairs,
                LabelScope {
                    selectors: label.include_selectors,
                    templates: label.include_templates,
                },
            );
        }
        add_annotations(resources, &k.common_annotations);
        apply_json6902_patches(&patches, &k.patches_json6902, resources)?;
        set_replicas(file, resources, &k.replicas)?;
        set_images(resources, &k.images);
        self.run_transformers(file, dir, &k.transformers, resources)
    }

    /// `transformers:` entries, each a configuration file, a directory
    /// whose build yields configurations, or inline YAML.
    fn run_transformers(
        &mut self,
        file: &RepoPath,
        dir: &RepoPath,
        entries: &[String],
        resources: &mut [Resource],
    ) -> Result<(), KustomizeError> {
        let context = TransformerContext { file, dir };
        for (index, entry) in entries.iter().enumerate() {
            let mut configs = Vec::new();
            if entry.contains('\n') {
                let documents = crate::engine::yaml::parse_documents(entry).map_err(|error| {
                    KustomizeError::invalid(
                        file,
                        format!("transformers[{index}]"),
                        error.to_string(),
                    )
                })?;
                configs.extend(documents.into_iter().map(|document| document.value));
            } else {
                let mut loaded = Vec::new();
                self.add_resource(file, dir, entry, &mut loaded)?;
                configs.extend(loaded.into_iter().map(|config| config.object));
            }
            for config in &configs {
                run_transformer(&context, index, config, resources)?;
            }
        }
        Ok(())
    }

    fn expect_kind(
        &self,
        file: &RepoPath,
        entry: &str,
        loaded: &Loaded,
        expected: KustomizationKind,
    ) -> Result<(), KustomizeError> {
        let found = loaded
            .kustomization
            .kind()
            .map_err(|message| KustomizeError::invalid(&loaded.file, "kind", message))?;
        if found != expected {
            return Err(KustomizeError::WrongKind {
                file: file.clone(),
                entry: entry.to_string(),
                found: found.name(),
                expected: expected.name(),
            });
        }
        Ok(())
    }

    fn add_resource(
        &mut self,
        file: &RepoPath,
        dir: &RepoPath,
        entry: &str,
        resources: &mut Vec<Resource>,
    ) -> Result<(), KustomizeError> {
        if is_remote(entry) {
            return Err(KustomizeError::RemoteResource {
                file: file.clone(),
                entry: entry.to_string(),
            });
        }
        let path = join(dir, entry, file)?;
        let source_error = |error| KustomizeError::source(file.to_string(), error);
        if let Some(bytes) = self.tree.read_file(&path).map_err(source_error)? {
            if !is_within(&path, dir) {
                return Err(KustomizeError::NotFound {
                    file: file.clone(),
                    entry: format!("{entry}' is outside the kustomization directory '{dir}"),
                });
            }
            let manifests =
                parse_kustomize_resource_file(&path, &bytes).map_err(KustomizeError::Manifest)?;
            for manifest in manifests {
                resources.push(Resource::new(manifest));
            }
            return Ok(());
        }
        if self.tree.list_dir(&path).map_err(source_error)?.is_none() {
            return Err(KustomizeError::NotFound {
                file: file.clone(),
                entry: entry.to_string(),
            });
        }
        let loaded = load_kustomization(self.tree, &path)?;
        self.expect_kind(file, entry, &loaded, KustomizationKind::Kustomization)?;
        let mut built = Vec::new();
        self.accumulate(&loaded, &mut built)?;
        resources.extend(built);
        Ok(())
    }
}

/// The (group, kind) pairs an `openapi` schema file declares with
/// `x-kubernetes-group-version-kind`.
///
/// fleetdeck does not read the schema's own merge keys: a kind it declares
/// merges its lists by the built-in keys (`containers` by `name`, ...),
/// which is what schemas for custom kinds embedding pod templates say.
fn schema_kinds(
    tree: &dyn SourceTree,
    file: &RepoPath,
    dir: &RepoPath,
    path: &str,
) -> Result<Vec<(String, String)>, KustomizeError> {
    let bytes = read_local_file(tree, file, dir, path)?;
    let invalid = |message: String| KustomizeError::invalid(file, "openapi.path", message);
    let text = String::from_utf8(bytes).map_err(|_| invalid(format!("'{path}' is not UTF-8")))?;
    let schema = crate::engine::yaml::parse_single(&text)
        .map_err(|error| invalid(format!("'{path}': {error}")))?;
    let mut kinds = Vec::new();
    let definitions = schema["definitions"].as_object().into_iter().flatten();
    for (_, definition) in definitions {
        let declared = definition["x-kubernetes-group-version-kind"].as_array();
        for gvk in declared.into_iter().flatten() {
            let group = gvk["group"].as_str().unwrap_or_default().to_string();
            let kind = gvk["kind"].as_str().unwrap_or_default().to_string();
            if !kind.is_empty() {
                kinds.push((group, kind));
            }
        }
    }
    Ok(kinds)
}

/// Two objects with one identity would silently overwrite each other on
/// the cluster; kustomize refuses them, and so does fleetdeck.
fn check_unique(file: &RepoPath, resources: &[Resource]) -> Result<(), KustomizeError> {
    let mut seen = HashSet::with_capacity(resources.len());
    for resource in resources {
        let id = (
            resource.group(),
            resource.kind(),
            resource.namespace(),
            resource.name(),
        );
        if !seen.insert(id) {
            return Err(KustomizeError::DuplicateResource {
                file: file.clone(),
                id: resource.id(),
            });
        }
    }
    Ok(())
}
