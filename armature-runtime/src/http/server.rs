//! Connections: hyper 1 via hyper-util's `auto` builder (HTTP/1.1 with
//! keep-alive, or HTTP/2 by preface), with every timeout and header limit
//! set, and a graceful shutdown that drains in-flight requests. The server
//! serves any [`HttpService`]; it never names the app.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::config::ServerConfig;
use super::connection;
use super::response::Response;
use crate::shutdown::Shutdown;

/// What a [`Server`] serves: one call per request. The app's built service
/// (`AppService`) is one; a test or another framework can bring its own.
pub trait HttpService: Send + Sync + 'static {
    /// Answers one request from `peer`. The future owns what it needs
    /// (`'static`): routing happens in the call, and the request moves into
    /// the handler once instead of being carried through a borrowing future.
    fn call(
        &self,
        request: http::Request<hyper::body::Incoming>,
        peer: SocketAddr,
    ) -> impl Future<Output = Response> + Send + use<Self>;
}

/// A bound server: learn its address, take a shutdown handle, then `run`.
pub struct Server<S> {
    listener: TcpListener,
    service: Arc<S>,
    config: Arc<ServerConfig>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    shutdown: Shutdown,
}

impl<S: HttpService> Server<S> {
    /// Serves `service` on `listener` with `config` until `shutdown` is
    /// triggered.
    pub fn new(
        listener: TcpListener,
        service: Arc<S>,
        config: ServerConfig,
        shutdown: Shutdown,
    ) -> Self {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        let mut http1 = builder.http1();
        // hyper answers 431 once a header block outgrows its read buffer;
        // its own default buffer (~400 KB) is far too generous.
        // hyper's own header timeout would arm a timer per request; the
        // connection enforces it instead (`deadline.rs`).
        http1
            .keep_alive(true)
            .header_read_timeout(None)
            .max_buf_size(config.max_header_bytes.max(MIN_HYPER_BUFFER));
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(config.h2_max_concurrent_streams)
            .max_pending_accept_reset_streams(config.h2_max_pending_accept_reset_streams)
            .max_header_list_size(config.h2_max_header_list_size)
            .keep_alive_interval(Some(config.idle_timeout / 2))
            .keep_alive_timeout(Duration::from_secs(20));
        Self {
            listener,
            service,
            config: Arc::new(config),
            builder: Arc::new(builder),
            shutdown,
        }
    }

    /// The bound address (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The token that stops this server: no new connections, in-flight
    /// requests finish (up to the grace period), idle connections close.
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Accepts and serves connections until shut down, then drains.
    pub async fn run(self) -> std::io::Result<()> {
        let stop = self.shutdown.wait();
        tokio::pin!(stop);
        let mut connections = JoinSet::new();
        tracing::info!(addr = %self.local_addr(), "listening");
        loop {
            tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        let _ = stream.set_nodelay(true);
                        connections.spawn(connection::serve(
                            stream,
                            peer,
                            self.service.clone(),
                            self.config.clone(),
                            self.builder.clone(),
                            self.shutdown.clone(),
                        ));
                    }
                    // Out of file descriptors and the like: keep serving the
                    // connections we have, retry shortly.
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                () = &mut stop => break,
            }
        }
        drop(self.listener);
        let grace = self.config.shutdown_grace;
        let drained = tokio::time::timeout(grace, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                remaining = connections.len(),
                "grace period over: closing remaining connections"
            );
            connections.shutdown().await;
        }
        Ok(())
    }
}

/// hyper refuses a smaller HTTP/1 read buffer (it panics below 8 KiB).
const MIN_HYPER_BUFFER: usize = 8192;
