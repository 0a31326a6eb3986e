//! Lecture 3: many small networks, their critical points near the training
//! paths, and the minimum ratio against the loss — most are saddles, the
//! ratio rises as the loss falls.
//!
//! `cargo run --release --example lecture_3_saddle_vs_minima [-- --out DIR]`

use std::process::ExitCode;

use saddlescope::lecture::example_main;
use saddlescope::lecture::saddle_vs_minima::{Outcome, Settings, run};

fn main() -> ExitCode {
    example_main(
        "lecture_3_saddle_vs_minima",
        || run(&Settings::default()),
        Outcome::tables,
        Outcome::draw,
    )
}
