//! A batch-first cache: every multi-key operation is one round trip on a
//! single Redis (MGET, one pipeline, one UNLINK), split by hash slot and
//! sent concurrently on a cluster, and a plain map lookup in memory.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), armature_runtime::cache::CacheError> {
//! use std::time::Duration;
//! use armature_runtime::cache::{Cache, MemoryConfig};
//!
//! let cache = Cache::memory(MemoryConfig::default()).with_prefix("app:");
//! cache.set_many(&[("a", "1"), ("b", "2")], Some(Duration::from_secs(60))).await?;
//! let values = cache.get_many(&["a", "missing", "b"]).await?;
//! assert_eq!(values[0].as_deref(), Some(&b"1"[..]));
//! assert!(values[1].is_none());
//! # Ok(()) }
//! ```

mod glob;
mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use memory::{MemoryBound, MemoryConfig};

/// Redis refuses keys and values above 512 MiB.
pub const MAX_KEY_BYTES: usize = 512 * 1024 * 1024;

/// What a cache operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// The server could not be reached when the cache was built.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The address given.
        url: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A command failed (connection lost, server error).
    #[error("cache backend error: {0}")]
    Backend(String),
    /// A stored value is not the JSON the caller asked for.
    #[error("value at key `{key}` does not decode: {source}")]
    Decode {
        /// The key (without the prefix).
        key: String,
        /// serde's message.
        source: serde_json::Error,
    },
    /// A value could not be encoded as JSON.
    #[error("value for key `{key}` does not encode: {source}")]
    Encode {
        /// The key (without the prefix).
        key: String,
        /// serde's message.
        source: serde_json::Error,
    },
    /// A key or value Redis would refuse, or a zero TTL.
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// What `ttl` answers, as Redis's PTTL does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ttl {
    /// No such key (PTTL -2).
    Missing,
    /// The key never expires (PTTL -1).
    Persistent,
    /// Time left.
    Expires(Duration),
}

impl Ttl {
    /// Redis's encoding: -2, -1 or milliseconds left.
    pub fn as_redis_millis(self) -> i64 {
        match self {
            Ttl::Missing => -2,
            Ttl::Persistent => -1,
            Ttl::Expires(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        }
    }

    #[cfg(feature = "redis")]
    pub(crate) fn from_redis_millis(ms: i64) -> Ttl {
        match ms {
            -2 => Ttl::Missing,
            ms if ms < 0 => Ttl::Persistent,
            ms => Ttl::Expires(Duration::from_millis(ms as u64)),
        }
    }
}

/// A key as backends receive it: borrowed from the caller when there is no
/// prefix, so a lookup allocates nothing per key.
pub type Key<'a> = Cow<'a, str>;

/// A storage behind [`Cache`]. Keys arrive prefixed and checked; results
/// come back in input order; batches are never empty.
pub trait CacheBackend: Send + Sync + 'static {
    /// Values of `keys`.
    fn get_many<'a>(
        &'a self,
        keys: &'a [Key<'a>],
    ) -> BoxFuture<'a, Result<Vec<Option<Bytes>>, CacheError>>;
    /// Stores every item, each with `ttl` (`None`: no expiry).
    fn set_many<'a>(
        &'a self,
        items: &'a [(Key<'a>, Bytes)],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), CacheError>>;
    /// Removes `keys`; how many existed.
    fn delete_many<'a>(&'a self, keys: &'a [Key<'a>]) -> BoxFuture<'a, Result<u64, CacheError>>;
    /// Whether each key exists.
    fn exists_many<'a>(
        &'a self,
        keys: &'a [Key<'a>],
    ) -> BoxFuture<'a, Result<Vec<bool>, CacheError>>;
    /// Each key's time to live.
    fn ttl_many<'a>(&'a self, keys: &'a [Key<'a>]) -> BoxFuture<'a, Result<Vec<Ttl>, CacheError>>;
    /// Removes every key matching a Redis glob pattern; how many.
    fn delete_matching<'a>(&'a self, pattern: &'a str) -> BoxFuture<'a, Result<u64, CacheError>>;
}

/// A cache handle: cheap to clone, shared by every clone.
#[derive(Clone)]
pub struct Cache {
    backend: Arc<dyn CacheBackend>,
    prefix: Arc<str>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl Cache {
    /// Any backend.
    pub fn new(backend: impl CacheBackend) -> Self {
        Self {
            backend: Arc::new(backend),
            prefix: Arc::from(""),
        }
    }

    /// The in-process cache: bounded, per-entry TTL, no server.
    pub fn memory(config: MemoryConfig) -> Self {
        Self::new(memory::MemoryCache::new(config))
    }

    /// A single Redis server (multiplexed connection, reconnects by itself).
    #[cfg(feature = "redis")]
    pub async fn redis(url: &str) -> Result<Self, CacheError> {
        Ok(Self::new(redis::RedisCache::connect(url).await?))
    }

    /// A Redis Cluster, from any of its nodes.
    #[cfg(feature = "redis")]
    pub async fn redis_cluster(nodes: &[&str]) -> Result<Self, CacheError> {
        Ok(Self::new(redis::ClusterCache::connect(nodes).await?))
    }

    /// Namespaces every key: `prefix` + key.
    #[must_use]
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = Arc::from(prefix);
        self
    }

    fn key<'k>(&self, key: &'k str) -> Result<Key<'k>, CacheError> {
        let len = self.prefix.len() + key.len();
        if len > MAX_KEY_BYTES {
            return Err(CacheError::Invalid(format!(
                "key of {len} bytes is over Redis's limit of {MAX_KEY_BYTES}"
            )));
        }
        if self.prefix.is_empty() {
            return Ok(Cow::Borrowed(key));
        }
        let mut full = String::with_capacity(len);
        full.push_str(&self.prefix);
        full.push_str(key);
        Ok(Cow::Owned(full))
    }

    fn keys<'k, K: AsRef<str>>(&self, keys: &'k [K]) -> Result<Vec<Key<'k>>, CacheError> {
        keys.iter().map(|k| self.key(k.as_ref())).collect()
    }

    /// Values in input order; one round trip.
    pub async fn get_many<K: AsRef<str>>(
        &self,
        keys: &[K],
    ) -> Result<Vec<Option<Bytes>>, CacheError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.backend.get_many(&self.keys(keys)?).await
    }

    /// Stores all items with one TTL (`None`: no expiry); one round trip.
    pub async fn set_many<K: AsRef<str>, V: AsRef<[u8]>>(
        &self,
        items: &[(K, V)],
        ttl: Option<Duration>,
    ) -> Result<(), CacheError> {
        if ttl == Some(Duration::ZERO) {
            return Err(CacheError::Invalid(
                "a TTL must be positive; use delete to remove keys".into(),
            ));
        }
        if items.is_empty() {
            return Ok(());
        }
        let items = items
            .iter()
            .map(|(k, v)| {
                let v = v.as_ref();
                if v.len() > MAX_KEY_BYTES {
                    return Err(CacheError::Invalid(format!(
                        "value of {} bytes is over Redis's limit",
                        v.len()
                    )));
                }
                Ok((self.key(k.as_ref())?, Bytes::copy_from_slice(v)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.backend.set_many(&items, ttl).await
    }

    /// Removes keys; how many existed. One round trip.
    pub async fn delete_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<u64, CacheError> {
        if keys.is_empty() {
            return Ok(0);
        }
        self.backend.delete_many(&self.keys(keys)?).await
    }

    /// Existence of each key, in input order. One round trip.
    pub async fn exists_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<Vec<bool>, CacheError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.backend.exists_many(&self.keys(keys)?).await
    }

    /// Time to live of each key, in input order. One round trip.
    pub async fn ttl_many<K: AsRef<str>>(&self, keys: &[K]) -> Result<Vec<Ttl>, CacheError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.backend.ttl_many(&self.keys(keys)?).await
    }

    /// One value.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>, CacheError> {
        Ok(self.get_many(&[key]).await?.pop().flatten())
    }

    /// One value as UTF-8 text (lossy).
    pub async fn get_string(&self, key: &str) -> Result<Option<String>, CacheError> {
        Ok(self
            .get(key)
            .await?
            .map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    /// Stores one value.
    pub async fn set(
        &self,
        key: &str,
        value: impl AsRef<[u8]>,
        ttl: Option<Duration>,
    ) -> Result<(), CacheError> {
        self.set_many(&[(key, value)], ttl).await
    }

    /// Removes one key; whether it existed.
    pub async fn delete(&self, key: &str) -> Result<bool, CacheError> {
        Ok(self.delete_many(&[key]).await? == 1)
    }

    /// Whether one key exists.
    pub async fn exists(&self, key: &str) -> Result<bool, CacheError> {
        Ok(self.exists_many(&[key]).await?.pop().unwrap_or(false))
    }

    /// One key's time to live.
    pub async fn ttl(&self, key: &str) -> Result<Ttl, CacheError> {
        Ok(self.ttl_many(&[key]).await?.pop().unwrap_or(Ttl::Missing))
    }

    /// A JSON value.
    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, CacheError> {
        self.get(key).await?.map(|b| decode(key, &b)).transpose()
    }

    /// Stores a value as JSON.
    pub async fn set_json<T: Serialize + ?Sized>(
        &self,
        key: &str,
        value: &T,
        ttl: Option<Duration>,
    ) -> Result<(), CacheError> {
        let bytes = serde_json::to_vec(value).map_err(|source| CacheError::Encode {
            key: key.to_owned(),
            source,
        })?;
        self.set(key, bytes, ttl).await
    }

    /// JSON values in input order; one round trip. A value that does not
    /// decode is an error naming its key.
    pub async fn get_many_json<T: DeserializeOwned, K: AsRef<str>>(
        &self,
        keys: &[K],
    ) -> Result<Vec<Option<T>>, CacheError> {
        let values = self.get_many(keys).await?;
        keys.iter()
            .zip(values)
            .map(|(k, v)| v.map(|b| decode(k.as_ref(), &b)).transpose())
            .collect()
    }

    /// Removes every key matching a glob (`session:*`) under the prefix:
    /// SCAN + UNLINK in batches on Redis, never KEYS. The prefix is a
    /// literal namespace: its `*`, `?`, `[`, `]` and `\` are escaped, so
    /// `cache[v2]:` never matches another handle's `cachev:` keys.
    pub async fn delete_matching(&self, pattern: &str) -> Result<u64, CacheError> {
        let full = self.key(pattern)?;
        let escaped = if self.prefix.is_empty() {
            full
        } else {
            let mut escaped = glob::escape(&self.prefix);
            escaped.push_str(pattern);
            Cow::Owned(escaped)
        };
        self.backend.delete_matching(&escaped).await
    }
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, CacheError> {
    serde_json::from_slice(bytes).map_err(|source| CacheError::Decode {
        key: key.to_owned(),
        source,
    })
}
