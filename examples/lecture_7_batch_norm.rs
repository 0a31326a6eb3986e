//! Lecture claim 7: standardised features and BatchNorm lower the Hessian's
//! condition number, and BatchNorm trains on raw features (Ioffe & Szegedy 2015).
//!
//! cargo run --release --example lecture_7_batch_norm [-- --out DIR]
//!
//! Prints the tables and writes the figures into DIR (default
//! `saddlescope-lecture/lecture_7_batch_norm`). See
//! `saddlescope::lecture::batch_norm` for the protocol.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use saddlescope::lecture::batch_norm::{Settings, run};

fn main() -> ExitCode {
    let start = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.as_slice() {
        [] => PathBuf::from("saddlescope-lecture/lecture_7_batch_norm"),
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: lecture_7_batch_norm [--out DIR]");
            return ExitCode::from(2);
        }
    };
    // Printing stops quietly on a closed pipe (`| head`); the figures are
    // still drawn.
    let mut stdout = std::io::stdout().lock();
    let result = run(&Settings::default()).and_then(|outcome| {
        for table in outcome.tables() {
            let _ = writeln!(stdout, "{table}");
        }
        outcome.draw(&out)
    });
    match result {
        Ok(figures) => {
            for f in figures {
                let _ = writeln!(stdout, "wrote {}", f.display());
            }
            let _ = writeln!(stdout, "{:.1} s", start.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lecture_7_batch_norm: {e}");
            ExitCode::FAILURE
        }
    }
}
