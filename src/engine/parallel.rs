//! [`map_bounded`]: blocking work over many independent items on a few
//! threads, results in the items' order.
//!
//! Rendering thousands of apps one after another leaves all but one core
//! idle at a cold start; rendering them all at once would start thousands
//! of threads. Callers are already on a blocking thread (`spawn_blocking`),
//! so a scoped pool of plain threads, one per core, pulling the next index
//! from a shared counter, is all it takes: no runtime, no extra crate, and
//! the output order (and so everything built from it) is the same whatever
//! the timing.

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};

/// One worker per core the process may use (one if that is unknown).
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

/// `items.iter().map(work).collect()`, run on up to `workers` threads.
///
/// Each item's result is its own: one that fails (an `Err` result) never
/// stops the others. With one worker or one item the work runs on the
/// calling thread. A panic in `work` is raised again on the calling thread,
/// as it would be in a plain loop.
pub fn map_bounded<T, R, F>(items: &[T], workers: usize, work: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync,
{
    let workers = workers.clamp(1, items.len().max(1));
    if workers == 1 {
        return items.iter().map(work).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    // Every index is taken by exactly one worker.
                    let mut out = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(index) else {
                            break;
                        };
                        out.push((index, work(item)));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    done.sort_unstable_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, result)| result).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_timing() {
        let items: Vec<u64> = (0..200).collect();
        let out = map_bounded(&items, 4, |item| {
            // Early items take longest, so they finish last.
            std::thread::sleep(std::time::Duration::from_micros(200 - item));
            item * 2
        });
        assert_eq!(out, items.iter().map(|item| item * 2).collect::<Vec<_>>());
    }

    #[test]
    fn a_failing_item_does_not_stop_the_others() {
        let items = ["a", "bad", "c"];
        let out = map_bounded(&items, 2, |item| {
            if *item == "bad" {
                Err(format!("{item} is broken"))
            } else {
                Ok(item.to_uppercase())
            }
        });
        assert_eq!(
            out,
            [
                Ok("A".to_string()),
                Err("bad is broken".to_string()),
                Ok("C".to_string())
            ]
        );
    }

    #[test]
    fn at_most_the_given_number_of_workers_run_at_once() {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let items: Vec<usize> = (0..64).collect();
        map_bounded(&items, 3, |_| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            std::thread::sleep(std::time::Duration::from_micros(100));
            running.fetch_sub(1, Ordering::SeqCst);
        });
        assert!(most.load(Ordering::SeqCst) <= 3);
        assert!(map_bounded(&[] as &[u8], 3, |item| *item).is_empty());
    }
}
