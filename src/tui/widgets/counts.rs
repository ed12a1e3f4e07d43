//! [`AppCounts`]: how many apps, and how many of them drift or are
//! degraded — the numbers the clusters and ApplicationSets tables show.

use crate::engine::api::{AppSnapshot, HealthStatus, SyncStatus};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AppCounts {
    pub apps: usize,
    pub out_of_sync: usize,
    pub degraded: usize,
}

impl AppCounts {
    pub fn add(&mut self, app: &AppSnapshot) {
        self.apps += 1;
        if app.sync == SyncStatus::OutOfSync {
            self.out_of_sync += 1;
        }
        if app.health == HealthStatus::Degraded {
            self.degraded += 1;
        }
    }
}
