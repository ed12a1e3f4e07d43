//! A [`SyncRequest`] read from an Application and its render: the knobs
//! Argo CD users set in `spec` (sync options, `allowEmpty`,
//! `ignoreDifferences`, the destination namespace) carried over as written,
//! with the project rules the sync must respect.

use super::operation::{SyncRequest, SyncTimeouts};
use super::{ProjectGuard, SyncOptions};
use crate::engine::diff::CompareOptions;
use crate::engine::model::Application;
use crate::engine::render::RenderedSource;

impl SyncRequest {
    /// A full sync of the rendered revision, without prune (callers opt in),
    /// held to the app's project rules.
    pub fn for_application(
        app: &Application,
        project: ProjectGuard,
        rendered: &[RenderedSource],
        initiated_by: &str,
    ) -> Self {
        let policy = app.spec.sync_policy.as_ref();
        SyncRequest {
            compare: CompareOptions::for_application(app),
            revision: rendered
                .first()
                .map(|source| source.commit.to_string())
                .unwrap_or_default(),
            desired: rendered
                .iter()
                .flat_map(|source| source.manifests.iter().cloned())
                .collect(),
            app_options: SyncOptions::parse(
                policy
                    .map(|policy| {
                        policy
                            .sync_options
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default(),
            ),
            prune: false,
            dry_run: false,
            allow_empty: app
                .automated_sync()
                .is_some_and(|automated| automated.allow_empty),
            selected: None,
            timeouts: SyncTimeouts::default(),
            initiated_by: initiated_by.to_string(),
            project,
        }
    }
}
