//! The embedded cache, bounded by entries or bytes, with per-entry expiry.
//! Each entry keeps its deadline so `ttl` answers as Redis does; an expired
//! entry is dropped when read and, until then, is first in line for eviction
//! like any cold entry.
//!
//! Built on `quick_cache` rather than moka: measured on the 2-core VM, a
//! moka `get` costs ~300 ns (~340 ns with per-entry expiry) against ~55 ns
//! for quick_cache and ~35 ns for a bare `HashMap`, which put a 100-key
//! `get_many` at ~40 µs with moka, 4x over the < 10 µs goal.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::future::BoxFuture;
use quick_cache::Weighter;

use super::{CacheBackend, CacheError, Key, Ttl, glob};

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

/// One unit per entry, or the bytes of key and value.
#[derive(Clone)]
struct Weight {
    by_bytes: bool,
}

impl Weighter<String, Entry> for Weight {
    fn weight(&self, key: &String, entry: &Entry) -> u64 {
        if self.by_bytes {
            (key.len() + entry.value.len()).max(1) as u64
        } else {
            1
        }
    }
}

pub(crate) struct MemoryCache {
    entries: quick_cache::sync::Cache<String, Entry, Weight>,
}

impl MemoryCache {
    pub(crate) fn new(config: MemoryConfig) -> Self {
        let (items, capacity, by_bytes) = match config.bound {
            MemoryBound::Entries(n) => (n, n, false),
            // A guess for the map's initial size; the bound is the bytes.
            MemoryBound::Bytes(n) => ((n / 256).max(1024), n, true),
        };
        let items = usize::try_from(items).unwrap_or(usize::MAX);
        Self {
            entries: quick_cache::sync::Cache::with_weighter(items, capacity, Weight { by_bytes }),
        }
    }

    /// A live entry; an expired one is removed on the way.
    fn live(&self, key: &str, now: Instant) -> Option<Entry> {
        let entry = self.entries.get(key)?;
        if entry.live(now) {
            Some(entry)
        } else {
            self.entries.remove_if(key, |e| !e.live(now));
            None
        }
    }
}

// The cache answers without awaiting, so each batch is a plain loop of map
// lookups: no task switch, no allocation beyond the results.
impl CacheBackend for MemoryCache {
    fn get_many<'a>(
        &'a self,
        keys: &'a [Key<'a>],
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
        items: &'a [(Key<'a>, Bytes)],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        let deadline = ttl.map(|ttl| Instant::now() + ttl);
        for (key, value) in items {
            self.entries.insert(
                key.clone().into_owned(),
                Entry {
                    value: value.clone(),
                    deadline,
                },
            );
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn delete_many<'a>(&'a self, keys: &'a [Key<'a>]) -> BoxFuture<'a, Result<u64, CacheError>> {
        let now = Instant::now();
        let removed = keys
            .iter()
            .filter(|k| {
                self.entries
                    .remove(k.as_ref())
                    .is_some_and(|(_, e)| e.live(now))
            })
            .count() as u64;
        Box::pin(std::future::ready(Ok(removed)))
    }

    fn exists_many<'a>(
        &'a self,
        keys: &'a [Key<'a>],
    ) -> BoxFuture<'a, Result<Vec<bool>, CacheError>> {
        let now = Instant::now();
        let exists = keys.iter().map(|k| self.live(k, now).is_some()).collect();
        Box::pin(std::future::ready(Ok(exists)))
    }

    fn ttl_many<'a>(&'a self, keys: &'a [Key<'a>]) -> BoxFuture<'a, Result<Vec<Ttl>, CacheError>> {
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
            .map(|(k, _)| k)
            .collect();
        let removed = doomed
            .iter()
            .filter(|k| self.entries.remove(k.as_str()).is_some())
            .count();
        Box::pin(std::future::ready(Ok(removed as u64)))
    }
}
