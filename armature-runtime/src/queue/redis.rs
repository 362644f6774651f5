//! The Redis (and Redis Cluster) queue. One queue per job type, all its
//! keys under one hash tag, so every operation is one Lua script on one
//! node, atomic, and valid on a cluster:
//!
//! ```text
//! {q:TYPE}:ready      LIST   ids ready to run (new ones pushed left, taken right)
//! {q:TYPE}:delayed    ZSET   id -> when it is due (delayed jobs, retries' backoff)
//! {q:TYPE}:inflight   ZSET   id -> lease deadline
//! {q:TYPE}:token      HASH   id -> the current delivery's lease token
//! {q:TYPE}:payload    HASH   id -> JSON payload
//! {q:TYPE}:attempts   HASH   id -> attempts so far (counted at fetch)
//! {q:TYPE}:max        HASH   id -> attempts allowed
//! {q:TYPE}:error      HASH   id -> last failure
//! {q:TYPE}:dead       ZSET   id -> when it died
//! {q:TYPE}:completed  ZSET   id -> when it completed (the latest 10,000)
//! {q:TYPE}:stats      HASH   completed / failed totals, the token counter
//! {q:TYPE}:signal     LIST   one element per enqueue burst: what idle workers BLPOP
//! ```
//!
//! Time is the server's (`TIME` in the scripts), so workers with skewed
//! clocks agree on leases. An idle worker blocks in `BLPOP` on the signal
//! list, on a connection of its own with no response timeout (the client's
//! default would cut the block), and wakes at least every idle interval to
//! reap expired leases and promote due jobs: a few commands per minute.

use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};

use super::{
    COMPLETED_KEPT, Counts, DeadJob, Fetched, JobId, JobState, NewJob, QueueBackend, QueueError,
};
use crate::redis::{self as plumbing, ConnectOptions, RedisError};

/// Either connection, so one backend serves both.
#[derive(Clone)]
enum Conn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl ConnectionLike for Conn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

enum Target {
    Single(String),
    Cluster(Vec<String>),
}

pub(crate) struct RedisQueue {
    conn: Conn,
    target: Target,
    /// Connections for blocking reads, one per waiting loop, reused.
    blocking: Mutex<Vec<Conn>>,
    scripts: Scripts,
}

impl From<RedisError> for QueueError {
    fn from(e: RedisError) -> Self {
        match e {
            RedisError::Connect { url, source } => QueueError::Connect {
                url,
                source: Box::new(source),
            },
            RedisError::Command(e) => backend(e),
        }
    }
}

fn backend(e: redis::RedisError) -> QueueError {
    QueueError::Backend(e.to_string())
}

/// `{q:NAME}` with the hash-tag characters of NAME escaped, so a queue's
/// name can never end its tag early or collide with another's keys.
fn tag(queue: &str) -> String {
    let name = queue
        .replace('%', "%25")
        .replace('{', "%7B")
        .replace('}', "%7D");
    format!("{{q:{name}}}")
}

const KEYS: [&str; 12] = [
    "ready",
    "delayed",
    "inflight",
    "token",
    "payload",
    "attempts",
    "max",
    "error",
    "dead",
    "completed",
    "stats",
    "signal",
];

fn keys(queue: &str) -> [String; 12] {
    let tag = tag(queue);
    KEYS.map(|k| format!("{tag}:{k}"))
}

/// Shared by every script: the server's clock and the tidy-up that
/// reaps expired leases and promotes due delayed jobs.
const PRELUDE: &str = r"
local READY, DELAYED, INFLIGHT, TOKEN, PAYLOAD, ATTEMPTS, MAX, ERROR, DEAD, COMPLETED, STATS, SIGNAL =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10], KEYS[11], KEYS[12]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function tidy()
  local expired = redis.call('ZRANGEBYSCORE', INFLIGHT, '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(expired) do
    redis.call('ZREM', INFLIGHT, id)
    redis.call('HDEL', TOKEN, id)
    redis.call('HINCRBY', STATS, 'failed', 1)
    local attempts = tonumber(redis.call('HGET', ATTEMPTS, id) or '0')
    local max = tonumber(redis.call('HGET', MAX, id) or '1')
    if attempts >= max then
      redis.call('HSET', ERROR, id, 'lease expired (the worker died or stalled)')
      redis.call('ZADD', DEAD, now, id)
    else
      redis.call('RPUSH', READY, id)
    end
  end
  local due = redis.call('ZRANGEBYSCORE', DELAYED, '-inf', now, 'LIMIT', 0, 1000)
  for _, id in ipairs(due) do
    redis.call('ZREM', DELAYED, id)
    redis.call('LPUSH', READY, id)
  end
end
local function signal(n)
  if n > 0 then
    for i = 1, math.min(n, 64) do redis.call('LPUSH', SIGNAL, '1') end
    redis.call('LTRIM', SIGNAL, 0, 63)
  end
end
-- Ends the delivery `token` of `id`: false (nothing changed) when it is
-- no longer the job's current lease.
local function unlease(id, token)
  if redis.call('HGET', TOKEN, id) ~= token then return false end
  redis.call('ZREM', INFLIGHT, id)
  redis.call('HDEL', TOKEN, id)
  return true
end
local function forget(id)
  redis.call('HDEL', PAYLOAD, id)
  redis.call('HDEL', ATTEMPTS, id)
  redis.call('HDEL', MAX, id)
  redis.call('HDEL', ERROR, id)
end
";

const ENQUEUE: &str = r"
local immediate = 0
for i = 1, #ARGV, 4 do
  local id = ARGV[i]
  if redis.call('HSETNX', PAYLOAD, id, ARGV[i + 1]) == 1 then
    redis.call('HSET', ATTEMPTS, id, 0)
    redis.call('HSET', MAX, id, ARGV[i + 2])
    local delay = tonumber(ARGV[i + 3])
    if delay > 0 then
      redis.call('ZADD', DELAYED, now + delay, id)
    else
      redis.call('LPUSH', READY, id)
      immediate = immediate + 1
    end
  end
end
signal(immediate)
return immediate
";

const FETCH: &str = r"
tidy()
local out = {}
for i = 1, tonumber(ARGV[1]) do
  local id = redis.call('RPOP', READY)
  if not id then break end
  local payload = redis.call('HGET', PAYLOAD, id)
  if payload then
    local attempts = redis.call('HINCRBY', ATTEMPTS, id, 1)
    local max = redis.call('HGET', MAX, id) or '1'
    local token = redis.call('HINCRBY', STATS, 'tokens', 1) .. ':' .. id
    redis.call('HSET', TOKEN, id, token)
    redis.call('ZADD', INFLIGHT, now + tonumber(ARGV[2]), id)
    table.insert(out, id)
    table.insert(out, payload)
    table.insert(out, tostring(attempts))
    table.insert(out, max)
    table.insert(out, token)
  end
end
return out
";

const ACK: &str = r"
local id = ARGV[1]
if not unlease(id, ARGV[2]) then return 0 end
forget(id)
redis.call('ZADD', COMPLETED, now, id)
redis.call('ZREMRANGEBYRANK', COMPLETED, 0, -(tonumber(ARGV[3]) + 1))
redis.call('HINCRBY', STATS, 'completed', 1)
return 1
";

const NACK: &str = r"
local id = ARGV[1]
if not unlease(id, ARGV[2]) then return 0 end
redis.call('HINCRBY', STATS, 'failed', 1)
redis.call('HSET', ERROR, id, ARGV[4])
local attempts = tonumber(redis.call('HGET', ATTEMPTS, id) or '0')
local max = tonumber(redis.call('HGET', MAX, id) or '1')
local retry = tonumber(ARGV[3])
if retry >= 0 and attempts < max then
  redis.call('ZADD', DELAYED, now + retry, id)
else
  redis.call('ZADD', DEAD, now, id)
end
return 1
";

const RELEASE: &str = r"
local id = ARGV[1]
if not unlease(id, ARGV[2]) then return 0 end
redis.call('HINCRBY', ATTEMPTS, id, -1)
redis.call('RPUSH', READY, id)
signal(1)
return 1
";

const EXTEND: &str = r"
local id = ARGV[1]
if redis.call('HGET', TOKEN, id) ~= ARGV[2] then return 0 end
redis.call('ZADD', INFLIGHT, 'XX', now + tonumber(ARGV[3]), id)
return 1
";

const COUNTS: &str = r"
tidy()
return {
  redis.call('LLEN', READY), redis.call('ZCARD', DELAYED), redis.call('ZCARD', INFLIGHT),
  tonumber(redis.call('HGET', STATS, 'completed') or '0'), tonumber(redis.call('HGET', STATS, 'failed') or '0'),
  redis.call('ZCARD', DEAD)
}
";

const STATE: &str = r"
tidy()
local id = ARGV[1]
if redis.call('ZSCORE', INFLIGHT, id) then return 'running' end
if redis.call('ZSCORE', DEAD, id) then return 'dead' end
if redis.call('ZSCORE', DELAYED, id) then return 'delayed' end
if redis.call('HEXISTS', PAYLOAD, id) == 1 then return 'queued' end
if redis.call('ZSCORE', COMPLETED, id) then return 'completed' end
return ''
";

const DEAD_LIST: &str = r"
tidy()
local out = {}
for _, id in ipairs(redis.call('ZRANGE', DEAD, 0, tonumber(ARGV[1]) - 1)) do
  table.insert(out, id)
  table.insert(out, redis.call('HGET', ATTEMPTS, id) or '0')
  table.insert(out, redis.call('HGET', ERROR, id) or '')
end
return out
";

const REQUEUE_DEAD: &str = r"
local id = ARGV[1]
if redis.call('ZREM', DEAD, id) == 0 then return 0 end
redis.call('HSET', ATTEMPTS, id, 0)
redis.call('LPUSH', READY, id)
signal(1)
return 1
";

const PURGE_DEAD: &str = r"
local ids = redis.call('ZRANGE', DEAD, 0, -1)
for _, id in ipairs(ids) do forget(id) end
redis.call('DEL', DEAD)
return #ids
";

struct Scripts {
    enqueue: redis::Script,
    fetch: redis::Script,
    ack: redis::Script,
    nack: redis::Script,
    release: redis::Script,
    extend: redis::Script,
    counts: redis::Script,
    state: redis::Script,
    dead: redis::Script,
    requeue_dead: redis::Script,
    purge_dead: redis::Script,
}

impl Scripts {
    fn new() -> Self {
        let s = |body: &str| redis::Script::new(&format!("{PRELUDE}{body}"));
        Scripts {
            enqueue: s(ENQUEUE),
            fetch: s(FETCH),
            ack: s(ACK),
            nack: s(NACK),
            release: s(RELEASE),
            extend: s(EXTEND),
            counts: s(COUNTS),
            state: s(STATE),
            dead: s(DEAD_LIST),
            requeue_dead: s(REQUEUE_DEAD),
            purge_dead: s(PURGE_DEAD),
        }
    }
}

fn millis(d: Duration) -> u64 {
    d.as_millis().try_into().unwrap_or(u64::MAX).max(1)
}

impl RedisQueue {
    pub(crate) async fn connect(url: &str) -> Result<Self, QueueError> {
        let conn = plumbing::connect(url, ConnectOptions::COMMANDS).await?;
        Ok(RedisQueue {
            conn: Conn::Single(conn),
            target: Target::Single(url.to_owned()),
            blocking: Mutex::default(),
            scripts: Scripts::new(),
        })
    }

    pub(crate) async fn connect_cluster(nodes: &[&str]) -> Result<Self, QueueError> {
        let conn = plumbing::connect_cluster(nodes, ConnectOptions::COMMANDS).await?;
        Ok(RedisQueue {
            conn: Conn::Cluster(conn),
            target: Target::Cluster(nodes.iter().map(|n| (*n).to_owned()).collect()),
            blocking: Mutex::default(),
            scripts: Scripts::new(),
        })
    }

    async fn blocking_conn(&self) -> Result<Conn, QueueError> {
        if let Some(conn) = self
            .blocking
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
        {
            return Ok(conn);
        }
        Ok(match &self.target {
            Target::Single(url) => {
                Conn::Single(plumbing::connect(url, ConnectOptions::BLOCKING).await?)
            }
            Target::Cluster(nodes) => {
                let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
                Conn::Cluster(plumbing::connect_cluster(&nodes, ConnectOptions::BLOCKING).await?)
            }
        })
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        script: &redis::Script,
        queue: &str,
        args: impl FnOnce(&mut redis::ScriptInvocation<'_>),
    ) -> Result<T, QueueError> {
        let mut invocation = script.prepare_invoke();
        for key in keys(queue) {
            invocation.key(key);
        }
        args(&mut invocation);
        match invocation.invoke_async(&mut self.conn.clone()).await {
            // The connection broke (a restarted server): the manager
            // reconnects, so try again shortly. Every script is safe to
            // repeat: enqueue skips known ids, a repeated fetch's first
            // leases expire, a repeated ack or nack finds its token gone.
            Err(e) if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                invocation
                    .invoke_async(&mut self.conn.clone())
                    .await
                    .map_err(backend)
            }
            other => other.map_err(backend),
        }
    }
}

impl RedisQueue {
    /// A script answering 1 (done) or 0 (the lease or job was not there).
    fn flag<'a>(
        &'a self,
        script: &'a redis::Script,
        queue: &'a str,
        args: impl FnOnce(&mut redis::ScriptInvocation<'_>) + Send + 'a,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        Box::pin(async move { Ok(self.run::<u8>(script, queue, args).await? == 1) })
    }
}

impl QueueBackend for RedisQueue {
    fn enqueue<'a>(
        &'a self,
        queue: &'a str,
        jobs: Vec<NewJob>,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        Box::pin(async move {
            if jobs.is_empty() {
                return Ok(());
            }
            self.run::<u64>(&self.scripts.enqueue, queue, |inv| {
                for job in &jobs {
                    inv.arg(&job.id.0)
                        .arg(job.payload.as_ref())
                        .arg(job.max_attempts)
                        .arg(job.delay.map_or(0, millis));
                }
            })
            .await?;
            Ok(())
        })
    }

    fn fetch<'a>(
        &'a self,
        queue: &'a str,
        n: usize,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Vec<Fetched>, QueueError>> {
        Box::pin(async move {
            let flat: Vec<Vec<u8>> = self
                .run(&self.scripts.fetch, queue, |inv| {
                    inv.arg(n).arg(millis(lease));
                })
                .await?;
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            Ok(flat
                .chunks_exact(5)
                .map(|c| Fetched {
                    id: JobId(text(&c[0])),
                    payload: Bytes::copy_from_slice(&c[1]),
                    attempt: text(&c[2]).parse().unwrap_or(1),
                    max_attempts: text(&c[3]).parse().unwrap_or(1),
                    token: text(&c[4]),
                })
                .collect())
        })
    }

    fn wait<'a>(
        &'a self,
        queue: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        Box::pin(async move {
            let mut conn = self.blocking_conn().await?;
            let signal = &keys(queue)[11];
            let seconds = timeout.as_secs_f64().max(0.01);
            let popped: Result<Option<(String, String)>, _> = redis::cmd("BLPOP")
                .arg(signal)
                .arg(seconds)
                .query_async(&mut conn)
                .await;
            match popped {
                Ok(_) => {
                    self.blocking
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(conn);
                    Ok(())
                }
                // A broken connection is dropped, not reused.
                Err(e) => Err(backend(e)),
            }
        })
    }

    fn ack<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        self.flag(&self.scripts.ack, queue, move |inv| {
            inv.arg(&id.0).arg(token).arg(COMPLETED_KEPT);
        })
    }

    fn nack<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
        retry_in: Option<Duration>,
        error: &'a str,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        let retry: i64 = retry_in.map_or(-1, |d| d.as_millis().try_into().unwrap_or(i64::MAX));
        self.flag(&self.scripts.nack, queue, move |inv| {
            inv.arg(&id.0).arg(token).arg(retry).arg(error);
        })
    }

    fn release<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        self.flag(&self.scripts.release, queue, move |inv| {
            inv.arg(&id.0).arg(token);
        })
    }

    fn extend<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        self.flag(&self.scripts.extend, queue, move |inv| {
            inv.arg(&id.0).arg(token).arg(millis(lease));
        })
    }

    fn counts<'a>(&'a self, queue: &'a str) -> BoxFuture<'a, Result<Counts, QueueError>> {
        Box::pin(async move {
            let c: Vec<u64> = self.run(&self.scripts.counts, queue, |_| {}).await?;
            let at = |i: usize| c.get(i).copied().unwrap_or(0);
            Ok(Counts {
                queued: at(0),
                delayed: at(1),
                running: at(2),
                completed: at(3),
                failed: at(4),
                dead: at(5),
            })
        })
    }

    fn state<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
    ) -> BoxFuture<'a, Result<Option<JobState>, QueueError>> {
        Box::pin(async move {
            let state: String = self
                .run(&self.scripts.state, queue, |inv| {
                    inv.arg(&id.0);
                })
                .await?;
            Ok(match state.as_str() {
                "running" => Some(JobState::Running),
                "dead" => Some(JobState::Dead),
                "delayed" => Some(JobState::Delayed),
                "queued" => Some(JobState::Queued),
                "completed" => Some(JobState::Completed),
                _ => None,
            })
        })
    }

    fn dead<'a>(
        &'a self,
        queue: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<DeadJob>, QueueError>> {
        Box::pin(async move {
            if limit == 0 {
                return Ok(Vec::new());
            }
            let flat: Vec<String> = self
                .run(&self.scripts.dead, queue, |inv| {
                    inv.arg(limit);
                })
                .await?;
            Ok(flat
                .chunks_exact(3)
                .map(|c| DeadJob {
                    id: JobId(c[0].clone()),
                    attempts: c[1].parse().unwrap_or(0),
                    error: c[2].clone(),
                })
                .collect())
        })
    }

    fn requeue_dead<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        self.flag(&self.scripts.requeue_dead, queue, move |inv| {
            inv.arg(&id.0);
        })
    }

    fn purge_dead<'a>(&'a self, queue: &'a str) -> BoxFuture<'a, Result<u64, QueueError>> {
        Box::pin(async move { self.run(&self.scripts.purge_dead, queue, |_| {}).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queue_name_cannot_end_its_tag() {
        assert_eq!(tag("email"), "{q:email}");
        assert_eq!(tag("a}b"), "{q:a%7Db}");
        assert_eq!(tag("{x}"), "{q:%7Bx%7D}");
        assert_ne!(tag("a%7Db"), tag("a}b"));
    }
}
