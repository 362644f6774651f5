//! Middleware: (a) a 5-member pipeline whose 3 independent members each
//! make one real loopback round trip (to a TCP echo server this bench
//! starts), staged vs the same 5 chained one after another; (b) the CPU
//! cost per member of no-op middleware, against axum's no-op layers.
//!
//! `cargo bench --bench middleware`

use std::hint::black_box;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use armature::RequestContext;
use armature::middleware::Pipeline;
use armature::prelude::*;
use criterion::Criterion;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Mutex;
use tower::ServiceExt;

mod support;

// --- (a) I/O ----------------------------------------------------------------

/// An echo server on its own thread with a one-thread event loop, as a
/// real backend (Redis, say) serves many connections. With `work`, each
/// answer waits that long first (a backend doing a query).
fn echo_server(work: Option<Duration>) -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((mut stream, _)) = listener.accept().await else {
                    continue;
                };
                stream.set_nodelay(true).unwrap();
                tokio::spawn(async move {
                    let mut buf = [0u8; 16];
                    while stream.read_exact(&mut buf).await.is_ok() {
                        if let Some(work) = work {
                            tokio::time::sleep(work).await;
                        }
                        if stream.write_all(&buf).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
    });
    addr
}

/// One connection per I/O member to each server, opened once.
static CONNECTIONS: OnceLock<[Vec<Mutex<TcpStream>>; 2]> = OnceLock::new();
/// Which server the members talk to: 0 = plain echo, 1 = echo after 1 ms.
static BACKEND: AtomicUsize = AtomicUsize::new(0);

async fn round_trip(member: usize) {
    let backend = BACKEND.load(Ordering::Relaxed);
    let mut conn = CONNECTIONS.get().expect("connected")[backend][member]
        .lock()
        .await;
    let mut buf = *b"0123456789abcdef";
    conn.write_all(&buf).await.unwrap();
    conn.read_exact(&mut buf).await.unwrap();
    black_box(buf);
}

// Staged: three independent round trips, a no-op beside them, one after all.
#[middleware(independent)]
async fn io_a(_: &RequestHead) {
    round_trip(0).await
}
#[middleware(independent)]
async fn io_b(_: &RequestHead) {
    round_trip(1).await
}
#[middleware(independent)]
async fn io_c(_: &RequestHead) {
    round_trip(2).await
}
#[middleware(independent)]
async fn cheap(_: &RequestHead) {}
#[middleware(after(io_a, io_b, io_c))]
async fn after_io(_: &RequestHead) {}

// The same five, one after another.
#[middleware(independent)]
async fn seq_a(_: &RequestHead) {
    round_trip(3).await
}
#[middleware(after(seq_a))]
async fn seq_b(_: &RequestHead) {
    round_trip(4).await
}
#[middleware(after(seq_b))]
async fn seq_c(_: &RequestHead) {
    round_trip(5).await
}
#[middleware(after(seq_c))]
async fn seq_cheap(_: &RequestHead) {}
#[middleware(after(seq_cheap))]
async fn seq_after(_: &RequestHead) {}

// --- (b) CPU ------------------------------------------------------------------

support::noop_middleware!(n1, n2, n3, n4, n5);

#[middleware(independent)]
async fn c1(_: &RequestHead) {}
#[middleware(after(c1))]
async fn c2(_: &RequestHead) {}
#[middleware(after(c2))]
async fn c3(_: &RequestHead) {}
#[middleware(after(c3))]
async fn c4(_: &RequestHead) {}
#[middleware(after(c4))]
async fn c5(_: &RequestHead) {}

fn request() -> RequestContext {
    RequestContext::from_request(http::Request::new(bytes::Bytes::new()))
}

async fn handler(_: RequestContext) -> Response {
    "ok".into_response()
}

async fn run<P: Pipeline>(p: &Arc<P>) -> Response {
    p.run(request(), handler).await
}

async fn axum_noop(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    next.run(req).await
}

fn axum_request() -> axum::extract::Request {
    http::Request::new(axum::body::Body::empty())
}

/// Pipeline types are unnameable (`pipeline!` defines them): generic fields.
struct Setup<N, W, C, S, Q> {
    rt: tokio::runtime::Runtime,
    none: Arc<N>,
    wide: Arc<W>,
    chain: Arc<C>,
    staged_io: Arc<S>,
    sequential_io: Arc<Q>,
    axum_none: axum::Router,
    axum_five: axum::Router,
}

fn setup() -> Setup<impl Pipeline, impl Pipeline, impl Pipeline, impl Pipeline, impl Pipeline> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let servers = [
        echo_server(None),
        echo_server(Some(Duration::from_millis(1))),
    ];
    rt.block_on(async {
        let connect = |addr| async move {
            let mut conns = Vec::new();
            for _ in 0..6 {
                let stream = TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                conns.push(Mutex::new(stream));
            }
            conns
        };
        let _ = CONNECTIONS.set([connect(servers[0]).await, connect(servers[1]).await]);
    });
    let route = || axum::Router::new().route("/", axum::routing::get(|| async { "ok" }));
    let mut axum_five = route();
    for _ in 0..5 {
        axum_five = axum_five.layer(axum::middleware::from_fn(axum_noop));
    }
    Setup {
        rt,
        none: Arc::new(pipeline![]),
        wide: Arc::new(pipeline![n1, n2, n3, n4, n5]),
        chain: Arc::new(pipeline![c1, c2, c3, c4, c5]),
        staged_io: Arc::new(pipeline![io_a, io_b, io_c, cheap, after_io]),
        sequential_io: Arc::new(pipeline![seq_a, seq_b, seq_c, seq_cheap, seq_after]),
        axum_none: route(),
        axum_five,
    }
}

fn benches<N: Pipeline, W: Pipeline, C: Pipeline, S: Pipeline, Q: Pipeline>(
    c: &mut Criterion,
    s: &Setup<N, W, C, S, Q>,
) {
    let rt = &s.rt;
    let mut group = c.benchmark_group("middleware/cpu");
    group.bench_function("no middleware", |b| b.iter(|| rt.block_on(run(&s.none))));
    group.bench_function("5 no-op members, 1 stage", |b| {
        b.iter(|| rt.block_on(run(&s.wide)))
    });
    group.bench_function("5 no-op members, 5 stages", |b| {
        b.iter(|| rt.block_on(run(&s.chain)))
    });
    group.bench_function("axum, no layer", |b| {
        b.iter(|| {
            rt.block_on(s.axum_none.clone().oneshot(axum_request()))
                .unwrap()
        })
    });
    group.bench_function("axum, 5 from_fn no-op layers", |b| {
        b.iter(|| {
            rt.block_on(s.axum_five.clone().oneshot(axum_request()))
                .unwrap()
        })
    });
    group.finish();
    let mut group = c.benchmark_group("middleware/io");
    group.bench_function("5 members, 3 round trips, sequential", |b| {
        b.iter(|| rt.block_on(run(&s.sequential_io)))
    });
    group.bench_function("5 members, 3 round trips, staged", |b| {
        b.iter(|| rt.block_on(run(&s.staged_io)))
    });
    group.finish();
}

/// The README's ratios, each pair interleaved; the per-member cost is the
/// difference of the medians over 5.
fn ratios<N: Pipeline, W: Pipeline, C: Pipeline, S: Pipeline, Q: Pipeline>(
    s: &Setup<N, W, C, S, Q>,
) {
    use support::interleaved;
    let rt = &s.rt;
    let (round, rounds) = (Duration::from_millis(60), support::rounds(30));
    let per_member = |r: &support::Ratio| (r.contender_ns - r.baseline_ns) / 5.0;
    let wide = interleaved(
        "middleware: 5 no-op members (1 stage) vs none",
        rounds,
        round,
        || drop(black_box(rt.block_on(run(&s.none)))),
        || drop(black_box(rt.block_on(run(&s.wide)))),
    );
    let chain = interleaved(
        "middleware: 5 no-op members (5 stages) vs none",
        rounds,
        round,
        || drop(black_box(rt.block_on(run(&s.none)))),
        || drop(black_box(rt.block_on(run(&s.chain)))),
    );
    let axum = interleaved(
        "axum: 5 from_fn no-op layers vs none",
        rounds,
        round,
        || {
            drop(black_box(
                rt.block_on(s.axum_none.clone().oneshot(axum_request())),
            ))
        },
        || {
            drop(black_box(
                rt.block_on(s.axum_five.clone().oneshot(axum_request())),
            ))
        },
    );
    println!(
        "per member: armature {:.1} ns (1 stage), {:.1} ns (5 stages); axum from_fn {:.1} ns per layer",
        per_member(&wide),
        per_member(&chain),
        per_member(&axum)
    );
    // The floor: the same three round trips joined by hand, no middleware.
    interleaved(
        "floor: 3 echo round trips joined vs in sequence (no middleware)",
        rounds,
        Duration::from_millis(100),
        || {
            rt.block_on(async {
                round_trip(3).await;
                round_trip(4).await;
                round_trip(5).await;
            })
        },
        || {
            rt.block_on(async {
                tokio::join!(round_trip(0), round_trip(1), round_trip(2));
            })
        },
    );
    for (backend, name) in [
        (
            0,
            "middleware: 3 echo round trips staged vs the 5 in sequence",
        ),
        (
            1,
            "middleware: 3 round trips to a 1 ms backend staged vs in sequence",
        ),
    ] {
        BACKEND.store(backend, Ordering::Relaxed);
        interleaved(
            name,
            rounds,
            Duration::from_millis(100),
            || drop(black_box(rt.block_on(run(&s.sequential_io)))),
            || drop(black_box(rt.block_on(run(&s.staged_io)))),
        );
    }
    BACKEND.store(0, Ordering::Relaxed);
}

fn main() {
    let s = setup();
    if std::env::args().any(|a| a == "--bench") {
        ratios(&s);
    }
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &s);
    c.final_summary();
}
