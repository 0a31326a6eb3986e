//! Lecture claim 7: standardised features and BatchNorm lower the Hessian's
//! condition number, and BatchNorm trains on raw features (Ioffe & Szegedy 2015).
//!
//! cargo run --release --example lecture_7_batch_norm [-- --out DIR]
//!
//! Prints the tables and writes the figures into DIR (default
//! `saddlescope-lecture/lecture_7_batch_norm`). See
//! `saddlescope::lecture::batch_norm` for the protocol.

use std::process::ExitCode;

use saddlescope::lecture::batch_norm::{Outcome, Settings, run};
use saddlescope::lecture::example_main;

fn main() -> ExitCode {
    example_main(
        "lecture_7_batch_norm",
        || run(&Settings::default()),
        Outcome::tables,
        Outcome::draw,
    )
}
