//! A 1 GiB upload through a real socket never holds 1 GiB: `collect`
//! spools it to a temporary file as it streams. Bytes held are measured
//! by a counting global allocator (its own test binary, so no other test
//! allocates meanwhile).

#[path = "support/mod.rs"]
mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use armature::form::{FormError, Multipart};
use armature::prelude::*;
use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::{Value, json};
use support::http::TestServer;

struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(held, Ordering::Relaxed);
        // SAFETY: the caller's contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: the caller's contract.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

struct Spool;

#[controller]
impl Spool {
    #[post("/collect", body_limit = "2 GiB")]
    async fn collect(&self, form: Multipart) -> Result<Json<Value>, FormError> {
        let data = form.collect().await?;
        let file = &data.files[0];
        let path = file.spooled_path().expect("spooled");
        let on_disk = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        Ok(Json(
            json!({ "size": file.size, "on_disk": on_disk, "spooled": true }),
        ))
    }
}

const GIB: u64 = 1 << 30;
const CHUNK: usize = 256 << 10;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gigabyte_upload_holds_megabytes() {
    let app = App::new().config(armature::ServerConfig {
        body_read_timeout: std::time::Duration::from_secs(600),
        ..armature::ServerConfig::default()
    });
    let server = TestServer::start(app.controller(Spool)).await;
    let head = Bytes::from_static(
        b"--B\r\nContent-Disposition: form-data; name=\"big\"; filename=\"big.bin\"\r\n\r\n",
    );
    let tail = Bytes::from_static(b"\r\n--B--\r\n");
    let chunk = Bytes::from(vec![0xA5u8; CHUNK]);
    let chunks = (GIB / CHUNK as u64) as usize;
    let frames = futures::stream::iter(
        std::iter::once(head)
            .chain(std::iter::repeat_n(chunk, chunks))
            .chain(std::iter::once(tail))
            .map(|b| Ok::<_, std::convert::Infallible>(Frame::data(b))),
    );
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let request = hyper::Request::post(format!("http://{}/collect", server.addr))
        .header("content-type", "multipart/form-data; boundary=B")
        .body(StreamBody::new(frames))
        .unwrap();
    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let response = client.request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let answer: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["size"], GIB);
    assert_eq!(answer["on_disk"], GIB);
    let peak = PEAK.load(Ordering::Relaxed) - before;
    eprintln!(
        "peak bytes held during a 1 GiB upload: {:.1} MiB",
        peak as f64 / (1 << 20) as f64
    );
    assert!(peak < 64 << 20, "held {peak} bytes at the peak");
}
