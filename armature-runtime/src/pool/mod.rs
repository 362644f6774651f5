//! Thread pools: a dedicated rayon compute pool for CPU work and the tokio
//! runtime for I/O, configured together by [`ParallelConfig`].
//!
//! CPU-bound work must never run on a tokio worker: it would stall every other
//! task on that worker. [`compute`] moves a closure to the compute pool and
//! gives back a future that completes when the closure has run.

mod config;

pub use config::{ParallelConfig, PoolError};

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, RwLock};

/// The process-wide compute pool. Replaceable (configuring twice is allowed),
/// hence the lock; it is read once per `compute` call or parallel section,
/// never per item.
static COMPUTE_POOL: RwLock<Option<Arc<rayon::ThreadPool>>> = RwLock::new(None);

/// The cores this process may use (1 when unknown): the default size of
/// every pool and of every "one per core" bound.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// The compute pool, built with [`ParallelConfig::default`] on first use
/// when nothing configured it before.
pub fn compute_pool() -> Arc<rayon::ThreadPool> {
    if let Some(pool) = COMPUTE_POOL
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .as_ref()
    {
        return Arc::clone(pool);
    }
    let mut slot = COMPUTE_POOL
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(pool) = slot.as_ref() {
        return Arc::clone(pool);
    }
    let pool = Arc::new(
        ParallelConfig::default()
            .build_compute_pool()
            .or_else(|_| rayon::ThreadPoolBuilder::new().build())
            // Only fails when the OS refuses to spawn any thread at all.
            .unwrap_or_else(|e| panic!("armature: cannot start the compute pool: {e}")),
    );
    *slot = Some(Arc::clone(&pool));
    pool
}

pub(crate) fn replace_compute_pool(pool: rayon::ThreadPool) {
    *COMPUTE_POOL
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Arc::new(pool));
}

/// Runs `f` on the compute pool and waits for it without blocking the
/// calling async task's thread.
///
/// A panic in `f` is resumed in the awaiting task, as `rayon::join` does.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let sum = armature_runtime::pool::compute(|| (1..=1_000u64).sum::<u64>()).await;
/// assert_eq!(sum, 500_500);
/// # }
/// ```
pub async fn compute<F, R>(f: F) -> R
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    compute_pool().spawn(move || {
        // The receiver may be gone (the caller was cancelled); nothing to do then.
        let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
    });
    match rx.await {
        Ok(Ok(value)) => value,
        Ok(Err(panic)) => resume_unwind(panic),
        // The pool drops a job only if it is torn down mid-flight, which
        // `replace_compute_pool` never does (the old pool drains first).
        Err(_) => panic!("armature: the compute pool dropped a job"),
    }
}

/// Runs `f` inside the compute pool from synchronous code, blocking the
/// caller until it is done (a no-op hop when already on the pool).
pub fn install<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let pool = compute_pool();
    if pool.current_thread_index().is_some() {
        f()
    } else {
        pool.install(f)
    }
}

/// Whether the current thread is one of the compute pool's workers.
pub fn on_compute_pool() -> bool {
    compute_pool().current_thread_index().is_some()
}

/// Tests that replace or depend on the global pool's size take this lock,
/// so one cannot swap the pool under another.
#[cfg(test)]
pub(crate) static GLOBAL_POOL_TEST_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn exclusive() -> std::sync::MutexGuard<'static, ()> {
        GLOBAL_POOL_TEST_LOCK
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    #[test]
    fn compute_does_not_block_a_current_thread_runtime() {
        let _pool = exclusive();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            // Warm the pool so its start-up is not part of the measurement.
            compute(|| ()).await;
            let heavy = |ms| {
                compute(move || {
                    let end = Instant::now() + Duration::from_millis(ms);
                    let mut spins = 0u64;
                    while Instant::now() < end {
                        spins = spins.wrapping_add(1);
                    }
                    spins
                })
            };
            let ping = async {
                let mut worst = Duration::ZERO;
                for _ in 0..40 {
                    let sent = Instant::now();
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    worst = worst.max(sent.elapsed().saturating_sub(Duration::from_millis(5)));
                }
                worst
            };
            let (a, b, worst) = tokio::join!(heavy(200), heavy(200), ping);
            assert!(a > 0 && b > 0);
            // The single runtime thread stayed free: a blocked thread would
            // delay a ping by a whole 200 ms computation; the margin absorbs
            // scheduler slices while other tests load both cores.
            assert!(worst < Duration::from_millis(100), "ping delayed {worst:?}");
        });
    }

    #[test]
    fn compute_resumes_panics_in_the_caller() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(compute(|| -> u8 { panic!("boom") }))
        }));
        assert!(result.is_err());
    }

    #[test]
    fn install_runs_on_the_pool() {
        let _pool = exclusive();
        assert!(install(on_compute_pool));
        assert!(!on_compute_pool());
    }
}
