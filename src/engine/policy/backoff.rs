//! Backoff between automated attempts: Argo CD's `syncPolicy.retry` for a
//! failed sync, and the controller's self-heal backoff for repeated repairs
//! of the same revision.
//!
//! Numbering: [`Backoff::delay`]`(n)` is the wait before retry (or repeat)
//! number `n`. `delay(0)` is zero — the first attempt is never held back —
//! and `delay(n)` is `duration × factor^(n-1)`, capped at the maximum, as
//! in Argo CD (`timeToWait = duration * factor^retryCount`).

use std::time::Duration;

use serde::Serialize;
use thiserror::Error;

use crate::engine::model::duration::DurationError;
use crate::engine::model::sync_policy::RetryStrategy;

/// Argo CD's retry defaults when `backoff` (or one of its fields) is unset.
pub const DEFAULT_RETRY_BACKOFF: Backoff = Backoff {
    duration: Duration::from_secs(5),
    factor: 2,
    max_duration: Some(Duration::from_secs(180)),
};

/// The application controller's self-heal defaults
/// (`--self-heal-backoff-timeout-seconds 2`, `--self-heal-backoff-factor 3`,
/// `--self-heal-backoff-cap-seconds 300`).
pub const DEFAULT_SELF_HEAL_BACKOFF: Backoff = Backoff {
    duration: Duration::from_secs(2),
    factor: 3,
    max_duration: Some(Duration::from_secs(300)),
};

/// After this long without a repair the self-heal count starts again
/// (`--self-heal-backoff-cooldown-seconds`, default 330: just over the cap,
/// so an app that stayed healed is repaired at once next time).
pub const DEFAULT_SELF_HEAL_COOLDOWN: Duration = Duration::from_secs(330);

/// Exponential backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Backoff {
    /// The wait before the first retry.
    pub duration: Duration,
    /// Each further wait is this many times the previous one (at least 1).
    pub factor: u32,
    /// The longest wait; `None` leaves it uncapped (Argo's `maxDuration: 0`).
    pub max_duration: Option<Duration>,
}

impl Backoff {
    /// The wait before attempt number `n` after the first (see the module
    /// notes); saturates instead of overflowing.
    pub fn delay(&self, n: u32) -> Duration {
        if n == 0 {
            return Duration::ZERO;
        }
        let cap = self.max_duration.unwrap_or(Duration::MAX);
        let grown = self
            .factor
            .max(1)
            .checked_pow(n - 1)
            .and_then(|multiplier| self.duration.checked_mul(multiplier))
            .unwrap_or(Duration::MAX);
        grown.min(cap)
    }
}

/// How many retries a failed revision gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "count")]
pub enum RetryLimit {
    /// At most this many retries after the first attempt (0: none).
    Count(u32),
    /// Retry forever (Argo's negative `limit`).
    Unlimited,
}

/// `syncPolicy.retry`, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryPolicy {
    pub limit: RetryLimit,
    pub backoff: Backoff,
}

/// A retry strategy whose backoff cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("invalid syncPolicy.retry.backoff.{field}: {source}")]
pub struct RetryPolicyError {
    pub field: &'static str,
    #[source]
    pub source: DurationError,
}

impl RetryPolicy {
    /// No retries: what an app without `syncPolicy.retry` gets.
    pub const NONE: RetryPolicy = RetryPolicy {
        limit: RetryLimit::Count(0),
        backoff: DEFAULT_RETRY_BACKOFF,
    };

    /// Resolves the Application's retry strategy with Argo CD's defaults:
    /// no strategy means no retries, an unset `limit` is 0, a negative one
    /// is unlimited, unset backoff fields are 5s / ×2 / 3m, and a factor
    /// below 1 counts as 1.
    pub fn from_model(strategy: Option<&RetryStrategy>) -> Result<Self, RetryPolicyError> {
        let Some(strategy) = strategy else {
            return Ok(RetryPolicy::NONE);
        };
        let limit = match strategy.limit {
            Some(limit) if limit < 0 => RetryLimit::Unlimited,
            Some(limit) => RetryLimit::Count(u32::try_from(limit).unwrap_or(u32::MAX)),
            None => RetryLimit::Count(0),
        };
        let mut backoff = DEFAULT_RETRY_BACKOFF;
        if let Some(written) = &strategy.backoff {
            let field = |field| move |source| RetryPolicyError { field, source };
            if let Some(duration) = written.duration().map_err(field("duration"))? {
                backoff.duration = duration;
            }
            if let Some(factor) = written.factor {
                backoff.factor = u32::try_from(factor.max(1)).unwrap_or(u32::MAX);
            }
            if let Some(max) = written.max_duration().map_err(field("maxDuration"))? {
                backoff.max_duration = (!max.is_zero()).then_some(max);
            }
        }
        Ok(RetryPolicy { limit, backoff })
    }

    /// Whether retry number `n` (1 = the first retry) is allowed.
    pub fn allows(&self, n: u32) -> bool {
        match self.limit {
            RetryLimit::Unlimited => true,
            RetryLimit::Count(limit) => n <= limit,
        }
    }

    /// The wait before retry number `n`.
    pub fn delay(&self, n: u32) -> Duration {
        self.backoff.delay(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strategy(value: serde_json::Value) -> RetryStrategy {
        serde_json::from_value(value).unwrap()
    }

    fn secs(seconds: u64) -> Duration {
        Duration::from_secs(seconds)
    }

    #[test]
    fn argo_defaults_grow_by_two_and_cap_at_three_minutes() {
        let policy = RetryPolicy::from_model(Some(&strategy(json!({"limit": 5})))).unwrap();
        assert_eq!(policy.limit, RetryLimit::Count(5));
        let delays: Vec<u64> = (0..8).map(|n| policy.delay(n).as_secs()).collect();
        assert_eq!(delays, [0, 5, 10, 20, 40, 80, 160, 180]);
        assert!(policy.allows(5));
        assert!(!policy.allows(6));
    }

    #[test]
    fn written_backoff_overrides_the_defaults() {
        let policy = RetryPolicy::from_model(Some(&strategy(json!({
            "limit": -1,
            "backoff": {"duration": "10", "factor": 3, "maxDuration": "1m"}
        }))))
        .unwrap();
        assert_eq!(policy.limit, RetryLimit::Unlimited);
        assert!(policy.allows(u32::MAX));
        assert_eq!(policy.delay(1), secs(10));
        assert_eq!(policy.delay(2), secs(30));
        assert_eq!(policy.delay(3), secs(60));
        assert_eq!(policy.delay(1000), secs(60));
    }

    #[test]
    fn missing_strategy_or_limit_means_no_retries() {
        assert_eq!(RetryPolicy::from_model(None).unwrap(), RetryPolicy::NONE);
        assert!(!RetryPolicy::NONE.allows(1));
        let policy = RetryPolicy::from_model(Some(&strategy(json!({})))).unwrap();
        assert_eq!(policy.limit, RetryLimit::Count(0));
    }

    #[test]
    fn odd_factors_and_zero_caps_do_not_break_the_arithmetic() {
        let policy = RetryPolicy::from_model(Some(&strategy(json!({
            "limit": 3, "backoff": {"duration": "1h", "factor": 0, "maxDuration": "0"}
        }))))
        .unwrap();
        assert_eq!(policy.backoff.factor, 1);
        assert_eq!(policy.backoff.max_duration, None);
        assert_eq!(policy.delay(50), secs(3600));
        let huge = Backoff {
            duration: secs(u64::MAX / 2),
            factor: u32::MAX,
            max_duration: None,
        };
        assert_eq!(huge.delay(40), Duration::MAX);
    }

    #[test]
    fn bad_durations_name_the_field() {
        let error = RetryPolicy::from_model(Some(&strategy(json!({
            "backoff": {"maxDuration": "forever"}
        }))))
        .unwrap_err();
        assert_eq!(error.field, "maxDuration");
        assert!(error.to_string().contains("forever"), "{error}");
    }

    #[test]
    fn self_heal_backoff_matches_the_argo_controller() {
        let delays: Vec<u64> = (0..8)
            .map(|n| DEFAULT_SELF_HEAL_BACKOFF.delay(n).as_secs())
            .collect();
        assert_eq!(delays, [0, 2, 6, 18, 54, 162, 300, 300]);
    }
}
