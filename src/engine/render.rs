//! From a source tree at a commit to desired objects.
//!
//! Each source type has its own renderer (plain directory and native
//! Kustomize today; Helm comes next). Renderers read through [`SourceTree`],
//! never the file system, so many revisions can render at once, and their
//! results are cached by (repository, commit, path, options): a commit never
//! changes.
//!
//! [`SourceTree`]: crate::engine::source::SourceTree

mod application;
mod cache;
mod directory;
mod error;
pub mod kustomize;
mod manifest_file;
mod source_render;

pub use application::{
    AppRenderError, RenderedSource, RepoCatalog, load_catalog, render_application,
};
pub use cache::{RenderCache, RenderKey};
pub use directory::{DirectoryLoad, DirectoryOptions, load_directory, render_directory};
pub use error::{FileError, RenderError};
pub use kustomize::{KustomizeError, render_kustomization};
pub use manifest_file::parse_manifest_file;
pub use source_render::{
    KUSTOMIZATION_FILES, SourceType, detect_source_type, directory_options, render_source,
};
