//! Why a render failed, always naming the file (and line) to open.

use std::fmt;

use serde::Serialize;

use crate::engine::source::{RepoPath, SourceError};

/// One file that could not be turned into objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileError {
    /// Repository-relative path of the file.
    pub file: RepoPath,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// 0-based document ordinal, when the problem is in one document.
    pub document: Option<usize>,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(document) = self.document {
            write!(f, " (document {})", document + 1)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A render that produced no objects.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The source itself could not be read (missing path, git failure).
    #[error(transparent)]
    Source(#[from] SourceError),

    /// One or more files under the path are not valid manifests. All of them
    /// are listed so a user fixes them in one go.
    #[error("{}", describe_files(.0))]
    InvalidFiles(Vec<FileError>),

    /// The source needs a renderer fleetdeck does not have yet.
    #[error("{tree}: path '{path}' is a {tool} source, which fleetdeck cannot render yet")]
    Unsupported {
        tree: String,
        path: RepoPath,
        tool: &'static str,
    },

    /// A Kustomize source could not be built.
    #[error(transparent)]
    Kustomize(#[from] super::KustomizeError),

    /// An external renderer (helm, kustomize) could not run or failed.
    #[error(transparent)]
    Tool(#[from] super::ToolError),

    /// An include or exclude pattern is not a valid glob.
    #[error("invalid directory {field} pattern '{pattern}': {message}")]
    InvalidGlob {
        field: &'static str,
        pattern: String,
        message: String,
    },
}

fn describe_files(errors: &[FileError]) -> String {
    match errors {
        [only] => format!("invalid manifest {only}"),
        many => {
            let mut text = format!("{} invalid manifest files:", many.len());
            for error in many {
                text.push_str(&format!("\n  {error}"));
            }
            text
        }
    }
}
