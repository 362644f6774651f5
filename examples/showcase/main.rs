//! Armature's showcase.
//!
//! ```text
//! showcase                              serve on 127.0.0.1:3000
//! showcase serve [--addr HOST:PORT] [--redis URL]
//!                                       serve the API (cache in memory, or on Redis)
//! showcase validate [FILE]              bulk-validate a JSON array of sign-ups
//! ```

mod model;
mod report;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use armature::{App, Cache, MemoryConfig, ParallelConfig};

const DEFAULT_ADDR: &str = "127.0.0.1:3000";
const DEFAULT_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/signups.json");
const USAGE: &str = "usage: showcase [serve [--addr HOST:PORT] [--redis URL] | validate [FILE]]";

enum Command {
    Serve { addr: String, redis: Option<String> },
    Validate { file: PathBuf },
}

fn parse(args: &[String]) -> Result<Command, String> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] => Ok(Command::Serve {
            addr: DEFAULT_ADDR.to_owned(),
            redis: None,
        }),
        ["serve", options @ ..] => {
            let (mut addr, mut redis) = (DEFAULT_ADDR.to_owned(), None);
            let mut options = options.iter();
            while let Some(option) = options.next() {
                let value = options
                    .next()
                    .ok_or_else(|| format!("`{option}` needs a value\n{USAGE}"))?;
                match *option {
                    "--addr" => addr = (*value).to_owned(),
                    "--redis" => redis = Some((*value).to_owned()),
                    other => return Err(format!("unknown option `{other}`\n{USAGE}")),
                }
            }
            Ok(Command::Serve { addr, redis })
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

async fn serve(addr: &str, redis: Option<&str>) -> Result<(), String> {
    let (cache, backend) = cache(redis).await?;
    let stats = Arc::new(users::CacheStats::default());
    let app = App::new()
        .controller(users::Users::new(cache, stats.clone()))
        .controller(users::CacheController { backend, stats });
    let server = app.bind(addr).await.map_err(|e| e.to_string())?;
    // Tests and scripts read this line to learn the port (`--addr 127.0.0.1:0`).
    println!("listening on http://{}", server.local_addr());
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
        Command::Serve { addr, redis } => match ParallelConfig::default().build() {
            Ok(runtime) => runtime.block_on(serve(&addr, redis.as_deref())),
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
