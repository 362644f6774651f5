//! Armature's showcase.
//!
//! ```text
//! showcase                              serve on 127.0.0.1:3000
//! showcase serve [--addr HOST:PORT] [--redis URL] [--rate-limit N] [--admin-token TOKEN]
//!                                       serve the API (cache in memory, or on Redis;
//!                                       N requests/s per client, off by default;
//!                                       GET /admin/stats needs the token, printed at start-up)
//! showcase validate [FILE]              bulk-validate a JSON array of sign-ups
//! ```

mod admin;
mod limiter;
mod metrics;
mod middleware;
mod model;
mod report;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use std::time::Instant;

use armature::{App, Cache, MemoryConfig, ParallelConfig, pipeline};

use middleware::{AdminToken, access_log, rate_limit, request_id};

const DEFAULT_ADDR: &str = "127.0.0.1:3000";
const DEFAULT_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/signups.json");
const USAGE: &str = "usage: showcase [serve [--addr HOST:PORT] [--redis URL] [--rate-limit N] [--admin-token TOKEN] | validate [FILE]]";

#[derive(Default)]
struct ServeOptions {
    addr: String,
    redis: Option<String>,
    rate_limit: Option<u32>,
    admin_token: Option<String>,
}

enum Command {
    Serve(ServeOptions),
    Validate { file: PathBuf },
}

fn parse(args: &[String]) -> Result<Command, String> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] => Ok(Command::Serve(ServeOptions {
            addr: DEFAULT_ADDR.to_owned(),
            ..ServeOptions::default()
        })),
        ["serve", options @ ..] => {
            let mut serve = ServeOptions {
                addr: DEFAULT_ADDR.to_owned(),
                ..ServeOptions::default()
            };
            let mut options = options.iter();
            while let Some(option) = options.next() {
                let value = options
                    .next()
                    .ok_or_else(|| format!("`{option}` needs a value\n{USAGE}"))?;
                match *option {
                    "--addr" => serve.addr = (*value).to_owned(),
                    "--redis" => serve.redis = Some((*value).to_owned()),
                    "--rate-limit" => {
                        let n: u32 = value.parse().map_err(|_| {
                            format!("`--rate-limit` takes requests per second, got `{value}`")
                        })?;
                        serve.rate_limit = Some(n).filter(|n| *n > 0);
                    }
                    "--admin-token" if value.is_empty() => {
                        return Err("`--admin-token` cannot be empty".to_owned());
                    }
                    "--admin-token" => serve.admin_token = Some((*value).to_owned()),
                    other => return Err(format!("unknown option `{other}`\n{USAGE}")),
                }
            }
            Ok(Command::Serve(serve))
        }
        ["validate"] => Ok(Command::Validate {
            file: PathBuf::from(DEFAULT_DATA),
        }),
        ["validate", file] => Ok(Command::Validate {
            file: PathBuf::from(file),
        }),
        _ => Err(USAGE.to_owned()),
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

async fn serve(options: ServeOptions) -> Result<(), String> {
    let (cache, backend) = cache(options.redis.as_deref()).await?;
    let stats = Arc::new(users::CacheStats::default());
    let (token, generated) = match options.admin_token {
        Some(token) => (token, false),
        None => (admin::random_token(), true),
    };
    let app = App::new()
        .state(Arc::new(metrics::Metrics::default()))
        .state(Arc::new(limiter::RateLimiter::new(options.rate_limit)))
        .state(AdminToken(token.as_str().into()))
        // request_id wraps everything (429s and 404s carry the id too),
        // access_log inside it sees the id; rate_limit is a stage.
        .middleware(pipeline![request_id, access_log, rate_limit])
        .controller(users::Users::new(cache, stats.clone()))
        .controller(users::CacheController {
            backend,
            stats: stats.clone(),
        })
        .controller(metrics::MetricsController)
        .controller(admin::Admin {
            started: Instant::now(),
            stats,
            rate_limit: options.rate_limit,
        });
    let server = app.bind(&*options.addr).await.map_err(|e| e.to_string())?;
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
    let handle = server.shutdown_handle();
    tokio::spawn(async move {
        let _ = tokio::signal::ctrl_c().await;
        handle.shutdown();
    });
    #[cfg(unix)]
    {
        let handle = server.shutdown_handle();
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::spawn(async move {
                term.recv().await;
                handle.shutdown();
            });
        }
    }
    server.run().await.map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if matches!(args.first().map(String::as_str), Some("-h" | "--help")) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let command = match parse(&args) {
        Ok(command) => command,
        Err(usage) => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Validate { file } => report::run(&file).map(|report| print!("{report}")),
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
