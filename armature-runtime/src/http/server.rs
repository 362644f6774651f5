//! Connections: hyper 1 via hyper-util's `auto` builder (HTTP/1.1 with
//! keep-alive, or HTTP/2 by preface), with every timeout set, and a
//! graceful shutdown that drains in-flight requests.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::app::AppHandler;

/// A bound server: learn its address, take a shutdown handle, then `run`.
pub struct Server {
    listener: TcpListener,
    handler: Arc<AppHandler>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    shutdown: watch::Sender<bool>,
}

/// Stops a [`Server`]: no new connections, in-flight requests finish
/// (up to the grace period), idle connections close.
#[derive(Clone)]
pub struct ShutdownHandle(watch::Sender<bool>);

impl ShutdownHandle {
    /// Starts the shutdown; `Server::run` returns once drained.
    pub fn shutdown(&self) {
        self.0.send_replace(true);
    }
}

impl Server {
    pub(crate) fn new(listener: TcpListener, handler: Arc<AppHandler>) -> Self {
        let config = &handler.config;
        let mut builder = auto::Builder::new(TokioExecutor::new());
        let mut http1 = builder.http1();
        http1.keep_alive(true);
        if let Some(timeout) = config.header_read_timeout {
            // Without a timer hyper silently ignores the timeout.
            http1.timer(TokioTimer::new()).header_read_timeout(timeout);
        }
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_concurrent_streams(config.h2_max_concurrent_streams)
            .max_pending_accept_reset_streams(config.h2_max_pending_accept_reset_streams)
            .keep_alive_interval(Some(config.idle_timeout / 2))
            .keep_alive_timeout(Duration::from_secs(20));
        Self {
            listener,
            handler,
            builder: Arc::new(builder),
            shutdown: watch::channel(false).0,
        }
    }

    /// The bound address (useful after binding port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// A handle that stops this server.
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle(self.shutdown.clone())
    }

    /// Accepts and serves connections until shut down, then drains.
    pub async fn run(self) -> std::io::Result<()> {
        let mut stop = self.shutdown.subscribe();
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
                            self.handler.clone(),
                            self.builder.clone(),
                            self.shutdown.subscribe(),
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
                _ = stopped(&mut stop) => break,
            }
        }
        drop(self.listener);
        let grace = self.handler.config.shutdown_grace;
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

/// Resolves once shutdown was asked for (or the server is gone). Returns
/// `()`, not the channel's guard, which must not be held across polls.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await.map(|_| ());
}

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

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    handler: Arc<AppHandler>,
    builder: Arc<auto::Builder<TokioExecutor>>,
    mut stop: watch::Receiver<bool>,
) {
    let config = &handler.config;
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
        let handler = handler.clone();
        service_fn(move |request| {
            activity.in_flight.fetch_add(1, Ordering::AcqRel);
            let guard = InFlight(activity.clone());
            let handler = handler.clone();
            async move {
                let response = handler.handle(request, peer).await;
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
    let stop = stopped(&mut stop);
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
