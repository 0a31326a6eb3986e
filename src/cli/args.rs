//! The raw command line, as clap parses it. Validation lives in `config.rs`.

use clap::{Args, Parser, Subcommand};

/// Hessian-based critical-point analysis: is this point a local minimum, a
/// saddle point, or not a critical point at all — and if it is a saddle,
/// which way is down?
#[derive(Debug, Parser)]
#[command(name = "saddlescope", version, about, long_about = None)]
#[command(after_help = "Exit codes: 0 success, 2 bad usage or bad input, 1 any other failure.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify a point from its gradient and Hessian spectrum: local
    /// minimum, local maximum, saddle point, degenerate, or not critical.
    #[command(after_help = "Examples:\n  \
        saddlescope classify --expr \"x^2 - y^2\" --at 0,0\n  \
        saddlescope classify --function himmelblau --at -0.270845,-0.923039\n  \
        saddlescope classify --expr \"x^3 - 3*x*y^2\" --at 0,0 --json")]
    Classify(ClassifyArgs),
    /// List the built-in functions with their known critical points, each
    /// classified by the engine.
    Functions(FunctionsArgs),
}

/// Where the objective comes from.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Source {
    /// A math expression in the variables, e.g. "x^2 - y^2": operators
    /// `+ - * / ^`, functions `sin cos tan exp ln log sqrt tanh sigmoid
    /// softplus abs`, constants `pi` and `e`.
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub expr: Option<String>,
    /// A built-in function (see `saddlescope functions`).
    #[arg(long, value_name = "NAME")]
    pub function: Option<String>,
}

/// Tolerances of the verdict.
#[derive(Debug, Args)]
pub struct ToleranceArgs {
    /// The point is critical when ‖∇f‖₂ ≤ G.
    #[arg(
        long,
        value_name = "G",
        default_value_t = 1e-4,
        allow_negative_numbers = true
    )]
    pub grad_tol: f64,
    /// An eigenvalue with |λ| ≤ E·max|λ| counts as zero.
    #[arg(
        long,
        value_name = "E",
        default_value_t = 1e-6,
        allow_negative_numbers = true
    )]
    pub eig_tol: f64,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    #[command(flatten)]
    pub source: Source,
    /// Variable order for --expr, comma-separated (default: order of first
    /// appearance).
    #[arg(long, value_name = "X,Y,…", requires = "expr")]
    pub vars: Option<String>,
    /// The point, comma-separated; negative coordinates as typed:
    /// --at -1.5,2
    #[arg(long, value_name = "X,Y,…", allow_hyphen_values = true)]
    pub at: String,
    #[command(flatten)]
    pub tolerances: ToleranceArgs,
    /// Length α of the trial step along the escape direction, whose actual
    /// change of f is compared with ½·λmin·α².
    #[arg(
        long,
        value_name = "ALPHA",
        default_value_t = 0.1,
        allow_negative_numbers = true
    )]
    pub step_length: f64,
    /// Print the JSON report instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FunctionsArgs {
    /// Dimension for the functions of any dimension (rosenbrock, rastrigin).
    #[arg(long, value_name = "N", default_value_t = 2)]
    pub dim: usize,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}
