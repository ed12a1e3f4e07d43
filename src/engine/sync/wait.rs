//! Waiting between steps: a wave's resources must turn healthy, and hooks
//! must finish, before the next step starts. Health is read with the same
//! rules the UI shows ([`crate::engine::health::assess`]).
//!
//! A Degraded resource is given until its deadline (pods restart, a
//! rollout may recover); a Degraded hook has failed at once. Kinds without
//! a health check count as ready as soon as they exist.

use std::time::Duration;

use tokio::time::Instant;

use super::SyncPhase;
use super::cancel::CancelSignal;
use super::operation::SyncProgress;
use super::progress_sink::ProgressSink;
use crate::engine::cluster::ClusterClient;
use crate::engine::health::{HealthStatus, assess};
use crate::engine::manifest::ObjectKey;

/// Something the step waits for.
#[derive(Debug, Clone)]
pub(crate) struct Awaited {
    pub key: ObjectKey,
    pub api_version: String,
    pub hook: bool,
    pub deadline: Instant,
    /// The latest health seen, for the timeout message.
    last_seen: String,
}

impl Awaited {
    pub fn new(key: ObjectKey, api_version: String, hook: bool, timeout: Duration) -> Self {
        Awaited {
            key,
            api_version,
            hook,
            deadline: Instant::now() + timeout,
            last_seen: "not observed yet".to_string(),
        }
    }
}

/// How each awaited thing ended: `Ok(message)` or `Err(reason)`.
pub(crate) type Settled = (Awaited, Result<String, String>);

pub(crate) struct WaitContext<'a> {
    pub cluster: &'a ClusterClient,
    pub progress: &'a ProgressSink,
    pub cancel: &'a CancelSignal,
    pub poll: Duration,
    pub phase: SyncPhase,
    pub wave: i32,
}

/// Polls until every awaited thing is settled, its deadline passed, or the
/// operation is cancelled.
pub(crate) async fn wait_until_settled(
    context: &WaitContext<'_>,
    awaited: Vec<Awaited>,
) -> Vec<Settled> {
    let mut pending = awaited;
    let mut settled = Vec::new();
    let mut last_reported: Vec<String> = Vec::new();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for mut item in pending {
            if context.cancel.is_cancelled() {
                settled.push((item, Err("terminated".to_string())));
                continue;
            }
            match observe(context.cluster, &mut item).await {
                Some(outcome) => settled.push((item, outcome)),
                None if Instant::now() >= item.deadline => {
                    let reason = format!(
                        "{} {} within the timeout: {}",
                        item.key,
                        if item.hook {
                            "did not finish"
                        } else {
                            "did not become healthy"
                        },
                        item.last_seen
                    );
                    settled.push((item, Err(reason)));
                }
                None => still.push(item),
            }
        }
        pending = still;
        if pending.is_empty() {
            break;
        }
        let report: Vec<String> = pending
            .iter()
            .map(|item| format!("{} ({})", item.key, item.last_seen))
            .collect();
        if report != last_reported {
            context.progress.send(SyncProgress::Waiting {
                phase: context.phase,
                wave: context.wave,
                pending: report.clone(),
            });
            last_reported = report;
        }
        let mut cancel = context.cancel.clone();
        tokio::select! {
            _ = tokio::time::sleep(context.poll) => {}
            _ = cancel.cancelled() => {}
        }
    }
    settled
}

/// One look at an awaited object: `None` while it should be waited for.
async fn observe(cluster: &ClusterClient, item: &mut Awaited) -> Option<Result<String, String>> {
    let live = match cluster.get(&item.api_version, &item.key).await {
        Ok(live) => live,
        Err(error) if error.is_unreachable() => return Some(Err(error.to_string())),
        Err(error) => {
            item.last_seen = error.to_string();
            return None;
        }
    };
    let Some(live) = live else {
        if item.hook {
            return Some(Err(format!("{} disappeared before it finished", item.key)));
        }
        item.last_seen = "Missing".to_string();
        return None;
    };
    let Some(health) = assess(&live) else {
        return Some(Ok(if item.hook {
            "hook finished"
        } else {
            "created"
        }
        .to_string()));
    };
    let described = if health.message.is_empty() {
        format!("{:?}", health.status)
    } else {
        format!("{:?}: {}", health.status, health.message)
    };
    item.last_seen = described.clone();
    match health.status {
        HealthStatus::Healthy => Some(Ok(if item.hook {
            "hook succeeded".to_string()
        } else {
            "healthy".to_string()
        })),
        HealthStatus::Suspended if !item.hook => Some(Ok("suspended".to_string())),
        HealthStatus::Degraded if item.hook => Some(Err(format!("hook failed: {described}"))),
        _ => None,
    }
}
