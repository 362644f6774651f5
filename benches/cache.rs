//! Cache batches vs one key at a time, 100 keys x 100 B, per backend, with
//! a raw `MGET` issued through the redis crate as the floor. The bench
//! starts its own redis-server on a free port.
//!
//! `cargo bench --features redis --bench cache`

use std::hint::black_box;
use std::time::Duration;

use armature::cache::{Cache, MemoryConfig};
use criterion::{Criterion, criterion_group};

mod support;
#[path = "../tests/support/mod.rs"]
mod test_support;

const KEYS: usize = 100;

fn keys() -> Vec<String> {
    (0..KEYS).map(|i| format!("bench:key:{i}")).collect()
}

fn items() -> Vec<(String, Vec<u8>)> {
    keys().into_iter().map(|k| (k, vec![b'v'; 100])).collect()
}

struct Setup {
    runtime: tokio::runtime::Runtime,
    memory: Cache,
    redis: Cache,
    raw: redis::aio::MultiplexedConnection,
    _server: test_support::redis::RedisServer,
}

fn setup() -> Setup {
    let server = test_support::redis::RedisServer::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (redis, raw) = runtime.block_on(async {
        let cache = Cache::redis(&server.url()).await.unwrap();
        let raw = redis::Client::open(server.url())
            .unwrap()
            .get_multiplexed_async_connection()
            .await
            .unwrap();
        (cache, raw)
    });
    let memory = Cache::memory(MemoryConfig::default());
    for cache in [&memory, &redis] {
        runtime.block_on(cache.set_many(&items(), None)).unwrap();
    }
    Setup {
        runtime,
        memory,
        redis,
        raw,
        _server: server,
    }
}

async fn sequential_get(cache: &Cache, keys: &[String]) -> usize {
    let mut found = 0;
    for key in keys {
        found += usize::from(cache.get(key).await.unwrap().is_some());
    }
    found
}

async fn sequential_set(cache: &Cache, items: &[(String, Vec<u8>)]) {
    for (key, value) in items {
        cache
            .set(key, value, Some(Duration::from_secs(300)))
            .await
            .unwrap();
    }
}

async fn raw_mget(conn: &mut redis::aio::MultiplexedConnection, keys: &[String]) -> usize {
    let values: Vec<Option<Vec<u8>>> = redis::cmd("MGET")
        .arg(keys)
        .query_async(conn)
        .await
        .unwrap();
    values.len()
}

fn benches(c: &mut Criterion) {
    let s = setup();
    let (keys, items) = (keys(), items());
    for (name, cache) in [("memory", &s.memory), ("redis", &s.redis)] {
        let mut group = c.benchmark_group(format!("cache/{name}"));
        group.bench_function("get x100 sequential", |b| {
            b.iter(|| s.runtime.block_on(sequential_get(cache, black_box(&keys))))
        });
        group.bench_function("get_many(100)", |b| {
            b.iter(|| {
                s.runtime
                    .block_on(cache.get_many(black_box(&keys)))
                    .unwrap()
            })
        });
        group.bench_function("set x100 sequential", |b| {
            b.iter(|| s.runtime.block_on(sequential_set(cache, black_box(&items))))
        });
        group.bench_function("set_many(100)", |b| {
            b.iter(|| {
                s.runtime
                    .block_on(cache.set_many(black_box(&items), Some(Duration::from_secs(300))))
                    .unwrap()
            })
        });
        group.finish();
    }
    let mut group = c.benchmark_group("cache/redis");
    let mut raw = s.raw.clone();
    group.bench_function("raw MGET(100)", |b| {
        b.iter(|| s.runtime.block_on(raw_mget(&mut raw, black_box(&keys))))
    });
    group.finish();
}

/// The README's ratios, each pair interleaved.
fn ratios(s: &Setup) {
    use support::interleaved;
    let (keys, items) = (keys(), items());
    let (round, rounds) = (Duration::from_millis(60), support::rounds(20));
    let rt = &s.runtime;
    for (name, cache) in [("memory", &s.memory), ("redis", &s.redis)] {
        interleaved(
            &format!("cache/{name}: get_many(100) vs 100 sequential get"),
            rounds,
            round,
            || {
                black_box(rt.block_on(sequential_get(cache, &keys)));
            },
            || drop(black_box(rt.block_on(cache.get_many(&keys)).unwrap())),
        );
        interleaved(
            &format!("cache/{name}: set_many(100) vs 100 sequential set"),
            rounds,
            round,
            || rt.block_on(sequential_set(cache, &items)),
            || {
                rt.block_on(cache.set_many(&items, Some(Duration::from_secs(300))))
                    .unwrap()
            },
        );
    }
    let mut raw = s.raw.clone();
    interleaved(
        "cache/redis: get_many(100) vs raw MGET(100)",
        rounds,
        round,
        || {
            black_box(rt.block_on(raw_mget(&mut raw, &keys)));
        },
        || drop(black_box(rt.block_on(s.redis.get_many(&keys)).unwrap())),
    );
}

criterion_group! {
    name = group;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    targets = benches
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    group();
    Criterion::default().configure_from_args().final_summary();
    if args.iter().any(|a| a == "--bench") {
        ratios(&setup());
    }
}
