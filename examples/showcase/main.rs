//! Armature's showcase.
//!
//! ```text
//! showcase                              serve on 127.0.0.1:3000
//! showcase serve [--addr HOST:PORT] [--redis URL] [--rate-limit N] [--admin-token TOKEN]
//!                 [--uploads DIR]
//! showcase validate [FILE]              bulk-validate a JSON array of sign-ups
//! showcase prerender OUT [--node]       write the pages marked `prerender` as a static site
//! showcase --help, showcase serve --help
//! ```

mod admin;
mod dashboard;
mod jobs;
mod limiter;
mod metrics;
mod middleware;
mod model;
mod pages;
mod report;
mod upload;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use armature::{App, Cache, MemoryConfig, ParallelConfig, Queue, Shutdown, Worker, pipeline};
use clap::{Parser, Subcommand};

use middleware::{AdminToken, access_log, rate_limit, request_id};

const DEFAULT_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/signups.json");

/// Armature's showcase: a validated, cached, rate-limited user API, and a
/// bulk validator. With no command it serves on 127.0.0.1:3000.
#[derive(Parser)]
#[command(name = "showcase", version)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (cache in memory unless `--redis` is given).
    Serve(ServeOptions),
    /// Bulk-validate a JSON array of sign-ups and print a report.
    Validate {
        /// The JSON file (default: the bundled 2,400 sign-ups).
        #[arg(value_name = "FILE", default_value = DEFAULT_DATA)]
        file: PathBuf,
    },
    /// Pre-render the pages marked `prerender` (GET /, /about, /features/…)
    /// into OUT as a static site, calling the app in process, and print the
    /// site's stats.
    Prerender {
        /// The output folder (created when missing).
        #[arg(value_name = "OUT")]
        out: PathBuf,
        /// Render the React example's pages (examples/ssr-react) through a
        /// pool of Node workers instead (needs `node`, `npm ci` in that
        /// folder, and a build with `--features ssr-node`).
        #[arg(long)]
        node: bool,
    },
}

// `Parser` (which includes `Args`) so the defaults of a bare `showcase`
// come from the same definitions as `showcase serve`.
#[derive(Parser)]
struct ServeOptions {
    /// Address to listen on; port 0 picks a free one (the chosen address is
    /// printed as `listening on http://…`).
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:3000")]
    addr: String,
    /// Keep the cache on this Redis server instead of in memory (needs a
    /// build with `--features redis`).
    #[arg(long, value_name = "URL")]
    redis: Option<String>,
    /// Requests per second allowed per client (429 with `retry-after`
    /// beyond); 0 or absent turns the limit off.
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// Bearer token for GET /admin/stats; a random one is generated and
    /// printed at start-up when absent.
    #[arg(long, value_name = "TOKEN", value_parser = non_empty)]
    admin_token: Option<String>,
    /// Where POST /upload stores files (created when missing).
    #[arg(long, value_name = "DIR", default_value = "uploads")]
    uploads: PathBuf,
}

fn non_empty(value: &str) -> Result<String, String> {
    if value.is_empty() {
        Err("cannot be empty".to_owned())
    } else {
        Ok(value.to_owned())
    }
}

async fn queue(redis: Option<&str>) -> Result<Queue, String> {
    match redis {
        None => Ok(Queue::memory()),
        #[cfg(feature = "redis")]
        Some(url) => Queue::redis(url).await.map_err(|e| e.to_string()),
        #[cfg(not(feature = "redis"))]
        Some(_) => Err("this build has no Redis support: run with `--features redis`".to_owned()),
    }
}

async fn cache(redis: Option<&str>) -> Result<(Cache, &'static str), String> {
    match redis {
        None => Ok((Cache::memory(MemoryConfig::default()), "memory")),
        #[cfg(feature = "redis")]
        Some(url) => Cache::redis(url)
            .await
            .map(|c| (c.with_prefix("showcase:"), "redis"))
            .map_err(|e| e.to_string()),
        #[cfg(not(feature = "redis"))]
        Some(_) => Err("this build has no Redis support: run with `--features redis`".to_owned()),
    }
}

/// The whole app, as `serve` runs it and `prerender` renders it.
async fn app(options: ServeOptions) -> Result<(App, Queue, String, bool), String> {
    let rate_limit = options.rate_limit.filter(|n| *n > 0);
    let (cache, backend) = cache(options.redis.as_deref()).await?;
    let queue = queue(options.redis.as_deref()).await?;
    let stats = Arc::new(users::CacheStats::default());
    let users = users::Users::new(cache, stats.clone());
    let (token, generated) = match options.admin_token {
        Some(token) => (token, false),
        None => (admin::random_token(), true),
    };
    let renderer = pages::renderer().map_err(|e| e.to_string())?;
    let app = App::new()
        .renderer(renderer)
        .state(Arc::new(metrics::Metrics::default()))
        .state(Arc::new(limiter::RateLimiter::new(rate_limit)))
        .state(AdminToken(token.as_str().into()))
        // request_id wraps everything (429s and 404s carry the id too),
        // access_log inside it sees the id; rate_limit is a stage.
        .middleware(pipeline![request_id, access_log, rate_limit])
        .controller(dashboard::Dashboard {
            users: users.clone(),
        })
        .controller(users)
        .controller(users::CacheController {
            backend,
            stats: stats.clone(),
        })
        .controller(metrics::MetricsController {
            queue: queue.clone(),
        })
        .controller(jobs::Jobs {
            queue: queue.clone(),
        })
        .controller(upload::Uploads {
            dir: options.uploads,
        })
        .controller(pages::Pages)
        .controller(admin::Admin {
            started: Instant::now(),
            stats,
            rate_limit,
        });
    Ok((app, queue, token, generated))
}

async fn serve(options: ServeOptions) -> Result<(), String> {
    let addr = options.addr.clone();
    let (app, queue, token, generated) = app(options).await?;
    let server = app.bind(&*addr).await.map_err(|e| e.to_string())?;
    // Tests and scripts read this line to learn the port (`--addr 127.0.0.1:0`).
    println!("listening on http://{}", server.local_addr());
    if generated {
        // Whoever reads stdout may have stopped after the first line.
        use std::io::Write;
        let _ = writeln!(
            std::io::stdout(),
            "admin token: {token} (GET /admin/stats with `authorization: Bearer {token}`)"
        );
    }
    // ctrl-c or SIGTERM stops the server (draining in-flight requests)
    // and the job worker (finishing or giving back its jobs).
    let signal = Shutdown::on_signal();
    let token = server.shutdown_handle();
    let worker = tokio::spawn(
        Worker::new(queue)
            .register(jobs::make_thumbnail)
            .concurrency(4)
            .batch_size(4)
            .run_until(token.clone()),
    );
    tokio::spawn(async move {
        signal.wait().await;
        token.shutdown();
    });
    server.run().await.map_err(|e| e.to_string())?;
    match worker.await {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(e) => Err(format!("the job worker failed: {e}")),
    }
}

/// `showcase prerender OUT [--node]`.
async fn prerender(out: PathBuf, node: bool) -> Result<(), String> {
    use armature::ssr::{PrerenderOptions, prerender_site};
    let stats = if node {
        prerender_with_node(&out).await?
    } else {
        let (app, _queue, _token, _generated) = app(ServeOptions::parse_from(["serve"])).await?;
        let service = app.build().map_err(|e| e.to_string())?;
        let routes = service.prerender_routes();
        prerender_site(&service, routes, &out, PrerenderOptions::default())
            .await
            .map_err(|e| e.to_string())?
    };
    println!("{stats}");
    if stats.failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{} pages failed", stats.failures.len()))
    }
}

#[cfg(feature = "ssr-node")]
async fn prerender_with_node(out: &std::path::Path) -> Result<armature::ssr::SiteStats, String> {
    use armature::ssr::{NodeOptions, NodeRenderer, PrerenderOptions, prerender_site};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/ssr-react");
    let node = NodeRenderer::start(format!("{dir}/server.js"), NodeOptions::default())
        .await
        .map_err(|e| format!("{e} (run `npm ci` in {dir})"))?;
    let routes = [
        "/",
        "/about",
        "/features/validation",
        "/features/jobs",
        "/features/uploads",
    ];
    let stats = prerender_site(&node, routes, out, PrerenderOptions::default()).await;
    node.shutdown();
    stats.map_err(|e| e.to_string())
}

#[cfg(not(feature = "ssr-node"))]
async fn prerender_with_node(_: &std::path::Path) -> Result<armature::ssr::SiteStats, String> {
    Err("this build has no Node renderer: run with `--features ssr-node`".to_owned())
}

fn main() -> ExitCode {
    // clap prints help and exits 0, or the error with a usage line and exits 2.
    let cli = Cli::parse();
    let command = cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeOptions::parse_from(["serve"])));
    let result = match command {
        Command::Validate { file } => report::run(&file).map(|report| print!("{report}")),
        Command::Prerender { out, node } => match ParallelConfig::default().build() {
            Ok(runtime) => runtime.block_on(prerender(out, node)),
            Err(e) => Err(e.to_string()),
        },
        Command::Serve(options) => match ParallelConfig::default().build() {
            Ok(runtime) => {
                // The access log (and warnings) on stderr; stdout is for
                // the lines scripts read.
                tracing_subscriber::fmt()
                    .with_writer(std::io::stderr)
                    .with_ansi(false)
                    .init();
                runtime.block_on(serve(options))
            }
            Err(e) => Err(e.to_string()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("showcase: {e}");
            ExitCode::FAILURE
        }
    }
}
