//! Redis and Redis Cluster backends on the `redis` crate.
//!
//! Single server: every batch is one round trip: MGET, one pipeline of
//! `SET k v PX ttl`, one UNLINK, one pipeline of EXISTS or PTTL.
//! Cluster: a batch is split by hash slot (a multi-key command or pipeline
//! must stay within one slot), the parts are sent concurrently, and the
//! answers are put back in input order.

use std::collections::HashMap;
use std::time::Duration;

use bytes::Bytes;
use futures::future::{BoxFuture, try_join_all};
use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;

use super::{CacheBackend, CacheError, Key, Ttl};
use crate::redis::{self as plumbing, ConnectOptions, RedisError, slot};

/// SCAN page size for `delete_matching`: UNLINKs go out in batches this big.
const SCAN_COUNT: usize = 1000;

fn backend(e: redis::RedisError) -> CacheError {
    CacheError::Backend(e.to_string())
}

impl From<RedisError> for CacheError {
    fn from(e: RedisError) -> Self {
        match e {
            RedisError::Connect { url, source } => CacheError::Connect {
                url,
                source: Box::new(source),
            },
            RedisError::Command(e) => backend(e),
        }
    }
}

fn set_pipeline<'k>(
    items: impl IntoIterator<Item = (&'k Key<'k>, &'k Bytes)>,
    ttl: Option<Duration>,
) -> redis::Pipeline {
    let mut pipe = redis::pipe();
    for (key, value) in items {
        let cmd = pipe.cmd("SET").arg(key.as_ref()).arg(value.as_ref());
        if let Some(ttl) = ttl {
            // Sub-millisecond TTLs round up: zero would be an error in Redis.
            cmd.arg("PX").arg(ttl.as_millis().max(1) as u64);
        }
        cmd.ignore();
    }
    pipe
}

/// One MGET; values in the order of `keys`.
async fn mget(
    conn: &mut (impl ConnectionLike + Send),
    keys: &[impl redis::ToRedisArgs + Send + Sync],
) -> Result<Vec<Option<Bytes>>, CacheError> {
    let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET")
        .arg(keys)
        .query_async(conn)
        .await
        .map_err(backend)?;
    Ok(values.into_iter().map(|v| v.map(Bytes::from)).collect())
}

fn per_key_pipeline<'k>(
    command: &str,
    keys: impl IntoIterator<Item = &'k Key<'k>>,
) -> redis::Pipeline {
    let mut pipe = redis::pipe();
    for key in keys {
        pipe.cmd(command).arg(key.as_ref());
    }
    pipe
}

async fn scan_and_unlink(
    conn: &mut (impl ConnectionLike + Send),
    pattern: &str,
    mut unlink: impl FnMut(Vec<String>) -> BoxFuture<'static, Result<u64, CacheError>>,
) -> Result<u64, CacheError> {
    let mut cursor: u64 = 0;
    let mut removed = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .arg("COUNT")
            .arg(SCAN_COUNT)
            .query_async(conn)
            .await
            .map_err(backend)?;
        if !keys.is_empty() {
            removed += unlink(keys).await?;
        }
        if next == 0 {
            return Ok(removed);
        }
        cursor = next;
    }
}

pub(crate) struct RedisCache {
    conn: ConnectionManager,
}

impl RedisCache {
    pub(crate) async fn connect(url: &str) -> Result<Self, CacheError> {
        let conn = plumbing::connect(url, ConnectOptions::COMMANDS).await?;
        Ok(Self { conn })
    }
}

impl CacheBackend for RedisCache {
    fn get_many<'a>(
        &'a self,
        keys: &'a [Key<'a>],
    ) -> BoxFuture<'a, Result<Vec<Option<Bytes>>, CacheError>> {
        Box::pin(async move { mget(&mut self.conn.clone(), keys).await })
    }

    fn set_many<'a>(
        &'a self,
        items: &'a [(Key<'a>, Bytes)],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        Box::pin(async move {
            set_pipeline(items.iter().map(|(k, v)| (k, v)), ttl)
                .query_async::<()>(&mut self.conn.clone())
                .await
                .map_err(backend)
        })
    }

    fn delete_many<'a>(&'a self, keys: &'a [Key<'a>]) -> BoxFuture<'a, Result<u64, CacheError>> {
        Box::pin(async move {
            redis::cmd("UNLINK")
                .arg(keys)
                .query_async(&mut self.conn.clone())
                .await
                .map_err(backend)
        })
    }

    fn exists_many<'a>(
        &'a self,
        keys: &'a [Key<'a>],
    ) -> BoxFuture<'a, Result<Vec<bool>, CacheError>> {
        Box::pin(async move {
            per_key_pipeline("EXISTS", keys)
                .query_async(&mut self.conn.clone())
                .await
                .map_err(backend)
        })
    }

    fn ttl_many<'a>(&'a self, keys: &'a [Key<'a>]) -> BoxFuture<'a, Result<Vec<Ttl>, CacheError>> {
        Box::pin(async move {
            let ms: Vec<i64> = per_key_pipeline("PTTL", keys)
                .query_async(&mut self.conn.clone())
                .await
                .map_err(backend)?;
            Ok(ms.into_iter().map(Ttl::from_redis_millis).collect())
        })
    }

    fn delete_matching<'a>(&'a self, pattern: &'a str) -> BoxFuture<'a, Result<u64, CacheError>> {
        Box::pin(async move {
            let conn = self.conn.clone();
            scan_and_unlink(&mut self.conn.clone(), pattern, move |keys| {
                let mut conn = conn.clone();
                Box::pin(async move {
                    redis::cmd("UNLINK")
                        .arg(keys)
                        .query_async::<u64>(&mut conn)
                        .await
                        .map_err(backend)
                })
            })
            .await
        })
    }
}

pub(crate) struct ClusterCache {
    conn: ClusterConnection,
    nodes: Vec<String>,
}

/// Keys of one hash slot, with their positions in the caller's batch.
struct SlotGroup<'a> {
    positions: Vec<usize>,
    keys: Vec<&'a Key<'a>>,
}

fn by_slot<'a>(keys: impl Iterator<Item = &'a Key<'a>>) -> Vec<SlotGroup<'a>> {
    let mut groups: HashMap<u16, SlotGroup<'a>> = HashMap::new();
    for (i, key) in keys.enumerate() {
        let group = groups
            .entry(slot::slot(key.as_bytes()))
            .or_insert_with(|| SlotGroup {
                positions: Vec::new(),
                keys: Vec::new(),
            });
        group.positions.push(i);
        group.keys.push(key);
    }
    groups.into_values().collect()
}

/// Runs `query` for every slot group concurrently and scatters the answers
/// back to input order.
async fn scatter<'a, T: Default + Clone, Q>(
    len: usize,
    groups: &'a [SlotGroup<'a>],
    query: Q,
) -> Result<Vec<T>, CacheError>
where
    Q: Fn(&'a SlotGroup<'a>) -> BoxFuture<'a, Result<Vec<T>, CacheError>>,
{
    let answers = try_join_all(groups.iter().map(&query)).await?;
    let mut out = vec![T::default(); len];
    for (group, answer) in groups.iter().zip(answers) {
        for (&position, value) in group.positions.iter().zip(answer) {
            out[position] = value;
        }
    }
    Ok(out)
}

/// One UNLINK per hash slot, concurrently; how many keys existed.
async fn unlink_by_slot(conn: &ClusterConnection, keys: &[Key<'_>]) -> Result<u64, CacheError> {
    let groups = by_slot(keys.iter());
    let counts = try_join_all(groups.iter().map(|group| {
        let mut conn = conn.clone();
        async move {
            redis::cmd("UNLINK")
                .arg(&group.keys)
                .query_async::<u64>(&mut conn)
                .await
                .map_err(backend)
        }
    }))
    .await?;
    Ok(counts.into_iter().sum())
}

impl ClusterCache {
    pub(crate) async fn connect(nodes: &[&str]) -> Result<Self, CacheError> {
        let conn = plumbing::connect_cluster(nodes, ConnectOptions::COMMANDS).await?;
        Ok(Self {
            conn,
            nodes: nodes.iter().map(|n| (*n).to_owned()).collect(),
        })
    }
}

impl CacheBackend for ClusterCache {
    fn get_many<'a>(
        &'a self,
        keys: &'a [Key<'a>],
    ) -> BoxFuture<'a, Result<Vec<Option<Bytes>>, CacheError>> {
        Box::pin(async move {
            let groups = by_slot(keys.iter());
            scatter(keys.len(), &groups, |group| {
                let mut conn = self.conn.clone();
                Box::pin(async move { mget(&mut conn, &group.keys).await })
            })
            .await
        })
    }

    fn set_many<'a>(
        &'a self,
        items: &'a [(Key<'a>, Bytes)],
        ttl: Option<Duration>,
    ) -> BoxFuture<'a, Result<(), CacheError>> {
        Box::pin(async move {
            let groups = by_slot(items.iter().map(|(k, _)| k));
            try_join_all(groups.iter().map(|group| {
                let mut conn = self.conn.clone();
                let group_items = group.positions.iter().map(|&i| (&items[i].0, &items[i].1));
                let pipeline = set_pipeline(group_items, ttl);
                async move { pipeline.query_async::<()>(&mut conn).await.map_err(backend) }
            }))
            .await?;
            Ok(())
        })
    }

    fn delete_many<'a>(&'a self, keys: &'a [Key<'a>]) -> BoxFuture<'a, Result<u64, CacheError>> {
        Box::pin(unlink_by_slot(&self.conn, keys))
    }

    fn exists_many<'a>(
        &'a self,
        keys: &'a [Key<'a>],
    ) -> BoxFuture<'a, Result<Vec<bool>, CacheError>> {
        Box::pin(async move {
            let groups = by_slot(keys.iter());
            scatter(keys.len(), &groups, |group| {
                let mut conn = self.conn.clone();
                Box::pin(async move {
                    per_key_pipeline("EXISTS", group.keys.iter().copied())
                        .query_async(&mut conn)
                        .await
                        .map_err(backend)
                })
            })
            .await
        })
    }

    fn ttl_many<'a>(&'a self, keys: &'a [Key<'a>]) -> BoxFuture<'a, Result<Vec<Ttl>, CacheError>> {
        Box::pin(async move {
            let groups = by_slot(keys.iter());
            let ms: Vec<i64> = scatter(keys.len(), &groups, |group| {
                let mut conn = self.conn.clone();
                Box::pin(async move {
                    per_key_pipeline("PTTL", group.keys.iter().copied())
                        .query_async(&mut conn)
                        .await
                        .map_err(backend)
                })
            })
            .await?;
            Ok(ms.into_iter().map(Ttl::from_redis_millis).collect())
        })
    }

    /// SCAN runs on every master the cluster reports now (each holds its
    /// own slots; the seeds given may be only some of them); the keys found
    /// are deleted through the cluster connection, grouped by slot.
    fn delete_matching<'a>(&'a self, pattern: &'a str) -> BoxFuture<'a, Result<u64, CacheError>> {
        Box::pin(async move {
            let mut cluster = self.conn.clone();
            let masters = plumbing::cluster_masters(&mut cluster).await?;
            let seed = self
                .nodes
                .first()
                .map_or("redis://127.0.0.1", String::as_str);
            let mut removed = 0;
            for master in masters {
                let client = redis::Client::open(master.url_like(seed)).map_err(backend)?;
                let mut conn = client
                    .get_multiplexed_async_connection()
                    .await
                    .map_err(backend)?;
                let cluster = self.conn.clone();
                removed += scan_and_unlink(&mut conn, pattern, move |keys| {
                    let cluster = cluster.clone();
                    Box::pin(async move {
                        let keys: Vec<Key<'_>> = keys.into_iter().map(Key::Owned).collect();
                        unlink_by_slot(&cluster, &keys).await
                    })
                })
                .await?;
            }
            Ok(removed)
        })
    }
}
