//! The embedded cache: moka, bounded by entries or bytes, with per-entry
//! expiry. Each entry keeps its deadline so `ttl` answers as Redis does.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;
use moka::Expiry;

use super::{CacheBackend, CacheError, Ttl, glob};

/// How the memory cache is bounded; least-recently-used entries go first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryBound {
    /// At most this many entries.
    Entries(u64),
    /// At most this many bytes of keys and values.
    Bytes(u64),
}

/// Settings of [`Cache::memory`](super::Cache::memory).
#[derive(Debug, Clone)]
pub struct MemoryConfig {
    /// The bound.
    pub bound: MemoryBound,
}

impl Default for MemoryConfig {
    fn default() -> Self {
        Self {
            bound: MemoryBound::Entries(100_000),
        }
    }
}

#[derive(Clone)]
struct Entry {
    value: Bytes,
    deadline: Option<Instant>,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.deadline.is_none_or(|d| d > now)
    }
}

/// Each entry expires at its own deadline.
struct PerEntry;

impl Expiry<String, Entry> for PerEntry {
    fn expire_after_create(&self, _: &String, entry: &Entry, now: Instant) -> Option<Duration> {
        entry.deadline.map(|d| d.saturating_duration_since(now))
    }

    fn expire_after_update(
        &self,
        _: &String,
        entry: &Entry,
        now: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        entry.deadline.map(|d| d.saturating_duration_since(now))
    }
}

pub(crate) struct MemoryCache {
    entries: moka::sync::Cache<String, Entry>,
}

impl MemoryCache {
    pub(crate) fn new(config: MemoryConfig) -> Self {
        let builder = moka::sync::Cache::builder().expire_after(PerEntry);
        let entries = match config.bound {
            MemoryBound::Entries(n) => builder.max_capacity(n).build(),
            MemoryBound::Bytes(n) => builder
                .weigher(|k: &String, e: &Entry| {
                    u32::try_from(k.len() + e.value.len()).unwrap_or(u32::MAX)
                })
                .max_capacity(n)
                .build(),
        };
        Self { entries }
    }

    /// A live entry (moka may still hold one whose deadline just passed).
    fn live(&self, key: &str, now: Instant) -> Option<Entry> {
        self.entries.get(key).filter(|e| e.live(now))
    }
}

// moka's sync cache answers without awaiting, so each batch is a plain loop
// of map lookups: no task switch, no allocation beyond the results.
impl CacheBackend for MemoryCache {
    fn get_many<'a>(
        &'a self,
        keys: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<Option<Bytes>>, CacheError>> {
        let now = Instant::now();
        let values = keys
            .iter()
            .map(|k| self.live(k, now).map(|e| e.value))
            .collect();
        Box::pin(std::future::ready(Ok(values)))
    }

    fn set_many<'a>(
        &'a self,
        items: &'a [(String, Bytes)],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        let deadline = ttl.map(|ttl| Instant::now() + ttl);
        for (key, value) in items {
            self.entries.insert(
                key.clone(),
                Entry {
                    value: value.clone(),
                    deadline,
                },
            );
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn delete_many<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<u64, CacheError>> {
        let now = Instant::now();
        let removed = keys
            .iter()
            .filter(|k| self.entries.remove(k.as_str()).is_some_and(|e| e.live(now)))
            .count() as u64;
        Box::pin(std::future::ready(Ok(removed)))
    }

    fn exists_many<'a>(
        &'a self,
        keys: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<bool>, CacheError>> {
        let now = Instant::now();
        let exists = keys.iter().map(|k| self.live(k, now).is_some()).collect();
        Box::pin(std::future::ready(Ok(exists)))
    }

    fn ttl_many<'a>(&'a self, keys: &'a [String]) -> BoxFuture<'a, Result<Vec<Ttl>, CacheError>> {
        let now = Instant::now();
        let ttls = keys
            .iter()
            .map(|k| match self.live(k, now) {
                None => Ttl::Missing,
                Some(Entry { deadline: None, .. }) => Ttl::Persistent,
                Some(Entry {
                    deadline: Some(d), ..
                }) => Ttl::Expires(d - now),
            })
            .collect();
        Box::pin(std::future::ready(Ok(ttls)))
    }

    fn delete_matching<'a>(&'a self, pattern: &'a str) -> BoxFuture<'a, Result<u64, CacheError>> {
        let now = Instant::now();
        let doomed: Vec<String> = self
            .entries
            .iter()
            .filter(|(k, e)| e.live(now) && glob::matches(pattern.as_bytes(), k.as_bytes()))
            .map(|(k, _)| (*k).clone())
            .collect();
        for key in &doomed {
            self.entries.invalidate(key);
        }
        Box::pin(std::future::ready(Ok(doomed.len() as u64)))
    }
}
