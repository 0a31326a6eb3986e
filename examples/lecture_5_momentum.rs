//! Lecture 5: gradient descent stops in a shallow minimum or crawls on a
//! plateau; momentum rolls over into the better minimum.
//!
//! `cargo run --release --example lecture_5_momentum [-- --out DIR]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use saddlescope::lecture::momentum::{Settings, run};

fn main() -> ExitCode {
    let start = Instant::now();
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from("saddlescope-lecture/lecture_5_momentum");
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--out", Some(dir)) => out = PathBuf::from(dir),
            _ => {
                eprintln!("usage: lecture_5_momentum [--out DIR]");
                return ExitCode::FAILURE;
            }
        }
    }
    let result = run(&Settings::default()).and_then(|outcome| {
        for table in outcome.tables() {
            println!("{table}");
        }
        outcome.draw(&out)
    });
    match result {
        Ok(files) => {
            for f in files {
                println!("wrote {}", f.display());
            }
            println!("{:.1} s", start.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lecture_5_momentum: {e}");
            ExitCode::FAILURE
        }
    }
}
