//! Lecture 2: the Taylor picture at a stalled point — gradient, Hessian
//! spectrum, verdict, and the escape along the eigenvector of a negative
//! eigenvalue, on Himmelblau's function and on a network at an exact saddle.
//!
//! `cargo run --release --example lecture_2_critical_points [-- --out DIR]`

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use saddlescope::lecture::critical_points::{Settings, run};

fn main() -> ExitCode {
    let start = Instant::now();
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from("saddlescope-lecture/lecture_2_critical_points");
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--out", Some(dir)) => out = PathBuf::from(dir),
            _ => {
                eprintln!("usage: lecture_2_critical_points [--out DIR]");
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
            eprintln!("lecture_2_critical_points: {e}");
            ExitCode::FAILURE
        }
    }
}
