//! Compare: how a cluster's live objects differ from the desired objects
//! rendered from Git, per resource and for a whole Application.
//!
//! Everything here is pure (no cluster access): inputs are untyped objects
//! (`serde_json::Value`), outputs are plain data that cross to the UI and the
//! CLI. The rules follow Argo CD so that its users see the same verdicts:
//!
//! - server-populated fields are dropped before comparing ([`normalize`]);
//! - desired fields are compared as a subset of live, so API defaults are
//!   not drift, with list items matched by strategic-merge keys, equal
//!   quantities and int-or-string values counting as equal ([`compare`]);
//! - a field fleetdeck applied earlier (per the live object's
//!   `managedFields`) and removed from Git *is* drift ([`removed_fields`]);
//! - `ignoreDifferences` (JSON pointers, field managers) is honoured;
//!   jq expressions are a typed "unsupported" error ([`ignore_differences`]);
//! - objects are fleetdeck's only if the tracking annotation names them
//!   ([`tracking`]); statuses are Synced / OutOfSync / Missing / Extraneous
//!   per resource and Synced / OutOfSync / Unknown per app ([`sync_status`]);
//! - every output masks Secret values ([`secret_mask`]), including the
//!   unified YAML diff ([`text_diff`]).
//!
//! Entry points: [`compare_resource`] and [`compare_app`], configured by
//! [`CompareOptions`] (app name, destination namespace, `ignoreDifferences`,
//! and a [`ResourceScope`] lookup that discovery will feed later). An app
//! compared again and again with the same desired objects (every watch
//! event between two commits) prepares them once with
//! [`DesiredSet::prepare`] and calls [`DesiredSet::compare`].
//!
//! Decisions worth knowing:
//! - A kind whose scope nobody knows (not from the caller, the app's own
//!   CRDs or the built-in table) is treated as namespaced, as Argo CD does.
//! - A field written as a zero value (`false`, `0`, `""`, `[]`, `{}`) equals
//!   its absence in live: the API server omits most of those.
//! - Lists without merge keys are compared position by position, each item
//!   as a subset; removing a field from an item of such a list is seen only
//!   when the list's length or a remaining value changes.
//! - Sync hooks are run by syncs, not kept in line: they are left out.
//! - A comparison that fails for one resource makes the app Unknown and is
//!   reported in [`AppDiff::errors`]; the other resources are still listed.

pub mod app_diff;
pub mod compare;
pub mod error;
pub mod field_set;
pub mod ignore_differences;
pub mod int_or_string;
pub mod normalize;
pub mod options;
pub mod path;
pub mod quantity;
pub mod removed_fields;
pub mod resource_diff;
pub mod secret_mask;
pub mod sync_status;
pub mod text_diff;

pub use crate::engine::conventions::quantity::Quantity;
pub use crate::engine::conventions::scope::{BuiltinScopes, ResourceScope};
pub use crate::engine::conventions::tracking::{
    APP_LABEL, FIELD_MANAGER, TRACKING_ANNOTATION, TrackingId, TrackingIdError, app_label_value,
};
pub use app_diff::{AppDiff, DesiredSet, compare_app};
pub use error::{DiffError, Side};
pub use options::CompareOptions;
pub use resource_diff::{ResourceDiff, compare_resource};
pub use secret_mask::{SECRET_MASK, SECRET_MASK_CHANGED};
pub use sync_status::{COMPARE_OPTIONS_ANNOTATION, ResourceSyncStatus, SyncStatus};
