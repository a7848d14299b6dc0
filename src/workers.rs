//! Batch workers: one OS thread per core, each running whole items (topics) one after another,
//! with every parallel call nested inside an item run inline on that thread.
//!
//! Why not a rayon pool: polars runs its operations on a thread pool of its own. Called from
//! a worker of another rayon pool, every polars group-by is handed over to that pool and the
//! calling worker sleeps until it is done — while the polars thread waits for a core that the
//! other batch worker holds — and a sleeping rayon worker steals another topic, nesting whole
//! reports on one stack. In a batch of small topics that left a core idle a third of the time.
//!
//! Here each worker thread tells polars to stay on the calling thread, with the per-thread
//! switch polars' own async executor threads use (`polars_async::executor::ALLOW_RAYON_THREADS`,
//! public in the pinned polars 0.55.2; a test below fails if an upgrade changes its effect),
//! which makes polars build its one-thread "no-op" pool on this thread. The thread is then a rayon worker
//! of that one-thread pool, so our own `rayon::join` and parallel iterators also run inline on
//! it: no hand-overs, no stealing between topics, and the stack holds one topic at a time.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Stack of each worker thread: room for polars and plotters at every registry size.
pub const WORKER_STACK_BYTES: usize = 32 << 20;

/// Makes every parallel call on the current (non-rayon) thread run inline on it: polars'
/// operations and our own rayon joins alike. Call once, first thing in a fresh thread.
pub fn run_parallel_calls_inline() {
    polars_async::executor::ALLOW_RAYON_THREADS.set(false);
    // Builds polars' one-thread pool on this thread, which registers the thread as that pool's
    // only rayon worker (rayon's `use_current_thread`).
    let _ = polars_core::runtime::RAYON.current_num_threads();
}

/// Rows from which a registry's structures are freed by [`drop_aside`] rather than inline.
pub const DROP_ASIDE_MIN_ROWS: usize = 100_000;

/// Drops `value` on a thread of its own: freeing the rows or maps of a million-row registry
/// takes tens of milliseconds the caller need not wait for (a command that ends first exits
/// without waiting). Dropped inline when no thread can be started.
pub fn drop_aside<T: Send + 'static>(value: T) {
    // A failed spawn drops the closure, and the value with it, here.
    let _ = std::thread::Builder::new().spawn(move || drop(value));
}

/// Runs `work` on a rayon pool with [`WORKER_STACK_BYTES`] stacks, one thread per core: for
/// few items, each of which then uses every core (its charts, polars) from its workers.
pub fn on_roomy_pool<R: Send>(work: impl FnOnce() -> R + Send) -> std::io::Result<R> {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(WORKER_STACK_BYTES)
        .build()
        .map_err(std::io::Error::other)?;
    Ok(pool.install(work))
}

/// Applies `work` to every item on `threads` worker threads (at least one), each taking the
/// next item as soon as it is done with the last; results come back in item order. `done` is
/// called after each item (progress).
pub fn map_in_order<T, R, W, D>(
    items: &[T],
    threads: usize,
    work: W,
    done: D,
) -> std::io::Result<Vec<R>>
where
    T: Sync,
    R: Send,
    W: Fn(&T) -> R + Sync,
    D: Fn() + Sync,
{
    let next = AtomicUsize::new(0);
    let threads = threads.clamp(1, items.len().max(1));
    let mut results: Vec<(usize, R)> = Vec::with_capacity(items.len());
    std::thread::scope(|scope| -> std::io::Result<()> {
        let mut handles = Vec::with_capacity(threads);
        for index in 0..threads {
            let (next, work, done) = (&next, &work, &done);
            let handle = std::thread::Builder::new()
                .name(format!("evsynth-{index}"))
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(scope, move || {
                    run_parallel_calls_inline();
                    let mut mine = Vec::new();
                    loop {
                        let at = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(at) else {
                            return mine;
                        };
                        mine.push((at, work(item)));
                        done();
                    }
                })?;
            handles.push(handle);
        }
        for handle in handles {
            match handle.join() {
                Ok(mine) => results.extend(mine),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(())
    })?;
    results.sort_unstable_by_key(|(at, _)| *at);
    Ok(results.into_iter().map(|(_, result)| result).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;
    use rayon::prelude::*;

    #[test]
    fn results_come_back_in_item_order_from_every_thread() {
        let items: Vec<u64> = (0..200).collect();
        let calls = AtomicUsize::new(0);
        let threads_seen = std::sync::Mutex::new(std::collections::BTreeSet::new());
        let squares = map_in_order(
            &items,
            2,
            |n| {
                threads_seen
                    .lock()
                    .unwrap()
                    .insert(std::thread::current().name().map(str::to_string));
                n * n
            },
            || {
                calls.fetch_add(1, Ordering::Relaxed);
            },
        )
        .unwrap();
        assert_eq!(squares, items.iter().map(|n| n * n).collect::<Vec<_>>());
        assert_eq!(calls.load(Ordering::Relaxed), 200);
        assert!(threads_seen.lock().unwrap().len() <= 2);
        assert!(
            map_in_order(&[] as &[u8], 4, |_| 0, || {})
                .unwrap()
                .is_empty()
        );
    }

    /// Guards the polars behaviour the workers rely on (a polars upgrade that changes it fails
    /// here): after the switch the thread is the only worker of a one-thread rayon pool, our
    /// rayon calls run on it, and polars group-bys still work.
    #[test]
    fn parallel_calls_run_inline_on_a_worker() {
        let results = map_in_order(
            &[0u8, 1, 2],
            2,
            |_| {
                let me = std::thread::current().id();
                let threads: Vec<_> = (0..64)
                    .into_par_iter()
                    .map(|_| std::thread::current().id())
                    .collect();
                let frame = df!("k" => [1i64, 2, 1, 2, 1], "v" => [1i64, 2, 3, 4, 5]).unwrap();
                let sums = frame
                    .lazy()
                    .group_by([col("k")])
                    .agg([col("v").sum()])
                    .sort(["k"], SortMultipleOptions::default())
                    .collect()
                    .unwrap();
                let sums: Vec<Option<i64>> = sums.column("v").unwrap().i64().unwrap().to_vec();
                (
                    rayon::current_num_threads(),
                    rayon::current_thread_index(),
                    threads.iter().all(|t| *t == me),
                    sums,
                )
            },
            || {},
        )
        .unwrap();
        for (threads, index, inline, sums) in results {
            assert_eq!((threads, index, inline), (1, Some(0), true));
            assert_eq!(sums, vec![Some(9), Some(6)]);
        }
    }
}
