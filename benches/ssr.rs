//! SSR and pre-rendering (DESIGN.md §8, issue 12).
//!
//! - 1,000 template pages: rendered sequentially (no writes), the bare
//!   write of the same 1,000 files (temp + rename, no sync), and
//!   `prerender_site` doing both: the goal is a whole pre-render within
//!   1.3x of the bare write time, since writes dominate.
//! - Node: a process spawned per page (the seeds' way; 50 pages) vs the
//!   pool of long-lived workers (1 and 2) over 10,000 routes; the goal is
//!   at least 100x the spawn-per-page rate.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use armature::ssr::{
    NodeOptions, NodeRenderer, PrerenderOptions, Renderer, TemplateRenderer, file_for_route,
    prerender_site,
};
use serde_json::json;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ssr/render.js");
const PAGES: usize = 1_000;

/// A ~5 KB page: a layout, an include, a loop.
fn templates() -> TemplateRenderer {
    let layout = "<!doctype html><html><head><title>{{ route }}</title><style>{{ css }}</style></head><body>{% include \"nav.html\" %}{% block body %}{% endblock %}</body></html>";
    let page = "{% extends \"layout.html\" %}{% block body %}<h1>{{ route }}</h1>{% for i in range(40) %}<p class=\"row\">Row {{ i }} of {{ route }}: lorem ipsum dolor sit amet.</p>{% endfor %}{% endblock %}";
    let nav =
        "<nav>{% for i in range(10) %}<a href=\"/p/{{ i }}\">Page {{ i }}</a>{% endfor %}</nav>";
    let renderer = TemplateRenderer::new()
        .template(
            "layout.html",
            layout.replace("{{ css }}", &"body{margin:0}".repeat(40)),
        )
        .unwrap()
        .template("nav.html", nav)
        .unwrap()
        .template("page.html", page)
        .unwrap();
    (0..PAGES).fold(renderer, |r, i| r.route(format!("/p/{i}"), "page.html"))
}

fn routes() -> Vec<String> {
    (0..PAGES).map(|i| format!("/p/{i}")).collect()
}

/// The same files prerender_site writes, written one by one (temp + rename).
fn bare_write(out: &Path, pages: &[(PathBuf, String)]) {
    for (file, html) in pages {
        let target = out.join(file);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let temp = target.with_extension("tmp");
        std::fs::write(&temp, html).unwrap();
        std::fs::rename(&temp, &target).unwrap();
    }
}

fn templates_ratios(rt: &tokio::runtime::Runtime) {
    use support::interleaved;
    let renderer = templates();
    let routes = routes();
    let pages: Vec<(PathBuf, String)> = routes
        .iter()
        .map(|r| {
            let file = file_for_route(r, Default::default()).unwrap();
            (file, renderer.render_now(r, json!({"route": r})).unwrap())
        })
        .collect();
    let size: usize = pages.iter().map(|(_, h)| h.len()).sum::<usize>() / PAGES;
    println!("template page size: {size} bytes");
    let (bare, site) = (support::scratch("ssr-bare"), support::scratch("ssr-site"));
    let opts = PrerenderOptions {
        progress: false,
        sync: false,
        ..PrerenderOptions::default()
    };
    let rounds = support::rounds(10);
    interleaved(
        "ssr: 1,000 template pages, render sequentially (no writes) vs bare write of the files",
        rounds,
        Duration::from_millis(200),
        || bare_write(&bare, &pages),
        || {
            for r in &routes {
                black_box(renderer.render_now(r, json!({"route": r})).unwrap());
            }
        },
    );
    interleaved(
        "ssr: 1,000 template pages, prerender_site vs bare write of the files",
        rounds,
        Duration::from_millis(200),
        || bare_write(&bare, &pages),
        || {
            let stats = rt
                .block_on(prerender_site(&renderer, routes.clone(), &site, opts))
                .unwrap();
            assert_eq!(stats.pages, PAGES);
        },
    );
    interleaved(
        "ssr: 1,000 template pages, prerender_site vs render then write sequentially",
        rounds,
        Duration::from_millis(200),
        || {
            for r in &routes {
                let html = renderer.render_now(r, json!({"route": r})).unwrap();
                let file = file_for_route(r, Default::default()).unwrap();
                bare_write(&bare, &[(file, html)]);
            }
        },
        || {
            black_box(
                rt.block_on(prerender_site(&renderer, routes.clone(), &site, opts))
                    .unwrap(),
            );
        },
    );
}

/// The seeds' renderer: one `node` process per page.
fn spawn_per_page(route: &str) -> String {
    let mut child = Command::new("node")
        .arg(SCRIPT)
        .env("NODE_ENV", "production")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "{}", json!({"id": 1, "route": route, "props": {}})).unwrap();
    drop(stdin);
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.wait().unwrap();
    line
}

fn node_ratios(rt: &tokio::runtime::Runtime) {
    let spawned = 50;
    let started = Instant::now();
    for i in 0..spawned {
        black_box(spawn_per_page(&format!("/p/{i}")));
    }
    let per_spawned_page = started.elapsed().as_nanos() as f64 / spawned as f64;
    let routes: Vec<String> = (0..10_000).map(|i| format!("/p/{i}")).collect();
    for workers in [1, 2] {
        let node = rt
            .block_on(NodeRenderer::start(
                SCRIPT,
                NodeOptions {
                    workers,
                    ..NodeOptions::default()
                },
            ))
            .unwrap();
        let started = Instant::now();
        rt.block_on(async {
            use futures::StreamExt;
            let rendered = futures::stream::iter(&routes)
                .map(|r| node.render(r, json!({"title": r})))
                .buffer_unordered(node.concurrency())
                .filter(|r| std::future::ready(r.is_ok()))
                .count()
                .await;
            assert_eq!(rendered, routes.len());
        });
        let per_pool_page = started.elapsed().as_nanos() as f64 / routes.len() as f64;
        let ratio = support::record(
            &format!(
                "ssr: node pool ({workers} worker{}) vs a process per page, per page",
                if workers == 1 { "" } else { "s" }
            ),
            per_spawned_page,
            per_pool_page,
        );
        println!(
            "node: {:.0} pages/s spawning per page, {:.0} pages/s with {workers} pooled worker(s): {:.0}x",
            1e9 / per_spawned_page,
            1e9 / per_pool_page,
            1.0 / ratio.ratio
        );
    }
}

fn smoke(rt: &tokio::runtime::Runtime) {
    let renderer = templates();
    let out = support::scratch("ssr-smoke");
    let opts = PrerenderOptions {
        progress: false,
        ..PrerenderOptions::default()
    };
    let stats = rt
        .block_on(prerender_site(
            &renderer,
            routes().into_iter().take(20),
            &out,
            opts,
        ))
        .unwrap();
    assert_eq!(stats.pages, 20);
    assert!(spawn_per_page("/p/1").contains("\"html\""));
    let node = rt
        .block_on(NodeRenderer::start(
            SCRIPT,
            NodeOptions {
                workers: 1,
                ..NodeOptions::default()
            },
        ))
        .unwrap();
    assert!(rt.block_on(node.render("/p/1", json!({}))).is_ok());
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    if std::env::args().any(|a| a == "--bench") {
        templates_ratios(&rt);
        node_ratios(&rt);
    } else {
        // `cargo test --all-targets` runs this once in a debug build: a
        // smoke run of both paths, small.
        smoke(&rt);
    }
    support::remove_scratch();
}
