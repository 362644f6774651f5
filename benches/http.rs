//! HTTP: Armature vs raw hyper, axum and actix-web on four routes (text,
//! a path parameter answered with JSON, and the classic plaintext and JSON
//! routes), side by side in one run on loopback.
//!
//! Each server runs in a child process pinned to core 0 on a one-thread
//! runtime, with a counting allocator; the load generator (64 keep-alive
//! connections, one request in flight each) runs here, pinned to core 1.
//! On 2 cores the generator, not the server, saturates first, so the
//! numbers that compare servers are the **server's CPU time per request**
//! (utime + stime of the child from /proc) and **allocations per request**;
//! requests/s and p99 are reported too. Servers take turns in rounds so a
//! noisy phase of the VM hits all of them.
//!
//! `cargo bench --bench http` (`ARMATURE_BENCH_QUICK=1` for a short run).
//! Instructions per request, repeatable on a noisy machine, come from the
//! same servers under callgrind: `scripts/http-profile`.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicU64, Ordering};

    pub static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

    pub struct Counting;

    // SAFETY: forwards to the system allocator.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, size: usize) -> *mut u8 {
            ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
            unsafe { System.realloc(ptr, layout, size) }
        }
    }
}

#[global_allocator]
static ALLOCATOR: counting::Counting = counting::Counting;

/// `armature-no-header-timeout`: the same server with `header_read_timeout:
/// None`, to show what the header timer costs. The `+5 mw` kinds add five
/// no-op middleware: an app-wide `pipeline!` of independent members, and
/// five `axum::middleware::from_fn` layers. Raw hyper and axum run without
/// any timeout (neither sets one unless told); actix-web runs with its
/// defaults, which are on (5 s for the request head, 5 s keep-alive).
const KINDS: [&str; 7] = [
    "armature",
    "armature-no-header-timeout",
    "armature +5 mw",
    "hyper",
    "axum",
    "axum +5 mw",
    "actix-web",
];
/// The two routes of the framework comparisons (plaintext and JSON, as
/// TechEmpower defines them), a path parameter, and the root.
const ROUTES: [(&str, &str); 4] = [
    ("GET /", "/"),
    ("GET /users/{id}", "/users/42"),
    ("GET /plaintext", "/plaintext"),
    ("GET /json", "/json"),
];

mod support;

fn pin_to(core: usize) {
    // SAFETY: a zeroed cpu_set_t is valid; CPU_SET writes within it.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(core, &mut set);
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

// ---------------------------------------------------------------- servers

/// What every server sends: the same types, serialized per request.
#[derive(serde::Serialize)]
struct User {
    id: u64,
    name: &'static str,
}

#[derive(serde::Serialize)]
struct Message {
    message: &'static str,
}

const HELLO: &str = "Hello, World!";

mod armature_server {
    use armature::prelude::*;

    use super::{HELLO, Message, User};

    pub struct Api;

    #[controller]
    impl Api {
        #[get("/")]
        async fn index(&self) -> &'static str {
            HELLO
        }

        #[get("/users/{id}")]
        async fn user(&self, Path(id): Path<u64>) -> Json<User> {
            Json(User { id, name: "user" })
        }

        #[get("/plaintext")]
        async fn plaintext(&self) -> &'static str {
            HELLO
        }

        #[get("/json")]
        async fn json(&self) -> Json<Message> {
            Json(Message { message: HELLO })
        }
    }

    crate::support::noop_middleware!(n1, n2, n3, n4, n5);

    pub async fn run(listener: std::net::TcpListener, header_timeout: bool, middleware: bool) {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let mut config = armature::ServerConfig::default();
        if !header_timeout {
            config.header_read_timeout = None;
        }
        let mut app = App::new().controller(Api).config(config);
        if middleware {
            app = app.middleware(pipeline![n1, n2, n3, n4, n5]);
        }
        app.listen(listener).unwrap().run().await.unwrap();
    }
}

mod hyper_server {
    use std::convert::Infallible;

    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::{Request, Response, body::Incoming, header};
    use hyper_util::rt::{TokioExecutor, TokioIo};

    use super::{HELLO, Message, User};

    fn text() -> http::Result<Response<Full<Bytes>>> {
        Response::builder()
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Full::new(Bytes::from_static(HELLO.as_bytes())))
    }

    fn json<T: serde::Serialize>(value: &T) -> http::Result<Response<Full<Bytes>>> {
        Response::builder()
            .header(header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(serde_json::to_vec(value).unwrap())))
    }

    async fn handle(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let path = req.uri().path();
        let response = match path {
            "/" | "/plaintext" => text(),
            "/json" => json(&Message { message: HELLO }),
            _ => match path
                .strip_prefix("/users/")
                .and_then(|id| id.parse::<u64>().ok())
            {
                Some(id) => json(&User { id, name: "user" }),
                None => Response::builder()
                    .status(404)
                    .body(Full::new(Bytes::new())),
            },
        };
        Ok(response.unwrap())
    }

    pub async fn run(listener: std::net::TcpListener) {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let _ = stream.set_nodelay(true);
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(handle))
                    .await;
            });
        }
    }
}

mod axum_server {
    use axum::extract::Path;
    use axum::routing::get;

    use super::{HELLO, Message, User};

    async fn noop(
        req: axum::extract::Request,
        next: axum::middleware::Next,
    ) -> axum::response::Response {
        next.run(req).await
    }

    pub async fn run(listener: std::net::TcpListener, middleware: bool) {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        let mut app = axum::Router::new()
            .route("/", get(|| async { HELLO }))
            .route(
                "/users/{id}",
                get(|Path(id): Path<u64>| async move { axum::Json(User { id, name: "user" }) }),
            )
            .route("/plaintext", get(|| async { HELLO }))
            .route(
                "/json",
                get(|| async { axum::Json(Message { message: HELLO }) }),
            );
        if middleware {
            for _ in 0..5 {
                app = app.layer(axum::middleware::from_fn(noop));
            }
        }
        axum::serve(listener, app).await.unwrap();
    }
}

mod actix_server {
    use actix_web::{App, HttpServer, web};

    use super::{HELLO, Message, User};

    /// One worker thread (actix runs its own runtime per worker, and an
    /// accept thread beside it; both inherit the core-0 pinning).
    pub fn run(listener: std::net::TcpListener) {
        actix_web::rt::System::new().block_on(async move {
            HttpServer::new(|| {
                App::new()
                    .route("/", web::get().to(|| async { HELLO }))
                    .route(
                        "/users/{id}",
                        web::get().to(|id: web::Path<u64>| async move {
                            web::Json(User {
                                id: id.into_inner(),
                                name: "user",
                            })
                        }),
                    )
                    .route("/plaintext", web::get().to(|| async { HELLO }))
                    .route(
                        "/json",
                        web::get().to(|| async { web::Json(Message { message: HELLO }) }),
                    )
            })
            .workers(1)
            .disable_signals()
            .listen(listener)
            .unwrap()
            .run()
            .await
            .unwrap();
        });
    }
}

/// Child mode: serve `kind` on core 0, answer each line on stdin with the
/// allocation count so far.
fn serve(kind: &str) {
    pin_to(0);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    println!("{}", listener.local_addr().unwrap());
    std::thread::spawn(|| {
        for line in std::io::stdin().lock().lines() {
            if line.is_err() {
                break;
            }
            println!("{}", counting::ALLOCATIONS.load(Ordering::Relaxed));
        }
        std::process::exit(0);
    });
    if kind == "actix-web" {
        return actix_server::run(listener);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        match kind {
            "armature" => armature_server::run(listener, true, false).await,
            "armature-no-header-timeout" => armature_server::run(listener, false, false).await,
            "armature +5 mw" => armature_server::run(listener, true, true).await,
            "hyper" => hyper_server::run(listener).await,
            "axum" => axum_server::run(listener, false).await,
            "axum +5 mw" => axum_server::run(listener, true).await,
            other => panic!("unknown server kind {other:?}"),
        }
    });
}

// ------------------------------------------------------------ load & stats

struct ServerProcess {
    child: Child,
    addr: SocketAddr,
    stats: BufReader<std::process::ChildStdout>,
}

impl ServerProcess {
    fn start(kind: &str) -> ServerProcess {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .env("ARMATURE_BENCH_SERVE", kind)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stats = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stats.read_line(&mut line).unwrap();
        ServerProcess {
            addr: line.trim().parse().unwrap(),
            child,
            stats,
        }
    }

    /// (CPU seconds, allocations) so far.
    fn sample(&mut self) -> (f64, u64) {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        let fields: Vec<&str> = stat
            .rsplit(')')
            .next()
            .unwrap()
            .split_whitespace()
            .collect();
        let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        let cpu = (fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap()) / ticks;
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "stats").unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        self.stats.read_line(&mut line).unwrap();
        (cpu, line.trim().parse().unwrap())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Keep-alive GETs on `connections` connections for `duration`; returns
/// (requests, sorted latencies in µs).
async fn load(
    addr: SocketAddr,
    path: &str,
    connections: usize,
    duration: Duration,
) -> (u64, Vec<u32>) {
    let request = format!("GET {path} HTTP/1.1\r\nhost: bench\r\n\r\n").into_bytes();
    let total = std::sync::Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let request = request.clone();
        let total = total.clone();
        tasks.spawn(async move {
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let mut buf = vec![0u8; 8192];
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                stream.write_all(&request).await.unwrap();
                read_one(&mut stream, &mut buf).await;
                latencies.push(sent.elapsed().as_micros() as u32);
                total.fetch_add(1, Ordering::Relaxed);
            }
            latencies
        });
    }
    let mut all = Vec::new();
    while let Some(latencies) = tasks.join_next().await {
        all.extend(latencies.unwrap());
    }
    all.sort_unstable();
    (total.load(Ordering::Relaxed), all)
}

async fn read_one(stream: &mut tokio::net::TcpStream, buf: &mut [u8]) {
    let mut filled = 0;
    loop {
        let n = stream.read(&mut buf[filled..]).await.unwrap();
        assert!(n > 0, "server closed the connection");
        filled += n;
        let head = &buf[..filled];
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            let text = std::str::from_utf8(&head[..end]).unwrap();
            let length: usize = text
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            if filled >= end + 4 + length {
                return;
            }
        }
    }
}

#[derive(Default)]
struct Totals {
    requests: u64,
    seconds: f64,
    cpu: f64,
    allocations: u64,
    p99: Vec<u32>,
}

fn main() {
    if let Ok(kind) = std::env::var("ARMATURE_BENCH_SERVE") {
        serve(&kind);
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        // `cargo test --benches`: build-checked only.
        return;
    }
    pin_to(1);
    let quick = std::env::var_os("ARMATURE_BENCH_QUICK").is_some();
    let (rounds, duration) = if quick {
        (1, Duration::from_secs(1))
    } else {
        (3, Duration::from_secs(4))
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut servers: Vec<ServerProcess> = KINDS.iter().map(|k| ServerProcess::start(k)).collect();
    let mut totals: Vec<Vec<Totals>> = KINDS
        .iter()
        .map(|_| ROUTES.iter().map(|_| Totals::default()).collect())
        .collect();
    for _ in 0..rounds {
        for (r, (_, path)) in ROUTES.iter().enumerate() {
            for (k, server) in servers.iter_mut().enumerate() {
                runtime.block_on(load(server.addr, path, 64, Duration::from_millis(300))); // warm-up
                let (cpu0, alloc0) = server.sample();
                let start = Instant::now();
                let (requests, latencies) = runtime.block_on(load(server.addr, path, 64, duration));
                let seconds = start.elapsed().as_secs_f64();
                let (cpu1, alloc1) = server.sample();
                let t = &mut totals[k][r];
                t.requests += requests;
                t.seconds += seconds;
                t.cpu += cpu1 - cpu0;
                t.allocations += alloc1 - alloc0;
                t.p99.push(latencies[latencies.len() * 99 / 100]);
            }
        }
    }
    println!(
        "| route | server | requests/s | p99 | server CPU per request | allocations per request |"
    );
    println!("|---|---|---|---|---|---|");
    for (r, (route, _)) in ROUTES.iter().enumerate() {
        for (k, kind) in KINDS.iter().enumerate() {
            let t = &mut totals[k][r];
            t.p99.sort_unstable();
            let per_request_us = t.cpu / t.requests as f64 * 1e6;
            println!(
                "| {route} | {kind} | {:.0} | {} µs | {per_request_us:.2} µs | {:.1} |",
                t.requests as f64 / t.seconds,
                t.p99[t.p99.len() / 2],
                t.allocations as f64 / t.requests as f64,
            );
        }
    }
}
