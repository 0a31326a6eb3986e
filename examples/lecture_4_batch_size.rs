//! Lecture claim 4: large batches are cheaper per epoch, but they end in
//! sharper minima and generalise worse (Keskar et al. 2017).
//!
//! cargo run --release --example lecture_4_batch_size [-- --out DIR]
//!
//! Prints the tables and writes the figures into DIR (default
//! `saddlescope-lecture/lecture_4_batch_size`). See
//! `saddlescope::lecture::batch_size` for the protocol.

use std::process::ExitCode;

use saddlescope::lecture::batch_size::{Outcome, Settings, run};
use saddlescope::lecture::example_main;

// As the binary: batch size 1 allocates per step, and the timing should
// show the library, not the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    example_main(
        "lecture_4_batch_size",
        || run(&Settings::default()),
        Outcome::tables,
        Outcome::draw,
    )
}
