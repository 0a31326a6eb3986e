//! The `saddlescope` command: see `saddlescope --help`.
//!
//! Exit codes: 0 success, 2 bad usage or bad input, 1 any other failure.

mod cli;

/// The dual-matrix kernels allocate and free many megabyte-sized buffers;
/// glibc returns them to the OS and page-faults them back (a third of a
/// Hessian's time, measured), mimalloc keeps them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                // `saddlescope … | head` is not a failure.
                return ExitCode::SUCCESS;
            }
            eprintln!("saddlescope: {err:#}");
            ExitCode::from(cli::exit_code(&err))
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == BrokenPipe)
            // JSON is written through serde_json, which wraps the I/O error.
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(BrokenPipe))
    })
}
