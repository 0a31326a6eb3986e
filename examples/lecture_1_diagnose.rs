//! Lecture 1: model bias, optimisation issue or overfitting — three real
//! `saddlescope diagnose` runs, each training the given network next to a
//! smaller and a bigger variant (see `saddlescope::lecture::diagnose`).
//!
//! cargo run --release --example lecture_1_diagnose [-- --out DIR]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use saddlescope::lecture::diagnose::{Settings, run};

/// As in the saddlescope binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.as_slice() {
        [] => PathBuf::from("saddlescope-lecture/lecture_1_diagnose"),
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: lecture_1_diagnose [--out DIR]");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
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
            println!("{:.1} s", start.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lecture_1_diagnose: {e}");
            ExitCode::FAILURE
        }
    }
}
