//! The queue and worker: I/O-bound jobs one at a time vs in batches, CPU
//! jobs inline on tokio vs `cpu_intensive` on the compute pool (with a
//! ping task's latency during each), and end-to-end throughput on Redis.

use std::hint::black_box;
use std::time::{Duration, Instant};

use armature::prelude::*;
use serde::{Deserialize, Serialize};

mod support;
#[cfg(feature = "redis")]
#[path = "../tests/support/mod.rs"]
mod test_support;

#[derive(Serialize, Deserialize)]
struct Unit {
    n: u32,
}

#[job(queue = "bench_io")]
async fn io_job(_u: Unit) -> Result<(), JobError> {
    tokio::time::sleep(Duration::from_millis(1)).await;
    Ok(())
}

fn spin(ms: u64) {
    let until = Instant::now() + Duration::from_millis(ms);
    while Instant::now() < until {
        std::hint::spin_loop();
    }
}

#[job(queue = "bench_cpu_inline")]
async fn cpu_inline(_u: Unit) -> Result<(), JobError> {
    spin(2);
    Ok(())
}

#[job(cpu_intensive, queue = "bench_cpu_pool")]
fn cpu_pool(_u: Unit) -> Result<(), JobError> {
    spin(2);
    Ok(())
}

#[job(queue = "bench_noop")]
async fn noop(_u: Unit) -> Result<(), JobError> {
    Ok(())
}

/// Enqueues `n` jobs of `J`, runs `worker` until all are done; the time.
async fn drain<J: armature::queue::Job<Payload = Unit>>(
    queue: &Queue,
    job: J,
    n: u32,
    concurrency: usize,
    batch: usize,
) -> Duration {
    let units: Vec<Unit> = (0..n).map(|n| Unit { n }).collect();
    let before = queue.counts(J::QUEUE).await.unwrap().completed;
    queue.enqueue_many::<J>(&units).await.unwrap();
    let start = Instant::now();
    let stop = Shutdown::new();
    let worker = tokio::spawn(
        Worker::new(queue.clone())
            .register(job)
            .concurrency(concurrency)
            .batch_size(batch)
            .idle_wait(Duration::from_millis(10))
            .run_until(stop.clone()),
    );
    while queue.counts(J::QUEUE).await.unwrap().completed < before + u64::from(n) {
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    let took = start.elapsed();
    stop.shutdown();
    worker.await.unwrap().unwrap();
    took
}

/// The worst lateness of a 1 ms ping while `f` runs (p99 and max, µs).
async fn with_ping<F: std::future::Future<Output = Duration>>(f: F) -> (Duration, u128, u128) {
    let stop = Shutdown::new();
    let ping = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut late = Vec::new();
            while !stop.is_shutdown() {
                let start = Instant::now();
                tokio::time::sleep(Duration::from_millis(1)).await;
                late.push(
                    start
                        .elapsed()
                        .saturating_sub(Duration::from_millis(1))
                        .as_micros(),
                );
            }
            late.sort_unstable();
            let p99 = late.get(late.len() * 99 / 100).copied().unwrap_or(0);
            (p99, late.last().copied().unwrap_or(0))
        })
    };
    let took = f.await;
    stop.shutdown();
    let (p99, max) = ping.await.unwrap();
    (took, p99, max)
}

fn ratios(rt: &tokio::runtime::Runtime) {
    use support::interleaved;
    let rounds = support::rounds(5);
    let queue = Queue::memory();
    interleaved(
        "queue: 1,000 1 ms I/O jobs in batches of 50 vs one at a time",
        rounds,
        Duration::from_millis(10),
        || {
            black_box(rt.block_on(drain(&queue, io_job, 1000, 1, 1)));
        },
        || {
            black_box(rt.block_on(drain(&queue, io_job, 1000, 50, 50)));
        },
    );
    interleaved(
        "queue: 200 2 ms CPU jobs cpu_intensive vs inline on tokio",
        rounds,
        Duration::from_millis(10),
        || {
            black_box(rt.block_on(drain(&queue, cpu_inline, 200, 2, 2)));
        },
        || {
            black_box(rt.block_on(drain(&queue, cpu_pool, 200, 8, 8)));
        },
    );
    for (name, pool) in [("inline on tokio", false), ("cpu_intensive", true)] {
        let (took, p99, max) = rt.block_on(with_ping(async {
            if pool {
                drain(&queue, cpu_pool, 200, 8, 8).await
            } else {
                drain(&queue, cpu_inline, 200, 2, 2).await
            }
        }));
        println!(
            "ping during 200 CPU jobs {name}: took {took:?}, 1 ms ping late by p99 {p99} µs, max {max} µs"
        );
    }
    #[cfg(feature = "redis")]
    redis_throughput(rt);
}

#[cfg(feature = "redis")]
fn redis_throughput(rt: &tokio::runtime::Runtime) {
    let server = test_support::redis::RedisServer::start();
    let queue = rt.block_on(Queue::redis(&server.url())).unwrap();
    let n = 20_000;
    for (workers, batch) in [(1, 1), (1, 10), (1, 100), (4, 10), (4, 100)] {
        let took = rt.block_on(async {
            let units: Vec<Unit> = (0..n).map(|n| Unit { n }).collect();
            let start = Instant::now();
            for chunk in units.chunks(1000) {
                queue.enqueue_many::<noop>(chunk).await.unwrap();
            }
            let stop = Shutdown::new();
            let handles: Vec<_> = (0..workers)
                .map(|_| {
                    tokio::spawn(
                        Worker::new(queue.clone())
                            .register(noop)
                            .concurrency(batch * 2)
                            .batch_size(batch)
                            .idle_wait(Duration::from_millis(10))
                            .run_until(stop.clone()),
                    )
                })
                .collect();
            loop {
                let c = queue.counts("bench_noop").await.unwrap();
                if c.queued == 0 && c.running == 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let took = start.elapsed();
            stop.shutdown();
            for h in handles {
                h.await.unwrap().unwrap();
            }
            took
        });
        println!(
            "redis: {workers} worker(s), batch {batch}: {:.0} jobs/s (enqueue + fetch + run + ack, {n} jobs)",
            f64::from(n) / took.as_secs_f64()
        );
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    if std::env::args().any(|a| a == "--bench") {
        ratios(&rt);
    }
}
