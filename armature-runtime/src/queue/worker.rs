//! The worker: per job type, a loop that leases up to a batch of ready
//! jobs in one round trip and runs them — async handlers as tokio tasks,
//! `cpu_intensive` ones as one compute-pool task per batch — while the
//! leases are renewed on tokio (so a saturated compute pool never makes a
//! job look stalled). A job type's loop never touches another type's jobs.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;
use futures::future::BoxFuture;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;

use super::{Fetched, Handler, Job, JobContext, JobError, JobId, JobOptions, Queue, QueueBackend};
use crate::shutdown::Shutdown;

/// Why a worker could not run.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// Two job types registered under one queue name.
    #[error("two job types use the queue `{0}`: give one of them `queue = \"…\"`")]
    DuplicateQueue(&'static str),
    /// Nothing registered.
    #[error("no job type registered: call `Worker::register(my_job)`")]
    Empty,
}

type AsyncRun =
    Arc<dyn Fn(Bytes, JobContext) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync>;
type CpuRun = Arc<dyn Fn(Bytes, JobContext) -> Result<(), JobError> + Send + Sync>;

enum Runner {
    Async(AsyncRun),
    Cpu(CpuRun),
}

struct Registered {
    queue: &'static str,
    options: JobOptions,
    runner: Runner,
}

fn decode<P: serde::de::DeserializeOwned>(queue: &str, payload: &[u8]) -> Result<P, JobError> {
    serde_json::from_slice(payload)
        .map_err(|e| JobError::permanent(format!("the payload of `{queue}` does not decode: {e}")))
}

fn registered<J: Job>() -> Registered {
    let runner = match J::handler() {
        Handler::Async(f) => {
            Runner::Async(Arc::new(
                move |payload: Bytes, ctx: JobContext| match decode::<J::Payload>(
                    J::QUEUE,
                    &payload,
                ) {
                    Ok(p) => f(p, ctx),
                    Err(e) => Box::pin(std::future::ready(Err(e))),
                },
            ))
        }
        Handler::Cpu(f) => Runner::Cpu(Arc::new(move |payload: Bytes, ctx: JobContext| {
            f(decode::<J::Payload>(J::QUEUE, &payload)?, ctx)
        })),
    };
    Registered {
        queue: J::QUEUE,
        options: J::OPTIONS,
        runner,
    }
}

/// Runs `#[job]` handlers.
///
/// ```no_run
/// # async fn run(queue: armature_runtime::queue::Queue, shutdown: armature_runtime::Shutdown) {
/// use armature_runtime::queue::Worker;
/// Worker::new(queue)
///     // .register(make_thumbnail).register(send_email)
///     .concurrency(8)
///     .batch_size(20)
///     .run_until(shutdown)
///     .await
///     .ok();
/// # }
/// ```
pub struct Worker {
    queue: Queue,
    jobs: Vec<Registered>,
    concurrency: usize,
    batch_size: usize,
    lease: Duration,
    drain: Duration,
    idle: Duration,
    retry_base: Duration,
}

/// Jobs fetched and not yet acked, by id, so a shutdown can give back
/// what it cut short.
type InFlight = Arc<Mutex<HashMap<JobId, (&'static str, String)>>>;

impl Worker {
    /// A worker on `queue`: concurrency 8, batches of 1, 30 s leases.
    pub fn new(queue: Queue) -> Self {
        Worker {
            queue,
            jobs: Vec::new(),
            concurrency: 8,
            batch_size: 1,
            lease: Duration::from_secs(30),
            drain: Duration::from_secs(30),
            idle: Duration::from_secs(5),
            retry_base: super::backoff::BASE,
        }
    }

    /// Runs jobs of type `J` (the value `#[job]` defines).
    pub fn register<J: Job>(mut self, _job: J) -> Self {
        self.jobs.push(registered::<J>());
        self
    }

    /// Jobs running at once, over every type.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Ready jobs of one type leased in one round trip and run together
    /// (a type's `batch = N` option overrides it).
    pub fn batch_size(mut self, n: usize) -> Self {
        self.batch_size = n.max(1);
        self
    }

    /// How long a fetched job is leased before another worker may take it;
    /// renewed every third of it while the job runs.
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_millis(30));
        self
    }

    /// On shutdown, in-flight jobs get this long to finish; the rest go
    /// back to their queue.
    pub fn drain(mut self, deadline: Duration) -> Self {
        self.drain = deadline;
        self
    }

    /// The longest an idle loop waits before looking again (expired leases
    /// and due delayed jobs are found on that look).
    pub fn idle_wait(mut self, wait: Duration) -> Self {
        self.idle = wait.max(Duration::from_millis(10));
        self
    }

    /// The first retry's backoff cap (doubling for exponential backoff).
    pub fn retry_base(mut self, base: Duration) -> Self {
        self.retry_base = base;
        self
    }

    /// Runs until `shutdown`: then stops fetching, lets in-flight jobs
    /// finish within the drain deadline and gives the rest back.
    pub async fn run_until(self, shutdown: Shutdown) -> Result<(), WorkerError> {
        if self.jobs.is_empty() {
            return Err(WorkerError::Empty);
        }
        for (i, job) in self.jobs.iter().enumerate() {
            if self.jobs[..i].iter().any(|j| j.queue == job.queue) {
                return Err(WorkerError::DuplicateQueue(job.queue));
            }
        }
        let permits = Arc::new(Semaphore::new(self.concurrency));
        let in_flight: InFlight = Arc::default();
        let tasks = Arc::new(tokio::sync::Mutex::new(JoinSet::new()));
        let settings = Arc::new(Settings {
            lease: self.lease,
            idle: self.idle,
            retry_base: self.retry_base,
        });
        let mut loops = JoinSet::new();
        for job in self.jobs {
            let batch = job.options.batch.unwrap_or(self.batch_size).max(1);
            loops.spawn(fetch_loop(
                self.queue.backend().clone(),
                Arc::new(job),
                batch,
                permits.clone(),
                in_flight.clone(),
                tasks.clone(),
                settings.clone(),
                shutdown.clone(),
            ));
        }
        while loops.join_next().await.is_some() {}
        // Fetching stopped: let what runs finish, within the deadline.
        let mut tasks = tasks.lock().await;
        let drained = tokio::time::timeout(self.drain, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
        let left: Vec<(JobId, (&'static str, String))> = in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect();
        for (id, (queue, token)) in left {
            if let Err(e) = self.queue.backend().release(queue, &id, &token).await {
                tracing::warn!(%id, queue, error = %e, "could not give a job back; its lease will expire");
            }
        }
        Ok(())
    }
}

struct Settings {
    lease: Duration,
    idle: Duration,
    retry_base: Duration,
}

#[allow(clippy::too_many_arguments)]
async fn fetch_loop(
    backend: Arc<dyn QueueBackend>,
    job: Arc<Registered>,
    batch: usize,
    permits: Arc<Semaphore>,
    in_flight: InFlight,
    tasks: Arc<tokio::sync::Mutex<JoinSet<()>>>,
    settings: Arc<Settings>,
    shutdown: Shutdown,
) {
    let mut failures = 0u32;
    loop {
        // One permit to start; as many more as are free, up to the batch.
        let first = tokio::select! {
            biased;
            () = shutdown.wait() => return,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => return,
            },
        };
        let mut held = vec![first];
        while held.len() < batch {
            match permits.clone().try_acquire_owned() {
                Ok(p) => held.push(p),
                Err(_) => break,
            }
        }
        let fetched = tokio::select! {
            biased;
            () = shutdown.wait() => return,
            fetched = backend.fetch(job.queue, held.len(), settings.lease) => fetched,
        };
        let fetched = match fetched {
            Ok(f) => {
                failures = 0;
                f
            }
            Err(e) => {
                failures += 1;
                let pause = Duration::from_millis(100).saturating_mul(1 << failures.min(6));
                tracing::warn!(queue = job.queue, error = %e, "fetch failed; retrying in {pause:?}");
                drop(held);
                tokio::select! {
                    () = shutdown.wait() => return,
                    () = tokio::time::sleep(pause) => continue,
                }
            }
        };
        if fetched.is_empty() {
            drop(held);
            tokio::select! {
                () = shutdown.wait() => return,
                waited = backend.wait(job.queue, settings.idle) => {
                    if let Err(e) = waited {
                        tracing::warn!(queue = job.queue, error = %e, "waiting for jobs failed");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
            continue;
        }
        held.truncate(fetched.len());
        {
            let mut map = in_flight.lock().unwrap_or_else(|e| e.into_inner());
            for f in &fetched {
                map.insert(f.id.clone(), (job.queue, f.token.clone()));
            }
        }
        let mut tasks = tasks.lock().await;
        match &job.runner {
            Runner::Async(run) => {
                for (f, permit) in fetched.into_iter().zip(held) {
                    tasks.spawn(run_async(
                        backend.clone(),
                        job.clone(),
                        run.clone(),
                        f,
                        permit,
                        in_flight.clone(),
                        settings.clone(),
                    ));
                }
            }
            Runner::Cpu(run) => {
                tasks.spawn(run_cpu_batch(
                    backend.clone(),
                    job.clone(),
                    run.clone(),
                    fetched,
                    held,
                    in_flight.clone(),
                    settings.clone(),
                ));
            }
        }
    }
}

fn context(backend: &Arc<dyn QueueBackend>, queue: &'static str, f: &Fetched) -> JobContext {
    JobContext {
        id: f.id.clone(),
        attempt: f.attempt,
        queue,
        token: Arc::from(f.token.as_str()),
        backend: backend.clone(),
    }
}

/// Renews the leases of `jobs` every third of the lease, forever (the
/// caller drops it when they are done).
async fn heartbeat(
    backend: Arc<dyn QueueBackend>,
    queue: &'static str,
    jobs: Vec<(JobId, String)>,
    lease: Duration,
) {
    loop {
        tokio::time::sleep(lease / 3).await;
        for (id, token) in &jobs {
            match backend.extend(queue, id, token, lease).await {
                Ok(true) => {}
                Ok(false) => tracing::warn!(%id, queue, "lease lost: the job may run twice"),
                Err(e) => tracing::warn!(%id, queue, error = %e, "lease renewal failed"),
            }
        }
    }
}

async fn run_async(
    backend: Arc<dyn QueueBackend>,
    job: Arc<Registered>,
    run: AsyncRun,
    f: Fetched,
    _permit: OwnedSemaphorePermit,
    in_flight: InFlight,
    settings: Arc<Settings>,
) {
    let ctx = context(&backend, job.queue, &f);
    let work = AssertUnwindSafe(run(f.payload.clone(), ctx)).catch_unwind();
    let timed = async {
        match job.options.timeout {
            Some(limit) => match tokio::time::timeout(limit, work).await {
                Ok(result) => result,
                Err(_) => Ok(Err(JobError::new(format!("timed out after {limit:?}")))),
            },
            None => work.await,
        }
    };
    let beat = heartbeat(
        backend.clone(),
        job.queue,
        vec![(f.id.clone(), f.token.clone())],
        settings.lease,
    );
    let result = tokio::select! {
        result = timed => result,
        () = beat => unreachable!("the heartbeat never ends"),
    };
    let result = result.unwrap_or_else(|_| Err(JobError::new("the handler panicked")));
    settle(&backend, &job, &f, result, &settings).await;
    in_flight
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&f.id);
}

async fn run_cpu_batch(
    backend: Arc<dyn QueueBackend>,
    job: Arc<Registered>,
    run: CpuRun,
    fetched: Vec<Fetched>,
    _permits: Vec<OwnedSemaphorePermit>,
    in_flight: InFlight,
    settings: Arc<Settings>,
) {
    let leases: Vec<(JobId, String)> = fetched
        .iter()
        .map(|f| (f.id.clone(), f.token.clone()))
        .collect();
    let inputs: Vec<(Bytes, JobContext)> = fetched
        .iter()
        .map(|f| (f.payload.clone(), context(&backend, job.queue, f)))
        .collect();
    // One pool task per batch; its jobs spread over the pool's threads.
    let work = crate::pool::compute(move || {
        use rayon::prelude::*;
        inputs
            .into_par_iter()
            .map(|(payload, ctx)| {
                std::panic::catch_unwind(AssertUnwindSafe(|| run(payload, ctx)))
                    .unwrap_or_else(|_| Err(JobError::new("the handler panicked")))
            })
            .collect::<Vec<_>>()
    });
    let beat = heartbeat(backend.clone(), job.queue, leases, settings.lease);
    let results = tokio::select! {
        results = work => results,
        () = beat => unreachable!("the heartbeat never ends"),
    };
    for (f, result) in fetched.iter().zip(results) {
        settle(&backend, &job, f, result, &settings).await;
        in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&f.id);
    }
}

/// Acks a success; nacks a failure with its retry delay (none when
/// permanent or out of attempts: the dead set).
async fn settle(
    backend: &Arc<dyn QueueBackend>,
    job: &Registered,
    f: &Fetched,
    result: Result<(), JobError>,
    settings: &Settings,
) {
    let outcome = match &result {
        Ok(()) => backend.ack(job.queue, &f.id, &f.token).await,
        Err(e) => {
            let retry = (!e.is_permanent() && f.attempt < f.max_attempts)
                .then(|| job.options.backoff.delay(f.attempt, settings.retry_base));
            if retry.is_none() {
                tracing::warn!(id = %f.id, queue = job.queue, error = %e, "job dead after {} attempts", f.attempt);
            }
            backend
                .nack(job.queue, &f.id, &f.token, retry, e.message())
                .await
        }
    };
    match outcome {
        Ok(true) => {}
        Ok(false) => {
            tracing::warn!(id = %f.id, queue = job.queue, "lease lost before the job settled: it was delivered again")
        }
        Err(e) => {
            tracing::warn!(id = %f.id, queue = job.queue, error = %e, "could not settle a job; its lease will expire")
        }
    }
}
