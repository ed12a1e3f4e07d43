//! Exponential delays between retries of a watch or a probe, so a cluster
//! that went away is asked again soon at first and then less and less,
//! never more than every few seconds.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RetryDelay {
    first: Duration,
    max: Duration,
    next: Duration,
}

impl RetryDelay {
    pub fn new(first: Duration, max: Duration) -> Self {
        RetryDelay {
            first,
            max,
            next: first,
        }
    }

    /// The delay to wait now; the one after is twice as long, up to `max`.
    pub fn next_delay(&mut self) -> Duration {
        let delay = self.next;
        self.next = (self.next * 2).min(self.max);
        delay
    }

    /// Something succeeded: the next failure starts over.
    pub fn reset(&mut self) {
        self.next = self.first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_reset() {
        let mut delay = RetryDelay::new(Duration::from_millis(100), Duration::from_millis(350));
        let delays: Vec<u128> = (0..4).map(|_| delay.next_delay().as_millis()).collect();
        assert_eq!(delays, [100, 200, 350, 350]);
        delay.reset();
        assert_eq!(delay.next_delay(), Duration::from_millis(100));
    }
}
