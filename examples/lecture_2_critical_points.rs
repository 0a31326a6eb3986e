//! Lecture 2: the Taylor picture at a stalled point — gradient, Hessian
//! spectrum, verdict, and the escape along the eigenvector of a negative
//! eigenvalue, on Himmelblau's function and on a network at an exact saddle.
//!
//! `cargo run --release --example lecture_2_critical_points [-- --out DIR]`

use std::process::ExitCode;

use saddlescope::lecture::critical_points::{Outcome, Settings, run};
use saddlescope::lecture::example_main;

fn main() -> ExitCode {
    example_main(
        "lecture_2_critical_points",
        || run(&Settings::default()),
        Outcome::tables,
        Outcome::draw,
    )
}
