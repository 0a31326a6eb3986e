//! Lecture 5: gradient descent stops in a shallow minimum or crawls on a
//! plateau; momentum rolls over into the better minimum.
//!
//! `cargo run --release --example lecture_5_momentum [-- --out DIR]`

use std::process::ExitCode;

use saddlescope::lecture::example_main;
use saddlescope::lecture::momentum::{Outcome, Settings, run};

fn main() -> ExitCode {
    example_main(
        "lecture_5_momentum",
        || run(&Settings::default()),
        Outcome::tables,
        Outcome::draw,
    )
}
