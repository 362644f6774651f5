//! The cache: one behavioural suite run against every backend (memory, a
//! real Redis, a real 3-node Redis Cluster), plus what only Redis can show
//! (round trips on the wire, reconnects).

#[cfg(feature = "redis")]
#[path = "../support/mod.rs"]
mod support;

use std::time::Duration;

use armature::cache::{Cache, CacheError, MemoryBound, MemoryConfig, Ttl};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Profile {
    id: u64,
    name: String,
}

/// Every backend must behave like this.
async fn behaves_like_a_cache(cache: Cache) {
    // Single keys.
    cache.set("greeting", "hello", None).await.unwrap();
    assert_eq!(
        cache.get_string("greeting").await.unwrap().as_deref(),
        Some("hello")
    );
    assert!(cache.exists("greeting").await.unwrap());
    assert_eq!(cache.ttl("greeting").await.unwrap(), Ttl::Persistent);
    assert!(cache.delete("greeting").await.unwrap());
    assert!(!cache.delete("greeting").await.unwrap());
    assert_eq!(cache.get("greeting").await.unwrap(), None);
    assert_eq!(cache.ttl("greeting").await.unwrap(), Ttl::Missing);

    // Batches keep input order, across hash slots on a cluster.
    let keys: Vec<String> = (0..50).map(|i| format!("user:{i}")).collect();
    let items: Vec<(String, String)> = keys
        .iter()
        .map(|k| (k.clone(), format!("value of {k}")))
        .collect();
    cache
        .set_many(&items, Some(Duration::from_secs(60)))
        .await
        .unwrap();
    let mut asked: Vec<String> = keys.iter().rev().cloned().collect();
    asked.insert(7, "user:missing".into());
    let values = cache.get_many(&asked).await.unwrap();
    for (key, value) in asked.iter().zip(&values) {
        match key.as_str() {
            "user:missing" => assert_eq!(value, &None),
            key => assert_eq!(value.as_deref(), Some(format!("value of {key}").as_bytes())),
        }
    }
    let exists = cache
        .exists_many(&["user:3", "nope", "user:4"])
        .await
        .unwrap();
    assert_eq!(exists, [true, false, true]);
    let ttls = cache.ttl_many(&["user:1", "nope"]).await.unwrap();
    assert!(
        matches!(ttls[0], Ttl::Expires(d) if d > Duration::from_secs(55) && d <= Duration::from_secs(60)),
        "{ttls:?}"
    );
    assert_eq!(ttls[1], Ttl::Missing);
    assert_eq!(ttls[1].as_redis_millis(), -2);

    // Hash tags keep related keys together and still work in batches.
    cache
        .set_many(&[("{cart:9}:items", "3"), ("{cart:9}:total", "42")], None)
        .await
        .unwrap();
    let cart = cache
        .get_many(&["{cart:9}:total", "{cart:9}:items"])
        .await
        .unwrap();
    assert_eq!(cart[0].as_deref(), Some(&b"42"[..]));
    assert_eq!(cart[1].as_deref(), Some(&b"3"[..]));

    assert_eq!(cache.delete_many(&keys[..10]).await.unwrap(), 10);
    assert_eq!(cache.delete_many(&keys[..10]).await.unwrap(), 0);

    // Expiry.
    cache
        .set("short", "lived", Some(Duration::from_millis(150)))
        .await
        .unwrap();
    assert!(cache.exists("short").await.unwrap());
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(cache.get("short").await.unwrap(), None);

    // JSON.
    let ada = Profile {
        id: 1,
        name: "Ada".into(),
    };
    cache.set_json("profile:1", &ada, None).await.unwrap();
    assert_eq!(
        cache.get_json::<Profile>("profile:1").await.unwrap(),
        Some(ada)
    );
    cache.set("profile:2", "not json", None).await.unwrap();
    let many = cache
        .get_many_json::<Profile, _>(&["profile:1", "profile:3"])
        .await
        .unwrap();
    assert!(many[0].is_some() && many[1].is_none());
    match cache
        .get_many_json::<Profile, _>(&["profile:1", "profile:2"])
        .await
    {
        Err(CacheError::Decode { key, .. }) => assert_eq!(key, "profile:2"),
        other => panic!("expected a decode error naming the key, got {other:?}"),
    }

    // delete_matching removes exactly what matches (SCAN + UNLINK on Redis).
    let sessions: Vec<(String, &str)> = (0..120).map(|i| (format!("session:{i}"), "s")).collect();
    cache.set_many(&sessions, None).await.unwrap();
    assert_eq!(cache.delete_matching("session:*").await.unwrap(), 120);
    assert!(cache.exists("user:20").await.unwrap());
    assert_eq!(cache.delete_matching("session:*").await.unwrap(), 0);

    // Bad input: clear errors, and an empty batch is a no-op.
    assert!(matches!(
        cache.set("k", "v", Some(Duration::ZERO)).await,
        Err(CacheError::Invalid(_))
    ));
    assert_eq!(cache.get_many::<&str>(&[]).await.unwrap(), Vec::new());
    assert_eq!(cache.delete_many::<&str>(&[]).await.unwrap(), 0);
    cache.set_many::<&str, &str>(&[], None).await.unwrap();
}

/// A prefix is a literal namespace, whatever characters it holds: on one
/// store, `delete_matching` through one handle removes its own keys only
/// (issue 14: `cache[v2]:` used to delete `cachev:`'s keys and keep its own).
async fn prefixes_are_literal_namespaces(store: Cache) {
    // Pairs where the first prefix, read as a glob, matches the second's keys.
    let pairs = [
        ("cache[v2]:", "cachev:"),
        ("t*:", "tenant:"),
        ("a?:", "ab:"),
        ("x\\y:", "xy:"),
        ("[^z]:", "q:"),
        ("b]:", "b]:x"),
    ];
    for (mine, theirs) in pairs {
        let me = store.clone().with_prefix(mine);
        let other = store.clone().with_prefix(theirs);
        let keys: Vec<String> = (0..10).map(|i| format!("session:{i}")).collect();
        let items: Vec<(String, &str)> = keys.iter().map(|k| (k.clone(), "v")).collect();
        me.set_many(&items, None).await.unwrap();
        other.set_many(&items, None).await.unwrap();
        me.set("user:1", "kept", None).await.unwrap();

        assert_eq!(
            me.delete_matching("session:*").await.unwrap(),
            10,
            "prefix {mine:?}"
        );
        assert!(
            me.get_many(&keys)
                .await
                .unwrap()
                .iter()
                .all(Option::is_none),
            "{mine:?}"
        );
        assert!(
            other
                .get_many(&keys)
                .await
                .unwrap()
                .iter()
                .all(Option::is_some),
            "{mine:?} deleted {theirs:?}'s keys"
        );
        assert!(me.exists("user:1").await.unwrap(), "{mine:?}");
        // The user's own pattern still is a pattern after the prefix.
        assert_eq!(other.delete_matching("session:[0-4]").await.unwrap(), 5);
        assert_eq!(other.delete_matching("*").await.unwrap(), 5);
        assert_eq!(me.delete_matching("*").await.unwrap(), 1);
    }
}

#[tokio::test]
async fn memory_prefixes_are_literal() {
    prefixes_are_literal_namespaces(Cache::memory(MemoryConfig::default())).await;
}

#[tokio::test]
async fn memory_backend() {
    behaves_like_a_cache(Cache::memory(MemoryConfig::default())).await;
}

#[tokio::test]
async fn memory_backend_bounded_by_bytes_with_prefix() {
    let cache = Cache::memory(MemoryConfig {
        bound: MemoryBound::Bytes(1 << 20),
    });
    behaves_like_a_cache(cache.clone().with_prefix("tenant-a:")).await;
    // Another prefix is another namespace.
    let other = cache.clone().with_prefix("tenant-b:");
    other.set("user:20", "b", None).await.unwrap();
    assert_eq!(
        cache
            .clone()
            .with_prefix("tenant-a:")
            .get("user:20")
            .await
            .unwrap()
            .as_deref(),
        Some(&b"value of user:20"[..])
    );
    assert_eq!(other.delete_matching("*").await.unwrap(), 1);
}

#[tokio::test]
async fn memory_backend_stays_within_its_bound() {
    for bound in [MemoryBound::Entries(100), MemoryBound::Bytes(100 * 128)] {
        let cache = Cache::memory(MemoryConfig { bound });
        let items: Vec<(String, Vec<u8>)> = (0..1_000)
            .map(|i| (format!("k{i:04}"), vec![0u8; 123]))
            .collect();
        cache.set_many(&items, None).await.unwrap();
        let keys: Vec<&str> = items.iter().map(|(k, _)| k.as_str()).collect();
        let kept = cache
            .exists_many(&keys)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| *e)
            .count();
        // 100 entries (each 128 bytes of key and value in the bytes case),
        // give or take the eviction policy's granularity.
        assert!((50..=110).contains(&kept), "{bound:?} kept {kept} of 1000");
    }
}

#[cfg(feature = "redis")]
mod redis_backends {
    use super::*;
    use crate::support::redis::{RedisCluster, RedisServer, TurnCounter};

    #[tokio::test]
    async fn redis_backend() {
        let server = RedisServer::start();
        let cache = Cache::redis(&server.url())
            .await
            .unwrap()
            .with_prefix("app:");
        behaves_like_a_cache(cache).await;
        // The prefix really reaches the server.
        assert!(server.cli(&["EXISTS", "app:user:20"]).trim() == "1");
    }

    #[tokio::test]
    async fn redis_cluster_backend() {
        let cluster = RedisCluster::start();
        let urls = cluster.urls();
        let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
        let cache = Cache::redis_cluster(&urls).await.unwrap();
        behaves_like_a_cache(cache.clone()).await;
        // The 50 user keys really were spread over the three masters.
        let holding = cluster
            .nodes
            .iter()
            .filter(|n| n.cli(&["DBSIZE"]).trim().parse::<u64>().unwrap_or(0) > 0)
            .count();
        assert_eq!(holding, 3);
    }

    #[tokio::test]
    async fn redis_prefixes_are_literal() {
        let server = RedisServer::start();
        prefixes_are_literal_namespaces(Cache::redis(&server.url()).await.unwrap()).await;
        assert_eq!(server.cli(&["DBSIZE"]).trim(), "0");
    }

    #[tokio::test]
    async fn cluster_prefixes_are_literal() {
        let cluster = RedisCluster::start();
        let urls = cluster.urls();
        let urls: Vec<&str> = urls.iter().map(String::as_str).collect();
        prefixes_are_literal_namespaces(Cache::redis_cluster(&urls).await.unwrap()).await;
    }

    /// Issue 14: a handle given one seed of a 3-master cluster used to scan
    /// only that node (200 of 600 keys removed).
    #[tokio::test]
    async fn delete_matching_from_one_seed_reaches_every_master() {
        let cluster = RedisCluster::start();
        let seed = cluster.urls()[1].clone();
        let cache = Cache::redis_cluster(&[&seed]).await.unwrap();
        let doomed: Vec<(String, &str)> = (0..600).map(|i| (format!("session:{i}"), "v")).collect();
        let kept: Vec<(String, &str)> = (0..300).map(|i| (format!("user:{i}"), "v")).collect();
        cache.set_many(&doomed, None).await.unwrap();
        cache.set_many(&kept, None).await.unwrap();
        let per_node = |cluster: &RedisCluster| -> Vec<u64> {
            cluster
                .nodes
                .iter()
                .map(|n| n.cli(&["DBSIZE"]).trim().parse().unwrap())
                .collect()
        };
        assert!(
            per_node(&cluster).iter().all(|&n| n > 0),
            "keys on every master"
        );

        assert_eq!(cache.delete_matching("session:*").await.unwrap(), 600);
        assert_eq!(per_node(&cluster).iter().sum::<u64>(), 300);
        let users: Vec<&str> = kept.iter().map(|(k, _)| k.as_str()).collect();
        assert!(
            cache
                .get_many(&users)
                .await
                .unwrap()
                .iter()
                .all(Option::is_some)
        );
    }

    #[tokio::test]
    async fn every_batch_is_one_round_trip() {
        let server = RedisServer::start();
        let proxy = TurnCounter::start(server.port);
        let cache = Cache::redis(&proxy.url()).await.unwrap();
        let keys: Vec<String> = (0..100).map(|i| format!("k{i}")).collect();
        let items: Vec<(String, Vec<u8>)> =
            keys.iter().map(|k| (k.clone(), vec![b'x'; 100])).collect();

        let turns = proxy.turns();
        cache
            .set_many(&items, Some(Duration::from_secs(60)))
            .await
            .unwrap();
        assert_eq!(proxy.turns() - turns, 1, "set_many");
        assert_eq!(server.calls("set"), 100);

        let (turns, mgets) = (proxy.turns(), server.calls("mget"));
        let values = cache.get_many(&keys).await.unwrap();
        assert!(values.iter().all(Option::is_some));
        assert_eq!(proxy.turns() - turns, 1, "get_many");
        assert_eq!(server.calls("mget") - mgets, 1);
        assert_eq!(server.calls("get"), 0);

        let turns = proxy.turns();
        cache.exists_many(&keys).await.unwrap();
        cache.ttl_many(&keys).await.unwrap();
        assert_eq!(proxy.turns() - turns, 2, "exists_many + ttl_many");
        assert_eq!((server.calls("exists"), server.calls("pttl")), (100, 100));

        let turns = proxy.turns();
        assert_eq!(cache.delete_many(&keys).await.unwrap(), 100);
        assert_eq!(proxy.turns() - turns, 1, "delete_many");
        assert_eq!(server.calls("unlink"), 1);

        let turns = proxy.turns();
        cache.get_many::<&str>(&[]).await.unwrap();
        assert_eq!(proxy.turns(), turns, "an empty batch went to the server");
    }

    #[tokio::test]
    async fn redis_down_at_start_is_an_error_naming_the_url() {
        let server = RedisServer::start();
        let url = server.url();
        drop(server);
        let error = Cache::redis(&url).await.unwrap_err();
        assert!(matches!(error, CacheError::Connect { .. }));
        assert!(error.to_string().contains(&url), "{error}");
    }

    #[tokio::test]
    async fn a_restarted_redis_is_reconnected() {
        let mut server = RedisServer::start();
        let cache = Cache::redis(&server.url()).await.unwrap();
        cache.set("before", "1", None).await.unwrap();
        server.stop();
        assert!(
            cache.get("before").await.is_err(),
            "a stopped server answered"
        );
        server.restart();
        let mut recovered = false;
        for _ in 0..50 {
            if cache.set("after", "2", None).await.is_ok() {
                recovered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(recovered, "the cache never reconnected");
        assert_eq!(
            cache.get_string("after").await.unwrap().as_deref(),
            Some("2")
        );
    }
}
