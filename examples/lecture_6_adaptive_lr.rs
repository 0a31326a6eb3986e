//! Lecture 6: in a ravine gradient descent bounces or crawls; adaptive rates
//! get through, burst near the end, and learning-rate decay removes the bursts.
//!
//! `cargo run --release --example lecture_6_adaptive_lr [-- --out DIR]`

use std::process::ExitCode;

use saddlescope::lecture::adaptive_lr::{Outcome, Settings, run};
use saddlescope::lecture::example_main;

fn main() -> ExitCode {
    example_main(
        "lecture_6_adaptive_lr",
        || run(&Settings::default()),
        Outcome::tables,
        Outcome::draw,
    )
}
