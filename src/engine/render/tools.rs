//! The external programs a render may run, and the per-application facts a
//! renderer needs besides the source itself.
//!
//! The engine never looks up a binary on `PATH` or reads an environment
//! variable: the CLI resolves the tools once (config file, flags, `PATH`) and
//! hands them in here, so a test can point the engine at a fake `helm`.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

/// How long one external render may run before it is killed.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(90);

/// The external binaries available to renderers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenderTools {
    /// The `helm` binary; `None` means Helm sources fail with
    /// "helm binary not found" (each app alone, never the fleet).
    pub helm: Option<PathBuf>,
    /// When set, Kustomize sources are built by this binary instead of the
    /// native renderer (an escape hatch for features it lacks).
    pub kustomize: Option<ExternalKustomize>,
    /// Upper bound on one run of an external binary.
    pub timeout: Duration,
}

impl Default for RenderTools {
    fn default() -> Self {
        Self {
            helm: None,
            kustomize: None,
            timeout: DEFAULT_TOOL_TIMEOUT,
        }
    }
}

/// An external Kustomize: a `kustomize` binary or `kubectl` (which embeds one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExternalKustomize {
    pub binary: PathBuf,
    pub mode: KustomizeMode,
}

/// Which command line the external Kustomize binary takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum KustomizeMode {
    /// `kustomize build <dir>`.
    Kustomize,
    /// `kubectl kustomize <dir>`.
    Kubectl,
}

impl ExternalKustomize {
    /// The arguments that build the kustomization in `dir`.
    pub fn args(&self, dir: &std::path::Path) -> Vec<std::ffi::OsString> {
        let verb = match self.mode {
            KustomizeMode::Kustomize => "build",
            KustomizeMode::Kubectl => "kustomize",
        };
        vec![verb.into(), dir.as_os_str().to_owned()]
    }
}

/// What a renderer needs to know about the Application, besides its source.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    /// `metadata.name`: Helm's default release name.
    pub app_name: &'a str,
    /// `spec.destination.namespace`: Helm's default `--namespace`.
    pub namespace: &'a str,
    pub tools: &'a RenderTools,
    /// Value files of other sources (`$ref/path`), already read at their
    /// sources' commits, keyed by the text written in `valueFiles`.
    pub ref_files: &'a std::collections::BTreeMap<String, Vec<u8>>,
}
