//! Helm sources rendered by an external `helm template`, as Argo CD does.
//!
//! fleetdeck does not reimplement Helm's template language: it copies the
//! chart directory (and the files it names) out of the commit into a scratch
//! directory, runs the configured `helm` binary there with the command line
//! Argo CD would build, and parses the YAML stream it prints. Each document's
//! `# Source: <chart>/templates/x.yaml` comment becomes the object's origin,
//! mapped back to the template's path in the repository.
//!
//! Only charts stored in Git are rendered; charts pulled from a Helm or OCI
//! repository (`chart:` + `repoURL`) are refused before this module is
//! reached, because fleetdeck renders offline from commits it has fetched.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::Arc;

use super::external_command::run_tool;
use super::scratch_dir::ScratchDir;
use super::tool_error::ToolError;
use super::{FileError, RenderContext, RenderError, parse_manifest_file};
use crate::engine::manifest::Manifest;
use crate::engine::model::source_helm::HelmParameter;
use crate::engine::model::{ApplicationSource, SourceHelm};
use crate::engine::source::{RepoPath, SourceTree};

/// Everything that goes on one `helm template` command line.
#[derive(Debug, Clone, PartialEq)]
pub struct HelmTemplate {
    pub release: String,
    /// The chart directory as passed to helm (`.` when run inside it).
    pub chart_dir: PathBuf,
    /// Empty means no `--namespace` (helm's own default).
    pub namespace: String,
    /// `--values`, in order: value files, then the inline values file.
    pub values: Vec<PathBuf>,
    /// `--set` / `--set-string`, in the order written.
    pub parameters: Vec<HelmParameter>,
    /// `--set-file name=path`.
    pub file_parameters: Vec<(String, PathBuf)>,
    pub skip_crds: bool,
    pub kube_version: String,
    pub api_versions: Vec<String>,
}

impl HelmTemplate {
    /// The argument vector (without the binary):
    /// `template <release> <chart> [--namespace ns] [--values f]...
    /// [--set k=v | --set-string k=v]... [--set-file k=path]...
    /// (--skip-crds | --include-crds) [--kube-version v] [--api-versions v]...`.
    ///
    /// Argo CD passes `--include-crds` unless `skipCrds`, so CRDs in a chart's
    /// `crds/` directory are part of the desired state.
    pub fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec![
            "template".into(),
            self.release.clone().into(),
            self.chart_dir.clone().into(),
        ];
        if !self.namespace.is_empty() {
            args.push("--namespace".into());
            args.push(self.namespace.clone().into());
        }
        for file in &self.values {
            args.push("--values".into());
            args.push(file.clone().into());
        }
        for parameter in &self.parameters {
            let flag = if parameter.force_string {
                "--set-string"
            } else {
                "--set"
            };
            args.push(flag.into());
            args.push(format!("{}={}", parameter.name, escape_set_value(&parameter.value)).into());
        }
        for (name, path) in &self.file_parameters {
            args.push("--set-file".into());
            let mut pair = OsString::from(format!("{name}="));
            pair.push(path);
            args.push(pair);
        }
        args.push(
            if self.skip_crds {
                "--skip-crds"
            } else {
                "--include-crds"
            }
            .into(),
        );
        if !self.kube_version.is_empty() {
            args.push("--kube-version".into());
            args.push(self.kube_version.clone().into());
        }
        for api_version in &self.api_versions {
            args.push("--api-versions".into());
            args.push(api_version.clone().into());
        }
        args
    }
}

/// A `--set` value as Argo CD passes it: helm splits `--set` on commas, so a
/// comma in a single value is escaped, except in a `{a,b}` list literal.
fn escape_set_value(value: &str) -> String {
    if value.starts_with('{') && value.ends_with('}') {
        return value.to_string();
    }
    let mut escaped = String::with_capacity(value.len());
    let mut previous = None;
    for character in value.chars() {
        if character == ',' && previous != Some('\\') {
            escaped.push('\\');
        }
        escaped.push(character);
        previous = Some(character);
    }
    escaped
}

/// Renders the chart at `path` of `tree` with the context's helm binary.
pub fn render_helm(
    tree: &dyn SourceTree,
    source: &ApplicationSource,
    path: &RepoPath,
    context: &RenderContext<'_>,
) -> Result<Vec<Manifest>, RenderError> {
    let binary = context
        .tools
        .helm
        .as_ref()
        .ok_or(ToolError::NotFound { tool: "helm" })?;
    let no_options = SourceHelm::default();
    let helm = source.helm.as_ref().unwrap_or(&no_options);

    let scratch = ScratchDir::new("helm")?;
    scratch.copy_dir(tree, path)?;
    let template = HelmTemplate {
        release: first_non_empty(&helm.release_name, context.app_name),
        chart_dir: PathBuf::from("."),
        namespace: first_non_empty(&helm.namespace, context.namespace),
        values: value_files(tree, path, helm, context.ref_files, &scratch)?,
        parameters: helm.parameters.clone(),
        file_parameters: file_parameters(tree, path, helm, &scratch)?,
        skip_crds: helm.skip_crds,
        kube_version: helm.kube_version.clone(),
        api_versions: helm.api_versions.clone(),
    };
    let output = run_tool(
        "helm",
        binary,
        &template.args(),
        &scratch.local(path),
        context.tools.timeout,
    )?;
    parse_helm_output(path, &output)
}

/// `to` relative to the directory `from` (both repository paths), such as
/// `../shared/common.yaml`, so the command line names files as the user did.
fn relative_in_repo(from: &RepoPath, to: &RepoPath) -> PathBuf {
    let from: Vec<&str> = from.components().collect();
    let to: Vec<&str> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut relative = PathBuf::new();
    for _ in common..from.len() {
        relative.push("..");
    }
    relative.extend(&to[common..]);
    relative
}

fn first_non_empty(first: &str, second: &str) -> String {
    if first.is_empty() { second } else { first }.to_string()
}

/// The `--values` files: each `valueFiles` entry copied into the scratch
/// directory (relative to the chart, or `$ref/...` from another source),
/// then the inline values (`valuesObject` wins over `values`) last, so they
/// override the files as in Argo CD.
fn value_files(
    tree: &dyn SourceTree,
    path: &RepoPath,
    helm: &SourceHelm,
    ref_files: &BTreeMap<String, Vec<u8>>,
    scratch: &ScratchDir,
) -> Result<Vec<PathBuf>, RenderError> {
    let mut files = Vec::new();
    for (index, file) in helm.value_files.iter().enumerate() {
        if file.starts_with("http://") || file.starts_with("https://") {
            return Err(ToolError::RemoteValueFile { file: file.clone() }.into());
        }
        let local = if file.starts_with('$') {
            ref_files
                .get(file)
                .map(|bytes| scratch.write_extra(&format!("ref-values-{index}.yaml"), bytes))
                .transpose()?
        } else {
            let repo_path = path.join(file)?;
            match tree.read_file(&repo_path)? {
                Some(bytes) => {
                    scratch.write(&repo_path, &bytes)?;
                    files.push(relative_in_repo(path, &repo_path));
                    continue;
                }
                None => None,
            }
        };
        match local {
            Some(local) => files.push(scratch.relative_generated(path, &local)),
            None if helm.ignore_missing_value_files => {}
            None => return Err(ToolError::MissingValueFile { file: file.clone() }.into()),
        }
    }
    let inline = match &helm.values_object {
        Some(object) if !object.is_null() => Some(serde_json::to_string_pretty(object).map_err(
            |error| ToolError::InlineValues {
                message: error.to_string(),
            },
        )?),
        _ if !helm.values.trim().is_empty() => Some(helm.values.clone()),
        _ => None,
    };
    if let Some(text) = inline {
        let local = scratch.write_extra("inline-values.yaml", text.as_bytes())?;
        files.push(scratch.relative_generated(path, &local));
    }
    Ok(files)
}

/// `fileParameters`: files relative to the chart path, copied into scratch.
fn file_parameters(
    tree: &dyn SourceTree,
    path: &RepoPath,
    helm: &SourceHelm,
    scratch: &ScratchDir,
) -> Result<Vec<(String, PathBuf)>, RenderError> {
    let mut parameters = Vec::new();
    for parameter in &helm.file_parameters {
        let repo_path = path.join(&parameter.path)?;
        let bytes = tree
            .read_file(&repo_path)?
            .ok_or_else(|| ToolError::MissingFileParameter {
                name: parameter.name.clone(),
                file: parameter.path.clone(),
            })?;
        scratch.write(&repo_path, &bytes)?;
        parameters.push((parameter.name.clone(), relative_in_repo(path, &repo_path)));
    }
    Ok(parameters)
}

/// Parses `helm template` output for the chart at `chart_path`.
///
/// helm separates documents with `---` and starts each with
/// `# Source: <chart name>/<file in the chart>`. The chart name is dropped and
/// the rest joined to `chart_path`, so `web/templates/svc.yaml` from the chart
/// at `charts/web` becomes `charts/web/templates/svc.yaml`; documents from
/// the same template are numbered in order. A document without a comment is
/// attributed to the chart directory.
pub fn parse_helm_output(
    chart_path: &RepoPath,
    output: &str,
) -> Result<Vec<Manifest>, RenderError> {
    let mut manifests = Vec::new();
    let mut errors = Vec::new();
    let mut ordinals: BTreeMap<RepoPath, usize> = BTreeMap::new();
    for chunk in split_documents(output) {
        if chunk.lines().all(is_blank_or_comment) {
            continue;
        }
        let file = source_comment(chunk)
            .and_then(|source| template_path(chart_path, source))
            .unwrap_or_else(|| chart_path.clone());
        match parse_manifest_file(&file, chunk.as_bytes()) {
            Ok(objects) => {
                let ordinal = ordinals.entry(file.clone()).or_default();
                let name: Arc<str> = Arc::from(file.as_str());
                for mut manifest in objects {
                    manifest.origin.file = name.clone();
                    manifest.origin.document = *ordinal;
                    // The line in helm's output says nothing about the
                    // template; the document starts the template's output.
                    manifest.origin.line = 1;
                    manifests.push(manifest);
                }
                *ordinal += 1;
            }
            Err(error) => errors.push(FileError {
                message: format!("helm output: {}", error.message),
                ..error
            }),
        }
    }
    if errors.is_empty() {
        Ok(manifests)
    } else {
        Err(RenderError::InvalidFiles(errors))
    }
}

/// Splits a YAML stream at document markers (`---` at column 0).
fn split_documents(text: &str) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end();
        let marker = bare == "---" || bare.starts_with("--- ") || bare.starts_with("---\t");
        if marker {
            chunks.push(&text[start..offset]);
            start = offset + line.len();
        }
        offset += line.len();
    }
    chunks.push(&text[start..]);
    chunks
}

fn is_blank_or_comment(line: &str) -> bool {
    let line = line.trim();
    line.is_empty() || line.starts_with('#')
}

fn source_comment(chunk: &str) -> Option<&str> {
    chunk
        .lines()
        .find_map(|line| line.trim().strip_prefix("# Source:"))
        .map(str::trim)
}

fn template_path(chart_path: &RepoPath, source: &str) -> Option<RepoPath> {
    let (_, inside_chart) = source.split_once('/')?;
    chart_path.join(inside_chart).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> RepoPath {
        RepoPath::new(text).unwrap()
    }

    #[test]
    fn repo_files_are_named_relative_to_the_chart() {
        let chart = path("charts/web");
        assert_eq!(
            relative_in_repo(&chart, &path("charts/web/values-prod.yaml")),
            PathBuf::from("values-prod.yaml")
        );
        assert_eq!(
            relative_in_repo(&chart, &path("charts/shared/common.yaml")),
            PathBuf::from("../shared/common.yaml")
        );
        assert_eq!(
            relative_in_repo(&RepoPath::root(), &path("env/prod.yaml")),
            PathBuf::from("env/prod.yaml")
        );
    }

    #[test]
    fn set_values_escape_commas_except_lists() {
        assert_eq!(escape_set_value("a,b"), "a\\,b");
        assert_eq!(escape_set_value("a\\,b"), "a\\,b");
        assert_eq!(escape_set_value("{a,b}"), "{a,b}");
        assert_eq!(escape_set_value("plain"), "plain");
    }

    #[test]
    fn minimal_command_line_includes_crds() {
        let template = HelmTemplate {
            release: "web".into(),
            chart_dir: ".".into(),
            namespace: String::new(),
            values: Vec::new(),
            parameters: Vec::new(),
            file_parameters: Vec::new(),
            skip_crds: false,
            kube_version: String::new(),
            api_versions: Vec::new(),
        };
        assert_eq!(template.args(), ["template", "web", ".", "--include-crds"]);
    }

    #[test]
    fn output_documents_map_to_templates_in_the_repo() {
        let output = "---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# Source: web/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n---\n# Source: web/charts/db/templates/svc.yaml\napiVersion: v1\nkind: Service\nmetadata: {name: db}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: bare}\n";
        let manifests = parse_helm_output(&path("charts/web"), output).unwrap();
        let origins: Vec<_> = manifests
            .iter()
            .map(|m| (m.name(), m.origin.file.to_string(), m.origin.document))
            .collect();
        assert_eq!(
            origins,
            [
                ("a", "charts/web/templates/cm.yaml".to_string(), 0),
                ("b", "charts/web/templates/cm.yaml".to_string(), 1),
                (
                    "db",
                    "charts/web/charts/db/templates/svc.yaml".to_string(),
                    0
                ),
                ("bare", "charts/web".to_string(), 0),
            ]
        );
    }

    #[test]
    fn empty_and_comment_only_documents_are_skipped() {
        let output = "---\n# Source: web/templates/empty.yaml\n\n---\n# Source: web/templates/x.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";
        let manifests = parse_helm_output(&path("web"), output).unwrap();
        assert_eq!(manifests.len(), 1);
        assert_eq!(&*manifests[0].origin.file, "web/templates/x.yaml");
    }

    #[test]
    fn invalid_output_names_the_template() {
        let output =
            "---\n# Source: web/templates/bad.yaml\nkind: ConfigMap\nmetadata: {name: x}\n";
        let error = parse_helm_output(&path("web"), output).unwrap_err();
        let RenderError::InvalidFiles(errors) = &error else {
            panic!("unexpected {error}");
        };
        assert_eq!(errors[0].file.as_str(), "web/templates/bad.yaml");
        assert!(errors[0].message.contains("apiVersion"), "{error}");
    }
}
