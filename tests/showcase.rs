//! The showcase driven from outside, as users and scripts drive it: the
//! real binary, a real port, a real HTTP client.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

#[cfg(feature = "redis")]
mod support;

/// The showcase binary, built on demand (`cargo test --test showcase`
/// alone does not build examples).
fn binary() -> PathBuf {
    let dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(|p| p.join("examples")))
        .expect("target dir");
    let path = dir.join("showcase");
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--example", "showcase"]);
    let features: Vec<&str> = [
        cfg!(feature = "redis").then_some("redis"),
        cfg!(feature = "ssr-node").then_some("ssr-node"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !features.is_empty() {
        build.args(["--features", &features.join(",")]);
    }
    let status = build.status().expect("cargo");
    assert!(status.success());
    path
}

struct Showcase(Child, String);

impl Drop for Showcase {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(extra: &[&str]) -> Showcase {
    let mut child = Command::new(binary())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        // The access log: one line per request.
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn showcase");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect(&line)
        .to_owned();
    Showcase(child, base)
}

async fn call(method: &str, url: &str, body: Option<Value>) -> (u16, Value) {
    use http_body_util::{BodyExt, Full};
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let mut request = hyper::Request::builder().method(method).uri(url);
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let response = client
        .request(request.body(Full::new(bytes::Bytes::from(body))).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn users_api() {
    let showcase = start(&[]);
    users_api_on(&showcase.1, "memory").await;
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn users_api_with_the_cache_on_redis() {
    let redis = support::redis::RedisServer::start();
    let showcase = start(&["--redis", &redis.url()]);
    users_api_on(&showcase.1, "redis").await;
    // The users really went through Redis.
    assert_eq!(redis.cli(&["EXISTS", "showcase:user:1"]).trim(), "1");
}

async fn users_api_on(base: &str, backend: &str) {
    let ada = json!({"username": "ada_l", "email": "ada@example.com", "password": "analytical", "age": 36});
    let (status, user) = call("POST", &format!("{base}/users"), Some(ada.clone())).await;
    assert_eq!(status, 201);
    assert_eq!(
        user,
        json!({"id": 1, "username": "ada_l", "email": "ada@example.com", "age": 36})
    );

    let (status, _) = call("POST", &format!("{base}/users"), Some(ada)).await;
    assert_eq!(status, 409);

    let bad = json!({"username": "Ada L", "email": "nope", "password": "short", "age": 12});
    let (status, errors) = call("POST", &format!("{base}/users"), Some(bad)).await;
    assert_eq!(status, 422);
    let codes: Vec<_> = errors["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["path"].as_str().unwrap(),
                e["code"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            "username:pattern",
            "email:email",
            "password:length",
            "age:range"
        ]
    );

    assert_eq!(call("GET", &format!("{base}/users/1"), None).await.0, 200);
    assert_eq!(call("GET", &format!("{base}/users/2"), None).await.0, 404);
    assert_eq!(call("GET", &format!("{base}/users/x"), None).await.0, 400);
    let (status, list) = call("GET", &format!("{base}/users?limit=1"), None).await;
    assert_eq!((status, list.as_array().map(Vec::len)), (200, Some(1)));

    let bob =
        json!({"username": "bob", "email": "bob@example.com", "password": "builder1", "age": 40});
    assert_eq!(
        call("POST", &format!("{base}/users"), Some(bob)).await.0,
        201
    );
    let (status, batch) = call("GET", &format!("{base}/users?ids=2,9,1"), None).await;
    assert_eq!(status, 200);
    let ids: Vec<u64> = batch
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [2, 1]);
    let (_, stats) = call("GET", &format!("{base}/cache/stats"), None).await;
    assert_eq!(stats["backend"], backend);
    // /users/1 filled the cache; the batch then hit user 1 and missed 2 and 9.
    assert!(stats["hits"].as_u64().unwrap() >= 1, "{stats}");
    assert!(stats["batch_lookups"].as_u64().unwrap() >= 3, "{stats}");
}

async fn thumbnails_on(base: &str) {
    let mut ids = Vec::new();
    for (w, h) in [(1024, 768), (64, 64), (4096, 1), (300, 200)] {
        let (status, body) = call(
            "POST",
            &format!("{base}/thumbnails"),
            Some(json!({"width": w, "height": h})),
        )
        .await;
        assert_eq!(status, 202, "{body}");
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let (status, body) = call(
        "POST",
        &format!("{base}/thumbnails"),
        Some(json!({"width": 0, "height": 5000})),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, stats) = call("GET", &format!("{base}/jobs/stats"), None).await;
        if stats["completed"] == 4 {
            for key in ["queued", "running", "failed", "dead"] {
                assert_eq!(stats[key], 0, "{stats}");
            }
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{stats}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let (status, job) = call("GET", &format!("{base}/jobs/{}", ids[0]), None).await;
    assert_eq!(
        (status, job["state"].as_str()),
        (200, Some("completed")),
        "{job}"
    );
    let (status, _) = call("GET", &format!("{base}/jobs/nope"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn thumbnail_jobs_run_in_the_background() {
    let showcase = start(&[]);
    thumbnails_on(&showcase.1).await;
    let (_, _, metrics) = get(&format!("{}/metrics", showcase.1), &[]).await;
    assert!(
        metrics.contains("armature_jobs{state=\"completed\"} 4"),
        "{metrics}"
    );
}

#[cfg(feature = "redis")]
#[tokio::test]
async fn thumbnail_jobs_on_redis() {
    let redis = support::redis::RedisServer::start();
    let showcase = start(&["--redis", &redis.url()]);
    thumbnails_on(&showcase.1).await;
    assert_eq!(
        redis
            .cli(&["HGET", "{q:make_thumbnail}:stats", "completed"])
            .trim(),
        "4"
    );
}

#[tokio::test]
async fn the_dashboard_gathers_four_sources_in_the_time_of_the_slowest() {
    let showcase = start(&[]);
    let base = &showcase.1;
    let grace = json!({"username": "grace_h", "email": "grace@example.com", "password": "compilers", "age": 45});
    assert_eq!(
        call("POST", &format!("{base}/users"), Some(grace)).await.0,
        201
    );

    let (status, board) = call("GET", &format!("{base}/dashboard/1"), None).await;
    assert_eq!(status, 200, "{board}");
    assert_eq!(board["user"]["username"], "grace_h");
    assert_eq!(board["activity"], json!(["grace_h signed up"]));
    assert_eq!(board["recommendations"].as_array().map(Vec::len), Some(3));
    assert!(board["notifications"].is_array(), "{board}");
    let sequential = board["timing"]["sequential_ms"].as_f64().unwrap();
    let took = board["timing"]["took_ms"].as_f64().unwrap();
    // The sources take 80, 120 and (after the user) 40 ms: 240 ms in
    // sequence, ~120 ms joined.
    assert!(sequential >= 240.0, "{board}");
    assert!(took >= 120.0 && took < 0.75 * sequential, "{board}");

    let (status, error) = call("GET", &format!("{base}/dashboard/99"), None).await;
    assert_eq!(status, 404, "{error}");
}

#[test]
fn validate_report() {
    let output = Command::new(binary()).arg("validate").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("2400 records"), "{text}");
    assert!(text.contains("undecodable  2"), "{text}");
    assert!(
        text.contains("address.zip: must be 5 digits [pattern]"),
        "{text}"
    );
}

#[test]
fn serve_help_describes_every_option_and_mistakes_are_errors() {
    let output = Command::new(binary())
        .args(["serve", "--help"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for option in [
        "--addr <HOST:PORT>",
        "--redis <URL>",
        "--rate-limit <N>",
        "--admin-token <TOKEN>",
    ] {
        assert!(help.contains(option), "{option} missing from:\n{help}");
    }
    assert!(help.contains("[default: 127.0.0.1:3000]"), "{help}");

    let output = Command::new(binary()).arg("--help").output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(
        help.contains("serve") && help.contains("validate"),
        "{help}"
    );

    for wrong in [
        &["serve", "--adress", "x"][..],
        &["serve", "--rate-limit", "many"],
        &["serve", "--admin-token", ""],
        &["frobnicate"],
    ] {
        let output = Command::new(binary()).args(wrong).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{wrong:?}");
        let error = String::from_utf8(output.stderr).unwrap();
        assert!(
            error.starts_with("error: ") && error.contains("--help"),
            "{wrong:?}: {error}"
        );
    }
}

/// GET with headers; the status, the response headers and the body.
async fn get(url: &str, headers: &[(&str, &str)]) -> (u16, hyper::HeaderMap, String) {
    use http_body_util::{BodyExt, Full};
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let mut request = hyper::Request::builder().uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client
        .request(request.body(Full::new(bytes::Bytes::new())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn request_ids_metrics_and_the_admin_token() {
    let showcase = start(&["--admin-token", "s3cret"]);
    let base = &showcase.1;
    // Every response carries an id; a client's own is kept.
    let (status, headers, _) = get(&format!("{base}/nowhere"), &[]).await;
    assert_eq!(status, 404);
    let generated = headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(generated.len(), 16, "{generated}");
    let (_, headers, _) = get(&format!("{base}/users"), &[("x-request-id", "client-7")]).await;
    assert_eq!(headers["x-request-id"], "client-7");
    // The admin controller's pipeline.
    let (status, headers, _) = get(&format!("{base}/admin/stats"), &[]).await;
    assert_eq!(status, 401);
    assert!(headers.contains_key("x-request-id"));
    let (status, _, _) = get(
        &format!("{base}/admin/stats"),
        &[("authorization", "Bearer wrong")],
    )
    .await;
    assert_eq!(status, 401);
    let (status, _, body) = get(
        &format!("{base}/admin/stats"),
        &[("authorization", "Bearer s3cret")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let stats: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(stats["requests"], 4, "{body}");
    assert_eq!(stats["rate_limit_per_sec"], Value::Null);
    // Counts by method and status, up to the previous request.
    let (status, _, metrics) = get(&format!("{base}/metrics"), &[]).await;
    assert_eq!(status, 200);
    for line in [
        "armature_requests_total{method=\"GET\",status=\"404\"} 1",
        "armature_requests_total{method=\"GET\",status=\"200\"} 2",
        "armature_requests_total{method=\"GET\",status=\"401\"} 2",
    ] {
        assert!(
            metrics.lines().any(|l| l == line),
            "{line} missing from:\n{metrics}"
        );
    }
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after() {
    let showcase = start(&["--rate-limit", "5"]);
    let url = format!("{}/users", showcase.1);
    let start = std::time::Instant::now();
    let mut passed = 0;
    let mut limited = 0;
    for _ in 0..20 {
        let (status, headers, _) = get(&url, &[]).await;
        match status {
            200 => passed += 1,
            429 => {
                limited += 1;
                let wait: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
                assert!((1..=1).contains(&wait), "retry-after {wait}");
                assert!(headers.contains_key("x-request-id"));
            }
            other => panic!("unexpected {other}"),
        }
    }
    // A burst of 5, then 5 more per second of the run.
    let allowed = 5 + (start.elapsed().as_secs_f64() * 5.0).ceil() as u32;
    assert!(
        passed >= 5 && passed <= allowed,
        "{passed} passed, {allowed} allowed"
    );
    assert!(limited >= 1, "nothing was limited");
    // Off by default.
    let unlimited = start_default_and_count(&[]).await;
    assert_eq!(unlimited, 20);
}

async fn start_default_and_count(extra: &[&str]) -> usize {
    let showcase = start(extra);
    let url = format!("{}/users", showcase.1);
    let mut ok = 0;
    for _ in 0..20 {
        if get(&url, &[]).await.0 == 200 {
            ok += 1;
        }
    }
    ok
}

/// A `multipart/form-data` body of text fields and (field, file name, bytes) files.
fn multipart(boundary: &str, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("armature-showcase-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn upload_page_and_upload_answer() {
    let dir = scratch_dir("upload");
    let showcase = start(&["--uploads", dir.to_str().unwrap()]);
    let base = &showcase.1;
    let (status, headers, page) = get(&format!("{base}/upload"), &[]).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.contains(r#"enctype="multipart/form-data""#) && page.contains(r#"type="file""#));

    use http_body_util::{BodyExt, Full};
    let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let body = multipart(
        "XyZ",
        &[("title", "first"), ("title", "last")],
        &[
            ("files", "../../etc/passwd", b"root:x:0:0"),
            ("files", "photo.bin", &binary),
        ],
    );
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http();
    let request = hyper::Request::post(format!("{base}/upload"))
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(Full::new(bytes::Bytes::from(body)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let answer: Value =
        serde_json::from_slice(&response.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(
        answer,
        json!({
            "fields": {"title": "last"},
            "files": [
                {"field": "files", "original_name": "../../etc/passwd", "stored_name": "passwd", "size": 10, "content_type": "application/octet-stream"},
                {"field": "files", "original_name": "photo.bin", "stored_name": "photo.bin", "size": 70_000, "content_type": "application/octet-stream"},
            ]
        })
    );
    assert_eq!(std::fs::read(dir.join("photo.bin")).unwrap(), binary);
    assert_eq!(std::fs::read(dir.join("passwd")).unwrap(), b"root:x:0:0");
    let (status, _) = call("POST", &format!("{base}/upload"), Some(json!({}))).await;
    assert_eq!(status, 415);
}

/// chromedriver on a free loopback port, killed on drop.
struct ChromeDriver(Child, u16);

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn chromedriver() -> ChromeDriver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (Debian's chromium-driver; scripts/test installs it)");
    let driver = ChromeDriver(child, port);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "chromedriver did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    driver
}

/// The upload page in a real headless Chromium: attach two files (one
/// binary), submit, read the JSON answer the browser shows, check the bytes on disk.
#[tokio::test]
async fn upload_in_a_real_browser() {
    use fantoccini::{ClientBuilder, Locator};

    let dir = scratch_dir("browser");
    let inputs = scratch_dir("browser-inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let binary: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let photo = inputs.join("photo.bin");
    let notes = inputs.join("notes été.txt");
    std::fs::write(&photo, &binary).unwrap();
    std::fs::write(&notes, "hello from chromium\r\n").unwrap();

    let showcase = start(&["--uploads", dir.to_str().unwrap()]);
    let driver = chromedriver();
    let profile = scratch_dir("browser-profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": "/usr/bin/chromium",
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("a chromedriver session");
    let result = async {
        browser.goto(&format!("{}/upload", showcase.1)).await?;
        browser.find(Locator::Id("title")).await?.clear().await?;
        browser
            .find(Locator::Id("title"))
            .await?
            .send_keys("from the browser")
            .await?;
        browser
            .find(Locator::Id("files"))
            .await?
            .send_keys(&format!("{}\n{}", photo.display(), notes.display()))
            .await?;
        browser.find(Locator::Id("submit")).await?.click().await?;
        let pre = browser.wait().for_element(Locator::Css("pre")).await?;
        pre.text().await
    }
    .await;
    let _ = browser.close().await;
    let text = result.expect("the browser session");
    let answer: Value = serde_json::from_str(&text).expect(&text);
    assert_eq!(answer["fields"], json!({"title": "from the browser"}));
    let files = answer["files"].as_array().unwrap();
    let summary: Vec<(String, String, u64)> = files
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap().to_owned(),
                f["stored_name"].as_str().unwrap().to_owned(),
                f["size"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("files".to_owned(), "photo.bin".to_owned(), 200_000),
            ("files".to_owned(), "notes été.txt".to_owned(), 21),
        ],
        "{answer}"
    );
    assert_eq!(files[1]["content_type"], "text/plain");
    assert_eq!(std::fs::read(dir.join("photo.bin")).unwrap(), binary);
    assert_eq!(
        std::fs::read(dir.join("notes été.txt")).unwrap(),
        b"hello from chromium\r\n"
    );
    let _ = std::fs::remove_dir_all(&profile);
}

#[tokio::test]
async fn the_home_page_and_the_feature_pages_are_html() {
    let showcase = start(&[]);
    let base = &showcase.1;
    let (status, headers, home) = get(&format!("{base}/"), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    for link in [
        "/upload",
        "/metrics",
        "/dashboard/1",
        "/about",
        "/features/jobs",
    ] {
        assert!(
            home.contains(&format!("href=\"{link}\"")),
            "no link to {link}"
        );
    }
    assert!(
        home.contains("multipart upload, files stored"),
        "the route table"
    );
    let (status, _, jobs) = get(&format!("{base}/features/jobs"), &[]).await;
    assert_eq!(status, 200);
    assert!(jobs.contains("<h1>Jobs</h1>"));
}

/// `showcase prerender OUT [extra…]` into a fresh folder: the folder and
/// what it printed (the command must succeed).
fn prerender(name: &str, extra: &[&str]) -> (PathBuf, String) {
    let out = scratch_dir(name);
    let output = Command::new(binary())
        .arg("prerender")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (out, stdout)
}

#[test]
fn prerender_writes_the_site_the_server_serves() {
    let (out, stdout) = prerender("prerender", &[]);
    assert!(
        stdout.starts_with("7 pages, ") && stdout.contains(" 0 failed"),
        "{stdout}"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let showcase = start(&[]);
    for (route, file) in [
        ("/", "index.html"),
        ("/about", "about/index.html"),
        ("/features/uploads", "features/uploads/index.html"),
    ] {
        let (status, _, served) = runtime.block_on(get(&format!("{}{route}", showcase.1), &[]));
        assert_eq!(status, 200);
        assert_eq!(
            std::fs::read_to_string(out.join(file)).unwrap(),
            served,
            "{route}"
        );
    }
}

#[cfg(feature = "ssr-node")]
#[test]
fn prerender_with_node_writes_the_react_pages() {
    let (out, stdout) = prerender("prerender-node", &["--node"]);
    assert!(stdout.starts_with("5 pages, "), "{stdout}");
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("rendered by React"), "{home}");
}
