//! Lecture 6: in a ravine gradient descent bounces or crawls; adaptive rates
//! get through, burst near the end, and learning-rate decay removes the bursts.
//!
//! `cargo run --release --example lecture_6_adaptive_lr [-- --out DIR]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use saddlescope::lecture::adaptive_lr::{Settings, run};

fn main() -> ExitCode {
    let start = Instant::now();
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from("saddlescope-lecture/lecture_6_adaptive_lr");
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--out", Some(dir)) => out = PathBuf::from(dir),
            _ => {
                eprintln!("usage: lecture_6_adaptive_lr [--out DIR]");
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
            eprintln!("lecture_6_adaptive_lr: {e}");
            ExitCode::FAILURE
        }
    }
}
