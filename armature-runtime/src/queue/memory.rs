//! The in-memory queue: the embedded default. The same semantics as
//! Redis, under one lock per process (a queue operation is a few map
//! updates; the lock is never held across an await).

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use tokio::sync::Notify;
use tokio::time::Instant;

use super::{
    COMPLETED_KEPT, Counts, DeadJob, Fetched, JobId, JobState, NewJob, QueueBackend, QueueError,
};

struct Data {
    payload: Bytes,
    attempts: u32,
    max_attempts: u32,
    error: String,
}

#[derive(Default)]
struct Lane {
    ready: VecDeque<JobId>,
    delayed: BTreeSet<(Instant, JobId)>,
    /// id -> (deadline, token)
    inflight: HashMap<JobId, (Instant, String)>,
    jobs: HashMap<JobId, Data>,
    dead: VecDeque<JobId>,
    completed: VecDeque<JobId>,
    completed_set: HashSet<JobId>,
    completed_total: u64,
    failed_total: u64,
    tokens: u64,
}

impl Lane {
    /// Expired leases back to the front (or dead), due delayed jobs ready.
    fn tidy(&mut self, now: Instant) {
        let expired: Vec<JobId> = self
            .inflight
            .iter()
            .filter(|(_, (deadline, _))| *deadline <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in expired {
            self.inflight.remove(&id);
            self.failed_total += 1;
            let out_of_attempts = self
                .jobs
                .get(&id)
                .is_some_and(|d| d.attempts >= d.max_attempts);
            if out_of_attempts {
                if let Some(d) = self.jobs.get_mut(&id) {
                    d.error = "lease expired (the worker died or stalled)".to_owned();
                }
                self.dead.push_back(id);
            } else {
                self.ready.push_front(id);
            }
        }
        while let Some((due, _)) = self.delayed.first() {
            if *due > now {
                break;
            }
            if let Some((_, id)) = self.delayed.pop_first() {
                self.ready.push_back(id);
            }
        }
    }

    /// Ends the delivery `token` of `id`; `false` (and nothing changed)
    /// when it is no longer the job's current lease.
    fn unlease(&mut self, id: &JobId, token: &str) -> bool {
        let holds = self.inflight.get(id).is_some_and(|(_, t)| t == token);
        if holds {
            self.inflight.remove(id);
        }
        holds
    }
}

#[derive(Default)]
pub(crate) struct MemoryQueue {
    lanes: Mutex<HashMap<String, Lane>>,
    signals: Mutex<HashMap<String, Arc<Notify>>>,
}

impl MemoryQueue {
    fn with<R>(&self, queue: &str, f: impl FnOnce(&mut Lane, Instant) -> R) -> R {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        let lane = lanes.entry(queue.to_owned()).or_default();
        f(lane, Instant::now())
    }

    fn signal(&self, queue: &str) -> Arc<Notify> {
        let mut signals = self.signals.lock().unwrap_or_else(|e| e.into_inner());
        signals.entry(queue.to_owned()).or_default().clone()
    }
}

fn ready<T: Send + 'static>(value: T) -> BoxFuture<'static, T> {
    Box::pin(std::future::ready(value))
}

impl QueueBackend for MemoryQueue {
    fn enqueue<'a>(
        &'a self,
        queue: &'a str,
        jobs: Vec<NewJob>,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        let immediate = self.with(queue, |lane, now| {
            let mut immediate = 0;
            for job in jobs {
                if lane.jobs.contains_key(&job.id) || lane.completed_set.contains(&job.id) {
                    continue;
                }
                lane.jobs.insert(
                    job.id.clone(),
                    Data {
                        payload: job.payload,
                        attempts: 0,
                        max_attempts: job.max_attempts,
                        error: String::new(),
                    },
                );
                match job.delay {
                    Some(d) => {
                        lane.delayed.insert((now + d, job.id));
                    }
                    None => {
                        lane.ready.push_back(job.id);
                        immediate += 1;
                    }
                }
            }
            immediate
        });
        if immediate > 0 {
            self.signal(queue).notify_one();
        }
        ready(Ok(()))
    }

    fn fetch<'a>(
        &'a self,
        queue: &'a str,
        n: usize,
        lease: Duration,
    ) -> BoxFuture<'a, Result<Vec<Fetched>, QueueError>> {
        let fetched = self.with(queue, |lane, now| {
            lane.tidy(now);
            let mut out = Vec::new();
            while out.len() < n {
                let Some(id) = lane.ready.pop_front() else {
                    break;
                };
                lane.tokens += 1;
                let token = format!("{}:{}", lane.tokens, id);
                let Some(data) = lane.jobs.get_mut(&id) else {
                    continue;
                };
                data.attempts += 1;
                lane.inflight
                    .insert(id.clone(), (now + lease, token.clone()));
                out.push(Fetched {
                    payload: data.payload.clone(),
                    attempt: data.attempts,
                    max_attempts: data.max_attempts,
                    id,
                    token,
                });
            }
            out
        });
        ready(Ok(fetched))
    }

    fn wait<'a>(
        &'a self,
        queue: &'a str,
        timeout: Duration,
    ) -> BoxFuture<'a, Result<(), QueueError>> {
        let signal = self.signal(queue);
        Box::pin(async move {
            let _ = tokio::time::timeout(timeout, signal.notified()).await;
            Ok(())
        })
    }

    fn ack<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        let done = self.with(queue, |lane, _| {
            if !lane.unlease(id, token) {
                return false;
            }
            lane.jobs.remove(id);
            lane.completed_total += 1;
            lane.completed.push_back(id.clone());
            lane.completed_set.insert(id.clone());
            if lane.completed.len() > COMPLETED_KEPT
                && let Some(old) = lane.completed.pop_front()
            {
                lane.completed_set.remove(&old);
            }
            true
        });
        ready(Ok(done))
    }

    fn nack<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
        retry_in: Option<Duration>,
        error: &'a str,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        let done = self.with(queue, |lane, now| {
            if !lane.unlease(id, token) {
                return false;
            }
            lane.failed_total += 1;
            let Some(data) = lane.jobs.get_mut(id) else {
                return true;
            };
            data.error = error.to_owned();
            match retry_in {
                Some(delay) if data.attempts < data.max_attempts => {
                    lane.delayed.insert((now + delay, id.clone()));
                }
                _ => lane.dead.push_back(id.clone()),
            }
            true
        });
        ready(Ok(done))
    }

    fn release<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        let done = self.with(queue, |lane, _| {
            if !lane.unlease(id, token) {
                return false;
            }
            if let Some(data) = lane.jobs.get_mut(id) {
                data.attempts = data.attempts.saturating_sub(1);
            }
            lane.ready.push_front(id.clone());
            true
        });
        if done {
            self.signal(queue).notify_one();
        }
        ready(Ok(done))
    }

    fn extend<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
        token: &'a str,
        lease: Duration,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        let done = self.with(queue, |lane, now| match lane.inflight.get_mut(id) {
            Some((deadline, t)) if t == token => {
                *deadline = now + lease;
                true
            }
            _ => false,
        });
        ready(Ok(done))
    }

    fn counts<'a>(&'a self, queue: &'a str) -> BoxFuture<'a, Result<Counts, QueueError>> {
        let counts = self.with(queue, |lane, now| {
            lane.tidy(now);
            Counts {
                queued: lane.ready.len() as u64,
                delayed: lane.delayed.len() as u64,
                running: lane.inflight.len() as u64,
                completed: lane.completed_total,
                failed: lane.failed_total,
                dead: lane.dead.len() as u64,
            }
        });
        ready(Ok(counts))
    }

    fn state<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
    ) -> BoxFuture<'a, Result<Option<JobState>, QueueError>> {
        let state = self.with(queue, |lane, now| {
            lane.tidy(now);
            if lane.inflight.contains_key(id) {
                Some(JobState::Running)
            } else if lane.dead.contains(id) {
                Some(JobState::Dead)
            } else if lane.delayed.iter().any(|(_, d)| d == id) {
                Some(JobState::Delayed)
            } else if lane.ready.contains(id) {
                Some(JobState::Queued)
            } else if lane.completed_set.contains(id) {
                Some(JobState::Completed)
            } else {
                None
            }
        });
        ready(Ok(state))
    }

    fn dead<'a>(
        &'a self,
        queue: &'a str,
        limit: usize,
    ) -> BoxFuture<'a, Result<Vec<DeadJob>, QueueError>> {
        let dead = self.with(queue, |lane, now| {
            lane.tidy(now);
            lane.dead
                .iter()
                .take(limit)
                .filter_map(|id| {
                    let data = lane.jobs.get(id)?;
                    Some(DeadJob {
                        id: id.clone(),
                        attempts: data.attempts,
                        error: data.error.clone(),
                    })
                })
                .collect()
        });
        ready(Ok(dead))
    }

    fn requeue_dead<'a>(
        &'a self,
        queue: &'a str,
        id: &'a JobId,
    ) -> BoxFuture<'a, Result<bool, QueueError>> {
        let done = self.with(queue, |lane, _| {
            let Some(at) = lane.dead.iter().position(|d| d == id) else {
                return false;
            };
            lane.dead.remove(at);
            if let Some(data) = lane.jobs.get_mut(id) {
                data.attempts = 0;
            }
            lane.ready.push_back(id.clone());
            true
        });
        if done {
            self.signal(queue).notify_one();
        }
        ready(Ok(done))
    }

    fn purge_dead<'a>(&'a self, queue: &'a str) -> BoxFuture<'a, Result<u64, QueueError>> {
        let purged = self.with(queue, |lane, _| {
            let dead: Vec<JobId> = lane.dead.drain(..).collect();
            for id in &dead {
                lane.jobs.remove(id);
            }
            dead.len() as u64
        });
        ready(Ok(purged))
    }
}
