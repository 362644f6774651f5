//! Armature's showcase.
//!
//! ```text
//! showcase                              serve on 127.0.0.1:3000
//! showcase serve [--addr HOST:PORT]     serve the API (in-memory state)
//! showcase validate [FILE]              bulk-validate a JSON array of sign-ups
//! ```

mod model;
mod report;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use armature::{App, ParallelConfig};

const DEFAULT_ADDR: &str = "127.0.0.1:3000";
const DEFAULT_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/signups.json");
const USAGE: &str = "usage: showcase [serve [--addr HOST:PORT] | validate [FILE]]";

enum Command {
    Serve { addr: String },
    Validate { file: PathBuf },
}

fn parse(args: &[String]) -> Result<Command, String> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] | ["serve"] => Ok(Command::Serve {
            addr: DEFAULT_ADDR.to_owned(),
        }),
        ["serve", "--addr", addr] => Ok(Command::Serve {
            addr: (*addr).to_owned(),
        }),
        ["validate"] => Ok(Command::Validate {
            file: PathBuf::from(DEFAULT_DATA),
        }),
        ["validate", file] => Ok(Command::Validate {
            file: PathBuf::from(file),
        }),
        _ => Err(USAGE.to_owned()),
    }
}

async fn serve(addr: &str) -> Result<(), armature::AppError> {
    let server = App::new()
        .controller(users::Users::default())
        .bind(addr)
        .await?;
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
    server.run().await?;
    Ok(())
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
        Command::Serve { addr } => match ParallelConfig::default().build() {
            Ok(runtime) => runtime.block_on(serve(&addr)).map_err(|e| e.to_string()),
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
