//! Argo CD's directory source: the `*.yaml`, `*.yml` and `*.json` files under
//! a path, optionally recursive, filtered by include / exclude globs.
//!
//! Matching follows Argo: patterns apply to the path relative to the source
//! path (`sub/app.yaml`), `*` also crosses `/`, `{a,b}` gives alternatives,
//! and exclude wins over include. Directories are walked in name order so the
//! output order is the same on every machine.

use globset::{Glob, GlobMatcher};
use serde::Serialize;

use super::{FileError, RenderError, parse_manifest_file};
use crate::engine::manifest::Manifest;
use crate::engine::source::{EntryKind, RepoPath, SourceTree};

/// `spec.source.directory` as far as plain manifests are concerned.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
pub struct DirectoryOptions {
    /// Walk sub-directories too (Argo's default is no).
    pub recurse: bool,
    pub include: Option<String>,
    pub exclude: Option<String>,
}

/// What a lenient load found: the objects of every good file, and one error
/// per bad file, so a listing can show the rest of the fleet and still name
/// the broken file.
#[derive(Debug, Clone, Default)]
pub struct DirectoryLoad {
    pub manifests: Vec<Manifest>,
    pub errors: Vec<FileError>,
    /// Manifest files read (after filtering), for progress and benchmarks.
    pub files: usize,
}

/// Loads every manifest file under `path`, collecting per-file errors
/// instead of stopping at the first. Fails only if the path itself cannot be
/// read or a pattern is invalid.
pub fn load_directory(
    tree: &dyn SourceTree,
    path: &RepoPath,
    options: &DirectoryOptions,
) -> Result<DirectoryLoad, RenderError> {
    let filter = FileFilter::new(options)?;
    let mut files = Vec::new();
    collect_files(tree, path, "", options.recurse, &filter, &mut files)?;

    let mut load = DirectoryLoad {
        files: files.len(),
        ..DirectoryLoad::default()
    };
    for parsed in parse_files(&files) {
        match parsed {
            Ok(manifests) => load.manifests.extend(manifests),
            Err(error) => load.errors.push(error),
        }
    }
    Ok(load)
}

/// Below this many files, threads cost more than they save.
const PARALLEL_THRESHOLD: usize = 64;

/// Parses files on all cores, keeping the files' order in the result:
/// parsing YAML is most of a cold render, and files are independent.
fn parse_files(files: &[(RepoPath, Vec<u8>)]) -> Vec<Result<Vec<Manifest>, FileError>> {
    let parse = |(file, bytes): &(RepoPath, Vec<u8>)| parse_manifest_file(file, bytes);
    let workers = std::thread::available_parallelism().map_or(1, |cores| cores.get());
    if workers < 2 || files.len() < PARALLEL_THRESHOLD {
        return files.iter().map(parse).collect();
    }
    let chunk_size = files.len().div_ceil(workers);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk_size)
            .map(|chunk| scope.spawn(move || chunk.iter().map(parse).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .zip(files.chunks(chunk_size))
            // A worker only panics if parsing panics; parse that chunk here
            // instead, so the panic (if real) surfaces on this thread.
            .flat_map(|(handle, chunk)| {
                handle
                    .join()
                    .unwrap_or_else(|_| chunk.iter().map(parse).collect())
            })
            .collect()
    })
}

/// Renders a directory source: every object, or an error listing every bad
/// file. A render is all or nothing, because applying part of an app is
/// worse than applying none of it.
pub fn render_directory(
    tree: &dyn SourceTree,
    path: &RepoPath,
    options: &DirectoryOptions,
) -> Result<Vec<Manifest>, RenderError> {
    let load = load_directory(tree, path, options)?;
    if load.errors.is_empty() {
        Ok(load.manifests)
    } else {
        Err(RenderError::InvalidFiles(load.errors))
    }
}

fn collect_files(
    tree: &dyn SourceTree,
    dir: &RepoPath,
    relative_dir: &str,
    recurse: bool,
    filter: &FileFilter,
    out: &mut Vec<(RepoPath, Vec<u8>)>,
) -> Result<(), RenderError> {
    for entry in tree.require_dir(dir)? {
        let path = dir.join(&entry.name)?;
        let relative = if relative_dir.is_empty() {
            entry.name.clone()
        } else {
            format!("{relative_dir}/{}", entry.name)
        };
        let is_dir = match entry.kind {
            EntryKind::Dir => true,
            EntryKind::File => false,
            // A symlink is whatever its target is; the tree resolves it.
            EntryKind::Symlink => tree.list_dir(&path)?.is_some(),
            EntryKind::Submodule => continue,
        };
        if is_dir {
            if recurse {
                collect_files(tree, &path, &relative, recurse, filter, out)?;
            }
        } else if is_manifest_file(&entry.name)
            && filter.accepts(&relative)
            && let Some(bytes) = tree.read_file(&path)?
        {
            out.push((path, bytes));
        }
    }
    Ok(())
}

fn is_manifest_file(name: &str) -> bool {
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|extension| name.ends_with(extension))
}

struct FileFilter {
    include: Option<GlobMatcher>,
    exclude: Option<GlobMatcher>,
}

impl FileFilter {
    fn new(options: &DirectoryOptions) -> Result<FileFilter, RenderError> {
        let compile = |field: &'static str, pattern: &Option<String>| {
            pattern
                .as_deref()
                .filter(|pattern| !pattern.is_empty())
                .map(|pattern| {
                    Glob::new(pattern)
                        .map(|glob| glob.compile_matcher())
                        .map_err(|error| RenderError::InvalidGlob {
                            field,
                            pattern: pattern.to_string(),
                            message: error.kind().to_string(),
                        })
                })
                .transpose()
        };
        Ok(FileFilter {
            include: compile("include", &options.include)?,
            exclude: compile("exclude", &options.exclude)?,
        })
    }

    fn accepts(&self, relative: &str) -> bool {
        if self
            .exclude
            .as_ref()
            .is_some_and(|exclude| exclude.is_match(relative))
        {
            return false;
        }
        self.include
            .as_ref()
            .is_none_or(|include| include.is_match(relative))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::source::FsTree;

    fn write(root: &std::path::Path, path: &str, text: &str) {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }

    fn object(kind: &str, name: &str) -> String {
        format!("apiVersion: v1\nkind: {kind}\nmetadata:\n  name: {name}\n")
    }

    fn names(manifests: &[Manifest]) -> Vec<String> {
        manifests.iter().map(|m| m.name().to_string()).collect()
    }

    fn fixture() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "app/a.yaml", &object("ConfigMap", "a"));
        write(root, "app/b.yml", &object("ConfigMap", "b"));
        write(
            root,
            "app/c.json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}"#,
        );
        write(root, "app/README.md", "# not a manifest\n");
        write(root, "app/sub/d.yaml", &object("ConfigMap", "d"));
        write(root, "app/sub/deeper/e.yaml", &object("ConfigMap", "e"));
        write(
            root,
            "app/config.json",
            r#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"config"}}"#,
        );
        dir
    }

    fn render(dir: &tempfile::TempDir, options: DirectoryOptions) -> Vec<String> {
        let tree = FsTree::new(dir.path());
        let manifests = render_directory(&tree, &RepoPath::new("app").unwrap(), &options).unwrap();
        names(&manifests)
    }

    #[test]
    fn top_level_only_by_default_in_name_order() {
        let dir = fixture();
        assert_eq!(
            render(&dir, DirectoryOptions::default()),
            ["a", "b", "c", "config"]
        );
    }

    #[test]
    fn parallel_parsing_keeps_file_order_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let count = PARALLEL_THRESHOLD * 3 + 1;
        for index in 0..count {
            let text = if index == 100 {
                "kind: [\n".to_string()
            } else {
                object("ConfigMap", &format!("cm-{index:04}"))
            };
            write(dir.path(), &format!("app/f-{index:04}.yaml"), &text);
        }
        let tree = FsTree::new(dir.path());
        let path = RepoPath::new("app").unwrap();
        let load = load_directory(&tree, &path, &DirectoryOptions::default()).unwrap();
        let expected: Vec<String> = (0..count)
            .filter(|index| *index != 100)
            .map(|index| format!("cm-{index:04}"))
            .collect();
        assert_eq!(names(&load.manifests), expected);
        assert_eq!(load.errors.len(), 1);
        assert_eq!(load.errors[0].file.as_str(), "app/f-0100.yaml");
    }

    #[test]
    fn recurse_walks_subdirectories() {
        let dir = fixture();
        let options = DirectoryOptions {
            recurse: true,
            ..Default::default()
        };
        assert_eq!(render(&dir, options), ["a", "b", "c", "config", "d", "e"]);
    }

    #[test]
    fn include_alternatives_and_exclude_wins() {
        let dir = fixture();
        let options = DirectoryOptions {
            recurse: true,
            include: Some("{*.yml,sub/*}".to_string()),
            exclude: Some("sub/deeper/*".to_string()),
        };
        assert_eq!(render(&dir, options), ["b", "d"]);

        let options = DirectoryOptions {
            recurse: true,
            include: None,
            exclude: Some("{config.json,sub/*}".to_string()),
        };
        // `*` crosses `/`, as in Argo: sub/deeper/e.yaml is excluded too.
        assert_eq!(render(&dir, options), ["a", "b", "c"]);
    }

    #[test]
    fn bad_files_are_all_reported_and_good_ones_still_load() {
        let dir = fixture();
        write(dir.path(), "app/x-broken.yaml", "kind: [\n");
        write(dir.path(), "app/y-broken.yaml", "apiVersion: v1\n");
        let tree = FsTree::new(dir.path());
        let path = RepoPath::new("app").unwrap();
        let load = load_directory(&tree, &path, &DirectoryOptions::default()).unwrap();
        assert_eq!(names(&load.manifests), ["a", "b", "c", "config"]);
        assert_eq!(load.errors.len(), 2);
        assert_eq!(load.errors[0].file.as_str(), "app/x-broken.yaml");

        let error = render_directory(&tree, &path, &DirectoryOptions::default()).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("2 invalid manifest files"), "{message}");
        assert!(message.contains("app/y-broken.yaml"), "{message}");
    }

    #[test]
    fn missing_path_and_bad_glob_are_errors() {
        let dir = fixture();
        let tree = FsTree::new(dir.path());
        let missing = render_directory(
            &tree,
            &RepoPath::new("nope").unwrap(),
            &DirectoryOptions::default(),
        )
        .unwrap_err();
        assert!(
            missing.to_string().contains("'nope' not found"),
            "{missing}"
        );

        let options = DirectoryOptions {
            include: Some("{unclosed".to_string()),
            ..Default::default()
        };
        let bad_glob =
            render_directory(&tree, &RepoPath::new("app").unwrap(), &options).unwrap_err();
        assert!(matches!(bad_glob, RenderError::InvalidGlob { .. }));
    }
}
