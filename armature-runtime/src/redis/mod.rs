//! Redis plumbing shared by the cache and the job queue: connecting to a
//! server or a cluster with the timeouts the caller chooses, the error
//! type, and Redis Cluster's key -> hash slot function.
//!
//! Timeouts are parameters because the callers need different ones: cache
//! commands want a response within seconds, while a queue's blocking read
//! (`BLMOVE … 30`) must have no response timeout at all, or the client cuts
//! it (the `redis` crate's default is 500 ms) and the worker spins.

mod cluster;
pub(crate) mod slot;

pub use cluster::{ClusterNode, cluster_masters};

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;

/// What connecting to Redis or a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// The server could not be reached.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The address given (node addresses joined by commas).
        url: String,
        /// Why.
        #[source]
        source: redis::RedisError,
    },
    /// A command failed.
    #[error("redis: {0}")]
    Command(#[from] redis::RedisError),
}

/// How a connection waits.
#[derive(Debug, Clone, Copy)]
pub struct ConnectOptions {
    /// To establish the connection.
    pub connection_timeout: Duration,
    /// For a command's answer; `None` waits as long as the server takes
    /// (blocking reads).
    pub response_timeout: Option<Duration>,
    /// Reconnection attempts before a command fails (single server).
    pub retries: usize,
}

impl ConnectOptions {
    /// For ordinary commands: 2 s to connect, 5 s for an answer, 2 retries.
    pub const COMMANDS: ConnectOptions = ConnectOptions {
        connection_timeout: Duration::from_secs(2),
        response_timeout: Some(Duration::from_secs(5)),
        retries: 2,
    };

    /// For blocking reads: no response timeout.
    pub const BLOCKING: ConnectOptions = ConnectOptions {
        response_timeout: None,
        ..ConnectOptions::COMMANDS
    };
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions::COMMANDS
    }
}

/// A self-reconnecting connection to one server.
pub async fn connect(url: &str, options: ConnectOptions) -> Result<ConnectionManager, RedisError> {
    let failed = |source| RedisError::Connect {
        url: url.to_owned(),
        source,
    };
    let client = redis::Client::open(url).map_err(failed)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(options.connection_timeout))
        .set_response_timeout(options.response_timeout)
        .set_number_of_retries(options.retries);
    ConnectionManager::new_with_config(client, config)
        .await
        .map_err(failed)
}

/// A connection to a cluster, from any of its nodes (the client discovers
/// the others and follows slot moves).
pub async fn connect_cluster(
    nodes: &[&str],
    options: ConnectOptions,
) -> Result<ClusterConnection, RedisError> {
    let failed = |source| RedisError::Connect {
        url: nodes.join(","),
        source,
    };
    let mut builder = ClusterClient::builder(nodes.iter().copied())
        .connection_timeout(options.connection_timeout);
    if let Some(timeout) = options.response_timeout {
        builder = builder.response_timeout(timeout);
    }
    let client = builder.build().map_err(failed)?;
    client.get_async_connection().await.map_err(failed)
}
