/// Sizes of Armature's thread pools.
///
/// ```
/// use armature_runtime::pool::ParallelConfig;
///
/// let config = ParallelConfig { cpu_threads: 2, ..ParallelConfig::default() };
/// let runtime = config.build().expect("pools start");
/// let answer = runtime.block_on(armature_runtime::pool::compute(|| 6 * 7));
/// assert_eq!(answer, 42);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParallelConfig {
    /// Threads of the rayon compute pool (CPU work, parallel validation).
    pub cpu_threads: usize,
    /// Tokio worker threads (async I/O).
    pub io_threads: usize,
    /// Upper bound of tokio's blocking pool (file writes, `spawn_blocking`).
    pub blocking_threads: usize,
    /// Prefix of the compute threads' names (shown by `top -H`, debuggers).
    pub thread_name: String,
}

impl Default for ParallelConfig {
    fn default() -> Self {
        let cores = super::cores();
        Self {
            cpu_threads: cores,
            io_threads: cores,
            blocking_threads: 512,
            thread_name: "armature-compute".to_owned(),
        }
    }
}

/// A pool could not be started.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// A size of zero was given.
    #[error("`{0}` must be at least 1")]
    Zero(&'static str),
    /// Rayon could not spawn the compute threads.
    #[error("cannot start the compute pool: {0}")]
    Compute(#[from] rayon::ThreadPoolBuildError),
    /// Tokio could not start the runtime.
    #[error("cannot start the tokio runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

impl ParallelConfig {
    fn check(&self) -> Result<(), PoolError> {
        for (name, value) in [
            ("cpu_threads", self.cpu_threads),
            ("io_threads", self.io_threads),
            ("blocking_threads", self.blocking_threads),
        ] {
            if value == 0 {
                return Err(PoolError::Zero(name));
            }
        }
        Ok(())
    }

    pub(crate) fn build_compute_pool(&self) -> Result<rayon::ThreadPool, PoolError> {
        self.check()?;
        let name = self.thread_name.clone();
        Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(self.cpu_threads)
            .thread_name(move |i| format!("{name}-{i}"))
            .build()?)
    }

    /// Starts the compute pool with these sizes and makes it the one
    /// [`compute`](crate::compute) and parallel validation use. Calling it
    /// again replaces the pool; work already running finishes on the old one.
    pub fn install_compute_pool(&self) -> Result<(), PoolError> {
        crate::pool::replace_compute_pool(self.build_compute_pool()?);
        Ok(())
    }

    /// Installs the compute pool and builds the multi-threaded tokio runtime.
    pub fn build(&self) -> Result<tokio::runtime::Runtime, PoolError> {
        self.install_compute_pool()?;
        Ok(tokio::runtime::Builder::new_multi_thread()
            .worker_threads(self.io_threads)
            .max_blocking_threads(self.blocking_threads)
            .thread_name("armature-io")
            .enable_all()
            .build()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configuring_twice_replaces_the_pool() {
        let _pool = crate::pool::GLOBAL_POOL_TEST_LOCK
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let one = ParallelConfig {
            cpu_threads: 1,
            ..ParallelConfig::default()
        };
        one.install_compute_pool().unwrap();
        assert_eq!(crate::pool::compute_pool().current_num_threads(), 1);
        let two = ParallelConfig {
            cpu_threads: 2,
            ..one
        };
        two.install_compute_pool().unwrap();
        assert_eq!(crate::pool::compute_pool().current_num_threads(), 2);
    }

    #[test]
    fn zero_sizes_are_errors() {
        let bad = ParallelConfig {
            io_threads: 0,
            ..ParallelConfig::default()
        };
        let err = bad.build().unwrap_err();
        assert_eq!(err.to_string(), "`io_threads` must be at least 1");
    }
}
