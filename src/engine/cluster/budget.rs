//! A token bucket per cluster: `qps` requests per second on average, with
//! bursts of up to `burst`, as client-go's default rate limiter does.
//!
//! Every call through [`super::ClusterClient`] takes a token first, so a
//! sync of a hundred apps to one cluster queues politely instead of
//! flooding its API server, and other clusters are not affected.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub struct RequestBudget {
    qps: f64,
    burst: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

impl RequestBudget {
    /// `qps` ≤ 0 means unlimited; `burst` is at least 1.
    pub fn new(qps: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        RequestBudget {
            qps,
            burst,
            state: Mutex::new(Bucket {
                tokens: burst,
                refilled_at: Instant::now(),
            }),
        }
    }

    pub fn qps(&self) -> f64 {
        self.qps
    }

    /// Waits until a request may go out.
    pub async fn acquire(&self) {
        if self.qps <= 0.0 {
            return;
        }
        loop {
            let wait = self.try_take();
            match wait {
                None => return,
                Some(wait) => tokio::time::sleep(wait).await,
            }
        }
    }

    /// Takes a token, or says how long until one is there.
    fn try_take(&self) -> Option<Duration> {
        let mut bucket = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let elapsed = now.duration_since(bucket.refilled_at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.qps).min(self.burst);
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            None
        } else {
            Some(Duration::from_secs_f64((1.0 - bucket.tokens) / self.qps))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_goes_at_once_then_requests_are_paced() {
        let budget = RequestBudget::new(10.0, 5);
        let start = Instant::now();
        for _ in 0..5 {
            budget.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "the burst is free");
        for _ in 0..10 {
            budget.acquire().await;
        }
        let paced = start.elapsed();
        assert!(
            paced >= Duration::from_millis(990) && paced <= Duration::from_millis(1100),
            "ten more requests at 10 QPS take about a second, took {paced:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn zero_qps_is_unlimited() {
        let budget = RequestBudget::new(0.0, 1);
        let start = Instant::now();
        for _ in 0..1000 {
            budget.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
