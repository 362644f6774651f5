//! Armature's showcase.
//!
//! ```text
//! showcase                    validate examples/data/signups.json
//! showcase validate FILE      validate a JSON array of sign-ups in bulk
//! ```

mod model;
mod report;

use std::path::PathBuf;
use std::process::ExitCode;

const DEFAULT_DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data/signups.json");

const USAGE: &str = "usage: showcase [validate [FILE]]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let file = match args.as_slice() {
        [] | ["validate"] => PathBuf::from(DEFAULT_DATA),
        ["validate", file] => PathBuf::from(file),
        ["-h" | "--help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match report::run(&file) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("showcase: {e}");
            ExitCode::FAILURE
        }
    }
}
