//! Forms and uploads: the parser against hostile bodies (every class of
//! published multipart CVE), random chunkings, and uploads through a real
//! socket into a real directory.

#[path = "../support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use armature::form::{
    Event, FormData, FormError, FormErrorKind, FormLimits, Multipart, Parser, SaveOptions, Step,
    save_files_parallel,
};
use armature::prelude::*;
use bytes::Bytes;
use futures::stream;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use support::http::TestServer;

const BOUNDARY: &str = "----ArmatureTestBoundary7MA4YWxkTrZu0gW";

/// One part of a test body.
#[derive(Debug, Clone)]
struct Part {
    name: String,
    file: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

fn text(name: &str, value: &str) -> Part {
    Part {
        name: name.into(),
        file: None,
        content_type: None,
        data: value.as_bytes().to_vec(),
    }
}

fn file(name: &str, file_name: &str, data: Vec<u8>) -> Part {
    Part {
        name: name.into(),
        file: Some(file_name.into()),
        content_type: Some("application/octet-stream".into()),
        data,
    }
}

fn body(parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        out.extend_from_slice(
            format!("Content-Disposition: form-data; name=\"{}\"", part.name).as_bytes(),
        );
        if let Some(file) = &part.file {
            out.extend_from_slice(format!("; filename=\"{file}\"").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        if let Some(ct) = &part.content_type {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&part.data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

/// Bytes that look nothing like text: every byte value, CRs and LFs and
/// near-boundaries included.
fn binary(len: usize, seed: u8) -> Vec<u8> {
    let mut near = format!("\r\n--{}", &BOUNDARY[..BOUNDARY.len() - 1]).into_bytes();
    near.extend((0..=255u8).map(|b| b.wrapping_mul(31).wrapping_add(seed)));
    near.iter().copied().cycle().take(len).collect()
}

/// (name, file name, bytes) per part.
type Parts = Vec<(String, Option<String>, Vec<u8>)>;

/// Parts as (name, file name, bytes), driving the parser over `chunks`.
fn parse_chunks(chunks: &[&[u8]], limits: FormLimits) -> Result<Parts, FormError> {
    let mut parser = Parser::new(BOUNDARY, limits)?;
    let mut chunks = chunks.iter();
    let mut parts: Parts = Vec::new();
    loop {
        match parser.step()? {
            Step::NeedMore => match chunks.next() {
                Some(c) => parser.push(Bytes::copy_from_slice(c)),
                None => parser.finish(),
            },
            Step::Event(Event::Part(h)) => {
                parts.push((h.name().into(), h.file_name().map(Into::into), Vec::new()))
            }
            Step::Event(Event::Data(d)) => parts.last_mut().unwrap().2.extend_from_slice(&d),
            Step::Event(Event::PartEnd) => {}
            Step::Event(Event::End) => return Ok(parts),
        }
    }
}

fn parse_in(body: &[u8], chunk: usize, limits: FormLimits) -> Result<Parts, FormError> {
    parse_chunks(&body.chunks(chunk).collect::<Vec<_>>(), limits)
}

fn limit_of(result: Result<impl std::fmt::Debug, FormError>) -> &'static str {
    match result.unwrap_err().kind() {
        FormErrorKind::Limit(name) => name,
        other => panic!("expected a limit error, got {other:?}"),
    }
}

mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn part() -> impl Strategy<Value = Part> {
        (
            "[a-z_]{1,12}",
            proptest::option::of("[a-zA-Z0-9 ._-]{0,20}"),
            proptest::collection::vec(
                prop_oneof![
                    4 => any::<u8>(),
                    1 => Just(b'\r'),
                    1 => Just(b'\n'),
                    1 => Just(b'-'),
                ],
                0..300,
            ),
        )
            .prop_map(|(name, file_name, data)| Part {
                name,
                content_type: file_name.as_ref().map(|_| "image/png".to_owned()),
                file: file_name,
                data,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any valid body, cut into chunks anywhere, parses exactly as
        /// the unsplit body does, and gives back what was encoded.
        #[test]
        fn random_chunkings_give_the_same_fields(
            parts in proptest::collection::vec(part(), 0..8),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..40),
        ) {
            let body = body(&parts);
            let whole = parse_in(&body, body.len().max(1), FormLimits::default()).unwrap();
            let mut points: Vec<usize> = cuts.iter().map(|i| i.index(body.len() + 1)).collect();
            points.sort_unstable();
            points.dedup();
            let mut chunks = Vec::new();
            let mut from = 0;
            for at in points {
                chunks.push(&body[from..at]);
                from = at;
            }
            chunks.push(&body[from..]);
            let split = parse_chunks(&chunks, FormLimits::default()).unwrap();
            prop_assert_eq!(&split, &whole);
            let expected: Vec<_> = parts
                .iter()
                .map(|p| (p.name.clone(), p.file.clone(), p.data.clone()))
                .collect();
            prop_assert_eq!(whole, expected);
        }
    }
}

/// The hostile cases of the issue and of published multipart CVEs.
mod hostile {
    use super::*;

    /// Go CVE-2023-24536 / Werkzeug CVE-2023-25577: a 2 MB body of tiny
    /// parts (34k of them in multer) stops at 1,000.
    #[test]
    fn many_tiny_parts_stop_at_the_part_limit() {
        let tiny: Vec<Part> = (0..40_000).map(|i| text(&format!("f{i}"), "")).collect();
        let body = body(&tiny);
        assert_eq!(
            limit_of(parse_in(&body, 16 << 10, FormLimits::default())),
            "max_parts"
        );
        let thousand: Vec<Part> = (0..1_000).map(|i| text(&format!("f{i}"), "v")).collect();
        assert_eq!(
            parse_in(&body_of(&thousand), 16 << 10, FormLimits::default())
                .unwrap()
                .len(),
            1_000
        );
    }

    fn body_of(parts: &[Part]) -> Vec<u8> {
        body(parts)
    }

    #[test]
    fn header_lines_per_part_are_counted() {
        let mut raw = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\n");
        for i in 0..40 {
            raw.push_str(&format!("X-H{i}: v\r\n"));
        }
        raw.push_str(&format!("\r\nv\r\n--{BOUNDARY}--\r\n"));
        assert_eq!(
            limit_of(parse_in(raw.as_bytes(), 100, FormLimits::default())),
            "max_headers_per_part"
        );
    }

    /// CVE-2026-42561 and multer's quadratic rescan: a 16 MiB header
    /// block that never ends, trickled in 4 KiB chunks, fails at the
    /// 16 KiB limit, in linear time even with the limit lifted.
    #[test]
    fn an_endless_header_block_is_linear_and_bounded() {
        let mut raw =
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\nX-Long: ")
                .into_bytes();
        raw.resize(16 << 20, b'a');
        assert_eq!(
            limit_of(parse_in(&raw, 4096, FormLimits::default())),
            "max_part_header_bytes"
        );
        let lifted = FormLimits {
            max_part_header_bytes: 32 << 20,
            ..FormLimits::default()
        };
        let started = Instant::now();
        let err = parse_in(&raw, 4096, lifted).unwrap_err();
        assert_eq!(err.kind(), FormErrorKind::Malformed, "{err}");
        // Quadratic rescanning would be ~4,096 scans of up to 16 MiB; this
        // is one pass (a generous bound for an unoptimized test build).
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
    }

    /// python-multipart CVE-2024-53981: CR/LF floods before and after the
    /// parts are skipped in bulk and capped.
    #[test]
    fn crlf_floods_are_capped() {
        let flood = b"\r\n".repeat(1 << 20);
        let before = [&flood[..], &body(&[text("a", "1")])].concat();
        assert_eq!(
            limit_of(parse_in(&before, 4096, FormLimits::default())),
            "max_preamble_bytes"
        );
        let after = [&body(&[text("a", "1")])[..], &flood].concat();
        assert_eq!(
            limit_of(parse_in(&after, 4096, FormLimits::default())),
            "max_preamble_bytes"
        );
        let inside = body(&[text("a", &"\r\n".repeat(1000))]);
        assert_eq!(
            parse_in(&inside, 7, FormLimits::default()).unwrap()[0]
                .2
                .len(),
            2000
        );
    }

    /// CVE-2026-40347: a 16 MiB preamble with no boundary (0.66 s in
    /// multer) stops at 16 KiB.
    #[test]
    fn a_huge_preamble_stops_at_its_cap() {
        let junk = vec![b'x'; 16 << 20];
        assert_eq!(
            limit_of(parse_in(&junk, 4096, FormLimits::default())),
            "max_preamble_bytes"
        );
        let started = Instant::now();
        let lifted = FormLimits {
            max_preamble_bytes: usize::MAX,
            ..FormLimits::default()
        };
        let err = parse_in(&junk, 4096, lifted).unwrap_err();
        assert_eq!(err.kind(), FormErrorKind::Malformed);
        assert!(err.message().contains("no multipart boundary"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    /// @fastify/busboy CVE-2026-19481: `__proto__` and repeated header
    /// names are plain headers of a plain map.
    #[test]
    fn proto_and_duplicate_header_names_are_just_headers() {
        let raw = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"__proto__\"\r\n__proto__: polluted\r\nconstructor: x\r\nX-Dup: 1\r\nX-Dup: 2\r\n\r\nv\r\n--{BOUNDARY}--\r\n"
        );
        let mut parser = Parser::new(BOUNDARY, FormLimits::default()).unwrap();
        parser.push(Bytes::from(raw));
        parser.finish();
        let Step::Event(Event::Part(head)) = parser.step().unwrap() else {
            panic!("a part")
        };
        assert_eq!(head.name(), "__proto__");
        assert_eq!(head.headers()["__proto__"], "polluted");
        assert_eq!(head.headers().get_all("x-dup").iter().count(), 2);
        let dup = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\nv\r\n--{BOUNDARY}--\r\n"
        );
        let err = parse_in(dup.as_bytes(), 64, FormLimits::default()).unwrap_err();
        assert_eq!(err.kind(), FormErrorKind::Malformed);
        assert!(err.message().contains("part 0"), "{err}");
    }

    /// CVE-2026-24486: a traversal file name is metadata; the stored name
    /// is its last segment.
    #[test]
    fn traversal_names_are_reduced_to_a_base_name() {
        let raw = body(&[file("f", "../../etc/passwd", b"x".to_vec())]);
        let mut parser = Parser::new(BOUNDARY, FormLimits::default()).unwrap();
        parser.push(Bytes::from(raw));
        let Step::Event(Event::Part(head)) = parser.step().unwrap() else {
            panic!("a part")
        };
        assert_eq!(head.file_name(), Some("../../etc/passwd"));
        assert_eq!(head.safe_file_name().as_deref(), Some("passwd"));
    }

    /// multer reports `IncompleteStream` for a stream that answers
    /// Pending once and then the whole body followed by its end.
    #[tokio::test]
    async fn pending_then_everything_then_end() {
        let raw = Bytes::from(body(&[text("a", "1"), file("f", "x.bin", binary(5000, 1))]));
        let mut yielded_pending = false;
        let mut sent = false;
        let stream = futures::stream::poll_fn(move |cx| {
            if !yielded_pending {
                yielded_pending = true;
                cx.waker().wake_by_ref();
                return std::task::Poll::Pending;
            }
            if sent {
                return std::task::Poll::Ready(None);
            }
            sent = true;
            std::task::Poll::Ready(Some(Ok::<_, std::io::Error>(raw.clone())))
        });
        let form = Multipart::from_stream(stream, BOUNDARY, FormLimits::default()).unwrap();
        let data = form.collect().await.unwrap();
        assert_eq!(data.field("a"), Some("1"));
        assert_eq!(
            data.files[0].bytes().unwrap().as_ref(),
            binary(5000, 1).as_slice()
        );
    }

    /// An always-ready body is pulled one chunk at a time, as the parser
    /// needs it, not buffered whole (multer drains it until Pending).
    #[tokio::test]
    async fn an_always_ready_body_is_not_buffered_whole() {
        let raw = body(&[text("first", "1"), file("f", "big.bin", binary(8 << 20, 2))]);
        let chunks: Vec<Result<Bytes, std::io::Error>> = raw
            .chunks(64 << 10)
            .map(|c| Ok(Bytes::copy_from_slice(c)))
            .collect();
        let mut form =
            Multipart::from_stream(stream::iter(chunks), BOUNDARY, FormLimits::default()).unwrap();
        let mut field = form.next_field().await.unwrap().unwrap();
        assert_eq!(field.text().await.unwrap(), "1");
        drop(field);
        let field = form.next_field().await.unwrap().unwrap();
        assert_eq!(field.name(), "f");
        drop(field);
        assert!(
            form.received() <= 2 * (64 << 10),
            "read {} bytes ahead",
            form.received()
        );
    }

    #[tokio::test]
    async fn browsers_shapes() {
        // Old IE's full paths, raw UTF-8, an empty file input, a part
        // without Content-Type, a quoted boundary parameter.
        let raw = format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"doc\"; filename=\"C:\\Users\\me\\My Report.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"été ☀.jpg\"\r\n\r\nJPEG\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"empty\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n\
             --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--{BOUNDARY}--\r\n"
        );
        let form = Multipart::new(raw, BOUNDARY, FormLimits::default()).unwrap();
        let data: FormData = form.collect().await.unwrap();
        assert_eq!(data.field("note"), Some("hi"));
        let names: Vec<_> = data
            .files
            .iter()
            .map(|f| (f.original_name.as_str(), f.safe_file_name()))
            .collect();
        assert_eq!(
            names,
            [
                (
                    r"C:\Users\me\My Report.pdf",
                    Some("My Report.pdf".to_owned())
                ),
                ("été ☀.jpg", Some("été ☀.jpg".to_owned())),
            ],
            "the empty file input is skipped"
        );
        assert_eq!(data.files[1].content_type, None);
    }
}

// --- Through a real socket -------------------------------------------------

struct Forms {
    dir: PathBuf,
}

fn report(saved: armature::form::SavedForm) -> Json<Value> {
    Json(json!({
        "fields": saved.fields.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<serde_json::Map<_, _>>(),
        "files": saved.files.iter().map(|f| json!({
            "field": f.field, "original_name": f.original_name, "stored_name": f.stored_name,
            "size": f.size, "path": f.path,
        })).collect::<Vec<_>>(),
    }))
}

#[controller]
impl Forms {
    #[post("/save", body_limit = "64 MiB")]
    async fn save(&self, form: Multipart) -> Result<Json<Value>, FormError> {
        Ok(report(form.save(&self.dir, SaveOptions::default()).await?))
    }

    /// The default 2 MiB body limit.
    #[post("/small")]
    async fn small(&self, form: Multipart) -> Result<Json<Value>, FormError> {
        Ok(report(form.save(&self.dir, SaveOptions::default()).await?))
    }

    #[post("/collect", body_limit = "64 MiB")]
    async fn collect(&self, form: Multipart) -> Result<Json<Value>, FormError> {
        let data = form.collect().await?;
        let spooled = data
            .files
            .iter()
            .filter(|f| f.spooled_path().is_some())
            .count();
        let files = save_files_parallel(
            data.files,
            &self.dir,
            SaveOptions {
                fsync: true,
                ..SaveOptions::default()
            },
        )
        .await?;
        Ok(Json(
            json!({ "spooled": spooled, "sizes": files.iter().map(|f| f.size).collect::<Vec<_>>(), "names": files.iter().map(|f| &f.stored_name).collect::<Vec<_>>() }),
        ))
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("armature-forms-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn server(dir: &Path) -> TestServer {
    TestServer::start(App::new().controller(Forms {
        dir: dir.to_owned(),
    }))
    .await
}

async fn post(server: &TestServer, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
    let request = hyper::Request::post(format!("http://{}{path}", server.addr))
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = server.client.request(request).await.unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn ten_files_of_five_megabytes_are_stored_byte_for_byte() {
    let dir = scratch("ten");
    let server = server(&dir).await;
    let mut parts = vec![text("title", "ten")];
    for i in 0..10u8 {
        parts.push(file("files", &format!("f{i}.bin"), binary(5_000_000, i)));
    }
    let (status, answer) = post(&server, "/save", &content_type(), body(&parts)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["fields"], json!({"title": "ten"}));
    let files = answer["files"].as_array().unwrap();
    assert_eq!(files.len(), 10);
    for (i, f) in files.iter().enumerate() {
        assert_eq!(f["stored_name"], format!("f{i}.bin"));
        assert_eq!(f["size"], 5_000_000);
        let on_disk = std::fs::read(dir.join(format!("f{i}.bin"))).unwrap();
        assert!(on_disk == binary(5_000_000, i as u8), "file {i} differs");
    }
    assert_eq!(
        listing(&dir).len(),
        10,
        "no temporary files left: {:?}",
        listing(&dir)
    );
    // The same names again: suffixed, never overwritten.
    let (status, answer) = post(&server, "/save", &content_type(), body(&parts[..2])).await;
    assert_eq!(status, 200);
    assert_eq!(answer["files"][0]["stored_name"], "f0-1.bin");
}

#[tokio::test]
async fn a_thousand_fields() {
    let dir = scratch("thousand");
    let server = server(&dir).await;
    let parts: Vec<Part> = (0..1_000)
        .map(|i| text(&format!("field{i}"), &format!("value {i}")))
        .collect();
    let (status, answer) = post(&server, "/small", &content_type(), body(&parts)).await;
    assert_eq!(status, 200, "{answer}");
    let fields = answer["fields"].as_object().unwrap();
    assert_eq!(fields.len(), 1_000);
    assert_eq!(fields["field999"], "value 999");
    let one_more: Vec<Part> = (0..1_001).map(|i| text(&format!("f{i}"), "v")).collect();
    let (status, answer) = post(&server, "/small", &content_type(), body(&one_more)).await;
    assert_eq!(status, 413);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_parts"),
        "{answer}"
    );
}

#[tokio::test]
async fn a_traversal_name_stays_inside_and_a_planted_symlink_is_not_followed() {
    let dir = scratch("traversal");
    let outside = scratch("outside");
    std::fs::write(outside.join("target"), b"untouched").unwrap();
    std::os::unix::fs::symlink(outside.join("target"), dir.join("passwd")).unwrap();
    let server = server(&dir).await;
    let parts = [
        file("a", "../../etc/passwd", b"first".to_vec()),
        file("b", "/etc/passwd", b"second".to_vec()),
        file("c", "..", b"third".to_vec()),
    ];
    let (status, answer) = post(&server, "/save", &content_type(), body(&parts)).await;
    assert_eq!(status, 200, "{answer}");
    let names: Vec<&str> = answer["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["stored_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["passwd-1", "passwd-2", "upload"]);
    assert_eq!(std::fs::read(outside.join("target")).unwrap(), b"untouched");
    assert_eq!(std::fs::read(dir.join("passwd-1")).unwrap(), b"first");
    assert!(
        std::fs::symlink_metadata(dir.join("passwd"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(listing(&outside), ["target"]);
}

#[tokio::test]
async fn an_over_limit_body_is_413_and_leaves_nothing() {
    let dir = scratch("over");
    let server = server(&dir).await;
    let parts = [
        file("a", "one.bin", binary(1 << 20, 1)),
        file("b", "two.bin", binary(2 << 20, 2)),
    ];
    // Declared: refused before a byte is read.
    let (status, answer) = post(&server, "/small", &content_type(), body(&parts)).await;
    assert_eq!(status, 413, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("body_limit")
    );
    // Streamed without a length: the first file is written, then the
    // limit hits and every file of the request is removed.
    let raw = body(&parts);
    let chunks: Vec<Result<hyper::body::Frame<Bytes>, std::convert::Infallible>> = raw
        .chunks(64 << 10)
        .map(|c| Ok(hyper::body::Frame::data(Bytes::copy_from_slice(c))))
        .collect();
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let request = hyper::Request::post(format!("http://{}/small", server.addr))
        .header("content-type", content_type())
        .body(http_body_util::StreamBody::new(stream::iter(chunks)))
        .unwrap();
    match client.request(request).await {
        Ok(response) => assert_eq!(response.status(), 413),
        // The server may close before the client finished sending.
        Err(e) => assert!(
            e.is_connect()
                || format!("{e:?}").contains("Reset")
                || format!("{e:?}").contains("Closed"),
            "{e:?}"
        ),
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(listing(&dir), Vec::<String>::new());
}

#[tokio::test]
async fn a_truncated_body_is_400_and_leaves_no_partial_file() {
    let dir = scratch("truncated");
    let server = server(&dir).await;
    let full = body(&[
        file("a", "whole.bin", binary(300_000, 1)),
        file("b", "cut.bin", binary(300_000, 2)),
    ]);
    let cut = full[..full.len() - 100_000].to_vec();
    let (status, answer) = post(&server, "/save", &content_type(), cut).await;
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("part 1 (`b`)"),
        "{answer}"
    );
    assert_eq!(listing(&dir), Vec::<String>::new());
}

#[tokio::test]
async fn wrong_content_types_and_boundaries() {
    let dir = scratch("types");
    let server = server(&dir).await;
    let (status, answer) = post(&server, "/save", "application/json", b"{}".to_vec()).await;
    assert_eq!(status, 415, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("multipart/form-data")
    );
    let (status, _) = post(&server, "/save", "multipart/form-data", body(&[])).await;
    assert_eq!(status, 400, "no boundary");
    let long = format!("multipart/form-data; boundary={}", "a".repeat(71));
    let (status, _) = post(&server, "/save", &long, body(&[])).await;
    assert_eq!(status, 400, "boundary over 70 characters");
    let quoted = format!("multipart/form-data; boundary=\"{BOUNDARY}\"");
    let (status, answer) = post(&server, "/save", &quoted, body(&[text("a", "b")])).await;
    assert_eq!((status, &answer["fields"]), (200, &json!({"a": "b"})));
}

#[tokio::test]
async fn collect_spools_large_files_and_saves_them_in_parallel() {
    let dir = scratch("collect");
    let server = server(&dir).await;
    let parts = [
        file("small", "s.bin", binary(1000, 1)),
        file("big", "b.bin", binary(3 << 20, 2)),
        file("big", "c.bin", binary(2 << 20, 3)),
    ];
    let (status, answer) = post(&server, "/collect", &content_type(), body(&parts)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["spooled"], 2);
    assert_eq!(answer["sizes"], json!([1000, 3 << 20, 2 << 20]));
    assert_eq!(
        std::fs::read(dir.join("b.bin")).unwrap(),
        binary(3 << 20, 2)
    );
    assert_eq!(std::fs::read(dir.join("s.bin")).unwrap(), binary(1000, 1));
}

#[tokio::test]
async fn app_state_sets_the_form_limits() {
    let dir = scratch("state");
    let app = App::new()
        .state(FormLimits {
            max_files: 1,
            ..FormLimits::default()
        })
        .controller(Forms { dir: dir.clone() });
    let server = TestServer::start(app).await;
    let parts = [file("a", "1", vec![1]), file("b", "2", vec![2])];
    let (status, answer) = post(&server, "/save", &content_type(), body(&parts)).await;
    assert_eq!(status, 413);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_files")
    );
    assert_eq!(listing(&dir), Vec::<String>::new());
}
