//! A worker process for the crash-safety test (tests/queue): takes `crash`
//! jobs from Redis, appends each job's number to a log file when it is
//! done, and runs until killed.
//!
//! ```text
//! queue_worker REDIS_URL LOG_FILE [LEASE_MS]
//! ```

use std::io::Write;
use std::time::Duration;

use armature::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Crash {
    n: u32,
}

static LOG: std::sync::OnceLock<std::sync::Mutex<std::fs::File>> = std::sync::OnceLock::new();

/// 50 ms of "work", then the job's number on its own line (one write, so
/// lines of concurrent jobs never interleave).
#[job(queue = "crash", retries = 50)]
async fn crash(job: Crash) -> Result<(), JobError> {
    tokio::time::sleep(Duration::from_millis(50)).await;
    if let Some(log) = LOG.get() {
        let mut file = log.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(format!("{}\n", job.n).as_bytes())?;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(log)) = (args.next(), args.next()) else {
        return Err("usage: queue_worker REDIS_URL LOG_FILE [LEASE_MS]".into());
    };
    let lease: u64 = args.next().map_or(Ok(500), |s| s.parse())?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let _ = LOG.set(std::sync::Mutex::new(file));
    let queue = Queue::redis(&url).await?;
    println!("working");
    Worker::new(queue)
        .register(crash)
        .concurrency(8)
        .batch_size(8)
        .lease(Duration::from_millis(lease))
        .run_until(Shutdown::on_signal())
        .await?;
    Ok(())
}
