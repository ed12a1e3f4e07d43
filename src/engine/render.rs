//! From a source tree at a commit to desired objects.
//!
//! Each source type has its own renderer: plain directories and Kustomize
//! natively, Helm through an external `helm template` (and Kustomize through
//! an external binary when configured). Renderers read through [`SourceTree`],
//! never the file system, so many revisions can render at once, and their
//! results are cached by (repository, commit, path, options): a commit never
//! changes.
//!
//! [`SourceTree`]: crate::engine::source::SourceTree

mod application;
mod cache;
mod directory;
mod error;
mod external_command;
mod external_kustomize;
mod helm;
pub mod kustomize;
mod manifest_file;
mod scratch_dir;
mod source_render;
mod tool_error;
mod tools;

pub use application::{
    AppRenderError, RenderedSource, RepoCatalog, load_catalog, render_application,
    render_application_again, render_application_with,
};
pub use cache::{RenderCache, RenderKey};
pub use directory::{DirectoryLoad, DirectoryOptions, load_directory, render_directory};
pub use error::{FileError, RenderError};
pub use external_kustomize::render_external_kustomize;
pub use helm::{HelmTemplate, parse_helm_output, render_helm};
pub use kustomize::{KustomizeError, render_kustomization};
pub use manifest_file::{parse_kustomize_resource_file, parse_manifest_file};
pub use source_render::{
    KUSTOMIZATION_FILES, SourceType, detect_source_type, directory_options, render_source,
    render_source_with,
};
pub use tool_error::ToolError;
pub use tools::{
    DEFAULT_TOOL_TIMEOUT, ExternalKustomize, KustomizeMode, RenderContext, RenderTools,
};
