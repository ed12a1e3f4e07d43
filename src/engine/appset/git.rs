//! The git generator: directories or files of a repository matched by path
//! globs (`exclude: true` entries remove matches).
//!
//! Directory parameters: `path`, `path.basename`, `path.basenameNormalized`,
//! `path[N]` (Go templates: `.path.path`, `.path.basename`,
//! `.path.segments`). Files add `path.filename` and
//! `path.filenameNormalized`, `path` being the file's directory, and the
//! file's own contents (a mapping, or a list of mappings for several sets):
//! flattened to `a.b.c` strings for the legacy templating, as written for Go
//! templates. `pathParamPrefix` moves the path parameters under
//! `<prefix>.path`. Directory globs follow Go's `path.Match` (`*` stops at
//! `/`); file globs follow [`FileGlobbing`].

use globset::{GlobBuilder, GlobMatcher};
use serde_json::{Map, Value};

use super::clusters::add_values;
use super::error::GeneratorError;
use super::generate::Env;
use super::git_files::FileGlobbing;
use super::normalize::normalize_name;
use super::params::{ParamStyle, Params, flatten_value};
use crate::engine::model::generators::{GitGenerator, GitPathItem};
use crate::engine::yaml::parse_single;

pub(crate) fn generate(
    generator: &GitGenerator,
    env: &Env<'_>,
) -> Result<Vec<Params>, GeneratorError> {
    let Some(git) = env.git else {
        return Err(GeneratorError::NoGitAccess {
            repo_url: generator.repo_url.clone(),
        });
    };
    let git_error = |source| GeneratorError::Git {
        repo_url: generator.repo_url.clone(),
        revision: generator.revision.clone(),
        source,
    };
    let listing = git
        .listing(&generator.repo_url, &generator.revision)
        .map_err(git_error)?;
    let mut out = Vec::new();
    if !generator.directories.is_empty() {
        let matcher = PathMatcher::new(&generator.directories, true)?;
        for dir in listing.dirs.iter().filter(|dir| matcher.matches(dir)) {
            let mut params = Params::new();
            path_params(
                &mut params,
                env.style,
                &generator.path_param_prefix,
                dir,
                None,
            );
            add_values(&mut params, &generator.values, env)?;
            out.push(params);
        }
        return Ok(out);
    }
    let matcher = PathMatcher::new(&generator.files, env.file_globbing == FileGlobbing::Strict)?;
    let paths: Vec<&str> = listing
        .files
        .iter()
        .map(String::as_str)
        .filter(|file| matcher.matches(file))
        .collect();
    let contents = git
        .read_files(&generator.repo_url, &generator.revision, &paths)
        .map_err(git_error)?;
    for (path, content) in paths.iter().zip(contents) {
        let Some(content) = content else { continue };
        let text = String::from_utf8_lossy(&content);
        let parsed = parse_single(&text).map_err(|source| GeneratorError::FileParse {
            repo_url: generator.repo_url.clone(),
            path: path.to_string(),
            source,
        })?;
        let objects: Vec<Map<String, Value>> = match parsed {
            Value::Null => Vec::new(),
            Value::Object(map) => vec![map],
            Value::Array(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::Object(map) => Ok(map),
                    _ => Err(()),
                })
                .collect::<Result<_, _>>()
                .map_err(|()| shape_error(generator, path))?,
            _ => return Err(shape_error(generator, path)),
        };
        let (dir, file) = match path.rsplit_once('/') {
            Some((dir, file)) => (dir, file),
            None => (".", *path),
        };
        for object in objects {
            let mut params = match env.style {
                ParamStyle::Nested => Params(object),
                ParamStyle::Flat => {
                    let mut params = Params::new();
                    flatten_value("", &Value::Object(object), &mut |key, text| {
                        params.0.insert(key, Value::String(text));
                    });
                    params
                }
            };
            path_params(
                &mut params,
                env.style,
                &generator.path_param_prefix,
                dir,
                Some(file),
            );
            add_values(&mut params, &generator.values, env)?;
            out.push(params);
        }
    }
    Ok(out)
}

fn shape_error(generator: &GitGenerator, path: &str) -> GeneratorError {
    GeneratorError::FileShape {
        repo_url: generator.repo_url.clone(),
        path: path.to_string(),
    }
}

/// Adds the `path` parameters for directory `dir` (and `file` in it).
fn path_params(
    params: &mut Params,
    style: ParamStyle,
    prefix: &str,
    dir: &str,
    file: Option<&str>,
) {
    let segments: Vec<&str> = dir.split('/').collect();
    let basename = segments.last().copied().unwrap_or(dir);
    match style {
        ParamStyle::Flat => {
            let base = if prefix.is_empty() {
                "path".to_string()
            } else {
                format!("{prefix}.path")
            };
            let mut set = |key: String, value: String| {
                params.0.insert(key, Value::String(value));
            };
            set(base.clone(), dir.to_string());
            set(format!("{base}.basename"), basename.to_string());
            set(
                format!("{base}.basenameNormalized"),
                normalize_name(basename),
            );
            for (index, segment) in segments.iter().enumerate() {
                set(format!("{base}[{index}]"), (*segment).to_string());
            }
            if let Some(file) = file {
                set(format!("{base}.filename"), file.to_string());
                set(format!("{base}.filenameNormalized"), normalize_name(file));
            }
        }
        ParamStyle::Nested => {
            let mut path = Map::new();
            path.insert("path".into(), Value::String(dir.to_string()));
            path.insert("basename".into(), Value::String(basename.to_string()));
            path.insert(
                "basenameNormalized".into(),
                Value::String(normalize_name(basename)),
            );
            if let Some(file) = file {
                path.insert("filename".into(), Value::String(file.to_string()));
                path.insert(
                    "filenameNormalized".into(),
                    Value::String(normalize_name(file)),
                );
            }
            path.insert(
                "segments".into(),
                Value::Array(
                    segments
                        .iter()
                        .map(|s| Value::String((*s).to_string()))
                        .collect(),
                ),
            );
            if prefix.is_empty() {
                params.0.insert("path".into(), Value::Object(path));
            } else {
                let mut outer = Map::new();
                outer.insert("path".into(), Value::Object(path));
                params.0.insert(prefix.to_string(), Value::Object(outer));
            }
        }
    }
}

/// Include and exclude globs of a git generator.
struct PathMatcher {
    include: Vec<GlobMatcher>,
    exclude: Vec<GlobMatcher>,
}

impl PathMatcher {
    fn new(items: &[GitPathItem], literal_separator: bool) -> Result<Self, GeneratorError> {
        let mut include = Vec::new();
        let mut exclude = Vec::new();
        for item in items {
            let pattern = item.path.trim_start_matches('/');
            let glob = GlobBuilder::new(pattern)
                .literal_separator(literal_separator)
                .backslash_escape(true)
                .build()
                .map_err(|source| GeneratorError::Glob {
                    pattern: item.path.clone(),
                    source,
                })?
                .compile_matcher();
            if item.exclude {
                exclude.push(glob);
            } else {
                include.push(glob);
            }
        }
        Ok(PathMatcher { include, exclude })
    }

    fn matches(&self, path: &str) -> bool {
        self.include.iter().any(|glob| glob.is_match(path))
            && !self.exclude.iter().any(|glob| glob.is_match(path))
    }
}
