//! When the next Git poll is due: the refresh interval with ±10% jitter, so
//! many engines (or many catalogs) started together do not fetch in step.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// Every how many polls a full resync (every app recomputed from the
/// caches, whatever the watches said) runs as the safety net.
pub const RESYNC_EVERY: u32 = 10;

/// `interval` scaled by a random factor in [0.9, 1.1].
pub fn jittered(interval: Duration) -> Duration {
    // A fresh RandomState is randomly keyed: enough randomness for jitter
    // without a dependency.
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(interval.as_nanos() as u64);
    let unit = (hasher.finish() % 10_001) as f64 / 10_000.0;
    interval.mul_f64(0.9 + 0.2 * unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_jitter_stays_within_ten_percent() {
        let interval = Duration::from_secs(60);
        for _ in 0..100 {
            let delay = jittered(interval);
            assert!(
                delay >= Duration::from_secs(54) && delay <= Duration::from_secs(66),
                "{delay:?}"
            );
        }
    }
}
