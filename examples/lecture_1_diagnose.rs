//! Lecture 1: model bias, optimisation issue or overfitting — three real
//! `saddlescope diagnose` runs, each training the given network next to a
//! smaller and a bigger variant (see `saddlescope::lecture::diagnose`).
//!
//! cargo run --release --example lecture_1_diagnose [-- --out DIR]

use std::process::ExitCode;

use saddlescope::lecture::diagnose::{Outcome, Settings, run};
use saddlescope::lecture::example_main;

/// As in the saddlescope binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    example_main(
        "lecture_1_diagnose",
        || run(&Settings::default()),
        Outcome::tables,
        Outcome::draw,
    )
}
