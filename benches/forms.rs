//! Multipart parsing and saving (DESIGN.md §7, issue 11).
//!
//! - Throughput for 10 x 5 MiB files, 50 x 1 MiB files and 1,000 small
//!   fields, fed one 64 KiB chunk per poll (as hyper feeds a body: a chunk,
//!   then Pending until the socket has more), beside multer 3 on the same
//!   stream and beside the ceilings: `memmem` over the same buffer and a
//!   memcpy of it.
//! - The hostile 16 MiB header block trickled in 4 KiB chunks (limit
//!   lifted so our parser reads it all): linear for us, quadratic for multer.
//! - Parse + save 10 x 5 MiB with fsync: inline `tokio::fs` writes after
//!   each chunk vs `Multipart::save`'s per-part writers.

#[path = "support/mod.rs"]
mod support;

use std::convert::Infallible;
use std::hint::black_box;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use armature::form::{FormLimits, Multipart, SaveOptions};
use bytes::Bytes;
use criterion::{Criterion, Throughput};
use futures::Stream;

const BOUNDARY: &str = "----ArmatureBenchBoundary7MA4YWxkTrZu0gW";
const CHUNK: usize = 64 << 10;

/// A chunk, then Pending (waking itself), then the next chunk: one chunk
/// per poll, like a socket read.
struct OnePerPoll {
    chunks: std::collections::VecDeque<Bytes>,
    ready: bool,
}

impl Stream for OnePerPoll {
    type Item = Result<Bytes, Infallible>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if !self.ready {
            self.ready = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        self.ready = false;
        Poll::Ready(self.chunks.pop_front().map(Ok))
    }
}

fn stream(chunks: &[Bytes]) -> OnePerPoll {
    OnePerPoll {
        chunks: chunks.iter().cloned().collect(),
        ready: false,
    }
}

/// `body` as zero-copy slices of `size` bytes.
fn chunked(body: &Bytes, size: usize) -> Vec<Bytes> {
    (0..body.len())
        .step_by(size)
        .map(|at| body.slice(at..(at + size).min(body.len())))
        .collect()
}

fn files_body(count: usize, size: usize) -> Bytes {
    let mut body = Vec::with_capacity(count * (size + 200));
    let content: Vec<u8> = (0..size as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    for i in 0..count {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file{i}\"; filename=\"file{i}.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(&content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body.into()
}

fn fields_body(count: usize) -> Bytes {
    let mut body = Vec::new();
    for i in 0..count {
        body.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"field{i}\"\r\n\r\nvalue number {i}\r\n").as_bytes());
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body.into()
}

fn limits() -> FormLimits {
    FormLimits {
        max_parts: 100_000,
        max_field_bytes: u64::MAX,
        ..FormLimits::default()
    }
}

async fn armature(chunks: &[Bytes]) -> u64 {
    let mut form = Multipart::from_stream(stream(chunks), BOUNDARY, limits()).unwrap();
    let mut total = 0;
    while let Some(mut field) = form.next_field().await.unwrap() {
        while let Some(chunk) = field.chunk().await.unwrap() {
            total += chunk.len() as u64;
        }
    }
    total
}

async fn multer(chunks: &[Bytes]) -> u64 {
    let mut form = multer::Multipart::new(stream(chunks), BOUNDARY);
    let mut total = 0;
    while let Some(mut field) = form.next_field().await.unwrap() {
        while let Some(chunk) = field.chunk().await.unwrap() {
            total += chunk.len() as u64;
        }
    }
    total
}

fn memmem_count(finder: &memchr::memmem::Finder<'_>, body: &[u8]) -> usize {
    finder.find_iter(body).count()
}

/// The trickled header: a part whose header block never ends.
fn endless_header() -> Vec<Bytes> {
    let mut raw = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Long: ")
        .into_bytes();
    raw.resize(16 << 20, b'a');
    chunked(&Bytes::from(raw), 4096)
}

async fn armature_hostile(chunks: &[Bytes]) -> bool {
    let lifted = FormLimits {
        max_part_header_bytes: 32 << 20,
        ..FormLimits::default()
    };
    let mut form = Multipart::from_stream(stream(chunks), BOUNDARY, lifted).unwrap();
    form.next_field().await.is_err()
}

async fn multer_hostile(chunks: &[Bytes]) -> bool {
    let mut form = multer::Multipart::new(stream(chunks), BOUNDARY);
    form.next_field().await.is_err()
}

async fn save_inline(body: &[Bytes], dir: &Path) {
    use tokio::io::AsyncWriteExt;
    let mut form = Multipart::from_stream(stream(body), BOUNDARY, limits()).unwrap();
    while let Some(mut field) = form.next_field().await.unwrap() {
        let name = field.head().safe_file_name().unwrap();
        let mut file = tokio::fs::File::create(dir.join(name)).await.unwrap();
        while let Some(chunk) = field.chunk().await.unwrap() {
            file.write_all(&chunk).await.unwrap();
        }
        file.sync_all().await.unwrap();
    }
}

async fn save_parallel(body: &[Bytes], dir: &Path) {
    let form = Multipart::from_stream(stream(body), BOUNDARY, limits()).unwrap();
    let opts = SaveOptions {
        fsync: true,
        overwrite: true,
        ..SaveOptions::default()
    };
    black_box(form.save(dir, opts).await.unwrap());
}

fn mib_per_s(bytes: usize, ns: f64) -> f64 {
    bytes as f64 / (1 << 20) as f64 / (ns / 1e9)
}

fn ratios(rt: &tokio::runtime::Runtime) {
    use support::interleaved;
    let rounds = support::rounds(15);
    let cases = [
        ("10 x 5 MiB", files_body(10, 5 << 20)),
        ("50 x 1 MiB", files_body(50, 1 << 20)),
        ("1,000 small fields", fields_body(1_000)),
    ];
    for (label, body) in &cases {
        let chunks = chunked(body, CHUNK);
        let delimiter = format!("\r\n--{BOUNDARY}");
        let finder = memchr::memmem::Finder::new(delimiter.as_bytes());
        let mut copy = vec![0u8; body.len()];
        let vs_multer = interleaved(
            &format!("forms: parse {label}, armature vs multer"),
            rounds,
            Duration::from_millis(200),
            || {
                black_box(rt.block_on(multer(&chunks)));
            },
            || {
                black_box(rt.block_on(armature(&chunks)));
            },
        );
        let vs_memcpy = interleaved(
            &format!("forms: parse {label}, armature vs memcpy"),
            rounds,
            Duration::from_millis(200),
            || {
                copy.copy_from_slice(body);
                black_box(&copy);
            },
            || {
                black_box(rt.block_on(armature(&chunks)));
            },
        );
        let vs_memmem = interleaved(
            &format!("forms: parse {label}, armature vs memmem scan"),
            rounds,
            Duration::from_millis(200),
            || {
                black_box(memmem_count(&finder, body));
            },
            || {
                black_box(rt.block_on(armature(&chunks)));
            },
        );
        println!(
            "throughput {label}: armature {:.0} MiB/s, multer {:.0} MiB/s, memcpy {:.0} MiB/s, memmem {:.0} MiB/s",
            mib_per_s(body.len(), vs_multer.contender_ns),
            mib_per_s(body.len(), vs_multer.baseline_ns),
            mib_per_s(body.len(), vs_memcpy.baseline_ns),
            mib_per_s(body.len(), vs_memmem.baseline_ns),
        );
    }

    let hostile = endless_header();
    interleaved(
        "forms: 16 MiB header trickled in 4 KiB chunks, armature vs multer",
        support::rounds(3),
        Duration::from_millis(1),
        || assert!(rt.block_on(multer_hostile(&hostile))),
        || assert!(rt.block_on(armature_hostile(&hostile))),
    );

    let dir = support::scratch("forms");
    let (inline_dir, parallel_dir) = (dir.join("inline"), dir.join("parallel"));
    std::fs::create_dir_all(&inline_dir).unwrap();
    std::fs::create_dir_all(&parallel_dir).unwrap();
    let body = chunked(&files_body(10, 5 << 20), CHUNK);
    interleaved(
        "forms: parse + save 10 x 5 MiB with fsync, per-part writers vs inline tokio::fs",
        support::rounds(8),
        Duration::from_millis(300),
        || rt.block_on(save_inline(&body, &inline_dir)),
        || rt.block_on(save_parallel(&body, &parallel_dir)),
    );
    support::remove_scratch();
}

fn benches(c: &mut Criterion, rt: &tokio::runtime::Runtime) {
    let body = files_body(10, 5 << 20);
    let chunks = chunked(&body, CHUNK);
    let mut group = c.benchmark_group("forms");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(body.len() as u64));
    group.bench_function("parse 10x5MiB/armature", |b| {
        b.iter(|| rt.block_on(armature(&chunks)))
    });
    group.bench_function("parse 10x5MiB/multer", |b| {
        b.iter(|| rt.block_on(multer(&chunks)))
    });
    group.finish();
}

fn main() {
    // One thread parses, as one connection's task does; writers get the
    // blocking pool.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // `cargo test --all-targets` runs this once in a debug build: the
    // criterion functions below (one iteration each) are the smoke test.
    if std::env::args().any(|a| a == "--bench") {
        ratios(&rt);
    }
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c, &rt);
    c.final_summary();
}
