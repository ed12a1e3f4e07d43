//! Fault injection for one simulated cluster, switched at run time from Rust or over
//! the admin endpoint (`super::admin`): added latency on every request, an error rate
//! (500 InternalError, or 429 TooManyRequests with Retry-After), dropping every open
//! watch, and requests for a timed outage (served by `super::outage`). Errors are
//! spread evenly and deterministically (a rate of 0.25 fails exactly every fourth
//! request), so reliability tests do not flake.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::status_error::ApiError;

/// The error an injected fault answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultError {
    /// 500 InternalError.
    InternalError,
    /// 429 TooManyRequests with a `Retry-After` header (seconds).
    TooManyRequests { retry_after_seconds: u32 },
}

#[derive(Debug, Default)]
struct ErrorBudget {
    /// Fraction of requests that fail, 0.0..=1.0.
    rate: f64,
    /// Accumulated fraction; a request fails each time it reaches 1.
    accumulated: f64,
    error: Option<FaultError>,
}

#[derive(Debug)]
pub(crate) struct FaultState {
    latency_ms: AtomicU64,
    errors: Mutex<ErrorBudget>,
    /// Bumped to end every open watch.
    watch_epoch: watch::Sender<u64>,
    /// The latest request for a timed outage (how long to stay down).
    outage: watch::Sender<Option<Duration>>,
}

impl FaultState {
    pub fn new() -> Self {
        FaultState {
            latency_ms: AtomicU64::new(0),
            errors: Mutex::new(ErrorBudget::default()),
            watch_epoch: watch::channel(0).0,
            outage: watch::channel(None).0,
        }
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(self.latency_ms.load(Ordering::Relaxed))
    }

    /// The injected error for this request, if it is one of the failing ones.
    pub fn next_error(&self) -> Option<ApiError> {
        let mut budget = self
            .errors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let error = budget.error?;
        budget.accumulated += budget.rate;
        if budget.accumulated < 1.0 {
            return None;
        }
        budget.accumulated -= 1.0;
        Some(match error {
            FaultError::InternalError => {
                ApiError::new(500, "InternalError", "simulated fault: internal error")
            }
            FaultError::TooManyRequests {
                retry_after_seconds,
            } => ApiError::new(
                429,
                "TooManyRequests",
                "simulated fault: too many requests, please try again later",
            )
            .with_details(serde_json::json!({"retryAfterSeconds": retry_after_seconds})),
        })
    }

    /// A receiver that changes when watches must be dropped.
    pub fn watch_epoch(&self) -> watch::Receiver<u64> {
        self.watch_epoch.subscribe()
    }

    /// Ask for the cluster to go down now and come back after `duration`.
    pub fn request_outage(&self, duration: Duration) {
        self.outage.send_replace(Some(duration));
    }

    /// A receiver that changes on every outage request.
    pub fn outage_requests(&self) -> watch::Receiver<Option<Duration>> {
        self.outage.subscribe()
    }
}

/// Run-time fault controls of one simulated cluster (see [`super::SimCluster::faults`]).
#[derive(Debug, Clone)]
pub struct Faults {
    state: Arc<FaultState>,
}

impl Faults {
    pub(crate) fn new(state: Arc<FaultState>) -> Self {
        Faults { state }
    }

    /// Delay every request by `latency` (zero turns it off).
    pub fn set_latency(&self, latency: Duration) {
        let millis = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        self.state.latency_ms.store(millis, Ordering::Relaxed);
    }

    /// Fail a fraction `rate` (clamped to 0..=1) of requests with `error`, spread
    /// evenly: 0.5 fails every second request.
    pub fn set_error_rate(&self, rate: f64, error: FaultError) {
        let mut budget = self
            .state
            .errors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let rate = if rate.is_finite() {
            rate.clamp(0.0, 1.0)
        } else {
            0.0
        };
        *budget = ErrorBudget {
            rate,
            accumulated: 0.0,
            error: (rate > 0.0).then_some(error),
        };
    }

    /// End every open watch now (clients see the stream close and re-watch).
    pub fn drop_watches(&self) {
        self.state.watch_epoch.send_modify(|epoch| *epoch += 1);
    }

    /// The added latency per request.
    pub fn latency(&self) -> Duration {
        self.state.latency()
    }

    /// The injected error rate and the error it answers with (`None` when off).
    pub fn error_rate(&self) -> (f64, Option<FaultError>) {
        let budget = self
            .state
            .errors
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        (budget.rate, budget.error)
    }

    /// No latency, no errors.
    pub fn clear(&self) {
        self.set_latency(Duration::ZERO);
        self.set_error_rate(0.0, FaultError::InternalError);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_rate_is_spread_evenly() {
        let state = Arc::new(FaultState::new());
        let faults = Faults::new(state.clone());
        faults.set_error_rate(0.25, FaultError::InternalError);
        let failures: Vec<bool> = (0..8).map(|_| state.next_error().is_some()).collect();
        assert_eq!(
            failures,
            [false, false, false, true, false, false, false, true]
        );
        faults.set_error_rate(
            1.0,
            FaultError::TooManyRequests {
                retry_after_seconds: 3,
            },
        );
        let error = state.next_error().expect("always fails");
        assert_eq!((error.code, error.reason), (429, "TooManyRequests"));
        assert_eq!(
            faults.error_rate(),
            (
                1.0,
                Some(FaultError::TooManyRequests {
                    retry_after_seconds: 3
                })
            )
        );
        faults.clear();
        assert_eq!(faults.error_rate(), (0.0, None));
        assert!(state.next_error().is_none());
        assert_eq!(state.latency(), Duration::ZERO);
    }

    #[test]
    fn dropping_watches_bumps_the_epoch() {
        let state = Arc::new(FaultState::new());
        let epoch = state.watch_epoch();
        Faults::new(state.clone()).drop_watches();
        assert!(epoch.has_changed().expect("sender alive"));
    }
}
