//! Lecture claim 4: large batches are cheaper per epoch, but they end in
//! sharper minima and generalise worse (Keskar et al. 2017).
//!
//! cargo run --release --example lecture_4_batch_size [-- --out DIR]
//!
//! Prints the tables and writes the figures into DIR (default
//! `saddlescope-lecture/lecture_4_batch_size`). See
//! `saddlescope::lecture::batch_size` for the protocol.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use saddlescope::lecture::batch_size::{Settings, run};

// As the binary: batch size 1 allocates per step, and the timing should
// show the library, not the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let start = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = match args.as_slice() {
        [] => PathBuf::from("saddlescope-lecture/lecture_4_batch_size"),
        [flag, dir] if flag == "--out" => PathBuf::from(dir),
        _ => {
            eprintln!("usage: lecture_4_batch_size [--out DIR]");
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
            eprintln!("lecture_4_batch_size: {e}");
            ExitCode::FAILURE
        }
    }
}
