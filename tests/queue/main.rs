//! The queue: one behavioural suite run on every backend (memory, a real
//! Redis, a real 3-node Redis Cluster), the worker on top of it, and what
//! only real processes and a real Redis can show (kills, idle cost).

#[cfg(feature = "redis")]
#[path = "../support/mod.rs"]
mod support;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use armature::prelude::*;
use armature::queue::{Counts, JobState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Note {
    n: u32,
}

#[job(queue = "notes", retries = 1)]
async fn note(_note: Note) -> Result<(), JobError> {
    Ok(())
}

#[job(queue = "other")]
async fn other(_note: Note) -> Result<(), JobError> {
    Ok(())
}

const LEASE: Duration = Duration::from_millis(300);

async fn sleep(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Every backend must behave like this.
async fn behaves_like_a_queue(queue: Queue) {
    let q = "notes";
    // FIFO, leases, counts.
    let ids = note::enqueue_many(&queue, &[Note { n: 1 }, Note { n: 2 }, Note { n: 3 }])
        .await
        .unwrap();
    assert_eq!(ids.len(), 3);
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "unique ids");
    other::enqueue(&queue, Note { n: 99 }).await.unwrap();
    let counts = queue.counts(q).await.unwrap();
    assert_eq!((counts.queued, counts.running), (3, 0));
    let got = queue.fetch(q, 2, LEASE).await.unwrap();
    let payloads: Vec<Note> = got
        .iter()
        .map(|f| serde_json::from_slice(&f.payload).unwrap())
        .collect();
    assert_eq!(
        payloads,
        [Note { n: 1 }, Note { n: 2 }],
        "oldest first, one type only"
    );
    assert!(got.iter().all(|f| f.attempt == 1 && f.max_attempts == 2));
    assert_eq!(
        queue.state(q, &got[0].id).await.unwrap(),
        Some(JobState::Running)
    );
    assert_eq!(
        queue.counts("other").await.unwrap().queued,
        1,
        "another type untouched"
    );

    // Ack only with the current token, once.
    assert!(queue.ack(q, &got[0]).await.unwrap());
    assert!(!queue.ack(q, &got[0]).await.unwrap(), "acked twice");
    assert_eq!(
        queue.state(q, &got[0].id).await.unwrap(),
        Some(JobState::Completed)
    );

    // Nack with a retry: delayed, then delivered again as attempt 2.
    assert!(
        queue
            .nack(q, &got[1], Some(Duration::from_millis(100)), "flaky")
            .await
            .unwrap()
    );
    assert_eq!(
        queue.state(q, &got[1].id).await.unwrap(),
        Some(JobState::Delayed)
    );
    // Job 3 is next; job 2 is not due yet.
    let third = queue.fetch(q, 5, LEASE).await.unwrap();
    assert_eq!(third.len(), 1);
    assert_eq!(third[0].id, ids[2]);
    sleep(150).await;
    let again = queue.fetch(q, 5, LEASE).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].id.clone(), again[0].attempt), (ids[1].clone(), 2));

    // An expired lease: delivered again; the old token cannot ack. Job 2
    // has no attempt left: when its lease expires it is dead.
    sleep(400).await;
    let redelivered = queue.fetch(q, 5, LEASE).await.unwrap();
    assert_eq!(redelivered.len(), 1, "job 3 again, job 2 dead");
    assert_eq!(
        (redelivered[0].id.clone(), redelivered[0].attempt),
        (ids[2].clone(), 2)
    );
    assert!(
        !queue.ack(q, &third[0]).await.unwrap(),
        "an expired lease acked"
    );
    assert_eq!(queue.state(q, &ids[1]).await.unwrap(), Some(JobState::Dead));
    let dead = queue.dead(q, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].id.clone(), dead[0].attempts), (ids[1].clone(), 2));
    assert!(dead[0].error.contains("lease expired"), "{:?}", dead[0]);

    // Extend keeps a lease alive past its first deadline.
    sleep(200).await;
    assert!(
        queue
            .extend(q, &redelivered[0], Duration::from_secs(2))
            .await
            .unwrap()
    );
    sleep(200).await;
    assert!(
        queue.fetch(q, 5, LEASE).await.unwrap().is_empty(),
        "an extended lease expired"
    );
    // A failure without retry goes straight to the dead set.
    assert!(
        queue
            .nack(q, &redelivered[0], None, "bad input")
            .await
            .unwrap()
    );
    assert_eq!(queue.dead(q, 10).await.unwrap().len(), 2);

    // Requeue a dead job with fresh attempts; purge the rest.
    assert!(queue.requeue_dead(q, &ids[1]).await.unwrap());
    assert!(!queue.requeue_dead(q, &ids[1]).await.unwrap());
    assert_eq!(queue.purge_dead(q).await.unwrap(), 1);
    assert!(queue.dead(q, 10).await.unwrap().is_empty());
    let back = queue.fetch(q, 5, LEASE).await.unwrap();
    assert_eq!((back[0].id.clone(), back[0].attempt), (ids[1].clone(), 1));

    // Release gives a job back unrun: the attempt is not counted.
    assert!(queue.release(q, &back[0]).await.unwrap());
    let same = queue.fetch(q, 5, LEASE).await.unwrap();
    assert_eq!((same[0].id.clone(), same[0].attempt), (ids[1].clone(), 1));
    assert!(queue.ack(q, &same[0]).await.unwrap());

    // Delayed jobs wait for their time.
    let later = note::enqueue_in(&queue, Duration::from_millis(200), Note { n: 4 })
        .await
        .unwrap();
    assert_eq!(
        queue.state(q, &later).await.unwrap(),
        Some(JobState::Delayed)
    );
    assert!(queue.fetch(q, 5, LEASE).await.unwrap().is_empty());
    sleep(250).await;
    let due = queue.fetch(q, 5, LEASE).await.unwrap();
    assert_eq!(due.len(), 1);
    assert!(queue.ack(q, &due[0]).await.unwrap());

    let counts = queue.counts(q).await.unwrap();
    assert_eq!(
        counts,
        Counts {
            queued: 0,
            delayed: 0,
            running: 0,
            completed: 3,
            // job 2's nack and expiry, job 3's expiry and its nack
            failed: 4,
            dead: 0,
        }
    );
    assert_eq!(
        queue
            .state(q, &armature::JobId("unknown".into()))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn memory_queue() {
    behaves_like_a_queue(Queue::memory()).await;
}

// The worker.

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Work {
    id: u32,
    ms: u64,
}

static RUNS: Mutex<Option<HashMap<u32, usize>>> = Mutex::new(None);
static THREADS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn ran(id: u32) {
    let mut runs = RUNS.lock().unwrap();
    *runs.get_or_insert_with(HashMap::new).entry(id).or_default() += 1;
}

fn runs_of(ids: impl IntoIterator<Item = u32>) -> Vec<usize> {
    let runs = RUNS.lock().unwrap();
    ids.into_iter()
        .map(|id| runs.as_ref().and_then(|r| r.get(&id)).copied().unwrap_or(0))
        .collect()
}

#[job(queue = "io_work")]
async fn io_work(work: Work, ctx: JobContext) -> Result<(), JobError> {
    assert!(ctx.attempt() >= 1 && ctx.queue() == "io_work");
    sleep(work.ms).await;
    ran(work.id);
    Ok(())
}

#[job(cpu_intensive, queue = "cpu_work", batch = 4)]
fn cpu_work(work: Work) -> Result<(), JobError> {
    THREADS
        .lock()
        .unwrap()
        .push(std::thread::current().name().unwrap_or("").to_owned());
    // Busy for `ms`: CPU work does not yield.
    let until = Instant::now() + Duration::from_millis(work.ms);
    while Instant::now() < until {
        std::hint::spin_loop();
    }
    ran(work.id);
    Ok(())
}

static FAILS: AtomicUsize = AtomicUsize::new(0);

#[job(queue = "always_fails", retries = 2, backoff = "fixed")]
async fn always_fails(_work: Work) -> Result<(), JobError> {
    FAILS.fetch_add(1, Ordering::SeqCst);
    Err(JobError::new("the backend is down"))
}

#[job(queue = "too_slow", retries = 0, timeout = "100ms")]
async fn too_slow(work: Work) -> Result<(), JobError> {
    sleep(work.ms).await;
    Ok(())
}

async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        sleep(20).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_runs_batches_retries_timeouts_and_cpu_jobs_off_tokio() {
    let queue = Queue::memory();
    let stop = Shutdown::new();
    let worker = Worker::new(queue.clone())
        .register(io_work)
        .register(cpu_work)
        .register(always_fails)
        .register(too_slow)
        .concurrency(16)
        .batch_size(8)
        .retry_base(Duration::from_millis(20))
        .run_until(stop.clone());
    let worker = tokio::spawn(worker);

    let io: Vec<Work> = (0..100).map(|id| Work { id, ms: 10 }).collect();
    let cpu: Vec<Work> = (1000..1012).map(|id| Work { id, ms: 5 }).collect();
    io_work::enqueue_many(&queue, &io).await.unwrap();
    cpu_work::enqueue_many(&queue, &cpu).await.unwrap();
    always_fails::enqueue(&queue, Work { id: 0, ms: 0 })
        .await
        .unwrap();
    too_slow::enqueue(&queue, Work { id: 0, ms: 2000 })
        .await
        .unwrap();

    until("every job", async || {
        let io = queue.counts("io_work").await.unwrap();
        let cpu = queue.counts("cpu_work").await.unwrap();
        let fails = queue.counts("always_fails").await.unwrap();
        let slow = queue.counts("too_slow").await.unwrap();
        io.completed == 100 && cpu.completed == 12 && fails.dead == 1 && slow.dead == 1
    })
    .await;
    assert!(runs_of(0..100).iter().all(|&n| n == 1));
    assert!(runs_of(1000..1012).iter().all(|&n| n == 1));
    // Three attempts (two retries), then the dead set with the error.
    assert_eq!(FAILS.load(Ordering::SeqCst), 3);
    let dead = queue.dead("always_fails", 5).await.unwrap();
    assert_eq!(dead[0].error, "the backend is down");
    let dead = queue.dead("too_slow", 5).await.unwrap();
    assert!(dead[0].error.contains("timed out"), "{dead:?}");
    // CPU handlers ran on the compute pool, never on a tokio thread.
    let threads = THREADS.lock().unwrap().clone();
    assert!(!threads.is_empty());
    assert!(
        threads.iter().all(|t| t.starts_with("armature-compute")),
        "{threads:?}"
    );

    stop.shutdown();
    worker.await.unwrap().unwrap();
}

#[job(cpu_intensive, queue = "long_cpu")]
fn long_cpu(work: Work) -> Result<(), JobError> {
    std::thread::sleep(Duration::from_millis(work.ms));
    ran(work.id);
    Ok(())
}

/// Jobs longer than their lease on a saturated compute pool: the leases
/// are renewed on tokio, so none is delivered twice while its worker lives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_compute_pool_does_not_make_jobs_look_stalled() {
    let queue = Queue::memory();
    let stop = Shutdown::new();
    // Renewed every 100 ms: slack for a busy CI machine.
    let lease = Duration::from_millis(300);
    let worker = tokio::spawn(
        Worker::new(queue.clone())
            .register(long_cpu)
            .concurrency(8)
            .batch_size(8)
            .lease(lease)
            .run_until(stop.clone()),
    );
    // 8 jobs of 1.2 s (4 leases) on a pool of 2 threads: 4.8 s of work.
    let jobs: Vec<Work> = (2000..2008).map(|id| Work { id, ms: 1200 }).collect();
    long_cpu::enqueue_many(&queue, &jobs).await.unwrap();
    until("the long jobs", async || {
        queue.counts("long_cpu").await.unwrap().completed == 8
    })
    .await;
    assert_eq!(runs_of(2000..2008), vec![1; 8], "a job ran twice");
    let counts = queue.counts("long_cpu").await.unwrap();
    assert_eq!(counts.failed, 0, "a lease expired: {counts:?}");
    stop.shutdown();
    worker.await.unwrap().unwrap();
}

#[job(queue = "slow_io")]
async fn slow_io(work: Work) -> Result<(), JobError> {
    sleep(work.ms).await;
    ran(work.id);
    Ok(())
}

#[tokio::test]
async fn shutdown_finishes_what_it_can_and_gives_the_rest_back() {
    let queue = Queue::memory();
    let stop = Shutdown::new();
    let worker = tokio::spawn(
        Worker::new(queue.clone())
            .register(slow_io)
            .concurrency(4)
            .batch_size(4)
            .drain(Duration::from_millis(300))
            .run_until(stop.clone()),
    );
    let quick = Work { id: 3000, ms: 50 };
    let slow: Vec<Work> = (3001..3004).map(|id| Work { id, ms: 10_000 }).collect();
    slow_io::enqueue(&queue, quick).await.unwrap();
    slow_io::enqueue_many(&queue, &slow).await.unwrap();
    until("all four running", async || {
        queue.counts("slow_io").await.unwrap().running == 4
    })
    .await;
    let start = Instant::now();
    stop.shutdown();
    worker.await.unwrap().unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let counts = queue.counts("slow_io").await.unwrap();
    assert_eq!(
        (counts.completed, counts.queued, counts.running),
        (1, 3, 0),
        "{counts:?}"
    );
    // Given back unrun: their attempt was not counted.
    let back = queue.fetch("slow_io", 3, LEASE).await.unwrap();
    assert!(back.iter().all(|f| f.attempt == 1), "{back:?}");
}

#[tokio::test]
async fn a_worker_needs_distinct_queues() {
    #[job(queue = "notes")]
    async fn clash(_note: Note) -> Result<(), JobError> {
        Ok(())
    }
    let error = Worker::new(Queue::memory())
        .register(note)
        .register(clash)
        .run_until(Shutdown::new())
        .await
        .unwrap_err();
    assert!(error.to_string().contains("notes"), "{error}");
}

#[cfg(feature = "redis")]
mod redis_backends {
    use super::*;
    use crate::support::redis::{RedisCluster, RedisServer};

    #[job(queue = "crash", retries = 50)]
    async fn crash(job: Note) -> Result<(), JobError> {
        // The surviving worker: the same queue, the same log line.
        append_line(job.n);
        Ok(())
    }

    static LOG_PATH: Mutex<Option<std::path::PathBuf>> = Mutex::new(None);

    fn append_line(n: u32) {
        use std::io::Write;
        let path = LOG_PATH.lock().unwrap().clone().unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(path).unwrap();
        f.write_all(format!("{n}\n").as_bytes()).unwrap();
    }

    /// The worker example, built on demand.
    fn worker_binary() -> std::path::PathBuf {
        let dir = std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent()?.parent().map(|p| p.join("examples")))
            .expect("target dir");
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "build",
                "--quiet",
                "--example",
                "queue_worker",
                "--features",
                "redis",
            ])
            .status()
            .expect("cargo");
        assert!(status.success());
        dir.join("queue_worker")
    }

    /// Worker processes SIGKILLed mid-job ten times, Redis restarted once
    /// mid-run: a surviving worker completes every job, none is lost.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn killed_workers_lose_nothing() {
        let binary = worker_binary();
        let mut server = RedisServer::start_durable();
        let dir = std::env::temp_dir().join(format!("armature-crash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("done.log");
        std::fs::write(&log, "").unwrap();
        *LOG_PATH.lock().unwrap() = Some(log.clone());

        let queue = Queue::redis(&server.url()).await.unwrap();
        let jobs: Vec<Note> = (0..600).map(|n| Note { n }).collect();
        crash::enqueue_many(&queue, &jobs).await.unwrap();

        for round in 0..10 {
            let mut child = std::process::Command::new(&binary)
                .arg(server.url())
                .arg(&log)
                .arg("400")
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            sleep(300).await;
            child.kill().unwrap(); // SIGKILL: no shutdown, no ack, no release
            child.wait().unwrap();
            if round == 5 {
                server.stop();
                server.restart();
            }
        }
        let before = queue.counts("crash").await.unwrap();
        eprintln!("after 10 kills: {before:?}");
        assert!(
            before.completed < 600,
            "the killed workers did everything: nothing was tested"
        );

        let stop = Shutdown::new();
        let survivor = tokio::spawn(
            Worker::new(queue.clone())
                .register(crash)
                .concurrency(16)
                .batch_size(16)
                .run_until(stop.clone()),
        );
        until("the survivor", async || {
            queue
                .counts("crash")
                .await
                .is_ok_and(|c| c.completed + c.dead == 600)
        })
        .await;
        stop.shutdown();
        survivor.await.unwrap().unwrap();

        let counts = queue.counts("crash").await.unwrap();
        assert_eq!((counts.completed, counts.dead), (600, 0), "{counts:?}");
        let text = std::fs::read_to_string(&log).unwrap();
        let mut seen: HashMap<u32, usize> = HashMap::new();
        for line in text.lines() {
            *seen.entry(line.parse().unwrap()).or_default() += 1;
        }
        let missing: Vec<u32> = (0..600).filter(|n| !seen.contains_key(n)).collect();
        assert!(missing.is_empty(), "lost jobs: {missing:?}");
        let duplicates: usize = seen.values().map(|&n| n - 1).sum();
        eprintln!(
            "600 jobs, 10 SIGKILLs and a Redis restart: none lost, {duplicates} run twice (at-least-once)"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[tokio::test]
    async fn redis_queue() {
        let server = RedisServer::start();
        behaves_like_a_queue(Queue::redis(&server.url()).await.unwrap()).await;
        // Every key of a type shares its hash tag.
        let keys = server.cli(&["KEYS", "*"]);
        assert!(
            keys.lines()
                .all(|k| k.starts_with("{q:notes}:") || k.starts_with("{q:other}:")),
            "{keys}"
        );
    }

    #[tokio::test]
    async fn redis_cluster_queue() {
        let cluster = RedisCluster::start();
        let urls = cluster.urls();
        let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
        behaves_like_a_queue(Queue::redis_cluster(&urls).await.unwrap()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_worker_on_redis_and_an_idle_one_costs_a_few_commands() {
        let server = RedisServer::start();
        let queue = Queue::redis(&server.url()).await.unwrap();
        let stop = Shutdown::new();
        let worker = tokio::spawn(
            Worker::new(queue.clone())
                .register(io_work)
                .concurrency(16)
                .batch_size(10)
                .run_until(stop.clone()),
        );
        let jobs: Vec<Work> = (5000..5200).map(|id| Work { id, ms: 5 }).collect();
        io_work::enqueue_many(&queue, &jobs).await.unwrap();
        until("the jobs on redis", async || {
            queue.counts("io_work").await.unwrap().completed == 200
        })
        .await;
        assert_eq!(runs_of(5000..5200), vec![1; 200]);
        // Idle: blocked in BLPOP, awake every 5 s at most.
        sleep(500).await;
        let calls = || server.cli(&["INFO", "commandstats"]);
        let total = |text: String| -> u64 {
            text.lines()
                .filter_map(|l| {
                    l.split("calls=")
                        .nth(1)?
                        .split(',')
                        .next()?
                        .parse::<u64>()
                        .ok()
                })
                .sum()
        };
        let before = total(calls());
        sleep(6_000).await;
        // The INFO call itself counts once.
        let idle = total(calls()) - before - 1;
        eprintln!("idle worker: {idle} commands in 6 s");
        assert!(idle <= 6, "{idle} commands in 6 idle seconds");
        stop.shutdown();
        worker.await.unwrap().unwrap();
    }
}
