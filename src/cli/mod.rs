//! Command-line interface: parse → validated config → one library call →
//! render. Raw clap structs are turned into configs in `config.rs`.

mod args;
mod config;
mod descend;
mod diagnose;
mod escape;
mod find;
mod plot;
mod render;
mod spectrum;
mod tour;
mod tour_report;
mod train;

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

pub use args::Cli;
use args::Command;

/// Parses the command line and runs the command.
pub fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match cli.command {
        Command::Classify(args) => {
            let config = config::ClassifyConfig::from_args(&args)?;
            let outcome = config.run()?;
            if args.json {
                print_json(&mut out, &config.json(&outcome))?;
            } else {
                match &outcome {
                    config::Outcome::Dense(a) => {
                        render::classification(&mut out, &config.describe(), a)?
                    }
                    config::Outcome::MatrixFree { analysis, note } => render::matrix_free(
                        &mut out,
                        &config.describe(),
                        analysis,
                        note.as_deref(),
                    )?,
                }
            }
        }
        Command::Spectrum(args) => {
            let config = spectrum::SpectrumConfig::from_args(&args)?;
            let report = config.run()?;
            if args.json {
                print_json(&mut out, &config.json(&report))?;
            } else {
                config.render(&mut out, &report)?;
            }
        }
        Command::Descend(args) => {
            let config = descend::DescendConfig::from_args(&args)?;
            let d = config.run()?;
            if args.json {
                print_json(&mut out, &config.json(&d))?;
            } else {
                config.render(&mut out, &d)?;
            }
        }
        Command::Train(args) => train::train(&args, &mut out)?,
        Command::Diagnose(args) => diagnose::run(&args, &mut out)?,
        Command::Compare(args) => train::compare(&args, &mut out)?,
        Command::Tour(args) => tour::run(&args.out, &mut out)?,
        Command::Plot(cmd) => plot::run(&cmd, &mut out)?,
        Command::Report(args) => plot::report(&args, &mut out)?,
        Command::Find(args) => {
            let config = find::FindConfig::from_args(&args)?;
            let found = config.run()?;
            if args.json {
                print_json(&mut out, &config.json(&found))?;
            } else {
                config.render(&mut out, &found)?;
            }
        }
        Command::Escape(args) => {
            let config = escape::EscapeConfig::from_args(&args)?;
            let report = config.run()?;
            if args.json {
                print_json(&mut out, &config.json(&report))?;
            } else {
                config.render(&mut out, &report)?;
            }
        }
        Command::Functions(args) => {
            let rows = config::function_rows(args.dim)?;
            if args.json {
                print_json(&mut out, &render::functions_json(&rows))?;
            } else {
                render::functions(&mut out, &rows)?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Pretty JSON and a newline: the `--json` form of every command.
pub fn print_json(out: &mut impl Write, value: &serde_json::Value) -> Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// 2 for the caller's mistakes (bad usage, bad input), 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    let user_error = err.chain().any(|cause| {
        cause
            .downcast_ref::<saddlescope::Error>()
            .is_some_and(saddlescope::Error::is_user_error)
    });
    if user_error { 2 } else { 1 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn negative_coordinates_parse_as_typed() {
        let cli = Cli::try_parse_from([
            "saddlescope",
            "classify",
            "--function",
            "himmelblau",
            "--at",
            "-1.5,2",
        ])
        .unwrap();
        let Command::Classify(args) = cli.command else {
            panic!("expected classify")
        };
        assert_eq!(args.at.as_deref(), Some("-1.5,2"));
    }
}
