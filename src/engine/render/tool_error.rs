//! Why a render through an external binary (helm, kustomize) failed.

use std::path::PathBuf;

/// A render through an external program that produced no objects.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// No binary is configured or on `PATH`.
    #[error(
        "{tool} binary not found (set `tools.{tool}` in the config file, pass --{tool}, or put {tool} on PATH)"
    )]
    NotFound { tool: &'static str },

    /// The binary could not be started at all.
    #[error("cannot run {tool} ({}): {source}", binary.display())]
    Spawn {
        tool: &'static str,
        binary: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The binary ran past the configured timeout and was killed.
    #[error("`{command}` did not finish within {timeout:?} and was stopped")]
    TimedOut {
        command: String,
        timeout: std::time::Duration,
    },

    /// The binary exited unsuccessfully; `stderr` is what it said (trimmed).
    #[error("`{command}` failed ({status}): {stderr}")]
    Failed {
        command: String,
        status: String,
        stderr: String,
    },

    /// The binary printed something that is not UTF-8 text.
    #[error("`{command}` printed output that is not UTF-8 text")]
    NotUtf8 { command: String },

    /// No temporary directory could be created for the binary to read.
    #[error("cannot create a temporary directory for {tool}: {source}")]
    ScratchCreate {
        tool: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// The source could not be written to the scratch directory the binary reads.
    #[error("cannot prepare files for {tool} in {}: {source}", path.display())]
    Scratch {
        tool: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A value file listed in `helm.valueFiles` does not exist.
    #[error(
        "value file '{file}' not found (set helm.ignoreMissingValueFiles to skip missing files)"
    )]
    MissingValueFile { file: String },

    /// A `--set-file` file listed in `helm.fileParameters` does not exist.
    #[error("helm.fileParameters '{name}': file '{file}' not found")]
    MissingFileParameter { name: String, file: String },

    /// A value file fetched over HTTP(S); fleetdeck renders offline.
    #[error("remote value file '{file}' is not supported: put it in a Git source and use $ref")]
    RemoteValueFile { file: String },

    /// `spec.source.kustomize` overrides with the external kustomize binary.
    #[error(
        "spec.source.kustomize overrides are applied by the native Kustomize renderer only; remove tools.kustomize or the overrides"
    )]
    ExternalKustomizeOverrides,

    /// `valuesObject` could not be written out as a values file.
    #[error("helm.valuesObject cannot be written as a values file: {message}")]
    InlineValues { message: String },

    /// A `$ref/...` value file names a ref no source of the app defines.
    #[error(
        "value file '{file}' refers to '${ref_name}', but no source of the application has ref '{ref_name}'"
    )]
    UnknownValuesRef { file: String, ref_name: String },

    /// A chart from a Helm or OCI repository (`chart:` + `repoURL`).
    #[error(
        "Helm chart '{chart}' version {version} from chart repository {repo_url}: charts from Helm or OCI repositories are not supported yet (vendor the chart into Git)"
    )]
    RemoteChart {
        repo_url: String,
        chart: String,
        version: String,
    },
}
