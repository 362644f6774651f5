//! One connection: the IO wrapper that notices header blocks starting, the
//! per-request bookkeeping, and the watcher that enforces the timeouts and
//! the shutdown without costing the requests anything.
//!
//! The watcher's futures (one timer, the shutdown signal) are polled only
//! when they woke the task themselves: a `select!` would poll them on every
//! readiness event of the socket, that is on every request.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures::task::AtomicWaker;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::config::ServerConfig;
use super::deadline::{Activity, Limits, Verdict, now_ms};
use super::server::HttpService;
use crate::shutdown::Shutdown;

/// What the connection's IO and each of its requests share.
struct Shared<S> {
    service: Arc<S>,
    peer: SocketAddr,
    activity: Activity,
}

/// Ends the request's bookkeeping however it ends (even cancelled).
struct InFlight<S>(Arc<Shared<S>>);

impl<S> Drop for InFlight<S> {
    fn drop(&mut self) {
        self.0.activity.request_ended();
    }
}

/// Serves one accepted connection until it closes, times out, or the
/// shutdown drains it.
pub(super) async fn serve<S: HttpService>(
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
    let shared = Arc::new(Shared {
        service,
        peer,
        activity: Activity::new(now_ms(), config.header_read_timeout.is_some()),
    });
    let limits = Limits {
        header: config.header_read_timeout,
        idle: config.idle_timeout,
    };
    let io = TokioIo::new(Watched {
        stream,
        shared: shared.clone(),
        preface: 0,
    });
    let watched = shared.clone();
    let service = service_fn(move |request| {
        shared.activity.request_started();
        let guard = InFlight(shared.clone());
        let response = shared.service.call(request, shared.peer);
        async move {
            let response = response.await;
            drop(guard);
            Ok::<_, Infallible>(response)
        }
    });
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let stop = shutdown.wait();
    tokio::pin!(stop);
    let timer = tokio::time::sleep(limits.header.unwrap_or(limits.idle).min(limits.idle));
    tokio::pin!(timer);
    let watch = Arc::new(WatchWake {
        woken: AtomicBool::new(true),
        task: AtomicWaker::new(),
    });
    let watch_waker = Waker::from(watch.clone());
    let mut closing = false;
    let result = std::future::poll_fn(|cx| {
        watch.task.register(cx.waker());
        loop {
            if let Poll::Ready(result) = conn.as_mut().poll(cx) {
                return Poll::Ready(result);
            }
            if !watch.woken.swap(false, Ordering::AcqRel) || closing {
                return Poll::Pending;
            }
            let mut wcx = Context::from_waker(&watch_waker);
            if stop.as_mut().poll(&mut wcx).is_ready() {
                closing = true;
                conn.as_mut().graceful_shutdown();
                continue;
            }
            while timer.as_mut().poll(&mut wcx).is_ready() {
                match watched.activity.check(now_ms(), limits) {
                    Verdict::HeaderTimeout => {
                        tracing::debug!(%peer, "request head not received in time: closing");
                        return Poll::Ready(Ok(()));
                    }
                    Verdict::Idle => {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                        break;
                    }
                    Verdict::RecheckIn(after) => {
                        timer.as_mut().reset(tokio::time::Instant::now() + after)
                    }
                }
            }
            if !closing {
                return Poll::Pending;
            }
        }
    })
    .await;
    if let Err(e) = result {
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}

/// Wakes the connection's task and says the watcher's futures woke it.
struct WatchWake {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl Wake for WatchWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// The TCP stream, telling [`Activity`] when bytes arrive; the first bytes
/// also tell HTTP/1 from HTTP/2 (whose preface hyper's auto builder reads
/// through this same stream).
struct Watched<S> {
    stream: TcpStream,
    shared: Arc<Shared<S>>,
    /// Bytes of the HTTP/2 preface seen so far; `PREFACE.len() + 1` once
    /// decided.
    preface: usize,
}

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
const DECIDED: usize = H2_PREFACE.len() + 1;

impl<S> Watched<S> {
    #[cold]
    fn sniff(&mut self, bytes: &[u8]) {
        let want = &H2_PREFACE[self.preface..];
        let n = want.len().min(bytes.len());
        if bytes[..n] != want[..n] {
            self.preface = DECIDED;
        } else if n == want.len() {
            self.preface = DECIDED;
            self.shared.activity.stop_header_clock();
        } else {
            self.preface += n;
        }
    }
}

impl<S> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            if this.preface != DECIDED {
                this.sniff(&buf.filled()[before..]);
            }
            this.shared.activity.bytes_arrived();
        }
        polled
    }
}

impl<S> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
