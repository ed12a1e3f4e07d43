//! Argo CD compatible resource types (argoproj.io/v1alpha1): Application,
//! ApplicationSet and AppProject, and the catalog of them found in a repo.
//!
//! The types accept the YAML users write for Argo CD and give it back
//! unchanged: fields fleetdeck does not use yet are kept in `extra` maps, and
//! serialization skips what was not written. Parsing (`from_value`) only
//! checks shape and names the failing field; Argo CD's semantic rules live in
//! each type's `validate()`, so a caller can hold a resource and its
//! problems together.

pub mod app_project;
pub mod application;
pub mod application_set;
pub mod application_source;
pub mod catalog;
pub mod destination;
pub mod duration;
pub mod error;
pub mod generators;
pub mod ignore_differences;
pub mod int_or_string;
pub mod label_selector;
pub mod object_meta;
pub mod resource;
mod serde_helpers;
pub mod source_helm;
pub mod source_kustomize;
pub mod strategy;
pub mod sync_policy;
pub mod sync_window;

pub use app_project::{AppProject, AppProjectSpec, GroupKind, ProjectRole};
pub use application::{Application, ApplicationSpec, DEFAULT_PROJECT, Info};
pub use application_set::{
    ApplicationSet, ApplicationSetSpec, ApplicationSetTemplate, ApplicationsSync,
};
pub use application_source::{ApplicationSource, SourceDirectory};
pub use catalog::{Catalog, CatalogError, CatalogProblem, Located, ResourceKind};
pub use destination::{ClusterRef, Destination};
pub use error::{ModelError, ValidationError};
pub use generators::{Generator, GeneratorKind};
pub use ignore_differences::ResourceIgnoreDifferences;
pub use int_or_string::IntOrString;
pub use label_selector::{LabelSelector, LabelSelectorRequirement};
pub use object_meta::ObjectMeta;
pub use resource::{API_VERSION, ArgoResource, GROUP, from_value, is_dns_subdomain};
pub use source_helm::SourceHelm;
pub use source_kustomize::SourceKustomize;
pub use strategy::{ApplicationSetStrategy, StrategyType};
pub use sync_policy::{AutomatedSync, RetryStrategy, SyncPolicy};
pub use sync_window::{SyncWindow, SyncWindowKind};
