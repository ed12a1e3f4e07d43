//! [`KustomizeError`]: why a kustomization could not be built, always naming
//! the kustomization (or resource) file and, where there is one, the field.

use crate::engine::render::FileError;
use crate::engine::source::{RepoPath, SourceError};

/// A kustomize build that produced no objects. Every variant names the file
/// to open; field-level problems also name the field.
#[derive(Debug, thiserror::Error)]
pub enum KustomizeError {
    /// The directory holds no kustomization file.
    #[error(
        "{tree}: '{path}' has no kustomization file (kustomization.yaml, kustomization.yml or Kustomization)"
    )]
    MissingKustomization { tree: String, path: RepoPath },

    /// The kustomization file is not valid YAML or not a mapping.
    #[error("{file}: {message}")]
    InvalidFile { file: RepoPath, message: String },

    /// A field kustomize knows but fleetdeck's renderer does not implement:
    /// refusing it is better than rendering part of what the user asked for.
    #[error("{file}: unsupported field '{field}'")]
    UnsupportedField { file: RepoPath, field: String },

    /// A field kustomize itself does not know (usually a typo).
    #[error("{file}: unknown field '{field}'")]
    UnknownField { file: RepoPath, field: String },

    /// A known field with a value of the wrong shape or meaning.
    #[error("{file}: field '{field}': {message}")]
    InvalidField {
        file: RepoPath,
        field: String,
        message: String,
    },

    /// `resources` (or `bases`, `components`) names a URL.
    #[error(
        "{file}: '{entry}' is a remote resource; fleetdeck renders only resources inside the repository"
    )]
    RemoteResource { file: RepoPath, entry: String },

    /// An entry of `resources`, `components`, a patch or generator file is missing.
    #[error("{file}: '{entry}' not found")]
    NotFound { file: RepoPath, entry: String },

    /// A kustomization includes itself, directly or through others.
    #[error("kustomization cycle: {}", .chain.join(" -> "))]
    Cycle { chain: Vec<String> },

    /// A `resources` directory holds a Component, or `components` names a
    /// Kustomization.
    #[error("{file}: '{entry}' is a {found}, expected a {expected}")]
    WrongKind {
        file: RepoPath,
        entry: String,
        found: &'static str,
        expected: &'static str,
    },

    /// A resource file is not a valid manifest file.
    #[error("invalid resource {0}")]
    Manifest(FileError),

    /// Two resources with one identity (kind, namespace, name).
    #[error("{file}: may not add resource {id}: an object with that identity is already present")]
    DuplicateResource { file: RepoPath, id: String },

    /// A generator with behavior merge/replace found nothing to act on, or a
    /// create collides with an existing object.
    #[error("{file}: {generator} '{name}': {message}")]
    Generator {
        file: RepoPath,
        generator: &'static str,
        name: String,
        message: String,
    },

    /// A patch could not be parsed or applied.
    #[error("{file}: {field} patch {patch}: {message}")]
    Patch {
        file: RepoPath,
        field: &'static str,
        /// The patch file or a short form of the inline patch.
        patch: String,
        message: String,
    },

    /// A reference (a ConfigMap in a volume, ...) matches several objects
    /// with different names, and nothing tells which one is meant.
    #[error(
        "{file}: {referrer} refers to {kind} '{name}', which matches several objects: {}",
        .candidates.join(", ")
    )]
    AmbiguousReference {
        file: String,
        referrer: String,
        kind: String,
        name: String,
        candidates: Vec<String>,
    },

    /// The tree could not be read.
    #[error("{context}: {source}")]
    Source {
        context: String,
        #[source]
        source: SourceError,
    },
}

impl KustomizeError {
    pub(crate) fn invalid(
        file: &RepoPath,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        KustomizeError::InvalidField {
            file: file.clone(),
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn source(context: impl Into<String>, source: SourceError) -> Self {
        KustomizeError::Source {
            context: context.into(),
            source,
        }
    }
}
