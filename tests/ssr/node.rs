//! NodeRenderer against real `node` processes.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use armature::ssr::{NodeOptions, NodeRenderer, RenderErrorKind, Renderer};
use serde_json::{Value, json};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ssr/render.js");

fn opts(workers: usize) -> NodeOptions {
    NodeOptions {
        workers,
        timeout: Duration::from_secs(5),
        ..NodeOptions::default()
    }
}

/// Whether a process is still running (not gone, not a zombie).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => false,
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
    }
}

fn all_gone(pids: &[u32]) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if pids.iter().all(|p| !running(*p)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renders_concurrently_across_workers() {
    let node = NodeRenderer::start(SCRIPT, opts(2)).await.unwrap();
    assert_eq!(node.pids().len(), 2);
    let renders = (0..300).map(|i| {
        let node = &node;
        async move {
            node.render(
                &format!("/page/{i}"),
                json!({"title": format!("Page <{i}>")}),
            )
            .await
        }
    });
    let pages = futures::future::join_all(renders).await;
    let mut pids = HashSet::new();
    for (i, page) in pages.into_iter().enumerate() {
        let html = page.unwrap();
        assert!(
            html.contains(&format!("<h1>Page &lt;{i}&gt;</h1>")),
            "{html}"
        );
        let pid = html
            .split("node ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_owned();
        pids.insert(pid);
    }
    assert_eq!(pids.len(), 2, "both workers rendered");
}

#[tokio::test]
async fn children_get_a_scrubbed_production_environment() {
    // SAFETY: set before any thread of this test spawns; the variable is
    // harmless to the other tests (every child is scrubbed of it).
    unsafe { std::env::set_var("NODE_EXTRA_CA_CERTS", "/nonexistent/ca.pem") };
    let node = NodeRenderer::start(
        SCRIPT,
        NodeOptions {
            env: vec![("ARMATURE_TEST".into(), "yes".into())],
            ..opts(1)
        },
    )
    .await
    .unwrap();
    let env: Value = serde_json::from_str(&node.render("/env", json!({})).await.unwrap()).unwrap();
    assert_eq!(env["NODE_ENV"], "production");
    assert_eq!(env["NODE_EXTRA_CA_CERTS"], Value::Null);
    assert_eq!(env["ARMATURE_TEST"], "yes");
}

#[tokio::test]
async fn a_script_error_fails_that_render_only() {
    let node = NodeRenderer::start(SCRIPT, opts(1)).await.unwrap();
    let before = node.pids();
    let err = node.render("/error", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), RenderErrorKind::Script);
    assert!(err.message().contains("boom"));
    assert!(node.render("/fine", json!({})).await.is_ok());
    assert_eq!(node.pids(), before, "the worker was kept");
}

async fn replaced(node: &NodeRenderer, before: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while node.pids().is_empty() || node.pids() == before {
        assert!(Instant::now() < deadline, "no replacement worker");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(node.render("/after", json!({})).await.is_ok());
    assert!(all_gone(before), "the old worker is dead");
}

#[tokio::test]
async fn a_crashed_worker_fails_its_renders_and_is_replaced() {
    let node = NodeRenderer::start(SCRIPT, opts(1)).await.unwrap();
    let before = node.pids();
    let slow = node.render("/slow", json!({"ms": 2000}));
    let crash = node.render("/crash", json!({}));
    let (slow, crash) = tokio::join!(slow, crash);
    for err in [slow.unwrap_err(), crash.unwrap_err()] {
        assert_eq!(err.kind(), RenderErrorKind::Worker);
        assert!(
            err.message().contains("exited") && err.message().contains("replaced"),
            "{err}"
        );
    }
    replaced(&node, &before).await;
}

#[tokio::test]
async fn garbage_on_stdout_fails_the_render_and_replaces_the_worker() {
    let node = NodeRenderer::start(SCRIPT, opts(1)).await.unwrap();
    let before = node.pids();
    let err = node.render("/garbage", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), RenderErrorKind::Worker);
    assert!(err.message().contains("not a reply"), "{err}");
    replaced(&node, &before).await;
}

#[tokio::test]
async fn a_render_that_never_answers_times_out_and_replaces_the_worker() {
    let node = NodeRenderer::start(
        SCRIPT,
        NodeOptions {
            timeout: Duration::from_millis(300),
            ..opts(1)
        },
    )
    .await
    .unwrap();
    let before = node.pids();
    let started = Instant::now();
    let err = node.render("/hang", json!({})).await.unwrap_err();
    assert_eq!(err.kind(), RenderErrorKind::Timeout);
    assert!(
        err.message().contains("/hang") && err.message().contains("300 ms"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    replaced(&node, &before).await;
}

#[tokio::test]
async fn in_flight_renders_are_bounded() {
    let node = NodeRenderer::start(
        SCRIPT,
        NodeOptions {
            in_flight: 2,
            ..opts(1)
        },
    )
    .await
    .unwrap();
    assert_eq!(node.concurrency(), 2);
    let started = Instant::now();
    let renders = (0..8).map(|_| node.render("/slow", json!({"ms": 100})));
    for page in futures::future::join_all(renders).await {
        page.unwrap();
    }
    // Two at a time: four waves of 100 ms, never one.
    assert!(
        started.elapsed() >= Duration::from_millis(390),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn startup_errors_are_clear() {
    let missing_node = NodeRenderer::start(
        SCRIPT,
        NodeOptions {
            node: "/nonexistent/bin/node".into(),
            ..opts(1)
        },
    )
    .await
    .unwrap_err();
    assert_eq!(missing_node.kind(), RenderErrorKind::Startup);
    assert!(
        missing_node.message().contains("was not found"),
        "{missing_node}"
    );
    let missing_script = NodeRenderer::start("/nonexistent/ssr.js", opts(1))
        .await
        .unwrap_err();
    assert_eq!(missing_script.kind(), RenderErrorKind::Startup);
    assert!(missing_script.message().contains("/nonexistent/ssr.js"));
}

#[tokio::test]
async fn no_node_outlives_the_renderer() {
    let node = NodeRenderer::start(SCRIPT, opts(2)).await.unwrap();
    let pids = node.pids();
    assert!(pids.iter().all(|p| running(*p)));
    drop(node);
    assert!(all_gone(&pids), "orphans: {pids:?}");
}

#[test]
fn no_node_outlives_a_panic() {
    let pids = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = pids.clone();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let node = NodeRenderer::start(SCRIPT, opts(2)).await.unwrap();
            *seen.lock().unwrap() = node.pids();
            panic!("the app panicked with node workers running");
        });
    });
    assert!(thread.join().is_err());
    let pids = pids.lock().unwrap().clone();
    assert_eq!(pids.len(), 2);
    assert!(all_gone(&pids), "orphans: {pids:?}");
}

/// The shipped React example (examples/ssr-react, `npm ci` by scripts/test)
/// through the pool: React's renderToString in long-lived workers.
#[tokio::test]
async fn the_react_example_renders_through_the_pool() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/ssr-react");
    assert!(
        std::path::Path::new(dir)
            .join("node_modules/react")
            .exists(),
        "run `npm ci` in {dir} (scripts/test does)"
    );
    let node = NodeRenderer::start(format!("{dir}/server.js"), opts(2))
        .await
        .unwrap();
    let home = node.render("/", json!({})).await.unwrap();
    assert!(
        home.starts_with("<!doctype html><html lang=\"en\">"),
        "{home}"
    );
    assert!(home.contains("<h1>Armature, rendered by React</h1>"));
    let jobs = node.render("/features/jobs", json!({})).await.unwrap();
    assert!(jobs.contains("<h1>jobs</h1>"));
    let missing = node.render("/nope", json!({})).await.unwrap_err();
    assert_eq!(missing.kind(), RenderErrorKind::Script);
}
