//! Connections: hyper 1 via hyper-util's `auto` builder (HTTP/1.1 with
//! keep-alive, or HTTP/2 by preface), with every timeout and header limit
//! set, and a graceful shutdown that drains in-flight requests. The server
//! serves any [`HttpService`]; it never names the app.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use super::config::ServerConfig;
use super::response::Response;
use crate::shutdown::Shutdown;

/// What a [`Server`] serves: one call per request. The app's built service
/// (`AppService`) is one; a test or another framework can bring its own.
pub trait HttpService: Send + Sync + 'static {
    /// Answers one request from `peer`.
    fn call(
        &self,
        request: http::Request<hyper::body::Incoming>,
        peer: SocketAddr,
    ) -> impl Future<Output = Response> + Send;
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
        http1
            .keep_alive(true)
            .max_buf_size(config.max_header_bytes.max(MIN_HYPER_BUFFER));
        if let Some(timeout) = config.header_read_timeout {
            // Without a timer hyper silently ignores the timeout.
            http1.timer(TokioTimer::new()).header_read_timeout(timeout);
        }
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
                        connections.spawn(connection(
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

/// Per-connection bookkeeping for the idle timeout.
struct Activity {
    in_flight: AtomicUsize,
    /// Milliseconds since `epoch` of the last request's end.
    last: AtomicU64,
    epoch: Instant,
}

impl Activity {
    fn touch(&self) {
        self.last
            .store(self.epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn idle_for(&self) -> Option<Duration> {
        (self.in_flight.load(Ordering::Acquire) == 0).then(|| {
            let last = Duration::from_millis(self.last.load(Ordering::Relaxed));
            self.epoch.elapsed().saturating_sub(last)
        })
    }
}

/// Decrements the in-flight count however the request ends (even cancelled).
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Release);
    }
}

async fn connection<S: HttpService>(
    stream: TcpStream,
    peer: SocketAddr,
    service: Arc<S>,
    config: Arc<ServerConfig>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    shutdown: Shutdown,
) {
    // The auto builder reads the first bytes to tell HTTP/1 from HTTP/2 and
    // waits forever doing it: a silent client is dropped here instead.
    let mut first = [0u8; 1];
    match tokio::time::timeout(config.first_byte_timeout, stream.peek(&mut first)).await {
        Ok(Ok(n)) if n > 0 => {}
        _ => return,
    }
    let activity = Arc::new(Activity {
        in_flight: AtomicUsize::new(0),
        last: AtomicU64::new(0),
        epoch: Instant::now(),
    });
    let idle_timeout = config.idle_timeout;
    let service = {
        let activity = activity.clone();
        service_fn(move |request| {
            activity.in_flight.fetch_add(1, Ordering::AcqRel);
            let guard = InFlight(activity.clone());
            let service = service.clone();
            async move {
                let response = service.call(request, peer).await;
                drop(guard);
                Ok::<_, Infallible>(response)
            }
        })
    };
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    // Both watchers are created once and only wake when due: the connection
    // future is polled on every readiness event, and re-creating or
    // re-arming them there would cost every request.
    let stop = shutdown.wait();
    tokio::pin!(stop);
    let idle = tokio::time::sleep(idle_timeout);
    tokio::pin!(idle);
    let mut closing = false;
    loop {
        tokio::select! {
            biased;
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            _ = &mut stop, if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = &mut idle, if !closing => match activity.idle_for() {
                Some(idle_for) if idle_for >= idle_timeout => {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
                // Busy, or idle for less: look again when it could be due.
                Some(idle_for) => idle.as_mut().reset(tokio::time::Instant::now() + (idle_timeout - idle_for)),
                None => idle.as_mut().reset(tokio::time::Instant::now() + idle_timeout),
            },
        }
    }
}
