//! Lecture 3: many small networks, their critical points near the training
//! paths, and the minimum ratio against the loss — most are saddles, the
//! ratio rises as the loss falls.
//!
//! `cargo run --release --example lecture_3_saddle_vs_minima [-- --out DIR]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use saddlescope::lecture::saddle_vs_minima::{Settings, run};

fn main() -> ExitCode {
    let start = Instant::now();
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from("saddlescope-lecture/lecture_3_saddle_vs_minima");
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--out", Some(dir)) => out = PathBuf::from(dir),
            _ => {
                eprintln!("usage: lecture_3_saddle_vs_minima [--out DIR]");
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
        Ok(paths) => {
            for p in paths {
                println!("wrote {}", p.display());
            }
            println!("done in {:.1} s", start.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lecture_3_saddle_vs_minima: {e}");
            ExitCode::FAILURE
        }
    }
}
