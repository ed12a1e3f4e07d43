//! How many mutating requests each simulated cluster has received, so a
//! test (or a person with curl) can prove that something did not write:
//! a read-only client must leave the count at zero.
//!
//! A request counts when its method is POST, PUT, PATCH or DELETE and its
//! path addresses a resource (an object, a collection or a subresource),
//! whatever the answer: refused, failed or faulted requests reached the
//! server all the same. Server-side dry runs (`dryRun=All`) store nothing
//! and are counted apart. Discovery, the admin endpoint (`/sim/`) and the
//! simulated controllers (which write to the store, not over HTTP) do not
//! count.

use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::Method;
use serde::Serialize;

use super::route::{self, Route};
use super::server::Params;

/// A cluster's counts so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteCounts {
    /// Requests that could change what the cluster stores.
    pub mutating: u64,
    /// Requests of a mutating method with `dryRun=All`.
    pub dry_run: u64,
}

/// The live counters of one cluster, shared by its request handlers.
#[derive(Debug, Default)]
pub(crate) struct WriteCounter {
    mutating: AtomicU64,
    dry_run: AtomicU64,
}

impl WriteCounter {
    /// Counts the request if it is a write to a resource.
    pub fn observe(&self, method: &Method, path: &str, query: Option<&str>) {
        if !is_mutating(method) || !matches!(route::parse(path), Some(Route::Resource(_))) {
            return;
        }
        let counter = if Params::parse(query).dry_run() {
            &self.dry_run
        } else {
            &self.mutating
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn counts(&self) -> WriteCounts {
        WriteCounts {
            mutating: self.mutating.load(Ordering::Relaxed),
            dry_run: self.dry_run.load(Ordering::Relaxed),
        }
    }
}

fn is_mutating(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_writes_to_resources_count_and_dry_runs_apart() {
        let counter = WriteCounter::default();
        let deployments = "/apis/apps/v1/namespaces/web/deployments";
        counter.observe(&Method::GET, deployments, None);
        counter.observe(
            &Method::GET,
            "/apis/apps/v1/namespaces/web/deployments/a",
            None,
        );
        counter.observe(&Method::POST, "/sim/faults", None);
        counter.observe(&Method::POST, "/apis", None);
        assert_eq!(counter.counts(), WriteCounts::default());

        counter.observe(&Method::POST, deployments, None);
        counter.observe(&Method::PUT, &format!("{deployments}/a"), None);
        counter.observe(
            &Method::PATCH,
            &format!("{deployments}/a/scale"),
            Some("fieldManager=x"),
        );
        counter.observe(&Method::DELETE, "/api/v1/namespaces/web", None);
        counter.observe(
            &Method::PATCH,
            &format!("{deployments}/a"),
            Some("dryRun=All&force=true"),
        );
        assert_eq!(
            counter.counts(),
            WriteCounts {
                mutating: 4,
                dry_run: 1
            }
        );
    }
}
