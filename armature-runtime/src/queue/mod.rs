//! Background jobs: a queue with at-least-once delivery on memory (the
//! embedded default), Redis and Redis Cluster, and a [`Worker`] that runs
//! `#[job]` handlers.
//!
//! Semantics, the same on every backend (one conformance suite proves it):
//! - **One queue per job type**: a fetch takes up to `n` ready jobs of one
//!   type, never touching another type's jobs.
//! - **Leases**: a fetched job is leased to its worker until a deadline,
//!   with a token. `ack` / `nack` / `extend` take effect only while the
//!   token is the job's current one: a worker whose lease expired cannot
//!   ack the job once it was delivered again.
//! - **Attempts are counted at fetch**, so a job that keeps killing its
//!   worker still reaches the dead-letter set after its last attempt.
//! - Expired leases are reaped on every fetch (and by the worker's idle
//!   wake-ups): the job goes back to the front of its queue, or to the dead
//!   set when it has no attempt left.
//! - Retries wait an exponential (or fixed) backoff with full jitter;
//!   delayed jobs; a dead-letter set that can be listed, re-queued and
//!   purged; counts per state; each job's state by id.
//! - Time is the server's (Redis `TIME`), so workers on machines with
//!   skewed clocks agree on leases.

mod backoff;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod worker;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use backoff::Backoff;
pub use worker::{Worker, WorkerError};

/// A job's id: 32 hex digits, unique per enqueue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct JobId(pub String);

impl JobId {
    /// A fresh id: time, process, a counter and per-process randomness.
    pub fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        static SEED: std::sync::OnceLock<std::collections::hash_map::RandomState> =
            std::sync::OnceLock::new();
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let mut h = SEED.get_or_init(Default::default).build_hasher();
        h.write_u64(n);
        h.write_u32(std::process::id());
        h.write_u64(now);
        JobId(format!(
            "{:016x}{:016x}",
            now ^ (u64::from(std::process::id()) << 40),
            h.finish()
        ))
    }
}

impl Default for JobId {
    fn default() -> Self {
        JobId::new()
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a queue operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// The server could not be reached when the queue was built.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The address given.
        url: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The backend failed (a Redis error, a lost connection).
    #[error("queue backend: {0}")]
    Backend(String),
    /// A payload could not be encoded or decoded.
    #[error("job payload of `{queue}`: {message}")]
    Payload {
        /// The job type.
        queue: String,
        /// Why.
        message: String,
    },
}

/// Why a job failed: retried after a backoff while attempts remain, or
/// sent to the dead-letter set at once when [`JobError::permanent`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobError {
    message: String,
    permanent: bool,
}

impl JobError {
    /// A failure worth retrying.
    pub fn new(message: impl Into<String>) -> Self {
        JobError {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure no retry can fix (bad input): straight to the dead set.
    pub fn permanent(message: impl Into<String>) -> Self {
        JobError {
            message: message.into(),
            permanent: true,
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Whether retrying is pointless.
    pub fn is_permanent(&self) -> bool {
        self.permanent
    }
}

impl fmt::Display for JobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: std::error::Error> From<E> for JobError {
    fn from(e: E) -> Self {
        JobError::new(e.to_string())
    }
}

/// A job as it goes in.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Its id.
    pub id: JobId,
    /// The encoded payload.
    pub payload: Bytes,
    /// Attempts before the dead set (retries + 1).
    pub max_attempts: u32,
    /// Not before this long from now.
    pub delay: Option<Duration>,
}

/// A job as a worker gets it, leased.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Its id.
    pub id: JobId,
    /// The encoded payload.
    pub payload: Bytes,
    /// This delivery's number, from 1.
    pub attempt: u32,
    /// Attempts before the dead set.
    pub max_attempts: u32,
    /// Proves this delivery's lease to `ack` / `nack` / `extend`.
    pub token: String,
}

/// Jobs of one type, by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Ready to run.
    pub queued: u64,
    /// Waiting for their time (delayed, or a retry's backoff).
    pub delayed: u64,
    /// Leased to a worker.
    pub running: u64,
    /// Acked, since the queue's start.
    pub completed: u64,
    /// Failed attempts (nacked or lease expired), since the queue's start.
    pub failed: u64,
    /// In the dead-letter set.
    pub dead: u64,
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Ready to run.
    Queued,
    /// Waiting for its time.
    Delayed,
    /// Leased to a worker.
    Running,
    /// Done (kept among the most recent completions).
    Completed,
    /// In the dead-letter set.
    Dead,
}

/// A job in the dead-letter set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadJob {
    /// Its id.
    pub id: JobId,
    /// Attempts it had.
    pub attempts: u32,
    /// The last failure.
    pub error: String,
}

/// Completed ids remembered for [`Queue::state`], per job type.
pub const COMPLETED_KEPT: usize = 10_000;

/// A queue's storage. Every operation names the job type's queue; `ack`,
/// `nack` and `extend` check the lease token.
pub trait QueueBackend: Send + Sync + 'static {
    /// Stores jobs (one round trip); a job whose id exists is skipped.
    fn enqueue<'a>(
        &'a self,
        queue: &'a str,
        jobs: Vec<NewJob>,
    ) -> BoxFuture<'a, Result<(), QueueError>>;
    /// Reaps expired leases, promotes due delayed jobs, then leases up to
    /// `n` ready jobs for `lease` (one atomic step).
    fn fetch<'a>(
        &'a self,
        queue: &'a str,
        n: usize,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Vec<Fetched>, QueueError>>;
    /// Waits until `queue` may have work (a job enqueued), or `timeout`.
    fn wait<'a>(
        &'a self,
        queue: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), QueueError>>;
    /// Completes a job; `false` when the token is no longer its lease's.
    fn ack<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
    ) -> BoxFuture<'a, Result<bool, QueueError>>;
    /// Fails a delivery: retried after `retry_in`, or dead when `None` or
    /// out of attempts. `false` when the token is no longer current.
    fn nack<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
        retry_in: Option<Duration>,
        error: &'a str,
    ) -> BoxFuture<'a, Result<bool, QueueError>>;
    /// Gives a delivery back unrun (shutdown): ready again, the attempt not
    /// counted. `false` when the token is no longer current.
    fn release<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
    ) -> BoxFuture<'a, Result<bool, QueueError>>;
    /// Moves the lease deadline to `lease` from now.
    fn extend<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, QueueError>>;
    /// Jobs by state.
    fn counts<'a>(&'a self, queue: &'a str) -> BoxFuture<'a, Result<Counts, QueueError>>;
    /// Where a job is (`None`: unknown, or completed long ago).
    fn state<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
    ) -> BoxFuture<'a, Result<Option<JobState>, QueueError>>;
    /// Up to `limit` dead jobs, oldest death first.
    fn dead<'a>(
        &'a self,
        queue: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<DeadJob>, QueueError>>;
    /// Puts a dead job back, with fresh attempts.
    fn requeue_dead<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
    ) -> BoxFuture<'a, Result<bool, QueueError>>;
    /// Forgets every dead job; how many.
    fn purge_dead<'a>(&'a self, queue: &'a str) -> BoxFuture<'a, Result<u64, QueueError>>;
}

/// A job type, as `#[job]` declares it.
pub trait Job: Send + Sync + 'static {
    /// The payload.
    type Payload: Serialize + DeserializeOwned + Send + 'static;
    /// The queue's name: the `queue = "…"` option, else the function's name.
    const QUEUE: &'static str;
    /// Its options.
    const OPTIONS: JobOptions;
    /// The handler.
    fn handler() -> Handler<Self::Payload>;
}

/// What a handler may return: `Result<(), E>` for any `E: Into<JobError>`.
#[diagnostic::on_unimplemented(
    message = "a job handler returns `Result<(), JobError>`, not `{Self}`",
    label = "the worker cannot tell success from failure here",
    note = "return `Result<(), JobError>` (any error type that converts into `JobError` works too)"
)]
pub trait IntoJobResult {
    /// The result the worker acts on.
    fn into_job_result(self) -> Result<(), JobError>;
}

impl<E: Into<JobError>> IntoJobResult for Result<(), E> {
    fn into_job_result(self) -> Result<(), JobError> {
        self.map_err(Into::into)
    }
}

/// How a job's handler runs.
pub enum Handler<P> {
    /// On tokio.
    Async(fn(P, JobContext) -> BoxFuture<'static, Result<(), JobError>>),
    /// On the compute pool (`cpu_intensive`), a batch per pool task.
    Cpu(fn(P, JobContext) -> Result<(), JobError>),
}

/// How a job type runs and retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobOptions {
    /// Runs on the compute pool, never on a tokio worker thread.
    pub cpu_intensive: bool,
    /// Retries after the first attempt.
    pub retries: u32,
    /// How long between retries.
    pub backoff: Backoff,
    /// Longest run of one attempt (async handlers; a CPU handler cannot be
    /// preempted).
    pub timeout: Option<Duration>,
    /// Jobs of this type fetched and run together (at most).
    pub batch: Option<usize>,
}

impl JobOptions {
    /// The defaults: 3 retries, exponential backoff, no timeout.
    pub const DEFAULT: JobOptions = JobOptions {
        cpu_intensive: false,
        retries: 3,
        backoff: Backoff::Exponential,
        timeout: None,
        batch: None,
    };
}

/// What a running job knows about itself.
#[derive(Clone)]
pub struct JobContext {
    pub(crate) id: JobId,
    pub(crate) attempt: u32,
    pub(crate) queue: &'static str,
    pub(crate) token: Arc<str>,
    pub(crate) backend: Arc<dyn QueueBackend>,
}

impl JobContext {
    /// The job's id.
    pub fn id(&self) -> &JobId {
        &self.id
    }

    /// This attempt's number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The job type's queue.
    pub fn queue(&self) -> &'static str {
        self.queue
    }

    /// Moves this job's lease deadline to `lease` from now (the worker also
    /// renews it on its own while the job runs); `false` when the lease was
    /// already lost.
    pub async fn extend(&self, lease: Duration) -> Result<bool, QueueError> {
        self.backend
            .extend(self.queue, &self.id, &self.token, lease)
            .await
    }
}

/// The queue: a cheap handle (clone it freely) over a backend.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), armature_runtime::queue::QueueError> {
/// use armature_runtime::queue::Queue;
/// let queue = Queue::memory();
/// let id = queue.enqueue_raw("emails", &serde_json::json!({"to": "ada@example.com"}), None).await?;
/// assert_eq!(queue.counts("emails").await?.queued, 1);
/// # let _ = id; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Queue {
    backend: Arc<dyn QueueBackend>,
}

impl fmt::Debug for Queue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Queue")
    }
}

fn encode<T: Serialize>(queue: &str, payload: &T) -> Result<Bytes, QueueError> {
    serde_json::to_vec(payload)
        .map(Bytes::from)
        .map_err(|e| QueueError::Payload {
            queue: queue.to_owned(),
            message: e.to_string(),
        })
}

impl Queue {
    /// Over any backend.
    pub fn new(backend: impl QueueBackend) -> Self {
        Queue {
            backend: Arc::new(backend),
        }
    }

    /// In memory: the embedded default (jobs live as long as the process).
    pub fn memory() -> Self {
        Queue::new(memory::MemoryQueue::default())
    }

    /// On one Redis server, shared by every process that connects to it.
    #[cfg(feature = "redis")]
    pub async fn redis(url: &str) -> Result<Self, QueueError> {
        Ok(Queue::new(redis::RedisQueue::connect(url).await?))
    }

    /// On a Redis Cluster, from any of its nodes. Each job type's keys
    /// share one hash tag, so each operation is one script on one node.
    #[cfg(feature = "redis")]
    pub async fn redis_cluster(nodes: &[&str]) -> Result<Self, QueueError> {
        Ok(Queue::new(redis::RedisQueue::connect_cluster(nodes).await?))
    }

    pub(crate) fn backend(&self) -> &Arc<dyn QueueBackend> {
        &self.backend
    }

    /// Enqueues a job of type `J` (what `my_job::enqueue` calls).
    pub async fn enqueue<J: Job>(&self, payload: &J::Payload) -> Result<JobId, QueueError> {
        self.enqueue_in::<J>(None, payload).await
    }

    /// Enqueues a job of type `J` to run after `delay`.
    pub async fn enqueue_in<J: Job>(
        &self,
        delay: Option<Duration>,
        payload: &J::Payload,
    ) -> Result<JobId, QueueError> {
        self.enqueue_one(J::QUEUE, J::OPTIONS.retries, payload, delay)
            .await
    }

    /// Enqueues many jobs of type `J` in one round trip.
    pub async fn enqueue_many<J: Job>(
        &self,
        payloads: &[J::Payload],
    ) -> Result<Vec<JobId>, QueueError> {
        let jobs = payloads
            .iter()
            .map(|p| self.new_job(J::QUEUE, J::OPTIONS.retries, p, None))
            .collect::<Result<Vec<_>, _>>()?;
        let ids = jobs.iter().map(|j| j.id.clone()).collect();
        self.backend.enqueue(J::QUEUE, jobs).await?;
        Ok(ids)
    }

    /// Enqueues a JSON payload on a queue by name (3 retries).
    pub async fn enqueue_raw<T: Serialize>(
        &self,
        queue: &str,
        payload: &T,
        delay: Option<Duration>,
    ) -> Result<JobId, QueueError> {
        self.enqueue_one(queue, JobOptions::DEFAULT.retries, payload, delay)
            .await
    }

    async fn enqueue_one<T: Serialize>(
        &self,
        queue: &str,
        retries: u32,
        payload: &T,
        delay: Option<Duration>,
    ) -> Result<JobId, QueueError> {
        let job = self.new_job(queue, retries, payload, delay)?;
        let id = job.id.clone();
        self.backend.enqueue(queue, vec![job]).await?;
        Ok(id)
    }

    fn new_job<T: Serialize>(
        &self,
        queue: &str,
        retries: u32,
        payload: &T,
        delay: Option<Duration>,
    ) -> Result<NewJob, QueueError> {
        Ok(NewJob {
            id: JobId::new(),
            payload: encode(queue, payload)?,
            max_attempts: retries.saturating_add(1),
            delay: delay.filter(|d| !d.is_zero()),
        })
    }

    /// Jobs of `queue` by state.
    pub async fn counts(&self, queue: &str) -> Result<Counts, QueueError> {
        self.backend.counts(queue).await
    }

    /// Where a job is.
    pub async fn state(&self, queue: &str, id: &JobId) -> Result<Option<JobState>, QueueError> {
        self.backend.state(queue, id).await
    }

    /// Up to `limit` jobs of the dead-letter set.
    pub async fn dead(&self, queue: &str, limit: usize) -> Result<Vec<DeadJob>, QueueError> {
        self.backend.dead(queue, limit).await
    }

    /// Puts a dead job back with fresh attempts.
    pub async fn requeue_dead(&self, queue: &str, id: &JobId) -> Result<bool, QueueError> {
        self.backend.requeue_dead(queue, id).await
    }

    /// Empties the dead-letter set.
    pub async fn purge_dead(&self, queue: &str) -> Result<u64, QueueError> {
        self.backend.purge_dead(queue).await
    }

    /// The raw operations, for tools and tests: fetch with a lease.
    pub async fn fetch(
        &self,
        queue: &str,
        n: usize,
        lease: Duration,
    ) -> Result<Vec<Fetched>, QueueError> {
        self.backend.fetch(queue, n, lease).await
    }

    /// Completes a fetched job (see [`QueueBackend::ack`]).
    pub async fn ack(&self, queue: &str, job: &Fetched) -> Result<bool, QueueError> {
        self.backend.ack(queue, &job.id, &job.token).await
    }

    /// Fails a fetched job (see [`QueueBackend::nack`]).
    pub async fn nack(
        &self,
        queue: &str,
        job: &Fetched,
        retry_in: Option<Duration>,
        error: &str,
    ) -> Result<bool, QueueError> {
        self.backend
            .nack(queue, &job.id, &job.token, retry_in, error)
            .await
    }

    /// Extends a fetched job's lease (see [`QueueBackend::extend`]).
    pub async fn extend(
        &self,
        queue: &str,
        job: &Fetched,
        lease: Duration,
    ) -> Result<bool, QueueError> {
        self.backend.extend(queue, &job.id, &job.token, lease).await
    }

    /// Gives a fetched job back unrun (see [`QueueBackend::release`]).
    pub async fn release(&self, queue: &str, job: &Fetched) -> Result<bool, QueueError> {
        self.backend.release(queue, &job.id, &job.token).await
    }
}
